"""Live metrics while a load runs: Prometheus remote write, the live progress files and
`perfgate watch` (docs/live.md)."""

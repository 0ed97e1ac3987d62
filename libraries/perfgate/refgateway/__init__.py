"""PerfGate's reference gateway: the embedded default system under test.

An aiohttp server with HTTP and WebSocket endpoints, simulated backends,
Prometheus metrics and deliberate faults (leaks, errors, stalls, dropped
events) that tests switch on to check that PerfGate notices them.
Run it with `python -m perfgate.refgateway --port 0`.
"""

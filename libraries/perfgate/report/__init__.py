"""What log.html and the trends page show: script-free inline SVG charts, one renderer.

`svg` writes the markup (primitives, escaping, legends), `axes` maps values to
pixels and text (scales, round ticks, time and millisecond labels),
`linechart` draws series, bands, rules, markers and marked points and holds the
one point reduction, `barchart` draws bars (the latency histogram), and
`runchart` places a run's timeline rows on a time axis for every protocol.
"""

"""What log.html shows: script-free inline SVG charts (`svgchart`)."""

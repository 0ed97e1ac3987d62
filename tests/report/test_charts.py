"""The shared SVG charts: valid SVG, bounded size, gaps, rules and reduction."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from perfgate.report.axes import format_number, format_seconds, nice_ticks
from perfgate.report.barchart import Bar, bar_chart
from perfgate.report.linechart import Marker, Rule, Series, line_chart, reduce_points

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def test_line_chart_is_valid_svg_with_series_rules_markers_and_shade():
    points = [(float(t), 10.0 + t % 7) for t in range(60)]
    svg = line_chart(
        [Series("p95", points), Series("p99", points, "#c0392b", dashed=True)],
        title="Latency <ms> & co",
        rules=[Rule(25.0, "p95 limit")],
        markers=[Marker(40.0, "stopped")],
        shade=(0.0, 5.0),
    )
    root = parse(svg)
    assert len(root.findall(f"{SVG}polyline")) == 2
    assert "p95 limit" in svg and "stopped" in svg and "warm-up" in svg
    assert "Latency &lt;ms&gt; &amp; co" in svg
    assert "<script" not in svg


def test_nan_values_split_the_line():
    points = [(0.0, 1.0), (1.0, 2.0), (2.0, math.nan), (3.0, 2.0), (4.0, 3.0)]
    root = parse(line_chart([Series("x", points)]))
    assert len(root.findall(f"{SVG}polyline")) == 2


def test_single_point_runs_are_dots_and_empty_input_draws_nothing():
    root = parse(line_chart([Series("x", [(0.0, 1.0), (1.0, math.nan), (2.0, 3.0)])]))
    assert len(root.findall(f"{SVG}circle")) == 2
    assert line_chart([Series("x", [(0.0, math.nan)])]) == ""
    assert line_chart([]) == ""
    assert bar_chart([]) == ""


def test_an_hour_of_seconds_stays_a_few_kilobytes():
    points = [(float(t), 50.0 + 40.0 * math.sin(t / 30.0) + (t % 13)) for t in range(3600)]
    series = [Series(name, points) for name in ("p50", "p95", "p99")]
    svg = line_chart(series, rules=[Rule(120.0, "limit")], shade=(0, 60))
    parse(svg)
    assert len(svg) < 16_000  # hover columns included


def test_reduction_keeps_the_spike_and_the_dip():
    points = [(float(t), 10.0) for t in range(10_000)]
    points[5_000] = (5_000.0, 900.0)
    points[7_000] = (7_000.0, 0.5)
    reduced = reduce_points(points, 0.0, 9_999.0, 50)
    assert len(reduced) <= 100
    values = [y for _, y in reduced]
    assert 900.0 in values and 0.5 in values
    assert [x for x, _ in reduced] == sorted(x for x, _ in reduced)


def test_a_rule_far_above_the_data_is_listed_not_drawn():
    svg = line_chart([Series("p95", [(0.0, 1.0), (1.0, 2.0)])], rules=[Rule(2000.0, "limit")])
    assert "limit (above the chart)" in svg
    assert 'stroke="#c0392b" stroke-width="1.2"' not in svg  # no rule line across the plot
    near = line_chart([Series("p95", [(0.0, 1.0), (1.0, 2.0)])], rules=[Rule(3.0, "limit")])
    assert 'stroke="#c0392b" stroke-width="1.2"' in near and "above the chart" not in near


def test_bar_chart_labels_a_few_bars_and_marks_a_limit():
    bars = [Bar(f"{i} ms", float(i * i), tooltip=f"{i} requests") for i in range(40)]
    svg = bar_chart(bars, title="Histogram", markers=[Marker(12.5, "p95 limit")])
    root = parse(svg)
    rects = root.findall(f"{SVG}rect")
    assert len(rects) == 1 + 39  # the frame and every non-empty bar
    assert sum(1 for t in root.findall(f"{SVG}text") if t.text and t.text.endswith(" ms")) <= 7
    assert "p95 limit" in svg
    assert len(svg) < 8_000


def test_ticks_are_round_and_span_the_range():
    assert nice_ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(0, 2.2, whole=True) == [0, 1, 2]  # no half an event
    ticks = nice_ticks(0, 0.37)
    assert ticks[0] == 0 and ticks[-1] <= 0.37 and len(ticks) >= 3
    assert nice_ticks(5, 5) == [5]


def test_axis_numbers_are_short():
    assert [format_number(v) for v in (0, 2.5, 120, 5000, 15000, 2e6)] == [
        "0",
        "2.5",
        "120",
        "5,000",
        "15,000",
        "2,000,000",
    ]


def test_seconds_read_naturally():
    assert format_seconds(0) == "0 s"
    assert format_seconds(2.5) == "2.5 s"
    assert format_seconds(90) == "90 s"
    assert format_seconds(600) == "10 min"
    assert format_seconds(3 * 3600 + 300) == "3 h 5 min"

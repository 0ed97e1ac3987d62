"""Charts that do not mislead (issue 17), checked on the SVG and HTML they produce: no rate
from a partial second, every latency line readable, 1-2-5 ticks inside the metric's valid
range, labels off the data, a value on hover for every x, one number format."""

from __future__ import annotations

import dataclasses
import math
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import numpy as np

from loadkw.results import load_result
from perfgate.baseline.report import format_value
from perfgate.baseline.trend_model import Point as RunPoint
from perfgate.baseline.trend_model import Projection
from perfgate.baseline.trend_model import Series as TrendSeries
from perfgate.baseline.trend_svg import chart as trend_chart
from perfgate.load.gate import BreakingPoint, judge
from perfgate.load.gatewaymemory import GatewayMemory, memory_chart
from perfgate.load.http.charts import latency_chart, throughput_chart
from perfgate.load.http.plan import plan_run
from perfgate.load.http.report import render_html
from perfgate.load.http.result_metrics import LoadMetrics
from perfgate.measure.units import format_number
from perfgate.report.axes import log_ticks, nice_ticks, time_ticks
from perfgate.report.linechart import Marker, Series, line_chart
from perfgate.report.runchart import RunAxis

SVG = "{http://www.w3.org/2000/svg}"
URL = "http://127.0.0.1:9/api/echo"


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def polyline_ys(svg: str, colour: str) -> list[float]:
    """Every vertex's y of the lines drawn in `colour`."""
    ys: list[float] = []
    for line in ET.fromstring(svg).iter(f"{SVG}polyline"):
        if line.get("stroke") == colour:
            ys += [float(p.split(",")[1]) for p in (line.get("points") or "").split()]
    return ys


def y_ticks(svg: str) -> list[str]:
    """The y axis labels: the texts right-aligned against the plot's left edge."""
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"
            and float(t.get("x", "0")) < 100]  # fmt: skip


def test_the_last_partial_second_is_not_plotted_as_a_rate():
    result = load_result(seconds=10)
    last = result.timeline[-1]
    # 8,189 requests in the last 0.11 s: 74,000 req/s if divided by its width.
    result.timeline[-1] = dataclasses.replace(last, width_s=0.11, rps=74_094.0, goodput=74_094.0)
    result.stages = [{"duration_s": 9.11, "target": 4.0}]
    svg = throughput_chart(result)
    assert "74" not in "".join(y_ticks(svg))
    axis = RunAxis.middle(result.timeline, 9.11, 0.0)
    assert axis.partial
    rate = axis.rate("achieved", result.timeline, "rps", "#000")
    assert math.isnan(rate.points[-1][1]) and not math.isnan(rate.points[-2][1])
    # A whole last second is kept.
    assert not RunAxis.middle(load_result(seconds=10).timeline, 10.0, 0.0).partial


def test_p50_and_p95_can_be_read_when_p99_is_500_ms():
    result = load_result(seconds=20)
    for row in result.timeline:
        row.p50, row.p95, row.p99 = 2.0, 9.0, 500.0
    svg = latency_chart(result)
    root = ET.fromstring(svg)
    frame = next(root.iter(f"{SVG}rect"))
    base = float(frame.get("y", "0")) + float(frame.get("height", "0"))
    p50 = polyline_ys(svg, "#2a9d3c")
    p95 = polyline_ys(svg, "#1f6fb4")
    p99 = polyline_ys(svg, "#7b3fa0")
    height = base - min(p99)
    # On a linear axis p50 would sit 0.4 % of the height above zero (half a pixel), p95
    # 2 %: here each has room of its own.
    assert base - max(p50) > 0.08 * height and max(p50) - max(p95) > 0.15 * height
    assert {"1 ms", "10 ms", "100 ms"} <= set(texts(svg))  # a log axis, 1-2-5 ticks


def test_close_latency_lines_keep_a_linear_axis():
    result = load_result(seconds=20)
    svg = latency_chart(result)
    assert "0" in y_ticks(svg)  # linear axes start at zero


def test_ticks_are_1_2_5_whole_for_counts_and_time_ticks_come_every_few_steps():
    assert nice_ticks(0, 1.2, whole=True) == [0, 1]
    assert all(str(t)[0] in "0125" or t == 0 for t in nice_ticks(0, 137))
    assert nice_ticks(0, 137) == [0, 50, 100] and nice_ticks(0, 90) == [0, 20, 40, 60, 80]
    assert log_ticks(1.5, 60) == [2, 5, 10, 20, 50]
    assert log_ticks(1, 600) == [1, 10, 100]  # over two decades: powers of ten only
    assert time_ticks(0, 60) == [0, 10, 20, 30, 40, 50, 60]
    assert time_ticks(0, 3600) == [0, 600, 1200, 1800, 2400, 3000, 3600]
    lost = line_chart([Series("lost", [(float(t), float(t % 2)) for t in range(20)])], y_whole=True)
    assert "0.5" not in y_ticks(lost) and y_ticks(lost) == ["0", "1"]
    labels = [t for t in texts(lost) if t.endswith(" s")]
    assert len(labels) >= 4  # not only "0" and the end


def test_gateway_memory_axis_starts_at_zero():
    t = [float(i) for i in range(30)]
    rss = [41.6 + 0.4 * i / 29 for i in range(30)]
    memory = GatewayMemory("process tree", 1.0, t, rss, 41.6, 42.0, 42.0, 0.4)
    assert y_ticks(memory_chart(memory))[0] == "0"


def test_gateway_memory_is_drawn_on_the_runs_time_axis_with_its_warm_up():
    """Its chart ends where the run's other charts end and shades the same warm-up (issue 17)."""
    t = [float(i) for i in range(30)]
    memory = GatewayMemory("process tree", 1.0, t, [41.6] * 30, 41.6, 41.6, 41.6, 0.0)
    svg = memory_chart(memory, 40.0, 5.0)
    assert "40 s" in texts(svg) and "warm-up" in texts(svg)
    assert "40 s" not in texts(memory_chart(memory)) and "warm-up" not in texts(
        memory_chart(memory)
    )


def _trend(unit: str, values: list[float], slope: float) -> TrendSeries:
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    points = [
        RunPoint(
            i + 1, start + timedelta(days=i), v, "compared", "within noise", None, None, None, None
        )
        for i, v in enumerate(values)
    ]
    projection = Projection("better", slope, 0.01, len(values), values[-1], None, None, None, False)
    return TrendSeries("env", "base", "t", "m", unit, "lower", points, projection, 1)


def test_trend_charts_stay_in_the_metric_range_and_never_write_an_exponent():
    errors = trend_chart(_trend("fraction", [0.0004, 0.0002, 0.0001, 0.00005], -0.0001))
    assert not any(t.startswith("-") for t in texts(errors))
    success = trend_chart(_trend("fraction", [0.99, 0.995, 0.999, 1.0], 0.002))
    assert all(float(t.rstrip("%")) <= 100 for t in y_ticks(success))
    rates = trend_chart(_trend("req/s", [11_520.0, 11_600.0, 11_480.0], 0.0))
    assert "e+0" not in rates and "11,520 req/s" in rates
    assert format_value(11_520.0, "req/s") == "11,520 req/s"


def test_labels_never_sit_on_the_data():
    # A line at the very top of its range, across the warm-up and the marker.
    points = [(float(t), 100.0) for t in range(60)]
    svg = line_chart(
        [Series("connections", points, "#1f6fb4")],
        shade=(0.0, 10.0),
        markers=[Marker(30.0, "broke at 11,667 req/s")],
    )
    root = ET.fromstring(svg)
    labels = [t for t in root.iter(f"{SVG}text") if t.text in ("warm-up", "broke at 11,667 req/s")]
    assert len(labels) == 2
    lowest_label = max(float(t.get("y", "0")) for t in labels)
    assert min(polyline_ys(svg, "#1f6fb4")) > lowest_label + 2  # the line runs below them


def test_a_passing_breakpoint_run_shows_no_fail_row():
    result = load_result()
    plan = plan_run("breakpoint", URL, thresholds="p95 < 1 ms", rate=100)
    point = BreakingPoint(True, 80.0, "req/s", 3.0, 78.0, ("p95 was 5.0 ms, limit < 1 ms",))
    verdict = judge(plan.thresholds, LoadMetrics(result).metric, breaking_point=point)
    assert not verdict.failed
    html = render_html(result, plan, verdict)
    assert ">FAIL<" not in html and "breaking point" in html


def test_every_point_can_be_read_on_hover():
    result = load_result(seconds=12)
    svg = latency_chart(result)
    titles = [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}title")]
    assert len(titles) == 12
    assert titles[0].startswith("0.5 s: p50 ") and " · p95 " in titles[0] and "ms" in titles[0]
    assert "<script" not in svg
    long = line_chart([Series("rss", [(float(t), float(t % 50)) for t in range(3600)])])
    spans = [t.text or "" for t in ET.fromstring(long).iter(f"{SVG}title")]
    assert 20 <= len(spans) <= 60 and re.match(r"0 s–60 s: rss 0–49$", spans[0])


def test_numbers_are_formatted_one_way():
    assert format_number(0.833333) == "0.833"
    assert format_number(11666.666666666668) == "11,667"
    assert format_number(108132) == "108,132"
    assert format_number(1.152e4) == "11,520"
    assert format_number(-0.0001) == "-0.0001" and format_number(math.nan) == "n/a"
    plan = plan_run("constant", URL, warmup="0.833333 s", duration="10 s")
    html = render_html(load_result(np.linspace(1, 50, 100)), plan, judge((), lambda *_: None))
    assert "warm-up of 0.833 s excluded" in html

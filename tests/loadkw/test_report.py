"""What a load run looks like in log.html and on the console."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from loadkw.results import load_result
from perfgate.load.events.figures import EventTimelineRow
from perfgate.load.gate import BreakingPoint, EarlyStop, Verdict, judge
from perfgate.load.http.charts import all_charts, errors_chart, histogram_chart, latency_chart
from perfgate.load.http.console import progress_line, progress_printer
from perfgate.load.http.plan import plan_run
from perfgate.load.http.report import render_html, render_names, summary_line, verdict_line
from perfgate.load.http.result import Progress, TimelineRow
from perfgate.load.http.result_metrics import KNOWN_METRICS, LoadMetrics
from perfgate.load.report import Lookup, suspect_warning
from perfgate.load.sse import report as sse_report
from perfgate.load.sse.result import SseResult
from perfgate.load.thresholds import parse_thresholds
from perfgate.load.ws import report as ws_report
from perfgate.load.ws.result import WebSocketResult

URL = "http://127.0.0.1:9/api/echo"


def svg_ok(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    return root


def test_every_chart_is_valid_small_svg():
    result = load_result(np.linspace(1, 300, 5000), errors=20, warmup_s=2)
    checks = parse_thresholds("p95 < 200 ms, rps >= 100, error_rate < 1%", KNOWN_METRICS)
    charts = all_charts(result, checks)
    assert len(charts) == 5
    for chart in charts:
        svg_ok(chart)
        assert len(chart) < 8_000
        assert "<script" not in chart
    assert "p95 &lt; 200 ms" in charts[0] and "warm-up" in charts[0]


def test_an_hour_long_timeline_keeps_every_chart_small():
    result = load_result(np.linspace(1, 300, 20_000), errors=3600, seconds=3600)
    for i, row in enumerate(result.timeline):
        row.p95 = 20.0 + (i % 97)
        row.errors = i % 3
    total = 0
    for chart in all_charts(result, parse_thresholds("p95 < 100 ms", KNOWN_METRICS)):
        svg_ok(chart)
        assert len(chart) < 16_000  # with its hover columns
        total += len(chart)
    assert total < 50_000


def test_no_errors_no_error_chart_and_no_samples_no_histogram():
    result = load_result()
    assert errors_chart(result) == ""
    result.histograms = {}
    assert histogram_chart(result) == ""


def test_histogram_counts_every_response_and_marks_the_limit():
    result = load_result(np.linspace(1, 1000, 2000))
    svg = histogram_chart(result, parse_thresholds("p95 < 500 ms", KNOWN_METRICS))
    root = svg_ok(svg)
    ns = "{http://www.w3.org/2000/svg}"
    tips = [r.find(f"{ns}title") for r in root.iter(f"{ns}rect")]
    counted = sum(int(t.text.split()[0].replace(",", "")) for t in tips if t is not None and t.text)
    assert counted == 2000
    assert "p95 &lt; 500 ms" in svg


def test_stop_marker_on_the_time_charts():
    result = load_result(seconds=20)
    svg = latency_chart(result, markers=[])
    assert "stopped" not in svg
    plan = plan_run("constant", URL, thresholds="p95 < 1 ms", abort_on_fail=True)
    stop = EarlyStop(12.0, 60.0, ("p95 was 50.5 ms, limit < 1 ms",))
    verdict = judge(plan.thresholds, LoadMetrics(result).metric, stop=stop)
    html = render_html(result, plan, verdict)
    assert "stopped early" in html and ">stopped<" in html


def test_the_table_shows_each_threshold_with_its_value_and_the_warnings():
    result = load_result(np.linspace(1, 100, 1000), warnings=["missed 5 of 100 intended requests"])
    plan = plan_run("constant", URL, thresholds="p95 < 50 ms, p99 < 1 s", time_scale=0.5)
    verdict = judge(plan.thresholds, LoadMetrics(result).metric, warnings=result.warnings)
    html = render_html(result, plan, verdict, '<a href="x.json">x.json</a>')
    assert re.search(r"p95 &lt; 50 ms</td><td>95\.\d ms</td><td><b[^>]*>FAIL", html)
    assert re.search(r"p99 &lt; 1 s</td><td>99\.\d ms</td><td><b[^>]*>PASS", html)
    assert "WARN</b> missed 5 of 100 intended requests" in html
    assert "time scale 0.5" in html and 'href="x.json"' in html
    assert "The result is suspect" in verdict_line(verdict)
    line = summary_line(result, plan)
    assert line.startswith(f"Load 'constant' on {result.url}: 1,000 requests in 10.0 s")
    assert line.endswith(
        "; warm-up 2.5 s (the profile's 5 s, shortened by time scale 0.5) not counted."
    )
    assert "warm-up 2.5 s (the profile&#x27;s 5 s, shortened by time scale 0.5)" in html


def test_per_name_table_only_for_a_mix():
    single = load_result()
    assert render_names(single) == ""
    mix = load_result(by_name={"create": [1.0, 2.0], "list": [3.0]})
    html = render_names(mix)
    assert "<td>create</td>" in html and "<td>list</td>" in html


def test_breaking_point_heads_the_table():
    result = load_result()
    plan = plan_run("breakpoint", URL, thresholds="p95 < 1 ms", rate=100)
    point = BreakingPoint(True, 80.0, "req/s", 3.0, 78.0, ("p95 was 5.0 ms, limit < 1 ms",))
    verdict = judge(plan.thresholds, LoadMetrics(result).metric, breaking_point=point)
    html = render_html(result, plan, verdict)
    assert "Breaking point: 80.0 req/s" in html and "broke at 80 req/s" in html
    assert verdict_line(verdict).startswith("Breaking point: 80.0 req/s")


def make_progress(elapsed: float, warmup: bool = False) -> Progress:
    row = TimelineRow(elapsed - 1, 412.0, 5.0, 12.34, 20.0, 412, 3, 37, 450.0, warmup=warmup)
    return Progress(
        row, elapsed, 60.0, warmup, 5000, 3, 0.0006, 400.0, 0, p50=5.0, p95=11.0, p99=20.0
    )


def test_progress_line_and_its_pace():
    line = progress_line("stress", make_progress(12.0), "clients", open_model=False)
    # 3 of the second's 412 responses failed: its successful ones are shown beside the rate.
    assert line == (
        "[stress] 12/60 s  ETA 48 s  412 req/s (409 ok)  p95 12.3 ms  errors 3 (0.06%)  clients 37"
    )
    warm = progress_line("x", make_progress(1.0, True), "connections", open_model=True)
    assert warm == (
        "[x] 1/60 s  ETA 59 s  warm-up  412 req/s (409 ok) (target 450)  p95 12.3 ms  connections 37"
    )
    lines: list[str] = []
    printer = progress_printer(lines.append, "s", "clients", False, every_s=5)
    for second in range(1, 13):
        printer(make_progress(float(second)))
    assert [re.match(r"\[s\] (\d+)/", x).group(1) for x in lines] == ["1", "6", "11"]  # type: ignore[union-attr]


PARTIAL = "Partial result: the run stopped at 4.2 s of 10 s (42%): interrupted by Ctrl-C."
DIED = "The gateway under test died during the load, at 4.2 s of 10 s; the run was stopped."


def _event_results() -> list[tuple[str, object]]:
    ws = WebSocketResult("ws://127.0.0.1:9/ws", "broadcast", 5, 10.0, 4.2, 1.0, None, "c", 1)
    sse = SseResult("http://127.0.0.1:9/sse/c", "GET", 5, 10.0, 4.2, 1.0, "c", 1)
    return [
        ("WebSocket", ws_report.render_table(ws, _cut_short(ws.metric))),
        ("SSE", sse_report.render_table(sse, _cut_short(sse.metric))),
    ]


def _cut_short(lookup: Lookup) -> Verdict:
    verdict = judge(parse_thresholds("p95 < 1 s", KNOWN_METRICS), lookup)
    return dataclasses.replace(verdict, partial=PARTIAL, faults=[DIED])


def test_every_protocol_shows_a_partial_result_in_its_table():
    result = load_result(np.linspace(1, 100, 1000))
    plan = plan_run("constant", URL, thresholds="p95 < 1 s")
    http = render_html(result, plan, _cut_short(LoadMetrics(result).metric))
    for name, html in [("HTTP", http), *_event_results()]:
        row = re.search(r"<th[^>]*>Partial result</th><td>(.*?)</td>", html)
        assert row, name
        assert ">PARTIAL</b> the run stopped at 4.2 s of 10 s (42%): interrupted by Ctrl-C." in (
            row.group(1)
        ), name
        # Under the verdict, above every figure it qualifies.
        assert html.index(">Verdict<") < row.start() < html.index("Thresholds"), name
        assert f"FAIL</b> {DIED}" in html, name
    full = judge(plan.thresholds, LoadMetrics(result).metric)
    assert "Partial result" not in render_html(result, plan, full)
    assert "held until the run stopped" not in render_html(result, plan, full)
    # Thresholds that held on a run cut short held until then; its charts mark where it stopped.
    held = render_html(result, plan, dataclasses.replace(full, partial=PARTIAL))
    assert "all 1 threshold(s) held until the run stopped" in held
    assert ">stopped<" in held and ">stopped<" not in render_html(result, plan, full)


def _event_row(t: float, width_s: float = 1.0) -> EventTimelineRow:
    return EventTimelineRow(t, 5, 5, 0, 0, 0, 100, 100.0, 100, 1.0, 2.0, 3.0, 0, width_s=width_s)


def test_event_charts_mark_where_a_run_cut_short_stopped():
    """WebSocket and SSE charts mark where a run cut short (Ctrl-C, a Robot timeout, a dead
    gateway) stopped, as HTTP's do: at the end of the last row measured; no line goes on
    past it (the connections held to the planned end)."""
    rows = [_event_row(0.0), _event_row(1.0), _event_row(2.0), _event_row(3.0, 0.5)]
    ws = WebSocketResult("ws://127.0.0.1:9/ws", "broadcast", 5, 10.0, 10.0, 0.0, None, "c", 1)
    sse = SseResult("http://127.0.0.1:9/sse/c", "GET", 5, 10.0, 10.0, 0.0, "c", 1)
    for name, result, render in [
        ("WebSocket", ws, ws_report.render_html),
        ("SSE", sse, sse_report.render_html),
    ]:
        result.timeline = rows
        full = judge((), result.metric)
        charts = render(result, full).count("<svg")
        assert charts >= 3 and ">stopped<" not in render(result, full), name
        html = render(result, dataclasses.replace(full, partial=PARTIAL))
        # Every chart over the run's time axis (not the gateway memory's) has one.
        assert html.count(">stopped<") == charts, name
        for svg in re.findall(r"<svg.*?</svg>", html):
            line = re.search(r'<line x1="([\d.]+)"[^>]*/>\s*<text[^>]*>stopped<', svg)
            frame = re.search(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
            assert line and frame, name
            x0, width, stop_x = float(frame.group(1)), float(frame.group(2)), float(line.group(1))
            assert stop_x == pytest.approx(x0 + width * 3.5 / 10.0, abs=1), name
            drawn = re.findall(r'points="([^"]+)"', svg)
            xs = [float(p.split(",")[0]) for points in drawn for p in points.split()]
            assert xs and max(xs) <= stop_x + 0.5, (name, max(xs), stop_x)


def test_a_dead_gateway_is_the_verdict_line_not_the_breaking_point():
    point = BreakingPoint(True, 80.0, "req/s", 3.0, 78.0, ("p95 was 5.0 ms, limit < 1 ms",))
    verdict = Verdict((), [], breaking_point=point, faults=[DIED])
    assert verdict_line(verdict) == DIED
    assert verdict_line(dataclasses.replace(verdict, faults=[])).startswith("Breaking point")


def test_the_suspect_warning_is_left_out_when_the_gateway_explains_the_figures():
    verdict = Verdict((), [], warnings=["only 0 samples"])
    said = suspect_warning("WebSocket load on ws://x", ["only 0 samples"], verdict, " Why.")
    assert said == "WebSocket load on ws://x: the result is suspect: only 0 samples. Why."
    assert suspect_warning("SSE load on x", [], verdict) is None
    dead = dataclasses.replace(verdict, faults=[DIED])
    assert suspect_warning("SSE load on x", ["only 0 samples"], dead) is None

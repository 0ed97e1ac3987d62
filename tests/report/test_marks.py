"""The shared renderer's marks (bands, dots, ticks, points, captions), its legend placement
and a run's time axis: what the memory, trend and load charts are drawn with."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from perfgate.report.axes import nice_ticks
from perfgate.report.linechart import Band, Dots, Marker, Point, Series, Ticks, line_chart
from perfgate.report.runchart import RunAxis, midpoints
from perfgate.report.svg import LegendEntry

SVG = "{http://www.w3.org/2000/svg}"
LINE = [Series("RSS", [(float(t), 100.0 + t) for t in range(100)])]


def test_bands_dots_ticks_and_points_are_drawn_and_listed():
    svg = line_chart(
        LINE,
        title="LEAK",
        bands=[Band(10.0, 20.0, colour="#e8eef6"), Band(40.0, 50.0, "window")],
        dots=[Dots("floor", [(10.0, 110.0), (60.0, 160.0)], "#c0392b")],
        ticks=[Ticks("collection", [5.0, 5.1, 30.0], "#7b3fa0")],
        points=[Point(50.0, 150.0, "#7a1f14", radius=5, ring=True, css="ring", tooltip="a <b>")],
        legend_extra=[LegendEntry("#7a1f14", "window floor", "ring")],
    )
    root = ET.fromstring(svg)
    assert svg.count('fill="#e8eef6"') == 1 and ">window<" in svg
    dots = re.search(r'<path d="([^"]*)" stroke="#c0392b"', svg)
    assert dots is not None and dots.group(1).count("h0") == 2
    ticks = re.search(r'<path d="([^"]*)" stroke="#7b3fa0"', svg)
    assert ticks is not None and ticks.group(1).count("v7") == 2  # 5.0 and 5.1: one pixel
    [ring] = root.findall(f"{SVG}circle")
    assert ring.get("fill") == "none" and ring.get("class") == "ring"
    assert ring.find(f"{SVG}title") is not None and "a &lt;b&gt;" in svg
    legend = [t.text for t in root.findall(f"{SVG}text")]
    assert {"RSS", "floor", "collection", "window floor"} <= set(legend)


def test_marks_widen_the_y_range_and_nothing_is_drawn_without_a_line():
    svg = line_chart(LINE, points=[Point(5.0, 900.0, "#000")], y_min=None)
    labels = [t.text or "" for t in ET.fromstring(svg).findall(f"{SVG}text")]
    assert "800" in labels  # the point at 900 is inside the chart
    assert line_chart([], points=[Point(1.0, 1.0, "#000")]) == ""


def test_a_legend_that_does_not_fit_beside_the_title_goes_below_it():
    many = [Series(name, LINE[0].points) for name in ("achieved", "successful", "target")]
    short = line_chart(many, title="Rate")
    long = line_chart(many, title="Requests per second: all and successful (goodput), long")
    assert '<text x="62" y="14" font-weight="bold">Rate</text>' in short
    assert re.search(r'<text x="[\d.]+" y="14">achieved</text>', short)
    assert re.search(r'<text x="[\d.]+" y="27">achieved</text>', long)


def test_caption_and_run_labels_replace_the_time_labels():
    svg = line_chart(
        LINE,
        x_range=(1.0, 21.0),
        x_format=lambda run: f"run {run:.0f}",
        x_ticks=lambda low, high: nice_ticks(low, high, 6, whole=True),
        caption=[("runs 1-19", ""), ("projected 2 runs ahead", "#bc4c00")],
        legend=False,
    )
    texts = [t.text for t in ET.fromstring(svg).findall(f"{SVG}text")]
    assert {"run 5", "run 10", "run 20", "runs 1-19", "projected 2 runs ahead"} <= set(texts)
    assert "RSS" not in texts


def test_a_marker_label_sits_below_the_warm_up_label():
    svg = line_chart(LINE, shade=(0.0, 10.0), markers=[Marker(50.0, "stopped")])
    warmup = re.search(r'<text x="[\d.]+" y="(\d+)" fill="#666">warm-up', svg)
    stopped = re.search(r'y="(\d+)" text-anchor="start" fill="#888888">stopped', svg)
    assert warmup and stopped and int(stopped.group(1)) > int(warmup.group(1))


@dataclass
class Row:
    t: float
    width_s: float
    p50: float | None
    p95: float | None
    p99: float | None


def test_run_axis_places_rows_at_their_middle_or_end():
    rows = [Row(0.0, 1.0, 1.0, 2.0, 3.0), Row(1.0, 1.0, None, None, None), Row(2.0, 10.0, 1, 2, 3)]
    assert midpoints(rows, end_s=5.0) == [0.5, 1.5, 3.5]
    assert RunAxis.row_end(rows, 5.0, 0.0).xs == [1.0, 2.0, 5.0]
    axis = RunAxis.middle(rows, 5.0, warmup_s=1.0)
    p50, p95, p99 = axis.percentiles(rows)
    assert (p50.label, p95.label, p99.label) == ("p50", "p95", "p99")
    assert math.isnan(p95.points[1][1]) and p95.points[2] == (3.5, 2.0)
    svg = axis.chart([p95], title="Latency")
    assert "warm-up" in svg and svg.count("<polyline") == 0  # single points are dots
    assert svg.count("<circle") == 2

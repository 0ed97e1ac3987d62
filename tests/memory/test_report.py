"""What a memory result looks like in log.html and on disk."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html import escape
from pathlib import Path

import numpy as np
import pytest

from memory.results import result_from
from memory.synthetic import rss_series
from perfgate.memory.chart import BLOCKS, render_chart, sparkline
from perfgate.memory.leak import LeakCriteria
from perfgate.memory.mapping import MappingGrowth, MappingSnapshot, category_of, mapping_growth
from perfgate.memory.report import (
    failure_message,
    render_html,
    render_mapping_growth,
    render_table,
    save_json,
    summary_line,
)
from perfgate.memory.saved import read_saved


def leaky():
    t, rss = rss_series(leak_mb_per_hour=600, duration_s=600, interval_s=2, sawtooth_mb=15)
    return result_from(t, rss)


def test_sparkline_scales_and_handles_flat_and_empty():
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8], width=8) == BLOCKS
    assert sparkline([5, 5, 5], width=8) == BLOCKS[0] * 3
    assert sparkline([]) == ""
    assert len(sparkline(np.arange(1000.0), width=20)) == 20


def test_chart_is_small_svg_with_cut_collections_windows_floors_and_trend():
    result = leaky()
    leak = result.leak
    svg = render_chart(result)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "warm-up" in svg and "LEAK" in svg
    # One ring per window floor, one dot per floor, one tick per collection.
    assert svg.count("<circle") == len(leak.window_floors)
    dots = re.search(r'<path d="([^"]*)" stroke="#c0392b"', svg)
    assert dots is not None and dots.group(1).count("h0") == len(leak.floors)
    ticks = re.search(r'<path d="([^"]*)" stroke="#7b3fa0"', svg)
    assert ticks is not None and ticks.group(1).count("v7") == len(leak.collections_s)
    # Every other window shaded.
    assert svg.count('fill="#e8eef6"') == len(leak.window_floors) // 2
    assert 'stroke="#e07b00"' in svg  # the trend line
    assert len(svg) < 24_000  # with the hover columns (perfgate.report.hover)
    assert "<script" not in svg


def test_chart_of_an_8_hour_soak_stays_small():
    t, rss = rss_series(duration_s=8 * 3600, interval_s=1, sawtooth_mb=20, gc_period_s=60)
    assert len(render_chart(result_from(t, rss))) < 24_000


def test_summary_line_has_verdict_and_figures_and_no_sparkline():
    line = summary_line(leaky())
    assert line.startswith("Memory 'synthetic' LEAK: ")
    assert not re.search(f"[{BLOCKS}]", line)
    assert "MB/h" in line and "samples" in line


def test_a_leak_message_leads_with_plain_words_and_keeps_statistics_for_the_table():
    result = leaky()
    message = failure_message(result)
    assert re.fullmatch(
        r"Memory 'synthetic' LEAK: grew [\d.,]+ MB in 10 min, about [\d.,]+ MB/(h|min), "
        r"limit 5 MB/h; the lowest readings kept rising after the warm-up, the statistics "
        r"are in the log\.",
        message,
    ), message
    assert message.isascii()
    assert "Mann-Kendall" not in message and "CI" not in message
    assert "Mann-Kendall" in render_html(result)


def test_html_shows_mapping_growth_only_for_a_leak():
    growth = [MappingGrowth("heap", 10 << 20, 50 << 20), MappingGrowth("files", 1 << 20, 1 << 20)]
    result = leaky()
    result.mapping_growth = growth
    assert "Where the memory grew" in render_html(result)
    t, rss = rss_series(duration_s=60, interval_s=1)
    calm = result_from(t, rss)
    calm.mapping_growth = growth
    assert "Where the memory grew" not in render_html(calm)


def test_mapping_categories_and_growth_order():
    assert category_of("[heap]") == "heap"
    assert category_of("") == "anonymous"
    assert category_of("[anon:scudo]") == "anonymous"
    assert category_of("[stack]") == "stack"
    assert category_of("/usr/lib/libc.so.6") == "libraries"
    assert category_of("/var/cache/data.bin") == "files"
    assert category_of("[vdso]") == "other"
    before = MappingSnapshot({"heap": 10, "anonymous": 5}, {"/a": 1})
    after = MappingSnapshot({"heap": 30, "anonymous": 6}, {"/a": 9, "/b": 2})
    rows = mapping_growth(before, after)
    assert [r.name for r in rows[:2]] == ["heap", "anonymous"]
    assert [r.name for r in rows if r.name.startswith("/")] == ["/a", "/b"]


def test_json_is_saved_atomically_with_unique_names(tmp_path, monkeypatch):
    monkeypatch.setenv("PABOTQUEUEINDEX", "3")
    result = leaky()
    first = save_json(result, tmp_path)
    second = save_json(result, tmp_path)
    assert first.json_path != second.json_path
    assert "-q3-p" in first.json_path  # type: ignore[operator]
    data = json.loads(Path(first.json_path).read_text())  # type: ignore[arg-type]
    assert data["kind"] == "memory" and data["verdict"] == "LEAK"
    assert data["json_path"] == first.json_path
    assert len(data["series"]["t_s"]) == result.samples
    assert not list(tmp_path.glob(".memory-*.tmp"))
    json.dumps(data, allow_nan=False)


def test_saved_name_is_safe_and_unique(tmp_path):
    first = save_json(replace(leaky(), alias="my gateway/1"), tmp_path)
    second = save_json(replace(leaky(), alias="my gateway/1"), tmp_path)
    name = Path(first.json_path).name
    assert re.fullmatch(r"memory-my_gateway_1-q\w+-p\d+-\d{3}\.json", name), name
    assert first.json_path != second.json_path


def test_repr_is_short_for_the_robot_log():
    result = leaky()
    assert len(repr(result)) < 200 and "LEAK" in repr(result)


def test_inconclusive_result_is_json_safe_and_charts():
    t, rss = rss_series(duration_s=10, interval_s=1)
    result = result_from(t, rss, LeakCriteria())
    json.dumps(result.to_dict(), allow_nan=False)
    assert render_chart(result).startswith("<svg")


def test_a_saved_result_reads_back_and_is_judged_again(tmp_path):
    saved = save_json(leaky(), tmp_path)
    back = read_saved(saved.json_path)  # type: ignore[arg-type]
    assert back.json_path == saved.json_path
    assert (back.verdict, back.reason, back.samples) == (saved.verdict, saved.reason, saved.samples)
    assert back.leak.floors == saved.leak.floors
    assert back.leak.collections_s == saved.leak.collections_s
    for mine, theirs in zip(back.series(), saved.series(), strict=True):
        np.testing.assert_allclose(mine, theirs, atol=1e-3)
    strict = LeakCriteria(max_rate_mb_per_hour=1000, min_growth_mb=2)
    assert back.with_criteria(strict).verdict == saved.with_criteria(strict).verdict


def test_a_file_that_is_not_a_saved_memory_result_is_refused_in_one_sentence(tmp_path):
    load = tmp_path / "load.json"
    load.write_text('{"kind": "load"}')
    with pytest.raises(ValueError, match=r"does not hold a saved memory result \(expected"):
        read_saved(load)
    with pytest.raises(ValueError, match=r"cannot read a memory result from .*: No such file"):
        read_saved(tmp_path / "missing.json")
    garbled = tmp_path / "garbled.json"
    garbled.write_text("{")
    with pytest.raises(ValueError, match="is not JSON"):
        read_saved(garbled)


def test_figures_are_formatted_as_everywhere_else():
    """Thousands separators and 3 significant digits (`format_number`), bytes in the size
    unit that reads best: no "108132 bytes" or "+3617.9 MB/h" (issue 17)."""
    t, rss = rss_series(leak_mb_per_hour=3600, duration_s=600, interval_s=2, sawtooth_mb=15)
    result = result_from(t, rss).with_requests(12_345)
    result.mapping_growth = [MappingGrowth("heap", 10 << 20, 1_500 << 20)]
    line = summary_line(result)
    table = render_table(result) + render_mapping_growth(result)
    assert re.search(r"floor trend \+\d,\d{3} MB/h", line), line
    assert re.search(r"Per request</th><td>[\d.]+ KiB over 12,345 requests", table), table
    assert "<b>+1,490</b>" in table
    # The verdict's reason is the leak analysis's own sentence; a p-value keeps its own form.
    plain = re.sub(r"<[^>]+>|p=\S+", " ", (line + table).replace(escape(result.reason), ""))
    assert not re.findall(r"\d{4,}", plain), "a number without thousands separators"
    for number in re.findall(r"\d[\d,]*\.\d+", plain):  # 3 significant digits at most
        assert len(number.replace(",", "").replace(".", "").lstrip("0")) <= 3, number

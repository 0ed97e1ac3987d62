"""The standalone trends page: one section per test, one chart per metric.

Self-contained (inline CSS and SVG, no network). A few lines of script
check after load that every chart has been laid out and record any error
on the <html> element, so a headless browser can verify the page renders.
"""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape
from itertools import groupby

import perfgate
from perfgate.baseline.report import format_value
from perfgate.baseline.trend_model import Series
from perfgate.baseline.trend_svg import COLOURS, chart
from perfgate.baseline.trend_text import describe_trend, title_of

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #1f2328; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 32px; }
h3 { font-size: 14px; margin: 18px 0 4px; }
table { border-collapse: collapse; font-size: 13px; }
td, th { padding: 3px 10px; border-bottom: 1px solid #d0d7de; text-align: left; }
.worse { color: #cf222e; font-weight: 600; } .better { color: #1a7f37; }
.prediction { font-size: 13px; margin: 2px 0 6px; }
.legend span { margin-right: 14px; font-size: 12px; }
.note { color: #57606a; font-size: 13px; }
"""

_CHECK_SCRIPT = """
window.addEventListener('error', function (e) {
  document.documentElement.dataset.errors =
    (document.documentElement.dataset.errors || '') + (e.message || 'error') + ';';
});
window.addEventListener('load', function () {
  var charts = document.querySelectorAll('svg.chart');
  var drawn = 0;
  charts.forEach(function (svg) {
    var box = svg.getBBox();
    if (box.width > 0 && box.height > 0 && svg.querySelector('polyline.values')) { drawn++; }
  });
  document.documentElement.dataset.charts = String(charts.length);
  document.documentElement.dataset.chartsDrawn = String(drawn);
});
"""


def render_page(series: list[Series], source: str, bad_lines: list[int]) -> str:
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body: list[str] = [
        "<h1>PerfGate trends</h1>",
        f'<p class="note">From {escape(source)}, generated {generated} by PerfGate '
        f"{escape(perfgate.__version__)}.</p>",
    ]
    if bad_lines:
        body.append(
            f'<p class="note">Skipped {len(bad_lines)} unreadable history lines '
            f"(first: line {bad_lines[0]}).</p>"
        )
    if not series:
        body.append("<p>The history holds no results yet.</p>")
    else:
        body.append(_overview(series))
        body.append(_legend())
        for title, group in groupby(series, key=title_of):
            items = list(group)
            body.append(f"<h2>{escape(title)}</h2>")
            if items[0].fingerprints > 1:
                body.append(
                    f'<p class="note">{items[0].fingerprints} machine fingerprints share this '
                    "environment label: compare with care.</p>"
                )
            for item in items:
                body.append(_section(item))
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<title>PerfGate trends</title>"
        f"<style>{_STYLE}</style><script>{_CHECK_SCRIPT}</script></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


def _overview(series: list[Series]) -> str:
    rows = []
    for item in series:
        latest = item.points[-1]
        css = item.projection.direction if item.projection.direction != "flat" else ""
        rows.append(
            "<tr>"
            f"<td>{escape(title_of(item))}</td><td>{escape(item.metric)}</td>"
            f"<td>{escape(format_value(latest.value, item.unit))}</td>"
            f"<td>{len(item.points)}</td><td>{len(item.regressions)}</td>"
            f"<td class='{css}'>{escape(describe_trend(item))}</td>"
            "</tr>"
        )
    return (
        "<table><tr><th>test</th><th>metric</th><th>latest</th><th>runs</th>"
        "<th>regressions</th><th>trend and prediction</th></tr>" + "".join(rows) + "</table>"
    )


def _legend() -> str:
    entries = (
        ("value", "median per run"),
        ("regressed", "regressed run"),
        ("baseline", "baseline median"),
        ("limit", "regression limit"),
        ("version", "new baseline version"),
        ("projection", "trend projection"),
    )
    return (
        '<p class="legend">'
        + "".join(
            f'<span><b style="color:{COLOURS[key]}">&#9632;</b> {label}</span>'
            for key, label in entries
        )
        + "</p>"
    )


def _section(series: Series) -> str:
    css = series.projection.direction if series.projection.direction != "flat" else ""
    return (
        f"<h3>{escape(series.metric)}</h3>"
        f'<p class="prediction {css}">{escape(describe_trend(series))}</p>'
        f"{chart(series)}"
    )

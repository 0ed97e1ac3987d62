"""How heap snapshots, their comparison and allocation sites read in log.html."""

from __future__ import annotations

from html import escape

from perfgate.artifacts.paths import link_html
from perfgate.memory.heap.compare import ClassGrowth, HeapComparison
from perfgate.memory.heap.sampling import AllocationProfile
from perfgate.memory.heap.snapshot import HeapSnapshot

_CELL = 'style="text-align:right;padding:0 .6em"'


def _kb(value: int, sign: bool = False) -> str:
    return f"{value / 1024:{'+' if sign else ''},.1f} KB"


def _table(header: list[str], rows: list[list[str]], css: str) -> str:
    head = "".join(f"<th {_CELL}>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td {_CELL}>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><tr>{head}</tr>{body}</table>'


def snapshot_html(snapshot: HeapSnapshot, limit: int = 10) -> str:
    """The snapshot's link (it opens in Chrome DevTools, Memory tab, Load) and its largest classes."""
    rows = [
        [escape(name), f"{size.count:,}", _kb(size.self_size)]
        for name, size in snapshot.largest(limit)
    ]
    return f"<p>{escape(snapshot.describe())} File: {link_html(snapshot.path)}</p>" + _table(
        ["Constructor", "Objects", "Self size"], rows, "perfgate-heap"
    )


def comparison_html(comparison: HeapComparison, limit: int = 15) -> str:
    """DevTools' comparison view as a table: rows above noise in bold, the top one named."""
    rows = [_growth_row(row, row in comparison.growing) for row in comparison.rows[:limit]]
    links = f"{link_html(comparison.before)} → {link_html(comparison.after)}"
    return (
        f"<p>Heap growth {_kb(comparison.delta_bytes, True)}, "
        f"{escape(comparison.summary())}. Snapshots: {links}</p>"
        + _table(
            [
                "Constructor",
                "# New",
                "# Deleted",
                "# Delta",
                "Alloc. size",
                "Freed size",
                "Size delta",
            ],
            rows,
            "perfgate-heap-comparison",
        )
    )


def _growth_row(row: ClassGrowth, above_noise: bool) -> list[str]:
    name = f"<b>{escape(row.name)}</b>" if above_noise else escape(row.name)
    return [
        name,
        f"{row.new:,}",
        f"{row.deleted:,}",
        f"{row.delta:+,}",
        _kb(row.alloc_bytes),
        _kb(row.freed_bytes),
        _kb(row.delta_bytes, True),
    ]


def allocation_html(profile: AllocationProfile, limit: int = 10) -> str:
    """The allocation sites that kept most, with function, file and line."""
    rows = [
        [
            escape(site.function or "(anonymous)"),
            escape(site.file or "(native)"),
            str(site.line),
            _kb(site.bytes),
        ]
        for site in profile.sites[:limit]
    ]
    if profile.interval_bytes:
        how = (
            f"sampled every {profile.interval_bytes:,} bytes; function lines are where each "
            "function starts."
        )
    else:
        files = ", ".join(link_html(path) for path in profile.files)
        how = f"every allocation recorded by memray; lines are the allocating statement. Files: {files}"
    return (
        f"<p>Allocations still held after {profile.duration_s:.1f} s of {escape(profile.target)}:"
        f" {_kb(profile.kept_bytes)} {how}</p>"
        + _table(["Function", "File", "Line", "Kept"], rows, "perfgate-allocations")
    )

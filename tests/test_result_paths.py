"""The docs and the results agree, and a .robot file reads every documented access path.

Every `${result...}`, `${r...}` and `${ws...}` in README.md, docs/engine.md, docs/load.md,
docs/websocket.md and LoadLibrary's keyword documentation, and every attribute in the result
tables of docs/engine.md ("Result format") and docs/websocket.md ("The result"), must name an
attribute the result has and be read in atest/access/result_paths.robot, which runs one
HTTP and one WebSocket load and checks each value. A newly documented path that the atest
does not read fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, fields
from pathlib import Path

import pytest

from perfgate.load.http.result import LatencySummary, LoadResult
from perfgate.load.ws.result import WebSocketResult, WsTimelineRow

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("README.md", "docs/engine.md", "docs/load.md", "docs/websocket.md")
KEYWORD_DOCS = (
    "libraries/LoadLibrary/__init__.py",
    "libraries/LoadLibrary/http_keywords.py",
    "libraries/LoadLibrary/websocket_keywords.py",
)
ATEST = ROOT / "atest" / "access" / "result_paths.robot"
# ${var.path} (in an f-string docstring ${{var.path}}), then any Robot item syntax [key].
_PATH = re.compile(
    r"\$\{\{?(?P<var>result|r|ws)(?P<path>(?:\.\w+|\[[^\]\s]*\])+)\}?\}(?P<items>(?:\[[^\]\s]+\])*)",
    re.IGNORECASE,
)
ATTRIBUTES = {
    # The keyword layer adds breaking_point, error_limit and json_path to the engine's LoadResult.
    "load": {f.name for f in fields(LoadResult)}
    | {"breaking_point", "error_limit", "json_path", "warnings"},
    "websocket": {f.name for f in fields(WebSocketResult)}
    | {"gateway_memory_peak_mb", "gateway_memory_growth_mb"},
}
TABLES = {"load": ("docs/engine.md", "## Result format"), "websocket": ("docs/websocket.md", "## The result")}  # fmt: skip

Path_ = tuple[str, str]  # (kind, path as written after the variable, quotes made alike)


def _kind(var: str, path: str) -> str:
    """`ws` is a WebSocket result; `result` and `r` are whichever result has the attribute."""
    first = re.match(r"\.(\w+)", path)
    name = first.group(1) if first else ""
    if var.lower() == "ws" or (name not in ATTRIBUTES["load"] and name in ATTRIBUTES["websocket"]):
        return "websocket"
    return "load"


def paths_in(text: str) -> set[Path_]:
    """Every result access path in `text`, by kind."""
    found = set()
    for match in _PATH.finditer(text):
        path = match.group("path").replace('"', "'")
        items = match.group("items")
        found.add((_kind(match.group("var"), path), path + ("}" + items if items else "")))
    return found


def atest_paths(text: str) -> set[Path_]:
    """The paths the atest reads: ${RESULT...} is the load result, ${WS...} the WebSocket one."""
    return {
        ("websocket" if m.group("var").lower() == "ws" else "load", path)
        for m in _PATH.finditer(text)
        for path in [m.group("path").replace('"', "'") + (f"}}{m.group('items')}" if m.group("items") else "")]
    }  # fmt: skip


def table_attributes(text: str, heading: str) -> set[str]:
    """The attributes in the first column of the first table after `heading`."""
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        previous = ""
        for code in re.findall(r"`([^`]+)`", line.split("|")[1]):
            for token in code.split():
                if token.startswith("_") and previous:  # `event_latency_p50`, `_p95`
                    token = previous.rsplit("_", 1)[0] + token
                if re.fullmatch(r"[a-z][a-z0-9_]*", token):
                    names.add(token)
                    previous = token
    return names


def documented() -> set[Path_]:
    text = "\n".join((ROOT / name).read_text(encoding="utf-8") for name in DOCS + KEYWORD_DOCS)
    return paths_in(text)


def missing(docs: set[Path_], read: set[Path_]) -> list[Path_]:
    return sorted(docs - read)


def unread(kind: str, attributes: set[str], read: set[Path_]) -> list[str]:
    """Attributes no atest path of `kind` starts with."""
    return sorted(
        name
        for name in attributes
        if not any(k == kind and re.match(rf"\.{name}(?:$|[.\[}}])", p) for k, p in read)
    )


def test_the_docs_show_paths_and_the_extraction_finds_them() -> None:
    docs = documented()
    assert ("load", ".by_name['create'].p95") in docs
    assert ("load", ".service['p50']") in docs and ("load", ".service}[p50]") in docs
    assert ("websocket", ".timeline[-1]['p95']") in docs
    assert len(docs) > 40


def test_every_documented_path_names_an_attribute_of_its_result() -> None:
    wrong = [(kind, path) for kind, path in documented()
             if re.match(r"\.(\w+)", path).group(1) not in ATTRIBUTES[kind]]  # type: ignore[union-attr]  # fmt: skip
    assert not wrong, f"documented paths that name no attribute of the result: {wrong}"


@pytest.mark.parametrize("kind", sorted(TABLES))
def test_every_attribute_in_the_result_table_exists(kind: str) -> None:
    name, heading = TABLES[kind]
    listed = table_attributes((ROOT / name).read_text(encoding="utf-8"), heading)
    assert len(listed) > 20
    assert sorted(listed - ATTRIBUTES[kind]) == [], f"{name} documents attributes the result lacks"


def test_the_atest_reads_every_documented_path() -> None:
    read = atest_paths(ATEST.read_text(encoding="utf-8"))
    assert missing(documented(), read) == [], (
        f"documented in {', '.join(DOCS + KEYWORD_DOCS)} but not read in {ATEST.name}"
    )


@pytest.mark.parametrize("kind", sorted(TABLES))
def test_the_atest_reads_every_attribute_of_the_result_table(kind: str) -> None:
    name, heading = TABLES[kind]
    listed = table_attributes((ROOT / name).read_text(encoding="utf-8"), heading)
    read = atest_paths(ATEST.read_text(encoding="utf-8"))
    assert unread(kind, listed, read) == [], f"in {name}'s table but not read in {ATEST.name}"


def test_a_newly_documented_path_without_a_test_is_found() -> None:
    read = atest_paths("Should Be True    ${RESULT.p95} > 0\n    Log    ${WS.timeline}[0][p95]")
    docs = paths_in("`${result.p95}`, ``${{ws.timeline}}[0][p95]``, `${r.by_name['x'].p99}`")
    assert missing(docs, read) == [("load", ".by_name['x'].p99")]
    table = "## The result\n| `events_lost`, `event_latency_p50`, `_p95` | x |\n"
    assert unread("websocket", table_attributes(table, "## The result"), read) == [
        "event_latency_p50",
        "event_latency_p95",
        "events_lost",
    ]


def test_service_rows_and_memory_read_as_items_without_becoming_mappings() -> None:
    service = LatencySummary(count=3, p50=1.5)
    assert service["p50"] == service.p50 == 1.5 and service["count"] == 3
    with pytest.raises(KeyError, match="LatencySummary has no field 'p42'; fields: count, min"):
        service["p42"]
    row = WsTimelineRow(0.0, 1, 1, 1, 0, 0, 5, 5.0, 5, 1.0, None, None, 0)
    assert row["p50"] == 1.0 and row["p95"] is None
    for value in (service, row):
        assert not isinstance(value, (Iterable, Mapping))
    assert asdict(service)["p50"] == 1.5

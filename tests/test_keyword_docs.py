"""Every keyword's libdoc can be used without reading the code (issue 17): an example row,
every argument named, and what an empty-string default means."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from robot.libdocpkg import LibraryDocumentation

LIBRARIES = ["GatewayLibrary", "LoadLibrary", "MemoryLibrary", "BaselineLibrary"]
# The libraries whose arguments are all documented; LoadLibrary's assertion keywords
# share `result` and `message` and are not held to it yet.
FULLY_DOCUMENTED = ["GatewayLibrary", "MemoryLibrary", "BaselineLibrary"]
EXPLAINS_EMPTY = re.compile(r"empty|default|not given|without|none", re.IGNORECASE)


def keywords(names: list[str]) -> list[tuple[str, object]]:
    return [(name, kw) for name in names for kw in LibraryDocumentation(name).keywords]


@pytest.mark.parametrize(
    ("library", "kw"), keywords(LIBRARIES), ids=lambda v: getattr(v, "name", v)
)
def test_every_keyword_has_an_example(library: str, kw: object) -> None:
    assert re.search(r"^\s*\|", kw.doc, re.MULTILINE), f"{library}.{kw.name} has no example row"  # type: ignore[attr-defined]


def _mentions(doc: str, name: str) -> bool:
    return re.search(rf"``{re.escape(name)}(=[^`]*)?``", doc) is not None


@pytest.mark.parametrize(
    ("library", "kw"), keywords(FULLY_DOCUMENTED), ids=lambda v: getattr(v, "name", v)
)
def test_every_argument_is_documented_and_an_empty_default_says_what_it_means(
    library: str, kw: object
) -> None:
    doc: str = kw.doc  # type: ignore[attr-defined]
    for arg in kw.args:  # type: ignore[attr-defined]
        if not arg.name:
            continue
        assert _mentions(doc, arg.name), f"{library}.{kw.name}: ``{arg.name}`` is not documented"  # type: ignore[attr-defined]
        if arg.default == "":
            paragraphs = [p for p in re.split(r"\n\s*\n", doc) if _mentions(p, arg.name)]
            assert any(EXPLAINS_EMPTY.search(p) for p in paragraphs), (
                f"{library}.{kw.name}: what an empty ``{arg.name}`` means is not said"  # type: ignore[attr-defined]
            )


def test_monitor_memory_documents_all_its_arguments() -> None:
    (kw,) = [
        k for k in LibraryDocumentation("MemoryLibrary").keywords if k.name == "Monitor Memory"
    ]
    names = [a.name for a in kw.args if a.name]
    assert len(names) == 9
    assert all(f"- ``{name}``:" in kw.doc for name in names), kw.doc


def test_websocket_is_spelt_one_way_in_keyword_names() -> None:
    names = [kw.name for kw in LibraryDocumentation("LoadLibrary").keywords]
    assert "Run WebSocket Load" in names and "Get WebSocket Metric" in names
    assert not [name for name in names if "Websocket" in name]


SUITE_RESOURCE = str(Path(__file__).resolve().parents[1] / "resources" / "suite.resource")
# Arguments that hold objects (a Gateway, a load result) or pass options on stay untyped.
UNTYPED = {"gateway", "result", "options"}


@pytest.mark.parametrize(
    "kw", LibraryDocumentation(SUITE_RESOURCE).keywords, ids=lambda kw: kw.name
)
def test_suite_resource_keywords_have_typed_documented_arguments(kw: object) -> None:
    for arg in kw.args:  # type: ignore[attr-defined]
        assert _mentions(kw.doc, arg.name), f"{kw.name}: ``{arg.name}`` is not documented"  # type: ignore[attr-defined]
        if arg.name not in UNTYPED:
            assert arg.type is not None, f"{kw.name}: {arg.name} has no type"  # type: ignore[attr-defined]

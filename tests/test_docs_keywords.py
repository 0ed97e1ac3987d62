"""Every keyword an example calls exists: the docs, the README and every libdoc example.

An example that calls a keyword nobody wrote (BaselineLibrary once showed
`Run Load`) fails the reader at the first line they copy. Examples are the
```robotframework blocks of the Markdown files and the ``|`` example rows of
the keyword and library documentation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from robot.libdocpkg import LibraryDocumentation

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ["GatewayLibrary", "LoadLibrary", "MemoryLibrary", "BaselineLibrary"]
STANDARD = [
    "BuiltIn",
    "OperatingSystem",
    "Process",
    "Collections",
    "String",
    "DateTime",
    "pabot.PabotLib",
]
RESOURCES = sorted(str(p) for p in (ROOT / "resources").glob("*.resource"))
# Keywords that take a keyword name as an argument, and at which position.
RUNNERS = {
    "runrepeated": 1,
    "waituntilkeywordsucceeds": 2,
    "runkeywordandexpecterror": 1,
    "runkeywordandreturnstatus": 0,
    "runkeyword": 0,
    "repeatkeyword": 1,
}
SETTINGS_WITH_KEYWORD = ("suite setup", "suite teardown", "test setup", "test teardown")
_CONTROL = {"FOR", "END", "IF", "ELSE", "ELSE IF", "WHILE", "TRY", "EXCEPT", "FINALLY"}
_CONTROL |= {"BREAK", "CONTINUE", "RETURN", "VAR", "..."}
_ASSIGN = re.compile(r"^[$@&]\{[^}]+\}\s*=?$")
_KEYWORDISH = re.compile(r"^[A-Z][A-Za-z0-9']*( [A-Za-z0-9'.]+)*$")


def normal(name: str) -> str:
    return name.lower().replace(" ", "").replace("_", "")


def known_keywords() -> set[str]:
    names = set()
    for source in [*LIBRARIES, *STANDARD, *RESOURCES]:
        names |= {normal(kw.name) for kw in LibraryDocumentation(source).keywords}
    return names


def calls_in_row(cells: list[str]) -> Iterator[str]:
    """The keyword a row of an example calls, and any keyword it passes to a runner."""
    cells = [c.strip() for c in cells if c.strip()]
    while cells and _ASSIGN.match(cells[0]):
        cells = cells[1:]
    if not cells or cells[0] in _CONTROL or cells[0].startswith(("[", "#", "=")):
        if cells and cells[0].lower() in ("[setup]", "[teardown]") and len(cells) > 1:
            yield cells[1]
        return
    yield cells[0]
    position = RUNNERS.get(normal(cells[0]))
    if position is not None and len(cells) > position + 1:
        yield cells[position + 1]


def markdown_calls(path: Path) -> Iterator[tuple[str, str]]:
    block = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip().startswith("```"):
            block = line.strip() == "```robotframework"
            continue
        if not block or not line.strip() or line.lstrip().startswith(("***", "#")):
            continue
        cells = re.split(r"\s{2,}|\t", line.strip())
        if not line.startswith((" ", "\t")):  # a test or keyword name, or a setting
            if cells[0].lower() in SETTINGS_WITH_KEYWORD and len(cells) > 1:
                yield f"{path.name}:{number}", cells[1]
            continue
        for name in calls_in_row(cells):
            yield f"{path.name}:{number}", name


def libdoc_calls() -> Iterator[tuple[str, str]]:
    for library in LIBRARIES:
        doc = LibraryDocumentation(library)
        sources = [(f"{library} (library)", doc.doc)]
        sources += [(f"{library}.{kw.name}", kw.doc) for kw in doc.keywords]
        for where, text in sources:
            for line in text.splitlines():
                row = line.strip()
                if not row.startswith("|"):
                    continue
                cells = row.strip("|").split("|")
                if len(cells) == 1:  # a whole example file behind `|`: only steps are indented
                    if not re.match(r"\s{2,}\S", cells[0]):
                        continue
                    cells = re.split(r"\s{2,}", cells[0].strip())
                for name in calls_in_row(cells):
                    if _KEYWORDISH.match(name.replace("`", "")):
                        yield where, name.replace("`", "")


def example_calls() -> list[tuple[str, str]]:
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    found = [call for path in docs for call in markdown_calls(path)]
    return found + list(libdoc_calls())


def test_examples_are_found() -> None:
    """A guard for the parser: it sees the examples it is meant to check."""
    calls = {normal(name) for _, name in example_calls()}
    assert {"startgateway", "runloadprofile", "comparetobaseline", "runrepeated"} <= calls


def test_every_keyword_an_example_calls_exists() -> None:
    known = known_keywords()
    missing = sorted({f"{where}: {name}" for where, name in example_calls()} - set())
    missing = [item for item in missing if normal(item.split(": ", 1)[1]) not in known]
    assert missing == [], "examples call keywords that do not exist:\n" + "\n".join(missing)


@pytest.mark.parametrize("row", ["| ${samples}= | Run Repeated | 5 | Run Load | ${URL} |"])
def test_a_keyword_passed_to_run_repeated_is_checked_too(row: str) -> None:
    assert list(calls_in_row(row.strip("|").split("|"))) == ["Run Repeated", "Run Load"]

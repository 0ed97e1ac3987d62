"""docs/architecture.md stays true: every file it names exists, and every package,
top-level module and load pipeline module of `perfgate` is in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "libraries" / "perfgate"
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _exists(name: str) -> bool:
    return any(
        (base / name).exists() for base in (ROOT, ROOT / "libraries", PACKAGE, ROOT / "tests")
    ) or any(PACKAGE.glob(f"*/{name}"))


def test_every_file_named_exists() -> None:
    named = set(re.findall(r"[\w/]+\.py\b", DOC))
    assert named, "the document names no file"
    missing = sorted(n for n in named if not _exists(n))
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"


def test_every_package_and_top_level_module_is_in_the_layout() -> None:
    packages = [p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()]
    modules = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    missing = [f"perfgate/{n}/" for n in packages if f"`perfgate/{n}/`" not in DOC]
    missing += [f"perfgate/{n}" for n in modules if f"`perfgate/{n}`" not in DOC]
    assert not missing, f"docs/architecture.md does not place {missing}"


def test_every_load_module_is_named() -> None:
    missing = [
        str(p.relative_to(PACKAGE))
        for sub in ("load", "load/http", "load/ws")
        for p in sorted((PACKAGE / sub).glob("*.py"))
        if p.name != "__init__.py" and f"`{p.stem}`" not in DOC and p.name not in DOC
    ]
    assert not missing, f"docs/architecture.md does not name {missing}"

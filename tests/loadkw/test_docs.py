"""The profile table in docs/load.md and in the keyword documentation match profile_table()."""

from __future__ import annotations

from pathlib import Path

from LoadLibrary.http_keywords import HttpLoadKeywords
from perfgate.load.profiles import profile_table

DOCS = Path(__file__).resolve().parents[2] / "docs" / "load.md"


def test_docs_table_lists_every_builtin_profile_as_profile_table_does():
    text = DOCS.read_text(encoding="utf-8")
    for name, model, stages, description in profile_table():
        assert f"| `{name}` | {model} | `{stages}` | {description} |" in text


def test_keyword_documentation_is_generated_from_profile_table():
    doc = HttpLoadKeywords.run_load_profile.__doc__ or ""
    for name, model, stages, description in profile_table():
        assert f"| ``{name}`` | {model} | ``{stages}`` | {description} |" in doc

"""Keywords that plant secrets and search for them, for the redaction acceptance test.

Failure messages name the kind of secret and the file, never the value.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from pathlib import Path

from robot.api import logger

KINDS = ("token", "api_key", "tenant", "env", "cookie", "signature", "body")


def plant_secrets() -> dict[str, str]:
    """A fresh value for each kind of secret, unlike anything else a run writes."""
    return {kind: f"s3cr3t-{kind.replace('_', '')}-{secrets.token_hex(8)}" for kind in KINDS}


def private_directory() -> str:
    """A new directory only this user can read (as PerfGate's state directory must be)."""
    return tempfile.mkdtemp(prefix="perfgate-redaction-")


def _found_in(data: bytes, planted: dict[str, str]) -> list[str]:
    return [kind for kind, value in planted.items() if value.encode() in data]


def gateway_should_have_received_every_secret(seen_file: str, planted: dict[str, str]) -> None:
    """Fails unless every planted value reached the gateway (recording_gateway.py's file)."""
    lines = Path(seen_file).read_text(encoding="utf-8").splitlines()
    received = json.dumps([json.loads(line) for line in lines]).encode()
    missing = sorted(set(planted) - set(_found_in(received, planted)))
    if missing:
        raise AssertionError(f"The gateway never received these secrets: {', '.join(missing)}.")
    logger.info(f"The gateway received all {len(planted)} secrets ({len(lines)} distinct records).")


def files_should_not_contain_secrets(directory: str, planted: dict[str, str]) -> list[str]:
    """Searches every file under ``directory`` (bytes, so also SVG and JSON); returns their
    paths relative to it. Fails naming each file and the kinds of secret found in it."""
    root = Path(directory)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    if not files:
        raise AssertionError(f"No files under {directory}: the search proves nothing.")
    leaks = [
        f"{p.relative_to(root)}: {', '.join(k)}"
        for p in files
        if (k := _found_in(p.read_bytes(), planted))
    ]
    if leaks:
        raise AssertionError("Secrets were written to:\n" + "\n".join(leaks))
    names = [str(p.relative_to(root)) for p in files]
    logger.info(f"No secret in {len(files)} files:\n" + "\n".join(names))
    return names


def text_should_not_contain_secrets(text: str, planted: dict[str, str], what: str) -> None:
    """Fails naming the kinds of secret found in ``text`` (e.g. the console output)."""
    kinds = _found_in(text.encode(), planted)
    if kinds:
        raise AssertionError(f"Secrets in {what}: {', '.join(kinds)}.")

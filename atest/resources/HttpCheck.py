"""A tiny HTTP check for PerfGate's own acceptance tests."""

from __future__ import annotations

import requests


def echo_should_round_trip(url: str, payload: str) -> None:
    """POSTs ``payload`` to ``url``/api/echo and fails unless the same text comes back."""
    response = requests.post(f"{url}/api/echo", data=payload.encode(), timeout=10)
    response.raise_for_status()
    if response.text != payload:
        raise AssertionError(f"Sent {payload!r} to {url} but got {response.text!r} back.")

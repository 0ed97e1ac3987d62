"""A weighted mix of named requests, read from a YAML or JSON file.

    name: shop
    requests:
      - name: list
        weight: 3
        path: /api/items?page={choice:1|2|3}
        expect: {status: 200, json: ["$.items exists"]}
      - name: create
        weight: 1
        method: POST
        path: /api/items
        headers: {Content-Type: application/json}
        body: '{"id": "{uuid}", "n": {seq}}'
        expect: {status: "200,201", json: ['status == "ok"']}

A body may also be a mapping or list; it is then sent as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfgate.load.files import read_data
from perfgate.load.http.checks import Expectations, parse_expectations

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_REQUEST_KEYS = frozenset({"name", "weight", "method", "path", "url", "headers", "body", "expect"})


@dataclass(frozen=True)
class RequestSpec:
    name: str
    method: str = "GET"
    path: str = ""  # joined onto the run's URL; "" means the URL itself
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    weight: float = 1.0
    expect: Expectations = field(default_factory=Expectations)


@dataclass(frozen=True)
class Scenario:
    name: str
    requests: tuple[RequestSpec, ...]


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file; every mistake is reported as one ValueError sentence."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"scenario file {str(p)!r} does not exist: check the path.")
    data = read_data(p, "scenario")
    return scenario_from_data(data, default_name=p.stem, source=str(p))


def scenario_from_data(data: Any, default_name: str = "scenario", source: str = "") -> Scenario:
    where = f"scenario {source!r}" if source else "scenario"
    if isinstance(data, list):
        data = {"requests": data}
    if not isinstance(data, dict) or not isinstance(data.get("requests"), list):
        raise ValueError(f"{where} must be a mapping with a 'requests' list.")
    if not data["requests"]:
        raise ValueError(f"{where} has an empty 'requests' list: add at least one request.")
    specs = [_request(item, i, where) for i, item in enumerate(data["requests"])]
    names = [s.name for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"{where} has duplicate request names {dupes}: names must be unique.")
    return Scenario(name=str(data.get("name") or default_name), requests=tuple(specs))


def _request(item: Any, index: int, where: str) -> RequestSpec:
    if not isinstance(item, dict):
        raise ValueError(f"{where}: request #{index + 1} must be a mapping with at least a 'path'.")
    unknown = sorted(set(item) - _REQUEST_KEYS)
    if unknown:
        raise ValueError(
            f"{where}: request #{index + 1} has unknown keys {unknown}; "
            f"allowed: {sorted(_REQUEST_KEYS)}."
        )
    name = str(item.get("name") or f"request{index + 1}")
    method = str(item.get("method", "GET")).upper()
    if method not in _METHODS:
        raise ValueError(f"{where}: request {name!r} has unknown method {method!r}.")
    path = str(item.get("path", item.get("url", "")))
    weight = item.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
        raise ValueError(f"{where}: request {name!r} needs a positive number as weight.")
    headers = item.get("headers") or {}
    if not isinstance(headers, dict):
        raise ValueError(f"{where}: request {name!r} headers must be a mapping of name: value.")
    body = item.get("body")
    if body is not None and not isinstance(body, str):
        body = json.dumps(body, separators=(",", ":"))
        if not any(k.lower() == "content-type" for k in headers):
            headers = {**headers, "Content-Type": "application/json"}
    expect = item.get("expect") or {}
    if not isinstance(expect, dict):
        raise ValueError(f"{where}: request {name!r} 'expect' must be a mapping (status, json).")
    try:
        expectations = parse_expectations(expect.get("status"), expect.get("json"))
    except ValueError as exc:
        raise ValueError(f"{where}: request {name!r}: {exc}") from None
    return RequestSpec(
        name=name,
        method=method,
        path=path,
        headers=tuple((str(k), str(v)) for k, v in headers.items()),
        body=body,
        weight=float(weight),
        expect=expectations,
    )

"""HTTP/1.1 request bytes, built once when nothing in them varies.

A request without placeholders is encoded once at start-up and the same
`bytes` object is written for every send; one with placeholders keeps its
parsed templates and is encoded per send.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from perfgate.load.http.checks import Expectations
from perfgate.load.http.scenario import RequestSpec
from perfgate.load.http.templates import SeqCounter, Template, parse_template
from perfgate.load.target import Target

USER_AGENT = "perfgate"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass
class WireRequest:
    """One named request as the hot path uses it."""

    name: str
    index: int
    weight: float  # position in the mix, used to find the request's recorder
    expect: Expectations
    prebuilt: bytes | None
    is_head: bool
    needs_body: bool  # JSON checks read the body; otherwise it is never collected
    _method: str
    _path: Template
    _headers: list[tuple[str, Template]]
    _body: Template | None
    _host: str
    _seq: SeqCounter

    def encode(self) -> bytes:
        if self.prebuilt is not None:
            return self.prebuilt
        self._seq.advance()
        return _encode(
            self._method,
            self._path.render(),
            self._host,
            [(k, v.render()) for k, v in self._headers],
            None if self._body is None else self._body.render(),
        )


def _encode(
    method: str, path: str, host: str, headers: list[tuple[str, str]], body: str | None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    names = {k.lower() for k, _ in headers}
    if "user-agent" not in names:
        lines.append(f"User-Agent: {USER_AGENT}")
    lines.extend(f"{k}: {v}" for k, v in headers if k.lower() not in ("host", "content-length"))
    payload = b"" if body is None else body.encode("utf-8")
    if payload or method in _BODY_METHODS:
        lines.append(f"Content-Length: {len(payload)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + payload


def build_wire_requests(
    specs: tuple[RequestSpec, ...], target: Target, seq: SeqCounter, rng: random.Random
) -> list[WireRequest]:
    """Compile request specs against the target; ValueError for a header that breaks HTTP."""
    out: list[WireRequest] = []
    for i, spec in enumerate(specs):
        for k, v in spec.headers:
            if any(c in k for c in ":\r\n ") or "\r" in v or "\n" in v:
                raise ValueError(
                    f"invalid header {k!r}: {v!r} in request {spec.name!r}: "
                    "names may not contain ':', spaces or line breaks, values no line breaks."
                )
        path_t = parse_template(
            join_path(target.path, spec.path) if spec.path else target.path, seq, rng
        )
        header_ts = [(k, parse_template(v, seq, rng)) for k, v in spec.headers]
        body_t = None if spec.body is None else parse_template(spec.body, seq, rng)
        static = (
            path_t.static is not None
            and all(t.static is not None for _, t in header_ts)
            and (body_t is None or body_t.static is not None)
        )
        prebuilt = None
        if static:
            prebuilt = _encode(
                spec.method,
                path_t.render(),
                target.host_header,
                [(k, t.render()) for k, t in header_ts],
                None if body_t is None else body_t.render(),
            )
        out.append(
            WireRequest(
                name=spec.name,
                index=i,
                weight=spec.weight,
                expect=spec.expect,
                prebuilt=prebuilt,
                is_head=spec.method == "HEAD",
                needs_body=spec.expect.needs_body,
                _method=spec.method,
                _path=path_t,
                _headers=header_ts,
                _body=body_t,
                _host=target.host_header,
                _seq=seq,
            )
        )
    return out


def join_path(base: str, path: str) -> str:
    """Join a scenario request path onto the base URL's path.

    An absolute path ("/api/x") replaces the base path, as a browser would;
    a relative one ("x") is appended to it.
    """
    if path.startswith("/"):
        return path
    base_path = base.split("?", 1)[0]
    if not base_path.endswith("/"):
        base_path += "/"
    return base_path + path

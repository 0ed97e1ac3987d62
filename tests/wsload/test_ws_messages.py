"""Message templates and field lookup."""

from __future__ import annotations

import json

from perfgate.load.events.messages import MessageTemplate, as_int, compile_path, excerpt, lookup
from perfgate.load.ws.config import WsProtocol


def test_default_templates_render_valid_json_with_the_placeholders_filled() -> None:
    p = WsProtocol()
    publish = json.loads(MessageTemplate(p.publish, "ch-1").render(7, 123456789))
    assert publish == {
        "type": "publish",
        "channel": "ch-1",
        "id": 7,
        "data": {"n": 7, "t": 123456789},
    }
    echo = json.loads(MessageTemplate(p.echo, "x", client=3).render(2, 99))
    assert echo == {"type": "echo", "data": {"n": 2, "t": 99}}
    assert json.loads(MessageTemplate(p.subscribe, "c").render()) == {
        "type": "subscribe",
        "channel": "c",
    }


def test_other_braces_stay_literal() -> None:
    t = MessageTemplate('{"a": {"b": "{seqx}"}, "c": {client}, "d": "{ts_ns}"}', client=4)
    assert t.render(1, 5) == '{"a": {"b": "{seqx}"}, "c": 4, "d": "5"}'


def test_a_template_without_placeholders_is_the_text() -> None:
    assert MessageTemplate("ping").render(1, 2) == "ping"
    assert MessageTemplate("").render() == ""


def test_lookup_follows_dotted_paths() -> None:
    doc = {"type": "event", "seq": 3, "data": {"t": 10, "n": "4"}}
    assert lookup(doc, compile_path("data.t")) == 10
    assert lookup(doc, compile_path("$.seq")) == 3
    assert lookup(doc, compile_path("data.missing")) is None
    assert lookup(doc, compile_path("seq.deeper")) is None
    assert lookup(doc, compile_path("")) is None


def test_as_int_takes_integers_only() -> None:
    assert as_int(3) == 3
    assert as_int(3.0) == 3
    assert as_int("-12") == -12
    assert as_int(True) is None
    assert as_int(2.5) is None
    assert as_int("x") is None
    assert as_int(None) is None


def test_excerpt_shortens_long_messages() -> None:
    assert excerpt("abc") == "abc"
    assert excerpt("x" * 500, 10) == "x" * 10 + "..."
    assert excerpt(b"\xffok") == "\ufffdok"

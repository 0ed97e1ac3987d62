"""The Socket.IO layer's pure parts: the Engine.IO URL, packets, emit templates, and what the
keyword's arguments become (engine=socket.io, namespace, socketio_auth), each mistake one
sentence."""

from __future__ import annotations

import pytest

from perfgate.artifacts import redact
from perfgate.load.ws.config import SOCKETIO_PROTOCOL, WsLoadConfig, validate
from perfgate.load.ws.dial import replies
from perfgate.load.ws.plan import plan_websocket_run
from perfgate.load.ws.socketio import (
    SocketIoLink,
    SocketIoOptions,
    _event,
    check_emit,
    check_namespace,
    engine_url,
    split_packet,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:3000", "ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket"),
        ("https://h/", "wss://h/socket.io/?EIO=4&transport=websocket"),
        ("ws://h:1/rt/?token=x", "ws://h:1/rt/?token=x&EIO=4&transport=websocket"),
    ],
)
def test_the_engine_url_keeps_path_and_query(url: str, expected: str) -> None:
    assert engine_url(url) == expected


@pytest.mark.parametrize(
    ("packet", "expected"),
    [
        ('2["event",{"seq":1}]', ("2", "/", None, ["event", {"seq": 1}])),
        ('2/dash,["event",1]', ("2", "/dash", None, ["event", 1])),
        ('3/dash,17[{"seq":4}]', ("3", "/dash", 17, [{"seq": 4}])),
        ('0{"sid":"a"}', ("0", "/", None, {"sid": "a"})),
        ('4/secure,{"message":"no"}', ("4", "/secure", None, {"message": "no"})),
        ("1/dash,", ("1", "/dash", None, None)),
        ("1", ("1", "/", None, None)),
    ],
)
def test_packets_split_into_type_namespace_ack_and_payload(packet: str, expected: tuple) -> None:
    assert split_packet(packet) == expected


@pytest.mark.parametrize(
    ("namespace", "frame"),
    [
        ("/", '42["event",{"seq":1,"t":"1764650000123456789"}]'),
        ("/", '42["tick"]'),
        ("/", '42["event",1,2]'),
        ("/dash", '42/dash,["event",{"seq":2}]'),
    ],
)
def test_an_event_reads_the_same_on_the_fast_path(namespace: str, frame: str) -> None:
    # Every event frame goes through _event; the general packet split must agree with it.
    link = SocketIoLink(None, namespace, {}, "error")  # type: ignore[arg-type]  # no I/O here
    assert _event(frame, len(link.event_head) - 1) == link._document(frame)


@pytest.mark.parametrize(
    "frame", ['42["event",{"seq":1}', '42["event"] x', "42[]", '42["event",{"seq":1}]  ']
)
def test_what_is_no_plain_event_takes_the_general_path(frame: str) -> None:
    assert _event(frame, 2) is None


def test_emit_templates_name_their_event() -> None:
    assert check_emit('["subscribe", "{channel}"]', "subscribe_message") == "subscribe"
    with pytest.raises(ValueError) as caught:
        check_emit('{"type": "subscribe"}', "subscribe_message")
    assert str(caught.value) == (
        'the Socket.IO subscribe_message \'{"type": "subscribe"}\' must be an emit\'s JSON array, '
        'the event name first, e.g. ["subscribe", "{channel}"].'
    )


def test_acknowledged_events_map_to_their_reply_types() -> None:
    assert replies(SOCKETIO_PROTOCOL) == {
        "subscribe": "subscribed",
        "unsubscribe": "unsubscribed",
        "echo": "echo",
        "publish": "published",
    }


def test_namespaces_start_with_a_slash() -> None:
    assert check_namespace("") == "/"
    assert check_namespace(" /dash ") == "/dash"
    with pytest.raises(ValueError, match=r"invalid Socket\.IO namespace 'dash'"):
        check_namespace("dash")


def test_the_keyword_arguments_become_socketio_options_and_its_defaults() -> None:
    cfg = plan_websocket_run(
        "http://127.0.0.1:3000",
        engine="Socket.IO",
        namespace="/secure",
        socketio_auth='{"token": "t"}',
        protocol={"event_type": "price"},
    ).config
    assert cfg.socketio == SocketIoOptions(namespace="/secure", auth={"token": "t"})
    assert cfg.protocol.subscribe == '["subscribe", "{channel}"]'
    assert (cfg.protocol.event_type, cfg.protocol.seq_field) == ("price", "data.seq")
    plain = plan_websocket_run("ws://127.0.0.1:8080/ws").config
    assert plain.socketio is None and plain.protocol.seq_field == "seq"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"engine": "mqtt"}, "unknown engine 'mqtt': use websocket or socket.io."),
        ({"namespace": "/x"}, "namespace and socketio_auth need engine=socket.io."),
        (
            {"engine": "socket.io", "socketio_auth": "token"},
            "socketio_auth must be a dictionary or a JSON object, not 'token'; "
            'e.g. socketio_auth={"token": "..."}.',
        ),
        (
            {"engine": "socket.io", "subscribe_message": '{"op": "sub"}'},
            'the Socket.IO subscribe_message \'{"op": "sub"}\' must be an emit\'s JSON array, '
            'the event name first, e.g. ["subscribe", "{channel}"].',
        ),
    ],
)
def test_bad_socketio_arguments_are_one_sentence(arguments: dict, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        plan_websocket_run("http://127.0.0.1:3000", **arguments)
    assert str(caught.value) == message


def test_a_socketio_url_may_be_http_but_not_ftp() -> None:
    options = SocketIoOptions()
    validate(WsLoadConfig(url="https://h:3000", protocol=SOCKETIO_PROTOCOL, socketio=options))
    with pytest.raises(ValueError, match="it must start with http://, https://, ws:// or wss://"):
        validate(WsLoadConfig(url="ftp://h", protocol=SOCKETIO_PROTOCOL, socketio=options))


def test_the_auth_payload_is_never_logged() -> None:
    cfg = plan_websocket_run(
        "http://127.0.0.1:3000", engine="socket.io", socketio_auth={"token": "s3cr3t"}
    ).config
    assert cfg.socketio is not None and cfg.socketio.auth == {"token": "s3cr3t"}
    shown = redact.config(cfg)
    assert "SocketIoOptions(namespace='/')" in shown and "s3cr3t" not in shown

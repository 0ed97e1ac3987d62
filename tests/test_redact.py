"""Secrets are shown as *** wherever PerfGate writes; the real values stay where they are sent."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from perfgate.artifacts import redact
from perfgate.load.http.plan import plan_run
from perfgate.load.target import parse_target
from perfgate.load.ws.config import check_ws_url
from perfgate.load.ws.plan import plan_websocket_run


@pytest.fixture(autouse=True)
def no_added_names(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # add_names is process-wide: every test starts from the built-in names.
    monkeypatch.setattr(redact, "_added", set())
    monkeypatch.delenv(redact.NAMES_VARIABLE, raising=False)
    yield


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "proxy-authorization",
        "Cookie",
        "SET-COOKIE",
        "X-Api-Key",
        "api_key",
        "token",
        "access_token",
        "X-Auth-Token",
        "DB_PASSWORD",
        "passwd",
        "client_secret",
        "JSESSIONID",
        "--token",
        "--api-key",
    ],
)
def test_secret_names(name: str) -> None:
    assert redact.is_secret(name)


@pytest.mark.parametrize(
    "name", ["Accept", "Content-Type", "page", "PORT", "--port", "x-cookie-consent", ""]
)
def test_ordinary_names(name: str) -> None:
    assert not redact.is_secret(name)


def test_added_names_count_for_every_kind_of_name() -> None:
    assert not redact.is_secret("X-Signature")
    assert redact.add_names(" Tenant , x_signature,,") == ("tenant", "x-signature")
    assert redact.is_secret("X-Signature")
    assert redact.is_secret("X_SIGNATURE")  # as an environment variable
    assert redact.is_secret("--tenant-id")
    assert redact.add_names(["Region"]) == ("region",)
    assert redact.add_names(None) == ()
    assert redact.names()[-3:] == ("region", "tenant", "x-signature")


def test_url_masks_secret_parameters_and_passwords() -> None:
    assert (
        redact.url("http://127.0.0.1:8080/api?page=2&token=s3cr3t&API%5FKEY=k#access_token=t")
        == "http://127.0.0.1:8080/api?page=2&token=***&API%5FKEY=***#access_token=***"
    )
    assert redact.url("https://bob:hunter2@host/x") == "https://bob:***@host/x"
    assert redact.url("https://ghp_abc@host/x") == "https://***@host/x"
    assert redact.url("ws://h/ws?session=1&channel=a") == "ws://h/ws?session=***&channel=a"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/api/echo?page=2&q=a+b",
        "http://h/api/events/{channel}",
        "http://h/x?",
        "not a url",
        "http://[::1/broken?token",
    ],
)
def test_url_without_secrets_is_unchanged(url: str) -> None:
    assert redact.url(url) == url


def test_headers_keep_their_shape() -> None:
    given = {"Authorization": "Bearer s3cr3t", "Cookie": "sid=1", "Accept": "*/*"}
    assert redact.headers(given) == {"Authorization": "***", "Cookie": "***", "Accept": "*/*"}
    assert redact.headers((("X-Api-Key", "k"), ("Referer", "http://h/?token=t"))) == (
        ("X-Api-Key", "***"),
        ("Referer", "http://h/?token=***"),
    )
    assert given["Authorization"] == "Bearer s3cr3t"  # the caller's values are untouched


def test_env_masks_secret_variables_and_secrets_inside_others() -> None:
    assert redact.env({"API_TOKEN": "t", "DB_URL": "postgres://u:pw@db/x", "PORT": "80"}) == {
        "API_TOKEN": "***",
        "DB_URL": "postgres://u:***@db/x",
        "PORT": "80",
    }


def test_argv_masks_both_flag_forms() -> None:
    argv = [
        "./gw",
        "--token=s3cr3t",
        "--api-key",
        "k3y",
        "--port",
        "8080",
        "--no-auth",
        "--verbose",
        "DB_PASSWORD=pw",
        "-H",
        "Authorization: Bearer b",
        "--upstream=http://u/?session=s",
    ]
    assert redact.argv(argv) == [
        "./gw",
        "--token=***",
        "--api-key",
        "***",
        "--port",
        "8080",
        "--no-auth",  # a switch: the next argument is a flag, not its value
        "--verbose",
        "DB_PASSWORD=***",
        "-H",
        "Authorization: ***",
        "--upstream=http://u/?session=***",
    ]
    assert redact.argv(["gw", "--secret"]) == ["gw", "--secret"]


def test_text_masks_pairs_json_fields_and_header_lines() -> None:
    assert redact.text('{"type": "auth", "token": "s3cr3t", "n": {seq}}') == (
        '{"type": "auth", "token": "***", "n": {seq}}'
    )
    assert redact.text("Cookie: a=1\nAccept: */*") == "Cookie: ***\nAccept: */*"
    assert (
        redact.text("url: /metrics?token=t (Caused by x)")
        == "url: /metrics?token=*** (Caused by x)"
    )


def test_body_shows_its_length_only() -> None:
    assert redact.body('{"password": "pw"}') == "<body: 18 bytes>"
    assert redact.body("é".encode()) == "<body: 2 bytes>"
    assert redact.body(None) == "<no body>"


def test_load_configuration_as_logged() -> None:
    plan = plan_run(
        "constant",
        "http://127.0.0.1:9/api?token=s3cr3t-q&page=1",
        clients=1,
        duration="1 s",
        method="POST",
        headers={"Authorization": "Bearer s3cr3t-a", "Cookie": "sid=s3cr3t-c", "Accept": "x/y"},
        body={"password": "s3cr3t-b"},
    )
    shown = redact.config(plan.config)
    assert "s3cr3t" not in shown
    assert "token=***&page=1" in shown
    assert "'Authorization': '***', 'Cookie': '***', 'Accept': 'x/y'" in shown
    assert re.search(r"body=<body: \d+ bytes>", shown)
    assert shown.startswith("LoadConfig(url=")
    # What is sent stays real.
    assert plan.config.headers["Authorization"] == "Bearer s3cr3t-a"
    assert "s3cr3t-q" in plan.config.url


def test_websocket_configuration_as_logged() -> None:
    plan = plan_websocket_run(
        "ws://127.0.0.1:9/ws?token=s3cr3t-q",
        headers="X-Api-Key: s3cr3t-k",
        publish_url="http://127.0.0.1:9/api/events/{channel}?access_token=s3cr3t-p",
        subscribe_message='{"type": "subscribe", "channel": "{channel}", "auth": "s3cr3t-s"}',
    )
    shown = redact.config(plan.config)
    assert "s3cr3t" not in shown
    assert "'X-Api-Key': '***'" in shown
    assert """subscribe='{"type": "subscribe", "channel": "{channel}", "auth": "***"}'""" in shown


def test_messages_quoting_a_bad_url_mask_it() -> None:
    with pytest.raises(ValueError, match=r"token=\*\*\*") as error:
        parse_target("ftp://h/x?token=s3cr3t")
    assert "s3cr3t" not in str(error.value)
    with pytest.raises(ValueError, match=r"token=\*\*\*") as error:
        check_ws_url("http://h/ws?token=s3cr3t")
    assert "s3cr3t" not in str(error.value)


@pytest.mark.parametrize("library", ["LoadLibrary", "GatewayLibrary"])
def test_library_documentation_names_every_secret_name(library: str) -> None:
    module = __import__(library)
    doc = getattr(module, library).__doc__
    for name in (*redact.FRAGMENTS, "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"):
        assert f"``{name}``" in doc
    assert "secret_names=" in doc


def test_a_guarded_logger_writes_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    redact.guard_logger("test.redact.urllib3")
    redact.guard_logger("test.redact.urllib3")  # a second call adds no second filter
    log = logging.getLogger("test.redact.urllib3")
    assert len(log.filters) == 1
    with caplog.at_level(logging.DEBUG):
        log.debug('%s "%s %s HTTP/1.1"', "http://h:80", "GET", "/metrics?token=s3cr3t")
        log.debug("broken %s %s", "only one")
    assert caplog.messages == ['http://h:80 "GET /metrics?token=*** HTTP/1.1"', "broken %s %s"]


def test_added_names_reach_child_processes() -> None:
    # The reaper, a child process, writes the registry with redact.argv.
    redact.add_names("tenant")
    code = "from perfgate.artifacts import redact; print(redact.argv(['gw', '--tenant=acme']))"
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert shown.strip() == "['gw', '--tenant=***']"


def test_names_added_after_the_reaper_started_reach_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client masks the command: a reaper started before `add_names` never sees it raw."""
    from perfgate.procs import registry
    from perfgate.procs.reaper_client import ReaperClient

    state = str(tmp_path / "state")
    client = ReaperClient(state_dir=state)
    try:
        client.spawn([sys.executable, "-c", "import time; time.sleep(60)", "--region=north"])
        redact.add_names("region")
        client.spawn([sys.executable, "-c", "import time; time.sleep(60)", "--region=south"])
        text = "".join(p.read_text() for p in registry.registry_dir(state).glob("*.json"))
        assert "--region=***" in text and "south" not in text
    finally:
        client.close()


def test_a_header_line_without_a_colon_is_masked_in_the_error() -> None:
    assert redact.header_line("Authorization Bearer s3cr3t") == "Authorization ***"
    assert redact.header_line("Content-Type json") == "Content-Type json"
    with pytest.raises(ValueError, match=r"header 'Authorization \*\*\*' is not 'Name: value'"):
        plan_run(profile="smoke", url="http://127.0.0.1:1/", headers="Authorization Bearer s3cr3t")

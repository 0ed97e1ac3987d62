"""A headless Chromium driven over the Chrome DevTools protocol (websocket-client), for the
tests that look at PerfGate's HTML as a person's browser renders it.

    with Browser(profile_dir) as browser:
        browser.open(page.as_uri())
        browser.evaluate("document.title")
        browser.screenshot(path, clip)

Chromium runs in its own session on 127.0.0.1 with a free debugging port (0: it writes
the one it took to DevToolsActivePort); the whole session is killed on the way out.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import websocket


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """One headless Chromium and a DevTools session on its first page."""

    def __init__(self, profile: Path, *, width: int = 1280, height: int = 900) -> None:
        self.profile = profile
        self.size = (width, height)
        self.process: subprocess.Popen[bytes] | None = None
        self.socket: websocket.WebSocket | None = None
        self.ids = itertools.count(1)

    def __enter__(self) -> Browser:
        binary = chromium()
        assert binary is not None, "chromium is not installed (.ci/run installs it)"
        command = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--disable-background-networking", "--no-first-run", "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1", f"--user-data-dir={self.profile}",
            f"--window-size={self.size[0]},{self.size[1]}", "about:blank",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            self.socket = websocket.create_connection(
                self._page_socket(), timeout=30, suppress_origin=True
            )
        except BaseException:
            self.__exit__()
            raise
        return self

    def _page_socket(self) -> str:
        """The page target's DevTools URL, once Chromium has said which port it took."""
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if port_file.exists() and port_file.read_text().strip():
                port = port_file.read_text().split()[0]
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                    pages = [t for t in json.load(r) if t["type"] == "page"]
                if pages:
                    return str(pages[0]["webSocketDebuggerUrl"])
            time.sleep(0.1)
        raise AssertionError("chromium did not open its DevTools port within 30 s")

    def __exit__(self, *_: object) -> None:
        if self.socket is not None:
            with contextlib.suppress(Exception):
                self.socket.close()
        if self.process is not None:
            # Chromium forks helpers; end the whole session it started.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command and its result (events in between are skipped)."""
        assert self.socket is not None
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == number:
                assert "error" not in message, message["error"]
                return dict(message.get("result", {}))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        """The value of `expression` once it is truthy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"not true within {timeout:g} s: {expression}")

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'")

    def screenshot(self, path: Path, clip: dict[str, float]) -> None:
        """A PNG of the page's `clip` (x, y, width, height in page pixels)."""
        shot = self.call(
            "Page.captureScreenshot",
            format="png",
            clip={**clip, "scale": 1},
            captureBeyondViewport=True,
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))

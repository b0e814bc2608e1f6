"""A small driver for Debian's headless Chromium over the DevTools protocol, for pages people look at.

Tests open a page, run JavaScript in it, wait for a condition, take a screenshot, and read what went
wrong inside the page: uncaught exceptions, console and CSP errors, and every URL the page requested
(a self-contained report must request nothing but itself and data: URLs).
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import websocket

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--mute-audio",
    "--remote-debugging-port=0",
]


class PageError(AssertionError):
    """The page did not reach the expected state in time."""


class Page:
    """One browser tab, driven over its DevTools websocket."""

    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=120, suppress_origin=True)
        self._ids = itertools.count(1)
        self.exceptions: list[str] = []
        self.console_errors: list[str] = []
        self.requests: list[str] = []
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.send(f"{domain}.enable")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a DevTools method and return its result, recording the events that arrive meanwhile."""
        call_id = next(self._ids)
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise PageError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self._event(message)

    def _event(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.exceptions.append(details.get("exception", {}).get("description") or details.get("text", ""))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.console_errors.append(
                " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
            )
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.console_errors.append(params["entry"]["text"])
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (promises are awaited)."""
        result = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise PageError(f"{expression!r} failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60.0) -> Any:
        """Poll until the expression is truthy; its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise PageError(f"timed out waiting for {expression!r}; exceptions: {self.exceptions}")

    def open(self, url: str, width: int = 1200, height: int = 1400) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.send("Page.navigate", url=url)

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        self.ws.close()


def _get(url: str, method: str = "GET") -> Any:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urllib.request.Request(url, method=method), timeout=30) as response:
        return json.loads(response.read())


@contextmanager
def chromium() -> Iterator[Page]:
    """A fresh headless Chromium (its own profile folder) with one tab; stopped afterwards, and its
    profile removed once no Chromium process is left to write into it."""
    binary = shutil.which("chromium")
    assert binary, "Debian's chromium is not installed (scripts/bootstrap installs it)"
    profile = Path(tempfile.mkdtemp(prefix="glamupload-chromium-"))
    # its own process group: the helpers it starts (network service, GPU, renderers) can be found
    process = subprocess.Popen(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            assert process.poll() is None, "chromium exited at start"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        target = _get(f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT")
        page = Page(target["webSocketDebuggerUrl"])
        try:
            yield page
        finally:
            page.close()
    finally:
        _stop(process)
        shutil.rmtree(profile)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop Chromium and wait until every process of its group has exited. Its helpers write into the
    profile until they notice the browser is gone, a moment after it exits; removing the profile
    sooner raced them ("Directory not empty: 'Default'"). The bounds only stop a hung test."""
    process.terminate()  # a clean shutdown
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    try:
        os.killpg(process.pid, signal.SIGKILL)  # helpers still running
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while _group_running(process.pid):
        assert time.monotonic() < deadline, "chromium's helper processes did not exit"
        time.sleep(0.02)


def _group_running(group: int) -> bool:
    """Whether a process of the group still runs (zombies write nothing: they do not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError):
            continue  # it exited while we looked
        if int(pgrp) == group and state not in ("Z", "X"):
            return True
    return False

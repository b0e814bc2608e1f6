"""A fault-injecting HTTP proxy on 127.0.0.1 for the upload tests.

It sits between the wiki layer and the real sandbox wiki and, for requests matching a schedule, does
what a healthy local wiki never does: drops the connection (before or after the wiki handled the
request), answers 502 or 503 (with ``Retry-After``), ``maxlag`` or ``ratelimited``, answers only after
the client gave up waiting ("slow": held until the client hangs up or ``slow_seconds`` pass, then handled
by the wiki), cuts the connection in the middle of a request body (a chunk half sent) or of the reply's
body, sends the wiki's JSON cut short, or answers as something that is not a MediaWiki API at all (an HTML
page, or another service's JSON). Faults can target the login phase (``"login"``: the login token and the
login itself), uploads, chunks or publishes; ``always`` makes one fault permanent (an outage), ``chance``
draws one at random for that share of requests (the soak benchmark). Every other request is passed
through unchanged. Each connection carries one request (HTTP/1.0), which keeps the proxy small. It
also counts the API actions it sees (``proxy.actions["login"]``: how many login requests reached the
wiki).
"""

from __future__ import annotations

import http.client
import json
import random
import re
import select
import socket
import struct
import threading
from collections import Counter
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

#: What each fault does; "after" faults (and "cut-reply", "truncated") let the wiki handle the request,
#: then lose or damage its reply.
FAULTS = (
    "pass",  # no fault: lets one matching request through (to aim the next fault at the k-th request)
    "drop",
    "drop-after",
    "502",
    "503",
    "maxlag",
    "ratelimited",
    "slow",
    "cut",
    "cut-reply",
    "truncated",
    "html",
    "other-json",
)
#: The faults a real MediaWiki behind a real network can show (the soak's mix): not "html"/"other-json",
#: which mean a wrong URL.
NETWORK_FAULTS = ("drop", "drop-after", "502", "503", "maxlag", "slow", "cut", "cut-reply", "truncated")
#: What an nginx in front of nothing, or a wrong URL, answers.
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Welcome</title></head><body>It works!</body></html>"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


def matches(kind: str, body: bytes) -> bool:
    """Which requests a scheduled fault applies to: any, uploads, chunks, or publishes from the stash."""
    upload = b'name="action"\r\n\r\nupload' in body or b"action=upload" in body
    chunk = b'name="chunk"' in body
    if kind == "upload":
        return upload
    if kind == "chunk":
        return chunk
    if kind == "publish":
        return upload and not chunk and b"filekey=" in body and b"checkstatus" not in body
    if kind == "login":  # the login token and the login itself
        return b"action=login" in body or b"type=login" in body
    return kind == "any"


def api_action(path: str, body: bytes) -> str:
    """The ``action`` of an API request, from a form body, a multipart body or the query string."""
    multipart = re.search(rb'name="action"\r\n\r\n([a-z-]+)', body)
    if multipart:
        return multipart.group(1).decode()
    form = parse_qs(body.decode("latin-1"), keep_blank_values=True) if b"=" in body[:200] else {}
    query = parse_qs(urlsplit(path).query)
    return (form.get("action") or query.get("action") or [""])[0]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A connection the proxy itself broke on purpose is not worth a traceback."""


class FaultProxy:
    """``with FaultProxy(upstream_api) as proxy:`` then point the wiki layer at ``proxy.api``."""

    def __init__(
        self,
        upstream_api: str,
        *,
        retry_after: int = 1,
        slow_seconds: float = 120.0,
        chance: float = 0.0,
        random_faults: Sequence[str] = NETWORK_FAULTS,
        seed: int | str = 0,
        port: int = 0,
    ) -> None:
        parts = urlsplit(upstream_api)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.path = parts.path
        self.retry_after = retry_after
        self.slow_seconds = slow_seconds  #: the longest a "slow" request is held (a bound, not a wait)
        self.schedule: list[tuple[str, str]] = []  #: (which requests, fault), applied in order
        #: A fault for every request (an outage), until set back to None.
        self.always: str | None = None
        self.chance = chance  #: the share of requests that get a random fault from ``random_faults``
        self.random_faults = tuple(random_faults)
        self._rng = random.Random(seed)
        self.applied: Counter[str] = Counter()
        #: (fault, API action) of every fault applied: ``faulted["drop-after", "upload"]`` counts uploads
        #: the wiki performed while the client saw the connection die.
        self.faulted: Counter[tuple[str, str]] = Counter()
        #: API actions of the requests that reached the proxy whole (``actions["login"]``, ``["query"]``…).
        self.actions: Counter[str] = Counter()
        self.passed = 0
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.path}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add(self, kind: str, fault: str, times: int = 1) -> None:
        assert fault in FAULTS, fault
        with self._lock:
            self.schedule.extend([(kind, fault)] * times)

    def answer(self, action: str, body: bytes) -> tuple[dict[str, object], list[tuple[str, str]]] | None:
        """A reply (JSON object, headers) for a request the proxy answers itself; None passes it on."""
        return None

    def _next_fault(self, body: bytes) -> str | None:
        with self._lock:
            if self.always is not None:
                self.applied[self.always] += 1
                return self.always
            for i, (kind, fault) in enumerate(self.schedule):
                if matches(kind, body):
                    del self.schedule[i]
                    if fault == "pass":
                        break
                    self.applied[fault] += 1
                    return fault
            if self.chance and self._rng.random() < self.chance:
                fault = self._rng.choice(self.random_faults)
                self.applied[fault] += 1
                return fault
            self.passed += 1
        return None

    def _forward(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(*self.upstream, timeout=300)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                if name.lower() not in HOP_BY_HOP:
                    conn.putheader(name, value)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                fault = None
                if length:
                    head = self.rfile.read(min(length, 4096))
                    fault = proxy._next_fault(head)
                    if fault == "cut":  # half the body arrived, then the line went dead
                        self.rfile.read(max(0, length // 2 - len(head)))
                        with proxy._lock:
                            proxy.faulted[fault, api_action(self.path, head)] += 1
                        self._abort()
                        return
                    body = head + self.rfile.read(length - len(head))
                else:
                    body = b""
                    fault = proxy._next_fault(body)
                action = api_action(self.path, body)
                with proxy._lock:
                    proxy.actions[action] += 1
                    if fault is not None:
                        proxy.faulted[fault, action] += 1
                answered = proxy.answer(action, body) if fault is None else None
                if answered is not None:  # a subclass answers this request itself (a stand-in)
                    self._reply(200, json.dumps(answered[0]).encode(), answered[1])
                    return
                if fault == "drop":
                    self._abort()
                    return
                if fault == "503":
                    self._reply(503, b"Service Unavailable", [("Retry-After", str(proxy.retry_after))])
                    return
                if fault == "502":
                    self._reply(
                        502, b"<html><body>502 Bad Gateway</body></html>", [("Content-Type", "text/html")]
                    )
                    return
                if fault == "html":
                    self._reply(200, HTML_PAGE, [("Content-Type", "text/html; charset=utf-8")])
                    return
                if fault == "other-json":
                    self._reply(200, b'{"status": "ok"}', [("Content-Type", "application/json")])
                    return
                if fault in ("maxlag", "ratelimited"):
                    maxlag = {"code": "maxlag", "info": "Waiting for db1: 7 seconds lagged.", "lag": 7}
                    limited = {"code": "ratelimited", "info": "You've exceeded your rate limit."}
                    error = {"error": maxlag if fault == "maxlag" else limited}
                    headers = [("Content-Type", "application/json")]
                    if fault == "maxlag":  # MediaWiki says how long for maxlag, not for rate limits
                        headers += [("Retry-After", str(proxy.retry_after)), ("X-Database-Lag", "7")]
                    self._reply(200, json.dumps(error).encode(), headers)
                    return
                if fault == "slow":  # held until the client gives up, whatever its timeout and speed
                    select.select([self.connection], [], [], proxy.slow_seconds)  # readable: it hung up
                headers = list(self.headers.items())
                status, answer_headers, payload = proxy._forward(self.command, self.path, headers, body)
                if fault == "drop-after":
                    self._abort()
                    return
                kept = [(k, v) for k, v in answer_headers if k.lower() not in HOP_BY_HOP]
                if fault == "truncated":  # a whole HTTP answer whose JSON stops half-way
                    self._reply(status, payload[: len(payload) // 2], kept)
                    return
                if fault == "cut-reply":  # the line dies half-way through the reply's body
                    self._reply(status, payload, kept, send=len(payload) // 2)
                    self._abort()
                    return
                self._reply(status, payload, kept)

            def _reply(
                self, status: int, payload: bytes, headers: list[tuple[str, str]], send: int | None = None
            ) -> None:
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload if send is None else payload[:send])
                self.wfile.flush()

            def _abort(self) -> None:
                """Close with a reset, as a dropped mobile connection or a killed proxy would."""
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()

            do_GET = do_POST = _handle

        return Handler

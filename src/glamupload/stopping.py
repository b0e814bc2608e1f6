"""Stopping a run at once, in every phase: waits that end on a stop, and requests a stop can cut.

Ctrl-C reaches only the main thread; an upload's requests and waits run in worker threads. A
:class:`StopSignal` is what those threads watch: its :meth:`~StopSignal.sleep` ends the moment the signal
is set (an ``Event`` wait, never ``time.sleep``), and setting it shuts the sockets of the requests in
flight on the sessions it is mounted on, so a worker blocked on a hung or vanished wiki returns at once
instead of after its timeout. The worker then raises :class:`~glamupload.errors.Stopped`, and the
uploader settles the file it was sending.
"""

from __future__ import annotations

import socket
import threading
import weakref
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from glamupload.errors import Stopped


class StopSignal:
    """One run's stop: set by Ctrl-C (or a caller), watched by every wait and request of the run.

    It reads like a ``threading.Event`` (``is_set``, ``set``, ``clear``, ``wait``), so code that only
    polls it stays simple.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._adapter_class = _adapter_class(self)

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        """Stop: every wait ends now, and every request in flight on a mounted session is cut."""
        self._event.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            try:  # the plain socket's shutdown, also under TLS: it wakes a thread blocked in recv or send
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass  # already closed

    def clear(self) -> None:
        self._event.clear()

    def wait(self, seconds: float | None = None) -> bool:
        """Like ``Event.wait``: True when the stop came within ``seconds``."""
        return self._event.wait(seconds)

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` unless stopped first (then :class:`Stopped`)."""
        if self._event.wait(max(0.0, seconds)):
            raise Stopped

    def check(self) -> None:
        """:class:`Stopped` when the stop was given."""
        if self._event.is_set():
            raise Stopped

    def mount(self, session: requests.Session) -> requests.Session:
        """Make a stop cut the session's requests in flight (HTTP and HTTPS, without a proxy)."""
        for prefix in ("http://", "https://"):
            session.mount(prefix, self._adapter_class())
        return session

    def _opened(self, sock: socket.socket | None) -> None:
        if sock is not None:
            with self._lock:
                self._sockets.add(sock)


def _adapter_class(signal: StopSignal) -> type[HTTPAdapter]:
    """A transport adapter whose connections register their sockets with ``signal``."""

    class Connection(HTTPConnection):
        def connect(self) -> None:
            super().connect()
            signal._opened(self.sock)

    class SecureConnection(HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            signal._opened(self.sock)

    class Pool(HTTPConnectionPool):
        ConnectionCls = Connection

    class SecurePool(HTTPSConnectionPool):
        ConnectionCls = SecureConnection

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": SecurePool}

    return Adapter

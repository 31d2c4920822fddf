"""What the tests share: where the server is, and a TCP proxy that can cut.

The tests run against a real server, named by environment variables that
cmd/dossier's TestPythonClient sets:

- ``DOSSIER_URL``: a server holding examples/assertions.jsonl (required);
- ``DOSSIER_SLOW_URL``: the same server behind small socket send buffers,
  so that a subscriber that stops reading falls behind (SLOW_CONSUMER);
- ``DOSSIER_LIMITED_URL`` and ``DOSSIER_LIMITED_TOKEN``: a server that
  wants a bearer token and allows two requests a second.

Without ``DOSSIER_URL`` the tests skip, unless ``CI`` is set: there a
missing server, or pandas or networkx, is a failure, not a quiet skip.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import unittest
import urllib.parse
from typing import List, Tuple

from dossier import Dossier

IN_CI = bool(os.environ.get("CI"))


def need_env(name: str) -> str:
    """The variable's value; a skip (a failure in CI) when it is unset."""
    value = os.environ.get(name)
    if not value:
        if IN_CI:
            raise AssertionError(f"{name} is not set and CI is: run these tests through go test ./cmd/dossier -run Python")
        raise unittest.SkipTest(f"{name} is not set (go test ./cmd/dossier -run Python sets it)")
    return value


def need_module(name: str):
    """Imports an optional module; a skip (a failure in CI) when it is missing."""
    try:
        return __import__(name)
    except ImportError:
        if IN_CI:
            raise AssertionError(f"{name} is missing and CI is set: apt-get install python3-{name}")
        raise unittest.SkipTest(f"{name} is not installed")


def client(**kw) -> Dossier:
    return Dossier(need_env("DOSSIER_URL"), principal="python-tests", **kw)


def claim(subject: str, predicate: str, obj: str, note: str = "", pad: str = "") -> dict:
    """An assertion input, as recordAssertions takes it, with its own sentence."""
    sentence = f"{subject} {predicate.lower()} {obj}{note}.{pad}"
    return {"subject": {"name": subject}, "predicate": predicate, "object": {"name": obj},
            "confidence": 0.9, "evidence": {"document": "python-tests", "sentence": sentence}}


class Proxy:
    """A TCP proxy in front of a server whose connections a test can cut,
    as a network failure would, and which can refuse new ones for a while."""

    def __init__(self, target_url: str) -> None:
        u = urllib.parse.urlsplit(target_url)
        self.target = (u.hostname or "127.0.0.1", u.port or 80)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:%d" % self.listener.getsockname()[1]
        self.accepted = 0
        self._pairs: List[Tuple[socket.socket, socket.socket]] = []
        self._refuse_until = 0.0
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self, refuse_for: float = 0.0) -> None:
        """Closes every open connection; for refuse_for seconds, new ones are
        closed as soon as they are accepted."""
        with self._lock:
            self._refuse_until = time.monotonic() + refuse_for
            pairs, self._pairs = self._pairs, []
        for a, b in pairs:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self) -> None:
        self._closed = True
        self.listener.close()
        self.cut()

    def _accept(self) -> None:
        while not self._closed:
            try:
                down, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                refuse = time.monotonic() < self._refuse_until
            if refuse:
                down.close()
                continue
            try:
                up = socket.create_connection(self.target)
            except OSError:
                down.close()
                continue
            with self._lock:
                self.accepted += 1
                self._pairs.append((down, up))
            threading.Thread(target=self._pump, args=(down, up), daemon=True).start()
            threading.Thread(target=self._pump, args=(up, down), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                b = src.recv(65536)
                if not b:
                    break
                dst.sendall(b)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

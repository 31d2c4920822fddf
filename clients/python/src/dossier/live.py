"""Live feeds over Server-Sent Events, as Python iterators that resume.

The server streams a subscription as ``event: next`` messages on one
long POST response (graphql-sse's distinct-connections mode) and ends it
with ``event: complete``. Two things end a feed early: the server, when a
subscriber falls more than 256 events behind (an error SLOW_CONSUMER with
``extensions.lastSequence``), and the network. Both are handled the same
way, which is why every subscription here carries an explicit ``after``:
subscribe again with ``after`` set to the last sequence received, and the
server replays the log from there, with no gap and no duplicate.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import threading
import time
import urllib.parse
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Tuple

from .errors import DossierError, UnreachableError, error_of

if TYPE_CHECKING:  # pragma: no cover
    from .client import Dossier

__all__ = ["Subscription"]

log = logging.getLogger("dossier")

Row = Dict[str, Any]


class Subscription(Iterator[Row]):
    """An open subscription: iterate over it for one row per event.

    ``last_sequence`` is the sequence of the last event delivered (before
    any, the point the feed started from): keep it to pick up later with
    ``after=``. ``resumes`` counts how often the feed was subscribed again
    after the server or the network ended it.

    ``idle_timeout`` (seconds) is how long a silent connection is trusted:
    the server sends a keep-alive every 15 seconds, so a longer silence
    means the connection is gone, and the feed resumes on a new one.
    ``max_reconnects`` bounds the attempts in a row that deliver nothing.
    """

    def __init__(self, client: "Dossier", field: str, query: str, variables: Dict[str, Any],
                 row: Callable[[Dict[str, Any]], Row], *, after: Optional[int] = None,
                 idle_timeout: float = 60.0, max_reconnects: int = 5) -> None:
        self.client = client
        self.field = field
        self.query = query
        self.variables = variables
        self._row = row
        self.idle_timeout = idle_timeout
        self.max_reconnects = max_reconnects
        # "Now" is pinned to a sequence before connecting: a feed without
        # after would start wherever the server is when the connection
        # is made, and a resumed one could not say where it was.
        self.last_sequence: int = int(after) if after is not None else int(client.stats()["sequence"])
        self.resumes = 0
        self._fruitless = 0
        self._closed = False
        self._reading = False
        self._lock = threading.Lock()
        self._conn: Optional[http.client.HTTPConnection] = None
        self._resp: Optional[http.client.HTTPResponse] = None
        self._connect()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<Subscription {self.field} after {self.last_sequence}, {state}>"

    def __iter__(self) -> "Subscription":
        return self

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __next__(self) -> Row:
        while True:
            with self._lock:
                if self._closed:
                    raise StopIteration
                resp, self._reading = self._resp, True
            try:
                message = self._read_message(resp)
            except (OSError, http.client.HTTPException, ValueError) as e:
                message, lost = None, f"connection lost ({e.__class__.__name__}: {e})"
            else:
                lost = "connection closed by the server"
            finally:
                with self._lock:
                    self._reading = False
            if self._closed:  # close() from another thread woke the read
                self._disconnect()
                raise StopIteration
            if message is None:
                self._resume(lost)
                continue
            event, data = message
            if event == "complete":
                self.close()
                raise StopIteration
            if event != "next":
                continue
            payload = json.loads(data)
            errors = payload.get("errors")
            if errors:
                ext = errors[0].get("extensions") or {}
                if ext.get("code") == "SLOW_CONSUMER":
                    last = ext.get("lastSequence")
                    if isinstance(last, int):
                        self.last_sequence = max(self.last_sequence, last)
                    self._resume("the server dropped it as too slow (SLOW_CONSUMER)")
                    continue
                self.close()
                raise error_of(errors)
            node = payload["data"][self.field]
            self.last_sequence = int(node["sequence"])
            self._fruitless = 0
            return self._row(node)

    def close(self) -> None:
        """Ends the subscription; a loop over it stops. Safe from any thread."""
        with self._lock:
            self._closed = True
            reading, conn = self._reading, self._conn
        if reading and conn is not None and conn.sock is not None:
            # Another thread is in a read: wake it (EOF), and let it close
            # the response, which is not safe to close under its feet.
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._disconnect()

    # ------------------------------------------------------------------

    def _connect(self) -> None:
        """Opens the stream, starting after ``last_sequence``."""
        u = urllib.parse.urlsplit(self.client.endpoint)
        path = (u.path or "/") + ("?" + u.query if u.query else "")
        body = json.dumps({"query": self.query, "variables": dict(self.variables, after=self.last_sequence)})
        for attempt in range(self.client.max_retries + 1):
            if u.scheme == "https":
                conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                    u.hostname or "", u.port, timeout=self.idle_timeout, context=ssl.create_default_context())
            else:
                conn = http.client.HTTPConnection(u.hostname or "", u.port, timeout=self.idle_timeout)
            try:
                conn.request("POST", path, body=body, headers=self.client.headers(accept="text/event-stream"))
                resp = conn.getresponse()
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                raise UnreachableError(f"cannot subscribe at {self.client.endpoint}: {e}") from None
            if resp.status == 200 and resp.getheader("Content-Type", "").startswith("text/event-stream"):
                with self._lock:
                    if self._closed:
                        conn.close()
                        return
                    self._conn, self._resp = conn, resp
                return
            # Refused before it started (401, 403, 429…): a JSON answer.
            err = self._refusal(resp)
            conn.close()
            if err.code != "RATE_LIMITED" or attempt == self.client.max_retries:
                raise err
            wait = min(max(err.retry_after or 1.0, 0.05), self.client.max_retry_wait)
            log.info("%s: subscription rate limited; retrying in %.1f s", self.client.url, wait)
            time.sleep(wait)

    def _refusal(self, resp: http.client.HTTPResponse) -> DossierError:
        raw = resp.read()
        try:
            errors = json.loads(raw).get("errors")
        except (ValueError, AttributeError):
            errors = None
        if errors:
            return error_of(errors, resp.getheader("Retry-After"))
        return DossierError(f"HTTP {resp.status} from {self.client.endpoint}: not an event stream")

    def _disconnect(self) -> None:
        with self._lock:
            conn, self._conn, self._resp = self._conn, None, None
        if conn is None:
            return
        # shutdown, not only close: it wakes a read blocked in another thread.
        if conn.sock is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        conn.close()

    def _resume(self, why: str) -> None:
        """Subscribes again after ``last_sequence``, retrying a few times
        with growing pauses when the server cannot be reached."""
        self._disconnect()
        self._fruitless += 1
        if self._fruitless > self.max_reconnects:
            self.close()
            raise UnreachableError(f"subscription at {self.client.endpoint} ended {self.max_reconnects} times "
                                   f"in a row without an event; last: {why}")
        self.resumes += 1
        log.info("%s: %s; resubscribing after sequence %d", self.client.url, why, self.last_sequence)
        pause = 0.0
        while True:
            time.sleep(pause)
            if self._closed:
                return
            try:
                self._connect()
                return
            except UnreachableError:
                self._fruitless += 1
                if self._fruitless > self.max_reconnects:
                    self.close()
                    raise
                pause = min(0.25 * 2 ** self._fruitless, 5.0)

    def _read_message(self, resp: Optional[http.client.HTTPResponse]) -> Optional[Tuple[str, str]]:
        """The next SSE message as (event, data); None at the end of the stream."""
        if resp is None:
            return None
        event: Optional[str] = None
        data: List[str] = []
        while True:
            raw = resp.readline()
            if not raw:
                return None
            line = raw.decode("utf-8").rstrip("\r\n")
            if not line:
                if event is None and not data:
                    continue  # the blank line after a keep-alive comment
                return event or "message", "\n".join(data)
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)

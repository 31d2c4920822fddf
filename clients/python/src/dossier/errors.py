"""The errors the client raises.

Every failure is a :class:`DossierError`, so a notebook can catch one thing;
``code`` is the server's ``extensions.code`` (``NOT_FOUND``,
``INVALID_INPUT``, ``COST_LIMIT``, ``TIMEOUT``, ``RATE_LIMITED``, …), the
value to branch on, since messages are for people and may change.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

__all__ = ["DossierError", "OntologyError", "UnreachableError", "error_of"]


class DossierError(Exception):
    """A GraphQL or HTTP error from the server, or no answer at all.

    ``code`` is ``extensions.code`` of the (first) error, ``None`` when the
    server did not give one; ``extensions`` holds the rest of what it said
    (``retryAfter``, ``cost`` and ``budget``, ``lastSequence``, …), and
    ``errors`` every error of the answer, as the server sent them.
    """

    def __init__(self, message: str, code: Optional[str] = None,
                 extensions: Optional[Dict[str, Any]] = None,
                 errors: Optional[List[Dict[str, Any]]] = None) -> None:
        super().__init__(message if code is None else f"{message} [{code}]")
        self.message = message
        self.code = code
        self.extensions: Dict[str, Any] = dict(extensions or {})
        self.errors: List[Dict[str, Any]] = list(errors or [])

    @property
    def retry_after(self) -> Optional[float]:
        """Seconds the server asked to wait before retrying (RATE_LIMITED)."""
        value = self.extensions.get("retryAfter")
        return float(value) if isinstance(value, (int, float)) else None


class UnreachableError(DossierError, ConnectionError):
    """The server could not be reached, or stopped answering mid-way."""


class OntologyError(DossierError, ValueError):
    """An argument names a predicate or actor type the server's ontology lacks.

    The server would answer such a filter with an empty list, which reads
    like "no such relationships": a typo must not look like a finding. The
    message lists what the ontology has; ``known`` holds the same names.
    """

    def __init__(self, kind: str, value: str, known: Iterable[str]) -> None:
        self.value = value
        self.known = sorted(known)
        super().__init__(f"unknown {kind} {value!r}; the server's ontology has: {', '.join(self.known)}",
                         "INVALID_INPUT", {"value": value})


def error_of(errors: List[Dict[str, Any]], retry_header: Optional[str] = None) -> DossierError:
    """A DossierError for an answer's errors: the first one's message and
    code, every message when there are several."""
    first = errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
    ext = dict(first.get("extensions") or {})
    if retry_header and "retryAfter" not in ext:
        try:
            ext["retryAfter"] = float(retry_header)
        except ValueError:
            pass
    message = first.get("message", "error")
    more = [e.get("message", "") for e in errors[1:] if isinstance(e, dict) and e.get("message") != message]
    if more:
        message += " (and: " + "; ".join(more[:5]) + (" …" if len(more) > 5 else "") + ")"
    return DossierError(message, ext.get("code"), ext, errors)

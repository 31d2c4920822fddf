"""The client: one :class:`Dossier` per server.

Everything goes through :meth:`Dossier.query`, which posts GraphQL over
plain HTTP with the standard library, so the package installs anywhere a
notebook runs. The listings on top of it page through the server's
cursors, flatten each node into a dict, parse times into datetimes, and
check predicate and actor-type arguments against the server's ontology
before asking.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from . import rows as R
from .errors import DossierError, OntologyError, UnreachableError, error_of
from .live import Subscription
from .rows import Rows

__all__ = ["Dossier", "DEFAULT_URL"]

log = logging.getLogger("dossier")

DEFAULT_URL = "http://127.0.0.1:8080"

# An as_of argument: a sequence of the log, or a time (datetime or RFC 3339).
AsOf = Union[int, _dt.datetime, str, None]
# GraphQL arguments of a listing: name -> (GraphQL type, value).
Args = Dict[str, Tuple[str, Any]]


class Dossier:
    """A Dossier server at ``url`` (its base, as ``http://127.0.0.1:8080``).

    ``url`` defaults to ``$DOSSIER_URL``, then to the address ``dossier
    serve`` listens on. ``token`` (default ``$DOSSIER_TOKEN``, as the CLI)
    is sent as ``Authorization: Bearer``: a server started with
    ``--tokens`` asks for one. Without tokens the server names the caller
    by ``principal`` (the ``Dossier-Principal`` header), which is who
    ingestions and recorded assertions are attributed to.

    A request the server refuses as ``RATE_LIMITED`` is sent again after
    the ``retryAfter`` seconds it asks for, at most ``max_retries`` times
    and waiting at most ``max_retry_wait`` seconds each time: a notebook
    paging through a big graph slows down instead of failing. Every other
    refusal (``TIMEOUT``, ``COST_LIMIT``, ``NOT_FOUND``, …) is raised at
    once as a :class:`DossierError`, since sending it again would not help.
    """

    def __init__(self, url: Optional[str] = None, principal: Optional[str] = None, *,
                 token: Optional[str] = None, timeout: float = 60.0,
                 max_retries: int = 3, max_retry_wait: float = 30.0) -> None:
        self.url = (url or os.environ.get("DOSSIER_URL") or DEFAULT_URL).rstrip("/")
        self.endpoint = self.url + "/graphql"
        self.principal = principal
        self.token = token if token is not None else os.environ.get("DOSSIER_TOKEN") or None
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self._ontology: Optional[Dict[str, Any]] = None

    def __repr__(self) -> str:
        return f"Dossier({self.url!r})"

    # ------------------------------------------------------------------
    # Plain GraphQL

    def headers(self, accept: str = "application/json") -> Dict[str, str]:
        """The headers of every request: JSON in, the caller's identity."""
        h = {"Content-Type": "application/json", "Accept": accept}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if self.principal:
            h["Dossier-Principal"] = self.principal
        return h

    def query(self, query: str, variables: Optional[Dict[str, Any]] = None, *,
              at_least: Optional[int] = None) -> Dict[str, Any]:
        """Runs a query or mutation and returns its ``data``.

        Raises :class:`DossierError` with the server's code on any error.
        ``at_least`` makes the server wait until its projection has applied
        that sequence (read-your-writes against another replica).
        """
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        headers = self.headers()
        if at_least is not None:
            headers["Dossier-At-Least"] = str(int(at_least))
        for attempt in range(self.max_retries + 1):
            try:
                return self._post(body, headers)
            except DossierError as e:
                if e.code != "RATE_LIMITED" or attempt == self.max_retries:
                    raise
                wait = min(max(e.retry_after or 1.0, 0.05), self.max_retry_wait)
                log.info("%s: rate limited; retrying in %.1f s (%d of %d)", self.url, wait,
                         attempt + 1, self.max_retries)
                time.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _post(self, body: bytes, headers: Dict[str, str]) -> Dict[str, Any]:
        req = urllib.request.Request(self.endpoint, data=body, headers=headers, method="POST")
        retry_header = None
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            # Refusals (400, 401, 429, 504…) still carry GraphQL errors.
            retry_header = e.headers.get("Retry-After")
            try:
                raw = e.read()
            finally:
                e.close()
            status: Optional[int] = e.code
        except urllib.error.URLError as e:
            raise UnreachableError(f"cannot reach {self.endpoint}: {e.reason}") from None
        except (OSError, TimeoutError) as e:
            raise UnreachableError(f"no answer from {self.endpoint}: {e}") from None
        else:
            status = None
        try:
            answer = json.loads(raw)
        except ValueError:
            raise DossierError(f"HTTP {status or 200} from {self.endpoint}: not a GraphQL answer") from None
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if errors:
            raise error_of(errors, retry_header)
        if status is not None or not isinstance(answer, dict) or answer.get("data") is None:
            raise DossierError(f"HTTP {status or 200} from {self.endpoint} without data")
        data: Dict[str, Any] = answer["data"]
        return data

    # ------------------------------------------------------------------
    # The ontology, read once

    def ontology(self) -> Dict[str, Any]:
        """The predicates and actor types the server accepts, read once.

        ``{"predicates": [{"name", "description", "inverse", "symmetric"}],
        "actor_types": [...]}``. Servers extend it with ``--ontology``, so it
        is the server's answer, not a list built into the client.
        """
        if self._ontology is None:
            o = self.query("{ ontology { predicates { name description inverse symmetric } actorTypes } }")["ontology"]
            self._ontology = {"predicates": o["predicates"], "actor_types": o["actorTypes"]}
        return self._ontology

    @property
    def predicates(self) -> List[str]:
        """The names of the predicates, as the server's ontology has them."""
        return [p["name"] for p in self.ontology()["predicates"]]

    def _predicate(self, name: str) -> str:
        """The ontology's spelling of a predicate, or an OntologyError."""
        return _canonical("predicate", name, self.predicates)

    def _predicates(self, names: Union[str, Iterable[str], None]) -> Optional[List[str]]:
        if names is None:
            return None
        if isinstance(names, str):  # predicates="OWNS" means one, not five letters
            names = [names]
        return [self._predicate(n) for n in names]

    # ------------------------------------------------------------------
    # Reading the graph

    def stats(self, as_of: AsOf = None) -> Dict[str, int]:
        """Counts of actors, relationships, assertions and documents, and the
        last sequence the projection applied."""
        stats: Dict[str, int] = self._read("stats { actors relationships assertions documents sequence }", {}, as_of)["stats"]
        return stats

    def actor(self, actor: str, as_of: AsOf = None) -> Optional[Dict[str, Any]]:
        """One actor by id or any name or alias (None when unknown)."""
        data = self._read(f"actor(name: $name) {{ {R.ACTOR_FIELDS} }}", {"name": ("String", actor)}, as_of)
        return None if data["actor"] is None else R.actor_row(data["actor"])

    def actors(self, search: Optional[str] = None, type: Optional[str] = None, *,
               as_of: AsOf = None, page_size: int = 500) -> Rows:
        """Actors whose name or alias starts with ``search``, optionally of one
        ``type``: id, name, type, aliases, mentions, first and last seen."""
        args: Args = {}
        if search is not None:
            args["search"] = ("String", search)
        if type is not None:
            args["type"] = ("String", _canonical("actor type", type, self.ontology()["actor_types"]))
        nodes = self._pages("actors", args, R.ACTOR_FIELDS, as_of, page_size)
        return Rows(map(R.actor_row, nodes), kind="actors", columns=R.ACTOR_COLUMNS)

    def relationships(self, subject: Optional[str] = None, predicate: Optional[str] = None,
                      object: Optional[str] = None, min_support: int = 1,
                      valid_at: Optional[str] = None, as_of: AsOf = None,
                      page_size: int = 500) -> Rows:
        """Relationships, one row per (subject, predicate, object).

        Filters: either end by id or any name, a predicate (checked against
        the ontology), ``min_support`` assertions, ``valid_at``
        (YYYY-MM-DD: what held in the world that day). ``as_of`` reads the
        graph as it was after a sequence (an int) or at a time (a datetime).
        """
        args = self._relationship_args(subject, predicate, object, min_support, valid_at)
        nodes = self._pages("relationships", args, R.RELATIONSHIP, as_of, page_size)
        return Rows(map(R.relationship_row, nodes), kind="relationships", columns=R.RELATIONSHIP_COLUMNS)

    def assertions(self, subject: Optional[str] = None, predicate: Optional[str] = None,
                   object: Optional[str] = None, min_support: int = 1,
                   valid_at: Optional[str] = None, *, contested: bool = False,
                   as_of: AsOf = None, page_size: int = 50) -> Rows:
        """The evidence: every assertion of the matching relationships, one
        row each, with its sentence, document, polarity, who it is
        attributed to and whether it was retracted.

        ``contested=True`` reads the relationships both affirmed and denied
        (the filters then do not apply), so both sides' evidence can be put
        side by side. Pages are small (50 relationships) because each
        carries its assertions: the server prices a page by everything in it.
        """
        if contested:
            field, args = "contested", {}
        else:
            field, args = "relationships", self._relationship_args(subject, predicate, object, min_support, valid_at)
        selection = f"id assertions {{ {R.ASSERTION} }}"
        out = Rows(kind="assertions", columns=R.ASSERTION_COLUMNS)
        for rel in self._pages(field, args, selection, as_of, page_size):
            out.extend(R.assertion_row(a, rel["id"]) for a in rel["assertions"])
        return out

    def contested(self, *, as_of: AsOf = None, page_size: int = 500) -> Rows:
        """Relationships both affirmed and denied (``affirmed`` and ``negated``
        both above zero); ``assertions(contested=True)`` has their evidence."""
        nodes = self._pages("contested", {}, R.RELATIONSHIP, as_of, page_size)
        return Rows(map(R.relationship_row, nodes), kind="relationships", columns=R.RELATIONSHIP_COLUMNS)

    def neighbors(self, actor: str, depth: int = 1, predicates: Union[str, Iterable[str], None] = None,
                  *, max_per_actor: Optional[int] = None, as_of: AsOf = None) -> Rows:
        """Actors within ``depth`` (1 to 3) hops of ``actor``, nearest first.

        Each row is a reached actor with the actor it was reached from and
        the relationship between them (subject, predicate, object, as the
        graph has it), so ``to_networkx()`` draws the neighbourhood. From
        each actor only its ``max_per_actor`` (1 to 1000; the server's
        default 25) most supported relationships are followed.
        """
        args: Args = {"actor": ("String!", actor), "depth": ("Int", depth)}
        if max_per_actor is not None:
            args["maxPerActor"] = ("Int", max_per_actor)
        preds = self._predicates(predicates)
        if preds is not None:
            args["predicates"] = ("[String!]", preds)
        data = self._read(f"neighbors({_call(args)}) {{ {R.NEIGHBOR} }}", args, as_of)
        return Rows(map(R.neighbor_row, data["neighbors"]), kind="neighbors", columns=R.NEIGHBOR_COLUMNS)

    neighbours = neighbors

    def path(self, from_: str, to: str, max_depth: int = 4,
             predicates: Union[str, Iterable[str], None] = None, *,
             max_per_actor: Optional[int] = None, as_of: AsOf = None) -> Rows:
        """A shortest path between two actors, one row per step (empty when
        there is none within ``max_depth`` hops, 1 to 6), through each
        actor's ``max_per_actor`` (1 to 1000; the server's default 100)
        most supported relationships."""
        args: Args = {"from": ("String!", from_), "to": ("String!", to), "maxDepth": ("Int", max_depth)}
        if max_per_actor is not None:
            args["maxPerActor"] = ("Int", max_per_actor)
        preds = self._predicates(predicates)
        if preds is not None:
            args["predicates"] = ("[String!]", preds)
        data = self._read(f"path({_call(args)}) {{ steps {{ {R.PATH_STEP} }} }}", args, as_of)
        steps = data["path"]["steps"] if data["path"] else []
        return Rows((R.path_row(i, s) for i, s in enumerate(steps, 1)), kind="path", columns=R.PATH_COLUMNS)

    def changes(self, from_sequence: int, to_sequence: Optional[int] = None) -> Rows:
        """Relationships added, removed and changed between two sequences
        (``to_sequence`` defaults to now): one row per relationship, its
        ``change`` one of added, removed, changed (with the support before)."""
        args: Args = {"from": ("Sequence!", from_sequence)}
        if to_sequence is not None:
            args["to"] = ("Sequence", to_sequence)
        data = self._read(f"changes({_call(args)}) {{ {R.CHANGES} }}", args, None)
        return Rows(R.change_rows(data["changes"]), kind="changes", columns=R.CHANGE_COLUMNS)

    def history(self, actor: Optional[str] = None, assertion: Optional[str] = None,
                document: Optional[str] = None, relationship: Optional[str] = None, *,
                as_of: AsOf = None, page_size: int = 500) -> Rows:
        """The audit trail of one actor, assertion, document or relationship,
        oldest first: sequence, time, event type, who (principal), why
        (reason), what it did (outcome, summary). Ids are as the graph
        shows them (``relationship:bytedance:OWNS:tiktok``)."""
        args: Args = {}
        for name, value, gql in (("actor", actor, "String"), ("assertion", assertion, "ID"),
                                 ("document", document, "ID"), ("relationship", relationship, "ID")):
            if value is not None:
                args[name] = (gql, value)
        nodes = self._pages("history", args, R.EVENT, as_of, page_size)
        return Rows(map(R.event_row, nodes), kind="history", columns=R.EVENT_COLUMNS)

    def documents(self, *, as_of: AsOf = None, page_size: int = 500) -> Rows:
        """The documents the graph holds: id, source, title, url, published…"""
        nodes = self._pages("documents", {}, R.DOCUMENT, as_of, page_size)
        return Rows(map(R.document_row, nodes), kind="documents", columns=R.DOCUMENT_COLUMNS)

    # ------------------------------------------------------------------
    # Writing

    def ingest(self, text: str, *, title: Optional[str] = None, source: Optional[str] = None,
               url: Optional[str] = None, published: Optional[str] = None,
               content_type: Optional[str] = None) -> Dict[str, Any]:
        """Sends a document (plain text, HTML or markdown) to be read by the
        server's extractor. Returns document_id, recorded, dropped,
        duplicate, sequence, projected. The same text again records
        nothing (``duplicate`` is True), so re-running a notebook is safe."""
        doc = {"text": text, "title": title, "source": source, "url": url,
               "published": published, "contentType": content_type}
        data = self.query("""mutation($in: DocumentInput!) { ingestDocument(input: $in) {
            documentId recorded dropped duplicate sequence projected } }""",
                          {"in": {k: v for k, v in doc.items() if v is not None}})
        r = data["ingestDocument"]
        return {"document_id": r["documentId"], "recorded": r["recorded"], "dropped": r["dropped"],
                "duplicate": r["duplicate"], "sequence": r["sequence"], "projected": r["projected"]}

    def ingest_file(self, path: Union[str, "os.PathLike[str]"], **kw: Any) -> Dict[str, Any]:
        """Ingests a file, its source named by its base name without the
        extension (as ``dossier ingest`` and the gold files name documents)."""
        p = Path(path)
        kw.setdefault("source", p.stem)
        return self.ingest(p.read_text(encoding="utf-8"), **kw)

    def record(self, assertions: Iterable[Dict[str, Any]], *, wait: bool = True) -> Dict[str, Any]:
        """Records assertions, given as the schema's ``AssertionInput``
        (``{"subject": {"name": …}, "predicate": …, "object": {…},
        "evidence": {"document": …, "sentence": …}}``). The server checks
        them all first and records none if any is invalid. Returns
        ``assertions`` (id, sequence, duplicate), ``last_sequence`` and
        ``projected``."""
        data = self.query("""mutation($in: [AssertionInput!]!, $wait: Boolean) {
            recordAssertions(input: $in, wait: $wait) { assertions { id sequence duplicate } lastSequence projected } }""",
                          {"in": list(assertions), "wait": wait})
        r = data["recordAssertions"]
        return {"assertions": r["assertions"], "last_sequence": r["lastSequence"], "projected": r["projected"]}

    # ------------------------------------------------------------------
    # Live

    def live_assertions(self, actor: Optional[str] = None,
                        predicates: Union[str, Iterable[str], None] = None,
                        min_confidence: Optional[float] = None, document: Optional[str] = None, *,
                        after: Optional[int] = None, **kw: Any) -> Subscription:
        """Assertions as they are recorded, as an iterator of rows (with the
        evidence sentence), over Server-Sent Events.

        Without ``after`` it starts now: every assertion recorded after this
        call returns is delivered, even one recorded before the first
        ``next()``. With ``after`` it first replays the log from there.
        When the server drops it as too slow (SLOW_CONSUMER) or the
        connection breaks, it subscribes again from the last sequence
        received, so nothing is missed or delivered twice. Use it in a
        ``with`` block, or ``close()`` it.
        """
        flt = self._live_filter(actor, predicates)
        if min_confidence is not None:
            flt["minConfidence"] = min_confidence
        if document is not None:
            flt["document"] = document
        query = ("subscription($filter: AssertionFilter, $after: Sequence) { "
                 f"assertionRecorded(filter: $filter, after: $after) {{ {R.LIVE_ASSERTION} }} }}")
        return Subscription(self, "assertionRecorded", query, {"filter": flt}, R.live_assertion_row,
                            after=after, **kw)

    def live_relationships(self, actor: Optional[str] = None,
                           predicates: Union[str, Iterable[str], None] = None, *,
                           after: Optional[int] = None, **kw: Any) -> Subscription:
        """Relationship changes (added, changed, removed) as they happen; as
        :meth:`live_assertions`."""
        flt = self._live_filter(actor, predicates)
        query = ("subscription($filter: RelationshipFilter, $after: Sequence) { "
                 f"relationshipChanged(filter: $filter, after: $after) {{ {R.LIVE_RELATIONSHIP} }} }}")
        return Subscription(self, "relationshipChanged", query, {"filter": flt}, R.live_relationship_row,
                            after=after, **kw)

    # ------------------------------------------------------------------
    # Plumbing

    def _live_filter(self, actor: Optional[str], predicates: Union[str, Iterable[str], None]) -> Dict[str, Any]:
        """The filter both live feeds share: an actor and predicates."""
        flt: Dict[str, Any] = {}
        if actor is not None:
            flt["actor"] = actor
        preds = self._predicates(predicates)
        if preds is not None:
            flt["predicates"] = preds
        return flt

    def _relationship_args(self, subject: Optional[str], predicate: Optional[str], object: Optional[str],
                           min_support: int, valid_at: Optional[str]) -> Args:
        args: Args = {"minSupport": ("Int", min_support)}
        if predicate is not None:
            args["predicate"] = ("String", self._predicate(predicate))
        for name, value in (("subject", subject), ("object", object), ("validAt", valid_at)):
            if value is not None:
                args[name] = ("String", value)
        return args

    def _read(self, body: str, args: Args, as_of: AsOf) -> Dict[str, Any]:
        """Runs one read, as of a point of the log when asked: the same
        fields, inside ``asOf``, which answers them all for that one point."""
        params = {k: t for k, (t, _) in args.items()}
        variables = {k: v for k, (_, v) in args.items()}
        if as_of is None:
            return self.query(f"query{_params(params)} {{ {body} }}", variables)
        arg, gql, value = _as_of(as_of)
        params["asOf"] = gql
        variables["asOf"] = value
        q = f"query{_params(params)} {{ asOf({arg}: $asOf) {{ {body} }} }}"
        snapshot: Dict[str, Any] = self.query(q, variables)["asOf"]
        return snapshot

    def _pages(self, field: str, args: Args, selection: str, as_of: AsOf, page_size: int) -> Iterator[Dict[str, Any]]:
        """Yields the nodes of a connection, following its cursors to the end."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        args = dict(args, first=("Int", page_size), after=("String", None))
        body = f"{field}({_call(args)}) {{ edges {{ node {{ {selection} }} }} pageInfo {{ hasNextPage endCursor }} }}"
        while True:
            conn = self._read(body, args, as_of)[field]
            for edge in conn["edges"]:
                yield edge["node"]
            if not conn["pageInfo"]["hasNextPage"]:
                return
            args["after"] = ("String", conn["pageInfo"]["endCursor"])


def _canonical(kind: str, name: str, known: Sequence[str]) -> str:
    """The ontology's spelling of ``name`` (case does not matter), or an
    OntologyError listing the names the server knows."""
    by_upper = {k.upper(): k for k in known}
    found = by_upper.get(str(name).strip().upper())
    if found is None:
        raise OntologyError(kind, name, known)
    return found


def _as_of(as_of: AsOf) -> Tuple[str, str, Any]:
    """The argument of asOf an as_of value is, its GraphQL type and value."""
    if isinstance(as_of, bool):
        raise TypeError("as_of is a sequence (int) or a time (datetime or RFC 3339 string), not a bool")
    if isinstance(as_of, int):
        return "sequence", "Sequence", as_of
    if isinstance(as_of, _dt.datetime):
        if as_of.tzinfo is None:
            raise ValueError("as_of needs a timezone-aware datetime (datetime.now(timezone.utc), say)")
        return "time", "Time", as_of.isoformat()
    if isinstance(as_of, str):
        return "time", "Time", as_of
    raise TypeError(f"as_of is a sequence (int) or a time (datetime or RFC 3339 string), not {type(as_of).__name__}")


def _params(params: Dict[str, str]) -> str:
    return "(" + ", ".join(f"${k}: {t}" for k, t in params.items()) + ")" if params else ""


def _call(args: Args) -> str:
    return ", ".join(f"{k}: ${k}" for k in args)

"""Rows: what every listing returns, a list of flat dicts.

Flat dicts with snake_case keys are what ``pandas.DataFrame``, ``csv`` and
``networkx`` all take as they are, so a :class:`Rows` is just a list that
also knows its columns (an empty result still makes a DataFrame with the
right columns) and, for rows that are edges between actors, how to become
a graph. pandas and networkx are imported only when asked for: the client
itself needs nothing beyond the standard library.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Sequence

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    import networkx
    import pandas

__all__ = ["Rows", "parse_time", "parse_date"]

Row = Dict[str, Any]

# The keys that make a row an edge of the graph (see Rows.to_networkx).
EDGE_KEYS = ("subject", "subject_id", "subject_type", "predicate", "object", "object_id", "object_type")


class Rows(List[Row]):
    """A list of flat dicts, one per relationship, assertion, actor, event….

    ``kind`` says what the rows are ("relationships", "assertions", …) and
    ``columns`` their keys, in order.
    """

    def __init__(self, rows: Iterable[Row] = (), *, kind: str, columns: Sequence[str]) -> None:
        super().__init__(rows)
        self.kind = kind
        self.columns = list(columns)

    def __repr__(self) -> str:
        return f"<Rows {self.kind}: {len(self)}>"

    def to_pandas(self) -> "pandas.DataFrame":
        """The rows as a DataFrame, one column per key.

        Times are timezone-aware (UTC) datetimes, so pandas makes them
        ``datetime64[ns, UTC]`` columns that sort and compare as times.
        """
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the machine
            raise ImportError("Rows.to_pandas needs pandas: pip install pandas "
                              "(Debian: apt-get install python3-pandas)") from e
        return pd.DataFrame(list(self), columns=self.columns)

    def to_networkx(self) -> "networkx.MultiDiGraph":
        """The rows as a directed multigraph of actors.

        Nodes are actors by name, with their ``id`` and ``type`` as
        attributes (node types let a drawing colour actors by kind). Each
        row that links two actors (relationships, assertions, neighbours,
        path steps, changes) is an edge from its subject to its object,
        keyed by its ``id`` and carrying the whole row; actor rows become
        nodes only. Several edges may join the same two actors: one per
        predicate, or per assertion.
        """
        try:
            import networkx as nx
        except ImportError as e:  # pragma: no cover - depends on the machine
            raise ImportError("Rows.to_networkx needs networkx: pip install networkx "
                              "(Debian: apt-get install python3-networkx)") from e
        g = nx.MultiDiGraph()
        if self.kind == "actors":
            for r in self:
                g.add_node(r["name"], id=r["id"], type=r["type"])
            return g
        if not set(EDGE_KEYS) <= set(self.columns):
            raise TypeError(f"{self.kind} rows are not edges between actors; use to_pandas()")
        for r in self:
            for end in ("subject", "object"):
                g.add_node(r[end], id=r[end + "_id"], type=r[end + "_type"])
            g.add_edge(r["subject"], r["object"], key=r.get("id") or r["predicate"], **r)
        # Neighbour rows also name the actor they were reached from, which
        # may have no edge of its own in the rows (the start, at depth 0).
        if "from" in self.columns:
            for r in self:
                if r["from"] not in g:
                    g.add_node(r["from"], id=r["from_id"], type=r["from_type"])
        return g


# RFC 3339 as Go writes it: up to nine fractional digits, "Z" or an offset.
_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d:\d\d)(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d)$")


def parse_time(value: Optional[str]) -> Optional[_dt.datetime]:
    """An RFC 3339 timestamp as a timezone-aware datetime (None stays None).

    The server's times carry nanoseconds, which ``datetime.fromisoformat``
    refuses before Python 3.11; they are cut to microseconds, a datetime's
    precision.
    """
    if value is None:
        return None
    m = _TIME.match(value)
    if not m:
        raise ValueError(f"not an RFC 3339 time: {value!r}")
    day, clock, frac, zone = m.groups()
    frac = "." + (frac + "000000")[:6] if frac else ""
    zone = "+00:00" if zone in ("Z", "z") else zone
    return _dt.datetime.fromisoformat(f"{day}T{clock}{frac}{zone}")


def parse_date(value: Optional[str]) -> Optional[_dt.date]:
    """A YYYY-MM-DD day (valid time) as a date (None stays None)."""
    return None if value is None else _dt.date.fromisoformat(value)


# Flatteners: the GraphQL selections each listing asks for, and how a node
# of it becomes a flat row. Selection and flattener sit side by side so
# that one cannot change without the other.

ACTOR = "id name type"
ACTOR_FIELDS = "id name type aliases mentions firstSeen lastSeen firstSequence lastSequence"
ACTOR_COLUMNS = ["id", "name", "type", "aliases", "mentions", "first_seen", "last_seen",
                 "first_sequence", "last_sequence"]


def actor_row(a: Dict[str, Any]) -> Row:
    return {
        "id": a["id"], "name": a["name"], "type": a["type"], "aliases": list(a["aliases"]),
        "mentions": a["mentions"], "first_seen": parse_time(a["firstSeen"]),
        "last_seen": parse_time(a["lastSeen"]), "first_sequence": a["firstSequence"],
        "last_sequence": a["lastSequence"],
    }


def _ends(subject: Dict[str, Any], predicate: str, obj: Dict[str, Any]) -> Row:
    return {
        "subject": subject["name"], "subject_id": subject["id"], "subject_type": subject["type"],
        "predicate": predicate,
        "object": obj["name"], "object_id": obj["id"], "object_type": obj["type"],
    }


RELATIONSHIP = f"""id subject {{ {ACTOR} }} predicate object {{ {ACTOR} }}
  support affirmed negated actual possible intended firstSeen lastSeen firstSequence lastSequence"""
RELATIONSHIP_COLUMNS = ["id", *EDGE_KEYS, "support", "affirmed", "negated", "actual", "possible",
                        "intended", "first_seen", "last_seen", "first_sequence", "last_sequence"]


def relationship_row(r: Dict[str, Any]) -> Row:
    row = {"id": r["id"]}
    row.update(_ends(r["subject"], r["predicate"], r["object"]))
    row.update({
        "support": r["support"], "affirmed": r["affirmed"], "negated": r["negated"],
        "actual": r["actual"], "possible": r["possible"], "intended": r["intended"],
        "first_seen": parse_time(r["firstSeen"]), "last_seen": parse_time(r["lastSeen"]),
        "first_sequence": r["firstSequence"], "last_sequence": r["lastSequence"],
    })
    return row


ASSERTION = f"""id sequence recorded principal subject {{ {ACTOR} }} predicate object {{ {ACTOR} }}
  subjectText objectText polarity modality attributedTo {{ name }} confidence
  producer {{ name version }} validFrom validTo
  evidence {{ sentence start end document {{ id source title url published }} }}
  retracted {{ sequence time principal reason }}"""
ASSERTION_COLUMNS = ["id", *EDGE_KEYS, "relationship_id", "polarity", "modality", "attributed_to",
                     "confidence", "sentence", "start", "end", "document_id", "document_source",
                     "document_title", "document_url", "document_published", "subject_text",
                     "object_text", "valid_from", "valid_to", "producer", "sequence", "recorded",
                     "principal", "retracted", "retraction_reason"]


def assertion_row(a: Dict[str, Any], relationship_id: str) -> Row:
    ev, doc, retracted = a["evidence"], a["evidence"]["document"], a["retracted"]
    producer = a["producer"]["name"] + ("@" + a["producer"]["version"] if a["producer"]["version"] else "")
    row = {"id": a["id"]}
    row.update(_ends(a["subject"], a["predicate"], a["object"]))
    row.update({
        "relationship_id": relationship_id,
        "polarity": a["polarity"], "modality": a["modality"],
        "attributed_to": a["attributedTo"]["name"] if a["attributedTo"] else None,
        "confidence": a["confidence"],
        "sentence": ev["sentence"], "start": ev["start"], "end": ev["end"],
        "document_id": doc["id"], "document_source": doc["source"], "document_title": doc["title"],
        "document_url": doc["url"], "document_published": parse_time(doc["published"]),
        "subject_text": a["subjectText"], "object_text": a["objectText"],
        "valid_from": parse_date(a["validFrom"]), "valid_to": parse_date(a["validTo"]),
        "producer": producer, "sequence": a["sequence"], "recorded": parse_time(a["recorded"]),
        "principal": a["principal"],
        "retracted": parse_time(retracted["time"]) if retracted else None,
        "retraction_reason": retracted["reason"] if retracted else None,
    })
    return row


NEIGHBOR = f"""depth actor {{ {ACTOR} }} from {{ {ACTOR} }}
  via {{ predicate direction support relationship {{ id subject {{ {ACTOR} }} object {{ {ACTOR} }} }} }}"""
NEIGHBOR_COLUMNS = ["actor", "actor_id", "actor_type", "depth", "from", "from_id", "from_type",
                    "direction", "id", *EDGE_KEYS, "support"]


def neighbor_row(n: Dict[str, Any]) -> Row:
    via, rel = n["via"], n["via"]["relationship"]
    row = {
        "actor": n["actor"]["name"], "actor_id": n["actor"]["id"], "actor_type": n["actor"]["type"],
        "depth": n["depth"],
        "from": n["from"]["name"], "from_id": n["from"]["id"], "from_type": n["from"]["type"],
        "direction": via["direction"], "id": rel["id"],
    }
    row.update(_ends(rel["subject"], via["predicate"], rel["object"]))
    row["support"] = via["support"]
    return row


PATH_STEP = f"""from {{ {ACTOR} }} to {{ {ACTOR} }} predicate direction
  relationship {{ id support subject {{ {ACTOR} }} object {{ {ACTOR} }} }}"""
PATH_COLUMNS = ["step", "from", "direction", "to", "id", *EDGE_KEYS, "support"]


def path_row(i: int, s: Dict[str, Any]) -> Row:
    rel = s["relationship"]
    row = {"step": i, "from": s["from"]["name"], "direction": s["direction"], "to": s["to"]["name"],
           "id": rel["id"]}
    row.update(_ends(rel["subject"], s["predicate"], rel["object"]))
    row["support"] = rel["support"]
    return row


CHANGES = f"""from to added {{ {RELATIONSHIP} }} removed {{ {RELATIONSHIP} }}
  changed {{ before {{ support affirmed negated }} after {{ {RELATIONSHIP} }} }}"""
CHANGE_COLUMNS = ["change", *RELATIONSHIP_COLUMNS, "support_before", "affirmed_before", "negated_before"]


def change_rows(c: Dict[str, Any]) -> List[Row]:
    rows = []
    for kind, rels in (("added", c["added"]), ("removed", c["removed"])):
        for r in rels:
            rows.append({"change": kind, **relationship_row(r),
                         "support_before": None, "affirmed_before": None, "negated_before": None})
    for ch in c["changed"]:
        before = ch["before"]
        rows.append({"change": "changed", **relationship_row(ch["after"]),
                     "support_before": before["support"], "affirmed_before": before["affirmed"],
                     "negated_before": before["negated"]})
    return rows


EVENT = "sequence time type eventId principal reason outcome summary entities"
EVENT_COLUMNS = ["sequence", "time", "type", "event_id", "principal", "reason", "outcome",
                 "summary", "entities"]


def event_row(e: Dict[str, Any]) -> Row:
    return {
        "sequence": e["sequence"], "time": parse_time(e["time"]), "type": e["type"],
        "event_id": e["eventId"], "principal": e["principal"], "reason": e["reason"],
        "outcome": e["outcome"], "summary": e["summary"], "entities": list(e["entities"]),
    }


DOCUMENT = "id source title url published size sequence recorded retracted { time reason }"
DOCUMENT_COLUMNS = ["id", "source", "title", "url", "published", "size", "sequence", "recorded",
                    "retracted", "retraction_reason"]


def document_row(d: Dict[str, Any]) -> Row:
    r = d["retracted"]
    return {
        "id": d["id"], "source": d["source"], "title": d["title"], "url": d["url"],
        "published": parse_time(d["published"]), "size": d["size"], "sequence": d["sequence"],
        "recorded": parse_time(d["recorded"]),
        "retracted": parse_time(r["time"]) if r else None, "retraction_reason": r["reason"] if r else None,
    }


LIVE_ASSERTION = f"""sequence predicate subject {{ {ACTOR} }} object {{ {ACTOR} }} polarity modality
  confidence attributedTo {{ name }} evidence {{ sentence start end document {{ id source }} }}
  assertion {{ id relationship {{ id }} }}"""
LIVE_ASSERTION_COLUMNS = ["sequence", "id", *EDGE_KEYS, "relationship_id", "polarity", "modality",
                          "confidence", "attributed_to", "sentence", "start", "end", "document_id",
                          "document_source"]


def live_assertion_row(e: Dict[str, Any]) -> Row:
    ev = e["evidence"]
    row = {"sequence": e["sequence"], "id": e["assertion"]["id"]}
    row.update(_ends(e["subject"], e["predicate"], e["object"]))
    row.update({
        "relationship_id": e["assertion"]["relationship"]["id"],
        "polarity": e["polarity"], "modality": e["modality"], "confidence": e["confidence"],
        "attributed_to": e["attributedTo"]["name"] if e["attributedTo"] else None,
        "sentence": ev["sentence"], "start": ev["start"], "end": ev["end"],
        "document_id": ev["document"]["id"], "document_source": ev["document"]["source"],
    })
    return row


LIVE_RELATIONSHIP = f"sequence change relationship {{ {RELATIONSHIP} }}"
LIVE_RELATIONSHIP_COLUMNS = ["sequence", "change", *RELATIONSHIP_COLUMNS]


def live_relationship_row(e: Dict[str, Any]) -> Row:
    return {"sequence": e["sequence"], "change": e["change"].lower(), **relationship_row(e["relationship"])}

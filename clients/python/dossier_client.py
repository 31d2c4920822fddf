"""Dossier from Python, for notebooks: a small GraphQL client, standard library only.

Rows come out as plain dicts, so pandas and networkx take them as they are::

    import pandas as pd
    import networkx as nx
    from dossier_client import Dossier

    d = Dossier("http://127.0.0.1:8080")
    rels = list(d.relationships(min_support=2))
    df = pd.DataFrame(rels)                       # one row per relationship
    g = nx.MultiDiGraph()
    g.add_edges_from((r["subject"], r["object"], r) for r in rels)

    # Auditing: the graph as it was after event 120, and who changed an actor.
    then = list(d.relationships(as_of=120))
    trail = list(d.history(actor="TikTok"))

Listings page through the server's cursors, so a large graph streams in pages
instead of one huge response. Errors carry the server's ``extensions.code``.

Run as a script, it prints the relationships as CSV::

    python3 dossier_client.py http://127.0.0.1:8080 > relationships.csv
"""

import csv
import json
import sys
import urllib.error
import urllib.request

__all__ = ["Dossier", "DossierError"]


class DossierError(Exception):
    """A GraphQL or HTTP error; ``code`` is the server's extensions.code."""

    def __init__(self, message, code=None, extensions=None):
        super().__init__(message if code is None else f"{message} [{code}]")
        self.code = code
        self.extensions = extensions or {}


_REL_FIELDS = """
  subject { name type } predicate object { name type }
  support affirmed negated firstSeen lastSeen firstSequence lastSequence
"""


class Dossier:
    """A Dossier server at ``url`` (its base, as ``http://127.0.0.1:8080``).

    ``principal`` is sent as Dossier-Principal: who the mutations are recorded as.
    """

    def __init__(self, url, principal=None, timeout=60):
        self.endpoint = url.rstrip("/") + "/graphql"
        self.principal = principal
        self.timeout = timeout

    def query(self, query, variables=None, at_least=None):
        """Runs a query or mutation and returns its ``data``.

        ``at_least`` waits until the server's projection has applied that
        sequence (read-your-writes after a mutation, or on another replica).
        """
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.principal:
            headers["Dossier-Principal"] = self.principal
        if at_least is not None:
            headers["Dossier-At-Least"] = str(at_least)
        req = urllib.request.Request(self.endpoint, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                answer = json.load(resp)
        except urllib.error.HTTPError as e:
            try:
                answer = json.load(e)
            except ValueError:
                raise DossierError(f"HTTP {e.code} from {self.endpoint}") from None
        except urllib.error.URLError as e:
            raise DossierError(f"cannot reach {self.endpoint}: {e.reason}") from None
        errors = answer.get("errors")
        if errors:
            first = errors[0]
            ext = first.get("extensions") or {}
            raise DossierError(first.get("message", "error"), ext.get("code"), ext)
        return answer["data"]

    def _pages(self, field, args, selection, as_of, page_size):
        """Yields the nodes of a connection field, page by page."""
        params = ", ".join(f"${k}: {t}" for k, (t, _) in args.items())
        call = ", ".join(f"{k}: ${k}" for k in args)
        params = (params + ", " if params else "") + "$first: Int, $after: String"
        call = (call + ", " if call else "") + "first: $first, after: $after"
        inner = f"{field}({call}) {{ edges {{ node {{ {selection} }} }} pageInfo {{ hasNextPage endCursor }} }}"
        if as_of is not None:
            params += ", $asOf: Sequence"
            q = f"query({params}) {{ asOf(sequence: $asOf) {{ {inner} }} }}"
        else:
            q = f"query({params}) {{ {inner} }}"
        variables = {k: v for k, (_, v) in args.items()}
        variables.update(first=page_size, after=None)
        if as_of is not None:
            variables["asOf"] = as_of
        while True:
            data = self.query(q, variables)
            conn = (data["asOf"] if as_of is not None else data)[field]
            for edge in conn["edges"]:
                yield edge["node"]
            if not conn["pageInfo"]["hasNextPage"]:
                return
            variables["after"] = conn["pageInfo"]["endCursor"]

    def relationships(self, subject=None, predicate=None, object=None, min_support=1,
                      valid_at=None, as_of=None, page_size=500):
        """Relationships as flat dicts, one per (subject, predicate, object).

        Keys: subject, subject_type, predicate, object, object_type, support,
        affirmed, negated, first_seen, last_seen, first_sequence,
        last_sequence. ``as_of`` reads the graph as it was after that
        sequence; ``valid_at`` (YYYY-MM-DD) keeps what held in the world then.
        """
        args = {"minSupport": ("Int", min_support)}
        for name, value in (("subject", subject), ("predicate", predicate), ("object", object), ("validAt", valid_at)):
            if value is not None:
                args[name] = ("String", value)
        for r in self._pages("relationships", args, _REL_FIELDS, as_of, page_size):
            yield {
                "subject": r["subject"]["name"], "subject_type": r["subject"]["type"],
                "predicate": r["predicate"],
                "object": r["object"]["name"], "object_type": r["object"]["type"],
                "support": r["support"], "affirmed": r["affirmed"], "negated": r["negated"],
                "first_seen": r["firstSeen"], "last_seen": r["lastSeen"],
                "first_sequence": int(r["firstSequence"]), "last_sequence": int(r["lastSequence"]),
            }

    def actors(self, search=None, type=None, as_of=None, page_size=500):
        """Actors as dicts: id, name, type, aliases, mentions."""
        args = {}
        if search is not None:
            args["search"] = ("String", search)
        if type is not None:
            args["type"] = ("String", type)
        for a in self._pages("actors", args, "id name type aliases mentions", as_of, page_size):
            yield dict(a)

    def history(self, actor=None, assertion=None, document=None, relationship=None, page_size=500):
        """The audit trail of one entity, oldest first: sequence, time, type,
        principal, reason, summary."""
        args = {}
        for name, value, gql in (("actor", actor, "String"), ("assertion", assertion, "ID"),
                                 ("document", document, "ID"), ("relationship", relationship, "ID")):
            if value is not None:
                args[name] = (gql, value)
        for e in self._pages("history", args, "sequence time type principal reason summary", None, page_size):
            e = dict(e)
            e["sequence"] = int(e["sequence"])
            yield e


def main(argv):
    if len(argv) != 2:
        print("usage: python3 dossier_client.py SERVER_URL > relationships.csv", file=sys.stderr)
        return 2
    rows = Dossier(argv[1]).relationships()
    first = next(rows, None)
    if first is None:
        return 0
    out = csv.DictWriter(sys.stdout, fieldnames=list(first))
    out.writeheader()
    out.writerow(first)
    out.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Checks dossier_client against a running server that holds examples/assertions.jsonl.

Run by cmd/dossier's TestPythonClient: python3 check_dossier_client.py SERVER_URL
"""

import csv
import io
import sys
from contextlib import redirect_stdout

from dossier_client import Dossier, DossierError, main

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


url = sys.argv[1]
d = Dossier(url, principal="python-check")
stats = d.query("{ stats { actors relationships assertions sequence } }")["stats"]
check(stats["relationships"] > 10, f"the server holds relationships ({stats})")

# Small pages: the client must follow cursors to the end, without repeats.
rels = list(d.relationships(page_size=7))
keys = {(r["subject"], r["predicate"], r["object"]) for r in rels}
check(len(rels) == stats["relationships"], f"relationships() pages through all {stats['relationships']} (got {len(rels)})")
check(len(keys) == len(rels), "no relationship twice across pages")
check(all(r["support"] == r["affirmed"] + r["negated"] for r in rels), "support = affirmed + negated in every row")
check(sum(r["support"] for r in rels) == stats["assertions"], "the supports add up to the assertions")

owns = list(d.relationships(predicate="OWNS"))
check(owns and all(r["predicate"] == "OWNS" for r in owns), f"filter by predicate ({len(owns)} OWNS)")

# As of an earlier sequence the graph is a prefix of today's.
half = int(stats["sequence"]) // 2
then = list(d.relationships(as_of=half))
check(0 < len(then) <= len(rels), f"as_of={half} reads an earlier, smaller graph ({len(then)} of {len(rels)})")
check(all(r["last_sequence"] <= half for r in then), "as_of shows nothing after its sequence")

actors = list(d.actors(page_size=5))
check(len(actors) == stats["actors"], f"actors() pages through all {stats['actors']} (got {len(actors)})")
name = owns[0]["subject"]
trail = list(d.history(actor=name))
check(trail and all(e["sequence"] <= int(stats["sequence"]) for e in trail), f"history(actor={name!r}) has its events ({len(trail)})")

try:
    d.query("{ nosuchfield }")
    check(False, "an invalid query raises DossierError")
except DossierError as e:
    check(e.code == "GRAPHQL_VALIDATION_FAILED", f"an invalid query raises DossierError with its code ({e.code})")

try:
    Dossier("http://127.0.0.1:9").query("{ stats { actors } }")
    check(False, "an unreachable server raises DossierError")
except DossierError as e:
    check("cannot reach" in str(e), f"an unreachable server raises a clear DossierError ({e})")

out = io.StringIO()
with redirect_stdout(out):
    code = main(["dossier_client.py", url])
rows = list(csv.DictReader(io.StringIO(out.getvalue())))
check(code == 0 and len(rows) == len(rels), f"the CSV lists every relationship ({len(rows)} rows)")

sys.exit(1 if failures else 0)

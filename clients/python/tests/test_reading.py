"""Reading the graph: the listings, their rows, paging, as_of, the ontology
check and the errors, against a server holding examples/assertions.jsonl."""

from __future__ import annotations

import datetime as dt
import unittest

from dossier import Dossier, DossierError, OntologyError, Rows, UnreachableError
from dossier.rows import ASSERTION_COLUMNS, RELATIONSHIP_COLUMNS

from support import client, need_module

# A relationship of examples/assertions.jsonl and the sentence it rests on.
OWNS = ("ByteDance", "OWNS", "TikTok")
OWNS_ID = "relationship:bytedance:OWNS:tiktok"
OWNS_SENTENCE = "TikTok is owned by Beijing-based ByteDance."
OWNS_DOCUMENT = "000_8a48f4ee827dbde4"
# The Netherlands both bans TikTok and does not, in examples/assertions.jsonl.
CONTESTED_ID = "relationship:netherlands:BANS:tiktok"


class Reading(unittest.TestCase):
    d: Dossier

    @classmethod
    def setUpClass(cls) -> None:
        cls.d = client()

    def test_known_relationship_with_its_evidence(self) -> None:
        rels = self.d.relationships(*OWNS)
        self.assertIsInstance(rels, Rows)
        self.assertEqual(len(rels), 1, rels)
        r = rels[0]
        self.assertEqual((r["id"], r["subject"], r["subject_type"], r["object"], r["object_type"]),
                         (OWNS_ID, "ByteDance", "COMPANY", "TikTok", "PRODUCT"))
        self.assertGreaterEqual(r["support"], 2)
        self.assertEqual(r["support"], r["affirmed"] + r["negated"])
        self.assertEqual(r["support"], r["actual"] + r["possible"] + r["intended"])
        self.assertIsInstance(r["first_seen"], dt.datetime)
        self.assertIsNotNone(r["first_seen"].tzinfo, "times are timezone-aware")
        self.assertLessEqual(r["first_seen"], r["last_seen"])

        evidence = self.d.assertions(*OWNS)
        self.assertEqual(len(evidence), r["support"], "one row per assertion of the relationship")
        hit = [a for a in evidence if a["sentence"] == OWNS_SENTENCE]
        self.assertTrue(hit, [a["sentence"] for a in evidence])
        a = hit[0]
        self.assertEqual((a["relationship_id"], a["polarity"], a["document_source"]), (OWNS_ID, "AFFIRMED", OWNS_DOCUMENT))
        self.assertEqual((a["start"], a["end"]), (858, 901))
        self.assertTrue(a["id"].startswith("assertion:"))
        self.assertIsInstance(a["recorded"], dt.datetime)
        self.assertIsNone(a["retracted"])
        self.assertEqual(list(a), ASSERTION_COLUMNS)

    def test_paging_follows_cursors_to_the_end(self) -> None:
        stats = self.d.stats()
        small = self.d.relationships(page_size=7)
        self.assertGreater(len(small), 7, "page_size=7 must take several pages")
        self.assertEqual(len(small), stats["relationships"])
        self.assertEqual(len({r["id"] for r in small}), len(small), "no relationship twice across pages")
        self.assertEqual([r["id"] for r in small], [r["id"] for r in self.d.relationships(page_size=500)])
        self.assertEqual(sum(r["support"] for r in small), stats["assertions"])
        actors = self.d.actors(page_size=5)
        self.assertEqual(len(actors), stats["actors"])
        self.assertEqual(len({a["id"] for a in actors}), len(actors))
        # Assertions page by relationship, each with its evidence.
        self.assertEqual(len(self.d.assertions(page_size=3)), stats["assertions"])

    def test_as_of_reads_an_earlier_smaller_graph(self) -> None:
        now = self.d.relationships()
        half = self.d.stats()["sequence"] // 2
        then = self.d.relationships(as_of=half)
        self.assertTrue(0 < len(then) < len(now), f"as_of={half}: {len(then)} relationships, now {len(now)}")
        self.assertTrue(all(r["last_sequence"] <= half for r in then), "as_of shows nothing after its sequence")
        self.assertEqual(self.d.stats(as_of=half)["sequence"], half)
        trail = self.d.history(actor="TikTok")
        mid = trail[len(trail) // 2]["sequence"]
        early = self.d.history(actor="TikTok", as_of=mid)
        self.assertEqual(early, [e for e in trail if e["sequence"] <= mid])
        # A time reads the last sequence stored at or before it.
        self.assertEqual(len(self.d.relationships(as_of=dt.datetime.now(dt.timezone.utc))), len(now))
        with self.assertRaises(ValueError):
            self.d.relationships(as_of=dt.datetime.now())  # no timezone: ambiguous

    def test_changes_between_two_sequences(self) -> None:
        half = self.d.stats()["sequence"] // 2
        now = {r["id"] for r in self.d.relationships()}
        then = {r["id"] for r in self.d.relationships(as_of=half)}
        changes = self.d.changes(half)
        added = {c["id"] for c in changes if c["change"] == "added"}
        removed = {c["id"] for c in changes if c["change"] == "removed"}
        self.assertEqual(added, now - then)
        self.assertEqual(removed, then - now)
        changed = {c["id"] for c in changes if c["change"] == "changed"}
        self.assertLessEqual(changed, now & then, "a changed relationship exists at both ends")

    def test_unknown_predicate_is_an_error_not_an_empty_answer(self) -> None:
        for call in (lambda: self.d.relationships(predicate="OWNZ"),
                     lambda: self.d.assertions("ByteDance", "OWNZ", "TikTok"),
                     lambda: self.d.neighbors("ByteDance", predicates=["OWNS", "OWNZ"]),
                     lambda: self.d.path("ByteDance", "TikTok", predicates="OWNZ"),
                     lambda: self.d.live_assertions(predicates=["OWNZ"])):
            with self.assertRaises(OntologyError) as cm:
                call()
            e = cm.exception
            self.assertIsInstance(e, DossierError)
            self.assertIsInstance(e, ValueError)
            self.assertEqual(e.code, "INVALID_INPUT")
            self.assertIn("'OWNZ'", str(e))
            self.assertIn("OWNS", e.known)
            self.assertIn("OWNS, SANCTIONS", str(e), "the message lists the ontology")
        with self.assertRaises(OntologyError):
            self.d.actors(type="PERSONN")
        # Case does not matter: the ontology's spelling is sent.
        self.assertEqual([r["id"] for r in self.d.relationships(predicate="owns")],
                         [r["id"] for r in self.d.relationships(predicate="OWNS")])
        self.assertIn("OWNS", self.d.predicates)

    def test_the_ontology_is_read_once(self) -> None:
        asked = []

        class Counting(Dossier):
            def query(self, query, variables=None, **kw):
                asked.append(query)
                return super().query(query, variables, **kw)

        d = Counting(self.d.url)
        d.relationships(predicate="OWNS")
        d.relationships(predicate="BANS")
        d.neighbors("ByteDance", predicates=["OWNS"])
        self.assertEqual(sum("ontology" in q for q in asked), 1, asked)

    def test_neighbours_as_rows_and_as_a_graph(self) -> None:
        nx = need_module("networkx")
        rows = self.d.neighbours("ByteDance", depth=2)
        self.assertEqual(rows.kind, "neighbors")
        self.assertEqual([r["depth"] for r in rows], sorted(r["depth"] for r in rows), "nearest first")
        tiktok = [r for r in rows if r["actor"] == "TikTok"]
        self.assertTrue(tiktok and tiktok[0]["depth"] == 1)
        self.assertEqual((tiktok[0]["subject"], tiktok[0]["predicate"], tiktok[0]["from"]), ("ByteDance", "OWNS", "ByteDance"))
        self.assertTrue(any(r["depth"] == 2 for r in rows))

        g = rows.to_networkx()
        self.assertIsInstance(g, nx.MultiDiGraph)
        self.assertEqual(g.nodes["ByteDance"]["type"], "COMPANY")
        self.assertEqual(g.nodes["TikTok"]["type"], "PRODUCT")
        self.assertEqual(g.nodes["TikTok"]["id"], "actor:tiktok")
        self.assertTrue(all("type" in attrs for _, attrs in g.nodes(data=True)))
        self.assertEqual(set(g.nodes), {r["actor"] for r in rows} | {"ByteDance"})
        edge = g.get_edge_data("ByteDance", "TikTok")[OWNS_ID]
        self.assertEqual((edge["predicate"], edge["support"]), ("OWNS", tiktok[0]["support"]))

        rels = self.d.relationships(object="TikTok").to_networkx()
        self.assertIn(("ByteDance", "TikTok", OWNS_ID), list(rels.edges(keys=True)))
        actors = self.d.actors(type="PERSON").to_networkx()
        self.assertTrue(actors.number_of_nodes() > 0 and actors.number_of_edges() == 0)
        self.assertEqual({t for _, t in actors.nodes(data="type")}, {"PERSON"})
        with self.assertRaises(TypeError):
            self.d.history(actor="TikTok").to_networkx()

    def test_path(self) -> None:
        steps = self.d.path("Zhang Yiming", "Mike Pompeo", max_depth=5)
        self.assertTrue(steps, "a path from Zhang Yiming to Mike Pompeo")
        self.assertEqual(steps[0]["from"], "Zhang Yiming")
        self.assertEqual(steps[-1]["to"], "Mike Pompeo")
        for a, b in zip(steps, steps[1:]):
            self.assertEqual(a["to"], b["from"])
        for s in steps:
            ends = (s["subject"], s["object"]) if s["direction"] == "OUT" else (s["object"], s["subject"])
            self.assertEqual(ends, (s["from"], s["to"]), s)
        self.assertEqual([s["step"] for s in steps], list(range(1, len(steps) + 1)))
        with self.assertRaises(DossierError) as cm:
            self.d.path("Zhang Yiming", "Nobody At All")
        self.assertEqual(cm.exception.code, "NOT_FOUND")

    def test_traversals_capped_per_actor(self) -> None:
        everyone = self.d.neighbors("ByteDance")
        self.assertGreater(len(everyone), 1)
        strongest = self.d.neighbors("ByteDance", max_per_actor=1)
        self.assertEqual(len(strongest), 1)
        self.assertEqual(strongest[0]["support"], max(r["support"] for r in everyone))
        self.assertTrue(self.d.path("Zhang Yiming", "Mike Pompeo", max_depth=5, max_per_actor=1000))
        with self.assertRaises(DossierError) as cm:
            self.d.neighbors("ByteDance", max_per_actor=0)
        self.assertEqual(cm.exception.code, "INVALID_INPUT")

    def test_contested_claims_with_both_sides(self) -> None:
        contested = self.d.contested()
        self.assertIn(CONTESTED_ID, [r["id"] for r in contested])
        self.assertTrue(all(r["affirmed"] > 0 and r["negated"] > 0 for r in contested))
        sides = self.d.assertions(contested=True)
        self.assertEqual({a["relationship_id"] for a in sides}, {r["id"] for r in contested})
        self.assertEqual({a["polarity"] for a in sides if a["relationship_id"] == CONTESTED_ID}, {"AFFIRMED", "NEGATED"})

    def test_history_of_a_relationship(self) -> None:
        trail = self.d.history(relationship=OWNS_ID)
        self.assertGreaterEqual(len(trail), 2)
        self.assertTrue(all(e["type"] == "AssertionRecorded" for e in trail[:2]), trail)
        self.assertEqual([e["sequence"] for e in trail], sorted(e["sequence"] for e in trail), "oldest first")
        self.assertTrue(all(isinstance(e["time"], dt.datetime) for e in trail))
        self.assertTrue(all("rel/bytedance/OWNS/tiktok" in e["entities"] for e in trail))
        self.assertTrue(all(e["principal"] for e in trail), "who did it")

    def test_actor_and_documents(self) -> None:
        us = self.d.actor("the U.S.")
        self.assertEqual((us["id"], us["name"]), ("actor:united-states", "United States"))
        self.assertIsNone(self.d.actor("Atlantis"))
        sources = {doc["source"] for doc in self.d.documents(page_size=2)}
        self.assertIn(OWNS_DOCUMENT, sources)

    def test_errors_carry_the_servers_code(self) -> None:
        with self.assertRaises(DossierError) as cm:
            self.d.query("{ nosuchfield }")
        self.assertEqual(cm.exception.code, "GRAPHQL_VALIDATION_FAILED")
        # Over the cost budget: raised at once, with what it would cost.
        heavy = "{ relationships(first: 1000) { edges { node { assertions { evidence { document { assertions { id } } } } } } } }"
        with self.assertRaises(DossierError) as cm:
            self.d.query(heavy)
        self.assertEqual(cm.exception.code, "COST_LIMIT")
        self.assertGreater(cm.exception.extensions["cost"], cm.exception.extensions["budget"])
        with self.assertRaises(UnreachableError) as cm:
            Dossier("http://127.0.0.1:9", timeout=5).stats()
        self.assertIn("cannot reach", str(cm.exception))
        self.assertIsInstance(cm.exception, DossierError)

    def test_dataframes(self) -> None:
        pd = need_module("pandas")
        df = self.d.relationships().to_pandas()
        self.assertIsInstance(df, pd.DataFrame)
        self.assertEqual(list(df.columns), RELATIONSHIP_COLUMNS)
        self.assertEqual(len(df), self.d.stats()["relationships"])
        self.assertTrue(pd.api.types.is_datetime64_any_dtype(df["first_seen"]))
        self.assertEqual(str(df["first_seen"].dt.tz), "UTC")
        owns = df[(df.subject == "ByteDance") & (df.predicate == "OWNS") & (df.object == "TikTok")]
        self.assertEqual(len(owns), 1)
        ev = self.d.assertions(*OWNS).to_pandas()
        self.assertIn(OWNS_SENTENCE, set(ev.sentence))
        self.assertEqual(list(ev.columns), ASSERTION_COLUMNS)
        # An empty answer still has its columns, so code that selects them works.
        empty = self.d.relationships(predicate="OWNS", min_support=10_000).to_pandas()
        self.assertEqual((len(empty), list(empty.columns)), (0, RELATIONSHIP_COLUMNS))
        hist = self.d.history(actor="TikTok").to_pandas()
        self.assertTrue(pd.api.types.is_datetime64_any_dtype(hist["time"]))


if __name__ == "__main__":
    unittest.main()

"""Writing: documents in through the extractor (idempotently) and assertions."""

from __future__ import annotations

import glob
import os
import unittest

from dossier import Dossier, DossierError

from support import claim, client, need_env

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = sorted(glob.glob(os.path.join(HERE, "..", "..", "..", "examples", "corpus", "*.txt")))


class Writing(unittest.TestCase):
    d: Dossier

    @classmethod
    def setUpClass(cls) -> None:
        cls.d = client()

    def test_ingesting_the_corpus_twice_records_it_once(self) -> None:
        self.assertEqual(len(CORPUS), 4, CORPUS)
        first = [self.d.ingest_file(p) for p in CORPUS]
        stats = self.d.stats()
        again = [self.d.ingest_file(p) for p in CORPUS]
        self.assertTrue(all(r["duplicate"] for r in again), again)
        self.assertEqual([r["document_id"] for r in again], [r["document_id"] for r in first])
        self.assertEqual(self.d.stats(), stats, "nothing counted twice")
        sources = {doc["source"] for doc in self.d.documents()}
        self.assertLessEqual({os.path.splitext(os.path.basename(p))[0] for p in CORPUS}, sources)
        # What the extractor found is evidence like any other.
        doc = first[0]["document_id"]
        found = [a for a in self.d.assertions() if a["document_id"] == doc]
        self.assertTrue(found, "the extractor found assertions in " + CORPUS[0])
        self.assertTrue(all(a["producer"].startswith("rules") for a in found), {a["producer"] for a in found})

    def test_record_is_checked_by_the_server(self) -> None:
        out = self.d.record([claim("Elbonia", "MEETS", "Kugelmugel")])
        again = self.d.record([claim("Elbonia", "MEETS", "Kugelmugel")])
        self.assertEqual(again["assertions"][0]["id"], out["assertions"][0]["id"])
        self.assertTrue(again["assertions"][0]["duplicate"])
        with self.assertRaises(DossierError) as cm:
            self.d.record([claim("Elbonia", "NOT_A_PREDICATE", "Kugelmugel")])
        self.assertEqual(cm.exception.code, "INVALID_INPUT")


class TokensAndRateLimits(unittest.TestCase):
    """Against a server that wants a token and allows two requests a second."""

    def setUp(self) -> None:
        self.url = need_env("DOSSIER_LIMITED_URL")
        self.token = need_env("DOSSIER_LIMITED_TOKEN")

    def test_a_token_is_sent_as_bearer(self) -> None:
        with self.assertRaises(DossierError) as cm:
            Dossier(self.url, token="").stats()
        self.assertEqual(cm.exception.code, "UNAUTHENTICATED")
        with self.assertRaises(DossierError) as cm:
            Dossier(self.url, token="not-the-token").stats()
        self.assertEqual(cm.exception.code, "UNAUTHENTICATED")
        self.assertIn("sequence", Dossier(self.url, token=self.token).stats())
        os.environ["DOSSIER_TOKEN"] = self.token
        try:
            self.assertIn("sequence", Dossier(self.url).stats())
        finally:
            del os.environ["DOSSIER_TOKEN"]

    def test_rate_limited_requests_are_retried(self) -> None:
        d = Dossier(self.url, token=self.token)
        with self.assertLogs("dossier", "INFO") as logs:
            for _ in range(4):
                self.assertIn("sequence", d.stats())
        self.assertTrue(any("rate limited" in m for m in logs.output))
        # Subscribing is rate limited too, and retried the same way.
        with self.assertLogs("dossier", "INFO"):
            for _ in range(3):
                d.live_assertions().close()

    def test_retries_are_bounded(self) -> None:
        d = Dossier(self.url, token=self.token, max_retries=0)
        with self.assertRaises(DossierError) as cm:
            for _ in range(4):
                d.stats()
        self.assertEqual(cm.exception.code, "RATE_LIMITED")
        self.assertGreater(cm.exception.retry_after, 0)


if __name__ == "__main__":
    unittest.main()

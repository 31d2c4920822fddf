"""Live feeds over SSE: delivery while iterating, and resuming after the
connection drops, after close(), and after the server ends a slow consumer,
each with nothing missed and nothing twice."""

from __future__ import annotations

import threading
import time
import unittest
import uuid

from dossier import Dossier, DossierError, Subscription

from support import Proxy, claim, client, need_env


def tag() -> str:
    """A fresh name, so that each test's assertions are new to the log."""
    return uuid.uuid4().hex[:8]


class Live(unittest.TestCase):
    d: Dossier

    @classmethod
    def setUpClass(cls) -> None:
        cls.d = client()

    def record(self, *claims: dict) -> list:
        """Records claims; their sequences, in order."""
        out = self.d.record(list(claims))
        self.assertFalse(any(a["duplicate"] for a in out["assertions"]))
        return [a["sequence"] for a in out["assertions"]]

    def test_receives_an_assertion_recorded_while_iterating(self) -> None:
        t = tag()
        with self.d.live_assertions(predicates=["SURVEILS"]) as sub:
            self.assertIsInstance(sub, Subscription)
            recorded = []
            # Recorded from another thread while this one waits in next().
            timer = threading.Timer(0.3, lambda: recorded.extend(self.record(
                claim("Elbonia", "BANS", f"Chatter {t}"),  # not a SURVEILS: filtered out
                claim("Elbonia", "SURVEILS", f"Chatter {t}"))))
            timer.start()
            row = next(sub)
            timer.join()
            self.assertEqual(row["sequence"], recorded[1])
            self.assertEqual((row["subject"], row["predicate"], row["object"]), ("Elbonia", "SURVEILS", f"Chatter {t}"))
            self.assertEqual(row["sentence"], f"Elbonia surveils Chatter {t}.")
            self.assertEqual(row["object_id"], f"actor:chatter-{t}")
            self.assertTrue(row["id"].startswith("assertion:"))
            self.assertEqual(sub.last_sequence, recorded[1])

    def test_starts_when_created_not_when_first_read(self) -> None:
        t = tag()
        sub = self.d.live_assertions(predicates="CENSORS")
        try:
            seqs = self.record(claim("Elbonia", "CENSORS", f"Gossip {t}"))
            time.sleep(0.2)
            self.assertEqual(next(sub)["sequence"], seqs[0])
        finally:
            sub.close()

    def test_resumes_after_the_connection_drops(self) -> None:
        proxy = Proxy(self.d.url)
        self.addCleanup(proxy.close)
        d = Dossier(proxy.url, principal="python-tests")
        t = tag()
        with self.assertLogs("dossier", "INFO") as logs, d.live_assertions(predicates=["SANCTIONS"]) as sub:
            first = self.record(claim("Elbonia", "SANCTIONS", f"Before {t}"))
            self.assertEqual(next(sub)["sequence"], first[0])
            # The network fails; while it is down (new connections refused
            # for a second), more is recorded.
            proxy.cut(refuse_for=1.0)
            during = self.record(*(claim("Elbonia", "SANCTIONS", f"During {t} {i}") for i in range(3)))
            got = [next(sub)["sequence"] for _ in during]
            self.assertEqual(got, during, "every event recorded while disconnected, once, in order")
            self.assertGreaterEqual(sub.resumes, 1)
            after = self.record(claim("Elbonia", "SANCTIONS", f"After {t}"))
            self.assertEqual(next(sub)["sequence"], after[0])
        self.assertTrue(any("resubscribing after sequence %d" % first[0] in m for m in logs.output), logs.output)
        self.assertGreaterEqual(proxy.accepted, 2)

    def test_close_then_resume_with_after(self) -> None:
        t = tag()
        sub = self.d.live_assertions(predicates=["INVESTIGATES"])
        seqs = self.record(claim("Elbonia", "INVESTIGATES", f"One {t}"))
        self.assertEqual(next(sub)["sequence"], seqs[0])
        sub.close()
        self.assertEqual(list(sub), [], "a closed subscription ends")
        missed = self.record(claim("Elbonia", "INVESTIGATES", f"Two {t}"), claim("Elbonia", "INVESTIGATES", f"Three {t}"))
        with self.d.live_assertions(predicates=["INVESTIGATES"], after=sub.last_sequence) as again:
            self.assertEqual([next(again)["sequence"] for _ in missed], missed)

    def test_close_from_another_thread_ends_a_blocked_loop(self) -> None:
        sub = self.d.live_assertions(predicates=["VARIANT_OF"])
        threading.Timer(0.3, sub.close).start()
        start = time.monotonic()
        self.assertEqual(list(sub), [])
        self.assertLess(time.monotonic() - start, 10)

    def test_relationship_changes(self) -> None:
        t = tag()
        with self.d.live_relationships(predicates=["MEETS"]) as sub:
            seqs = self.record(claim("Elbonia", "MEETS", f"Envoy {t}"))
            row = next(sub)
            self.assertEqual((row["sequence"], row["change"], row["predicate"]), (seqs[0], "added", "MEETS"))
            self.assertEqual(row["support"], 1)

    def test_an_error_in_the_feed_is_raised(self) -> None:
        # The server refuses a subscription it cannot run in the stream
        # itself, as its first message: raised, not resumed.
        sub = Subscription(self.d, "assertionRecorded", "subscription($after: Sequence) { nosuch(after: $after) }",
                           {}, dict)
        with self.assertRaises(DossierError) as cm:
            next(sub)
        self.assertEqual(cm.exception.code, "GRAPHQL_VALIDATION_FAILED")
        self.assertEqual(sub.resumes, 0)
        self.assertEqual(list(sub), [], "and the subscription is over")

    def test_resumes_after_slow_consumer(self) -> None:
        # The same server behind small send buffers: a client that stops
        # reading fills them, and the server ends its feed as too slow.
        slow = Dossier(need_env("DOSSIER_SLOW_URL"), principal="python-tests")
        t = tag()
        with self.assertLogs("dossier", "INFO") as logs, slow.live_assertions(predicates=["TARGETS"]) as sub:
            warm = self.record(claim("Floodland", "TARGETS", f"Warm {t}"))
            self.assertEqual(next(sub)["sequence"], warm[0])  # connected and live
            pad = " And so on," * 100
            flood = []
            for b in range(10):  # 1,000 events while this client reads nothing
                flood += self.record(*(claim("Floodland", "TARGETS", f"Target {t} {b}-{i}", pad=pad) for i in range(100)))
            got = [next(sub)["sequence"] for _ in flood]
            self.assertEqual(got, flood, "after SLOW_CONSUMER, every event once, in order")
        self.assertTrue(any("SLOW_CONSUMER" in m for m in logs.output),
                        "the client was never too slow: the test did not test resuming")
        self.assertGreaterEqual(sub.resumes, 1)


if __name__ == "__main__":
    unittest.main()

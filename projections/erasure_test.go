package projections

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/seal"
)

// sealedIn is assertionIn with its sentence sealed, as the write path
// appends it: the id computed from the words first.
func sealedIn(t *testing.T, key *seal.Key, doc, subj, pred, obj, sentence string) events.Envelope {
	t.Helper()
	a := events.AssertionRecorded{
		Subject: events.ActorRef{Name: subj}, Predicate: pred, Object: events.ActorRef{Name: obj},
		Evidence: events.Evidence{Document: doc, Sentence: sentence},
	}
	a.Normalize(nil)
	if err := a.Validate(events.DefaultOntology()); err != nil {
		t.Fatal(err)
	}
	a.Evidence.Sentence = key.Seal(sentence)
	ev, err := events.New(&a, events.Meta{Principal: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func docKey(t *testing.T, doc string) *seal.Key {
	t.Helper()
	m, _ := seal.NewKeyMaterial()
	k, err := seal.NewKey(events.SourceDocumentID(doc), m)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func erasure(doc string, retract bool) events.Envelope {
	ev, err := events.New(&events.DocumentErased{Correction: events.Correction{EventID: events.NewCorrectionID(), Reason: "court order 12/3"},
		DocumentID: events.SourceDocumentID(doc), Retract: retract}, events.Meta{Principal: "editor@newsroom"})
	if err != nil {
		panic(err)
	}
	return ev
}

// Sealed sentences are folded without their key, as plain ones were: the
// same claim sealed twice, or recorded in plaintext before sealing and
// sealed after, is counted once.
func TestSealedClaimsCountedOnce(t *testing.T) {
	e := newEnv(t)
	k := docKey(t, "doc-1")
	// Each is sent again after JetStream's duplicate window: a message
	// id of its own.
	resent := func(ev events.Envelope, n int) events.Envelope {
		ev.ID += "-" + strings.Repeat("again", n)
		return ev
	}
	last := e.append(
		assertion("India", "BANS", "TikTok", "India banned TikTok."), // before sealing
		resent(sealedIn(t, k, "doc-1", "India", "BANS", "TikTok", "India banned TikTok."), 1),
		resent(sealedIn(t, k, "doc-1", "India", "BANS", "TikTok", "India  banned TikTok."), 2), // other spacing: the same id
		sealedIn(t, k, "doc-1", "Peru", "BANS", "TikTok", "Peru banned TikTok."),
		resent(sealedIn(t, k, "doc-1", "Peru", "BANS", "TikTok", "Peru banned TikTok."), 1),
	)
	if err := e.project(Config{Durable: "p", StopAt: last}); err != nil {
		t.Fatal(err)
	}
	if n := e.support("india", "BANS", "tiktok"); n != 1 {
		t.Errorf("India BANS TikTok support %d, want 1", n)
	}
	if n := e.support("peru", "BANS", "tiktok"); n != 1 {
		t.Errorf("Peru BANS TikTok support %d, want 1", n)
	}
	v, _ := e.store.View(0)
	defer v.Close()
	as, err := v.DocumentAssertions(events.SourceDocumentID("doc-1"))
	if err != nil || len(as) != 2 {
		t.Fatalf("document assertions %d, %v; want 2", len(as), err)
	}
	for _, a := range as {
		if a.Subject == "peru" && !seal.IsSealed(string(a.Sentence)) {
			t.Errorf("the store holds %q in the clear", a.Sentence)
		}
	}
}

// An erasure is folded once, records who, when and why on the document
// and in the trail, keeps the assertions' structure (or, with retract,
// withdraws them), and tells the node, which destroys the key.
func TestErasureFolded(t *testing.T) {
	for _, retract := range []bool{false, true} {
		e := newEnv(t)
		k := docKey(t, "doc-1")
		doc := events.SourceDocumentID("doc-1")
		e.append(
			sealedIn(t, k, "doc-1", "India", "BANS", "TikTok", "India banned TikTok."),
			sealedIn(t, k, "doc-1", "Peru", "BANS", "TikTok", "Peru banned TikTok."),
			assertionIn("doc-2", "Chile", "BANS", "TikTok", "Chile banned TikTok."),
		)
		first := e.append(erasure("doc-1", retract))
		last := e.append(erasure("doc-1", retract))
		var mu sync.Mutex
		var told []string
		if err := e.project(Config{Durable: "p", StopAt: last, Erased: func(_ context.Context, id string) {
			mu.Lock()
			told = append(told, id)
			mu.Unlock()
		}}); err != nil {
			t.Fatal(err)
		}
		if len(told) != 2 || told[0] != doc {
			t.Errorf("retract=%v: the node was told of %v", retract, told)
		}
		v, _ := e.store.View(0)
		d, err := v.Document(doc)
		if err != nil {
			t.Fatal(err)
		}
		if d.Erased == nil || d.Erased.Seq != first || d.Erased.Principal != "editor@newsroom" || d.Erased.Reason != "court order 12/3" || d.Erased.Retract != retract {
			t.Errorf("retract=%v: erasure %+v", retract, d.Erased)
		}
		for seq, want := range map[uint64]string{first: "erased the words of document doc-1", last: "already erased"} {
			rec, err := v.Event(seq)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(rec.Summary, want) || rec.Principal != "editor@newsroom" || rec.Reason != "court order 12/3" || rec.Type != "DocumentErased" {
				t.Errorf("retract=%v: trail %d: %+v", retract, seq, rec)
			}
		}
		hist, err := v.History(graph.DocumentEntity(doc), 50, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := len(hist.Items); got < 3 {
			t.Errorf("retract=%v: the document's history has %d events", retract, got)
		}
		india, peru, chile := e.support("india", "BANS", "tiktok"), e.support("peru", "BANS", "tiktok"), e.support("chile", "BANS", "tiktok")
		want := 1
		if retract {
			want = 0
			if d.Retracted == nil {
				t.Error("retract: the document is not retracted")
			}
		}
		if india != want || peru != want || chile != 1 {
			t.Errorf("retract=%v: support India %d Peru %d Chile %d", retract, india, peru, chile)
		}
		as, _ := v.Assertion(events.AssertionID(&events.AssertionRecorded{Subject: events.ActorRef{Name: "India"}, Predicate: "BANS",
			Object: events.ActorRef{Name: "TikTok"}, Polarity: events.Affirmed, Evidence: events.Evidence{DocumentID: doc, Sentence: "India banned TikTok."}}, false))
		if as.Subject != "india" || as.Predicate != "BANS" || as.Object != "tiktok" || (as.Retracted != nil) != retract {
			t.Errorf("retract=%v: the assertion's structure: %+v", retract, as)
		}
		v.Close()
		// A fresh projection of the same log is the same store.
		if live, fresh := digest(t, e.store, last), digest(t, e.scratch(1, last), last); live.Sum != fresh.Sum {
			t.Errorf("retract=%v: a fresh projection differs: %v vs %v", retract, live, fresh)
		}
	}
}

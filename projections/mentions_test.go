package projections

import (
	"context"
	"slices"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
)

// ingested is what ingesting one document appends: the document (text
// stored apart), its mentions, and an assertion.
func ingested(t *testing.T) []events.Envelope {
	t.Helper()
	text := "ByteDance owns TikTok. The U.S. looked on."
	id := events.DocumentID(text)
	d := events.DocumentAdded{ID: id, Source: "bd", Size: len(text), TextStored: true}
	m := events.MentionsRecorded{DocumentID: id, Producer: events.Producer{Name: "test", Version: "1"}, Mentions: []events.Mention{
		{Name: "ByteDance", Type: "COMPANY", Count: 1},
		{Name: "TikTok", Type: "PRODUCT", Count: 1},
		{Name: "the U.S.", Count: 1},
		{Name: "United States", Count: 1},
	}}
	start, end := 0, 22
	a := events.AssertionRecorded{
		Subject: events.ActorRef{Name: "ByteDance", Type: "COMPANY"}, Predicate: "OWNS", Object: events.ActorRef{Name: "TikTok", Type: "PRODUCT"},
		Evidence: events.Evidence{DocumentID: id, Document: "bd", Sentence: "ByteDance owns TikTok.", Start: &start, End: &end},
	}
	a.Normalize(nil)
	var out []events.Envelope
	for _, p := range []events.Payload{&d, &m, &a} {
		ev, err := events.New(p, events.Meta{Principal: "test", CorrelationID: "ingest-" + id, CausationID: "doc-" + id})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// A document's mentions link it to its actors, once: folding the same
// events again after the duplicate window changes no count.
func TestMentionsFoldedOnce(t *testing.T) {
	e := newEnv(t)
	evs := ingested(t)
	first := e.append(evs...)
	if err := e.project(Config{Durable: "p", StopAt: first}); err != nil {
		t.Fatal(err)
	}
	snapshot := func() (graph.Stats, []graph.Actor, graph.Document, int) {
		v, err := e.store.View(0)
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		st, _ := v.Stats()
		st.Applied = 0
		id := events.DocumentID("ByteDance owns TikTok. The U.S. looked on.")
		as, err := v.DocumentActors(id)
		if err != nil {
			t.Fatal(err)
		}
		d, err := v.Document(id)
		if err != nil {
			t.Fatal(err)
		}
		d.Seq = 0
		claims, err := v.DocumentAssertions(id)
		if err != nil {
			t.Fatal(err)
		}
		return st, as, d, len(claims)
	}
	st, actors, doc, claims := snapshot()
	var names []string
	for _, a := range actors {
		names = append(names, a.Name)
	}
	if want := []string{"ByteDance", "TikTok", "United States"}; !slices.Equal(names, want) {
		t.Errorf("document actors = %q, want %q", names, want)
	}
	if st.Actors != 3 || st.Documents != 1 || st.Assertions != 1 {
		t.Errorf("stats = %+v, want 3 actors, 1 document, 1 assertion", st)
	}
	if !doc.HasText || !doc.TextStored || claims != 1 {
		t.Errorf("document = %+v with %d assertions, want text stored apart and one assertion", doc, claims)
	}
	for _, a := range actors {
		if a.Name == "TikTok" && a.Mentions != 1 {
			t.Errorf("TikTok mentions = %d, want 1 (the assertion; mentions are not counted)", a.Mentions)
		}
	}

	// Past the window: the same bodies under other message ids.
	var last uint64
	for i, ev := range evs {
		body, _ := ev.Marshal()
		ack, err := e.js.Publish(context.Background(), ev.Subject, body, jetstream.WithMsgID("late-"+ev.ID+string(rune('a'+i))))
		if err != nil {
			t.Fatal(err)
		}
		last = ack.Sequence
	}
	if err := e.project(Config{Durable: "p", StopAt: last}); err != nil {
		t.Fatal(err)
	}
	st2, actors2, doc2, claims2 := snapshot()
	if st2 != st || len(actors2) != len(actors) || claims2 != claims {
		t.Errorf("folding again changed counts: %+v %d %+v, before %+v %d %+v", st2, len(actors2), doc2, st, len(actors), doc)
	}
	for i := range actors {
		a, b := actors[i], actors2[i]
		if a.Mentions != b.Mentions || len(a.TypeVotes) != len(b.TypeVotes) || a.TypeVotes[a.Type] != b.TypeVotes[b.Type] {
			t.Errorf("actor %s changed: %+v, before %+v", a.Name, b, a)
		}
	}
}

// Assertions link their document to their ends too, so documents
// recorded without mentions (dossier load) list their actors.
func TestAssertionsLinkDocumentActors(t *testing.T) {
	e := newEnv(t)
	last := e.append(assertion("ByteDance", "OWNS", "TikTok", "TikTok is owned by ByteDance."))
	if err := e.project(Config{Durable: "p", StopAt: last}); err != nil {
		t.Fatal(err)
	}
	v, _ := e.store.View(0)
	defer v.Close()
	as, err := v.DocumentActors(events.SourceDocumentID("doc-1"))
	if err != nil || len(as) != 2 {
		t.Errorf("document actors = %+v, %v; want ByteDance and TikTok", as, err)
	}
}

// A document keeps the type it gives each actor, apart from the actor's
// own: a state another document governs with is a place in one that only
// locates things in it, and a later reading of the document replaces an
// earlier one.
func TestDocumentTypesOfActors(t *testing.T) {
	e := newEnv(t)
	text := "Globex, Japan's largest bank, grew."
	id := events.DocumentID(text)
	reading := func(version, typ string) events.Envelope {
		m := events.MentionsRecorded{DocumentID: id, Producer: events.Producer{Name: "test", Version: version}, Mentions: []events.Mention{
			{Name: "Globex", Type: "COMPANY", Count: 1}, {Name: "Japan", Type: typ, Count: 1},
		}}
		ev, err := events.New(&m, events.Meta{Principal: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	gov := assertion("Japan", "BANS", "Zapchat", "Japan banned Zapchat.")
	check := func(last uint64, want string) {
		t.Helper()
		if err := e.project(Config{Durable: "p", StopAt: last}); err != nil {
			t.Fatal(err)
		}
		v, _ := e.store.View(0)
		defer v.Close()
		named, err := v.NamedActors(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range named {
			if n.Actor.Name == "Japan" && n.Type != want {
				t.Errorf("Japan in the document: %q, want %q (its own type %q)", n.Type, want, n.Actor.Type)
			}
		}
	}
	check(e.append(gov, reading("1", "PLACE")), "PLACE")
	check(e.append(reading("2", "GOVERNMENT")), "GOVERNMENT")
}

// The audit record says what each event did as data (the live feed and
// history switch on it), not only in its summary.
func TestFoldOutcomes(t *testing.T) {
	e := newEnv(t)
	evs := ingested(t)
	first := assertion("ByteDance", "OWNS", "TikTok", "TikTok is owned by ByteDance.")
	again := assertion("ByteDance Ltd", "OWNS", "TikTok", "TikTok is owned by ByteDance.") // the same claim, written otherwise
	last := e.append(append(evs, first, again)...)
	if err := e.project(Config{Durable: "p", StopAt: last}); err != nil {
		t.Fatal(err)
	}
	v, _ := e.store.View(0)
	defer v.Close()
	want := []graph.Outcome{graph.OutcomeChanged, graph.OutcomeChanged, graph.OutcomeRecorded, graph.OutcomeRecorded, graph.OutcomeDuplicate}
	for i, w := range want {
		rec, err := v.Event(last - uint64(len(want)-1-i))
		if err != nil {
			t.Fatal(err)
		}
		if rec.Outcome != w {
			t.Errorf("event %d (%s, %q): outcome %q, want %q", rec.Seq, rec.Type, rec.Summary, rec.Outcome, w)
		}
	}
}

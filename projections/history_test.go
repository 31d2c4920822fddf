package projections

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
)

var historyPredicates = []string{"OWNS", "BANS", "MEETS", "ACCUSES", "MEMBER_OF"}

// randomHistory makes a log of n events mixing records (some attributed),
// retractions, merges, unmerges, corrections and document retractions,
// over a small world so that they collide often.
func randomHistory(r *rand.Rand, n int) []events.Envelope {
	names := []string{"Alpha Corp", "Beta", "Gamma Labs", "Delta", "the Delta", "Epsilon Group", "Zeta", "U.S.", "United States"}
	preds := historyPredicates
	docs := []string{"doc-a", "doc-b", "doc-c"}
	var out []events.Envelope
	var recorded []string
	type pair struct{ from, into string }
	var merged []pair
	meta := events.Meta{Principal: "prop"}
	for len(out) < n {
		var p events.Payload
		switch k := r.IntN(20); {
		case k < 11 || len(recorded) == 0:
			s, o := names[r.IntN(len(names))], names[r.IntN(len(names))]
			if s == o {
				continue
			}
			a := events.AssertionRecorded{
				Subject: events.ActorRef{Name: s}, Predicate: preds[r.IntN(len(preds))], Object: events.ActorRef{Name: o},
				Evidence: events.Evidence{Document: docs[r.IntN(len(docs))], Sentence: fmt.Sprintf("Sentence %d.", r.IntN(6))},
			}
			if r.IntN(4) == 0 {
				a.Polarity = events.Negated
			}
			switch r.IntN(6) {
			case 0:
				a.Modality = events.Possible
			case 1:
				a.Modality = events.Intended
			}
			if r.IntN(4) == 0 {
				who := names[r.IntN(len(names))] // may be an end too
				a.AttributedTo = &who
			}
			a.Normalize(nil)
			recorded = append(recorded, a.ID)
			p = &a
		case k < 14:
			p = &events.AssertionRetracted{Correction: events.Correction{EventID: events.NewCorrectionID(), Reason: "misread"}, AssertionID: recorded[r.IntN(len(recorded))]}
		case k < 16:
			from, into := names[r.IntN(len(names))], names[r.IntN(len(names))]
			m := &events.ActorsMerged{Correction: events.Correction{EventID: events.NewCorrectionID(), Reason: "same"}, From: slug(from), Into: slug(into)}
			if m.From == m.Into {
				continue
			}
			merged = append(merged, pair{m.From, m.Into})
			p = m
		case k < 18 && len(merged) > 0:
			m := merged[r.IntN(len(merged))]
			p = &events.ActorsUnmerged{Correction: events.Correction{EventID: events.NewCorrectionID(), Reason: "not the same"}, From: m.from, Into: m.into}
		case k < 19:
			p = &events.ActorCorrected{Correction: events.Correction{EventID: events.NewCorrectionID(), Reason: "typo"}, Actor: slug(names[r.IntN(len(names))]), Type: "COMPANY"}
		default:
			p = &events.DocumentRetracted{Correction: events.Correction{EventID: events.NewCorrectionID(), Reason: "withdrawn"}, DocumentID: events.SourceDocumentID(docs[r.IntN(len(docs))])}
		}
		ev, err := events.New(p, meta)
		if err != nil {
			panic(err)
		}
		out = append(out, ev)
	}
	return out
}

func slug(name string) string {
	return map[string]string{"Alpha Corp": "alpha-corp", "Beta": "beta", "Gamma Labs": "gamma-labs", "Delta": "delta", "the Delta": "delta",
		"Epsilon Group": "epsilon-group", "Zeta": "zeta", "U.S.": "united-states", "United States": "united-states"}[name]
}

// checkNoMergedActor: a merge moves every assertion naming the actor
// merged, whichever end it is, or its source.
func checkNoMergedActor(t *testing.T, v *graph.View, a graph.Assertion) {
	t.Helper()
	for _, id := range []string{a.Subject, a.Object, a.AttributedTo} {
		if act, err := v.ActorIdentity(id); err == nil && act.MergedInto != "" {
			t.Errorf("assertion %s still names %s, merged into %s", a.ID, id, act.MergedInto)
		}
	}
}

// checkConsistent: every aggregate agrees with the live assertions under
// it, and the history did exercise corrections.
func checkConsistent(t *testing.T, s *graph.Store) {
	t.Helper()
	v, _ := s.View(0)
	defer v.Close()
	st, _ := v.Stats()
	rels, err := v.Relationships(graph.RelQuery{First: 1000})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, r := range rels.Items {
		as, err := v.RelationshipAssertions(r.Key())
		if err != nil {
			t.Fatal(err)
		}
		aff, neg, possible, intended := 0, 0, 0, 0
		for _, a := range as {
			if a.Retracted != nil {
				t.Errorf("retracted assertion %s still supports %v", a.ID, r.Key())
			}
			checkNoMergedActor(t, v, a)
			if a.Polarity == events.Negated {
				neg++
			} else {
				aff++
			}
			switch a.Modality {
			case events.Possible:
				possible++
			case events.Intended:
				intended++
			}
		}
		if len(as) != r.Support || aff != r.Affirmed || neg != r.Negated {
			t.Errorf("%v: support %d (%d/%d) but %d assertions (%d/%d)", r.Key(), r.Support, r.Affirmed, r.Negated, len(as), aff, neg)
		}
		if possible != r.Possible || intended != r.Intended || len(as)-possible-intended != r.Actual() {
			t.Errorf("%v: %d actual, %d possible, %d intended, but its assertions are %d, %d and %d", r.Key(), r.Actual(), r.Possible, r.Intended, len(as)-possible-intended, possible, intended)
		}
		total += r.Support
	}
	if total != st.Assertions || len(rels.Items) != st.Relationships {
		t.Errorf("stats %+v, but %d relationships with %d assertions", st, len(rels.Items), total)
	}
	// The indexes agree with the records: the contested listing holds
	// exactly the contested relationships, and every relationship is in
	// its predicate's listing and its object's in-adjacency, no more.
	con, err := v.Contested(1000, "")
	if err != nil {
		t.Fatalf("contested: %v", err)
	}
	wantCon, byPred := 0, map[string]int{}
	for _, r := range rels.Items {
		if r.Contested() {
			wantCon++
		}
		byPred[r.Predicate]++
		in, err := v.Relationships(graph.RelQuery{Object: r.Object, Predicate: r.Predicate, First: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(in.Items, func(x graph.Relationship) bool { return x.Subject == r.Subject }) {
			t.Errorf("%v is missing from its object's in-adjacency", r.Key())
		}
	}
	if len(con.Items) != wantCon {
		t.Errorf("contested listing has %d relationships, want %d", len(con.Items), wantCon)
	}
	for _, p := range historyPredicates {
		listed, err := v.Relationships(graph.RelQuery{Predicate: p, First: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(listed.Items) != byPred[p] {
			t.Errorf("predicate listing of %s has %d relationships, want %d", p, len(listed.Items), byPred[p])
		}
	}
	kinds := map[string]int{}
	evs, _ := v.Events(1000, "")
	for _, e := range evs.Items {
		for _, w := range []string{"retracted ", "merged ", "unmerged ", "corrected "} {
			if len(e.Summary) >= len(w) && e.Summary[:len(w)] == w {
				kinds[w]++
			}
		}
	}
	if kinds["retracted "] == 0 || kinds["merged "] == 0 {
		t.Logf("history exercised only %v", kinds)
	}
}

// The state as of every sequence equals a fresh projection of the events
// up to it, whatever the history of records, retractions, merges and
// unmerges, and however the live projection batched them. The fresh
// ones read everything from Badger (a one-entry cache), so a stale value
// in the live projector's cache would show too.
func TestAsOfEqualsFreshProjection(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			e := newEnv(t)
			evs := randomHistory(rand.New(rand.NewPCG(seed, 7)), 60)
			var last uint64
			for i := 0; i < len(evs); {
				n := min(1+int(seed*3+uint64(i))%9, len(evs)-i)
				last = e.append(evs[i : i+n]...)
				i += n
			}
			if err := e.project(Config{Durable: "live", StopAt: last, BatchSize: 7}); err != nil {
				t.Fatal(err)
			}
			checkConsistent(t, e.store)
			for n := uint64(1); n <= last; n++ {
				fresh, err := graph.Open(context.Background(), graph.Config{InMemory: true, CacheEntries: -1})
				if err != nil {
					t.Fatal(err)
				}
				p, _ := New(Config{Store: fresh, JetStream: e.js, StopAt: n, BatchSize: 1000})
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				if err := p.Run(ctx); err != nil {
					t.Fatal(err)
				}
				cancel()
				lv, _ := e.store.View(n)
				fv, _ := fresh.View(n)
				ld, err1 := lv.Digest()
				fd, err2 := fv.Digest()
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				if ld.Sum != fd.Sum {
					diffs, _ := graph.DiffViews(lv, fv, 5)
					t.Fatalf("as of %d the live store differs from a fresh projection: %+v", n, diffs)
				}
				lv.Close()
				fv.Close()
				fresh.Close()
			}
		})
	}
}

// Every relationship whose record differs between two points of a
// history of records, retractions, merges and unmerges is one the
// events between them name: what changes(from, to) reads.
func TestChangedRelationshipsAreNamed(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		e := newEnv(t)
		last := e.append(randomHistory(rand.New(rand.NewPCG(seed, 7)), 60)...)
		if err := e.project(Config{StopAt: last}); err != nil {
			t.Fatal(err)
		}
		for from := uint64(0); from < last; from += 7 {
			for to := from + 1; to <= last; to += 5 {
				named := map[string]bool{}
				tv, _ := e.store.View(to)
				keys, err := tv.ChangedRelationships(from, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range keys {
					named["rel:"+k.Subject+":"+k.Predicate+":"+k.Object] = true
				}
				fv, _ := e.store.View(max(from, 1))
				diffs, err := graph.DiffViews(fv, tv, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range diffs {
					if strings.HasPrefix(d.Key, "rel:") && !named[d.Key] {
						t.Fatalf("seed %d: %s changed between %d and %d, and no event names it", seed, d.Key, from, to)
					}
				}
				tv.Close()
				fv.Close()
			}
		}
	}
}

// An entity's history is exactly the events whose audit records name it,
// in order, at every point of a history of records, retractions, merges
// and unmerges, read a few at a time: it is kept as the versions of the
// entity's record, which every event naming the entity writes.
func TestHistoryIsTheEventsNamingIt(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		e := newEnv(t)
		// Mentions of a document before it is added touch a document
		// without a record yet.
		ing := ingested(t)
		e.append(ing[1], ing[0], ing[2])
		last := e.append(randomHistory(rand.New(rand.NewPCG(seed, 7)), 60)...)
		if err := e.project(Config{StopAt: last, BatchSize: 9}); err != nil {
			t.Fatal(err)
		}
		for _, at := range []uint64{last / 3, last / 2, last} {
			v, err := e.store.View(at)
			if err != nil {
				t.Fatal(err)
			}
			naming := map[string][]uint64{}
			for _, ev := range readAll(t, func(after string) (graph.Page[graph.EventRecord], error) { return v.Events(7, after) }) {
				for _, ent := range slices.Compact(slices.Sorted(slices.Values(ev.Entities))) {
					naming[ent] = append(naming[ent], ev.Seq)
				}
			}
			if len(naming) < 10 {
				t.Fatalf("seed %d: only %d entities named by %d events", seed, len(naming), at)
			}
			for ent, want := range naming {
				var got []uint64
				for _, ev := range readAll(t, func(after string) (graph.Page[graph.EventRecord], error) { return v.History(ent, 2, after) }) {
					got = append(got, ev.Seq)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("seed %d, as of %d: history of %s is %v, the events naming it %v", seed, at, ent, got, want)
				}
			}
			v.Close()
		}
	}
}

// readAll follows a listing's cursors to its end.
func readAll[T any](t *testing.T, page func(after string) (graph.Page[T], error)) []T {
	t.Helper()
	var all []T
	after := ""
	for {
		p, err := page(after)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Items...)
		if !p.HasNext {
			return all
		}
		after = p.Cursors[len(p.Cursors)-1]
	}
}

// A merge moves the assertions naming the actor in every role: subject,
// object and source. No index by actor is kept (they are found through
// its relationships and the attribution index), so each role is asked
// for here.
func TestMergeMovesEveryRole(t *testing.T) {
	e := newEnv(t)
	attributed := assertion("Zeta", "MEETS", "Omega", "Zeta met Omega, Acme said.")
	var a events.AssertionRecorded
	if err := json.Unmarshal(attributed.Data, &a); err != nil {
		t.Fatal(err)
	}
	who := "Acme"
	a.AttributedTo = &who
	a.Normalize(nil)
	attributed, err := events.New(&a, events.Meta{Principal: "test"})
	if err != nil {
		t.Fatal(err)
	}
	merge, err := events.New(&events.ActorsMerged{Correction: events.Correction{EventID: events.NewCorrectionID(), Reason: "same"}, From: "acme", Into: "acme-holdings"},
		events.Meta{Principal: "test"})
	if err != nil {
		t.Fatal(err)
	}
	last := e.append(
		assertion("Acme", "OWNS", "Widget", "Acme owns Widget."),
		assertion("Regulator", "BANS", "Acme", "Regulator banned Acme."),
		assertion("Acme Holdings", "OWNS", "Gadget", "Acme Holdings owns Gadget."),
		attributed, merge)
	if err := e.project(Config{StopAt: last}); err != nil {
		t.Fatal(err)
	}
	checkConsistent(t, e.store)
	for _, k := range []graph.RelKey{{Subject: "acme-holdings", Predicate: "OWNS", Object: "widget"}, {Subject: "regulator", Predicate: "BANS", Object: "acme-holdings"}} {
		if n := e.support(k.Subject, k.Predicate, k.Object); n != 1 {
			t.Errorf("%v has support %d after the merge, want 1", k, n)
		}
	}
	v, _ := e.store.View(0)
	defer v.Close()
	as, err := v.RelationshipAssertions(graph.RelKey{Subject: "zeta", Predicate: "MEETS", Object: "omega"})
	if err != nil || len(as) != 1 || as[0].AttributedTo != "acme-holdings" {
		t.Errorf("the attributed assertion after the merge: %+v, %v", as, err)
	}
}

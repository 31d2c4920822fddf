package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/api"
	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/internal/testenv"
	"github.com/dossier-kg/dossier/projections"
	"github.com/dossier-kg/dossier/stream"
)

// historyStore folds n assertions and n/10 corrections (retractions and
// merges) straight into a store, as the projector would, sequence by
// sequence, without the log: a read benchmark needs the store only.
func historyStore(b *testing.B, n int) (*graph.Store, uint64) {
	b.Helper()
	s, err := graph.Open(context.Background(), graph.Config{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	r := rand.New(rand.NewPCG(1, 2))
	preds := []string{"OWNS", "BANS", "ACCUSES", "MEETS", "CRITICIZES", "MEMBER_OF"}
	var ids []string
	seq := uint64(0)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := s.NewBatch()
	apply := func(p events.Payload) {
		seq++
		ev, err := events.New(p, events.Meta{Principal: "bench", Recorded: t0.Add(time.Duration(seq) * time.Second)})
		if err != nil {
			b.Fatal(err)
		}
		ev.Sequence, ev.Time = seq, ev.Recorded
		fold := batch.Apply
		if projections.Exclusive(ev.Type) {
			fold = batch.ApplyExclusive
		}
		if err := fold(seq, func(tx *graph.Tx) error { return projections.Fold(tx, ev) }); err != nil {
			b.Fatal(err)
		}
		if seq%1000 == 0 {
			if _, err := batch.Commit(); err != nil {
				b.Fatal(err)
			}
			batch = s.NewBatch()
		}
	}
	actor := func() string {
		// Skewed: a few actors in most assertions, as in news.
		return fmt.Sprintf("Actor %d", int(r.ExpFloat64()*300)%5000)
	}
	for i := 0; i < n; i++ {
		a := events.AssertionRecorded{Subject: events.ActorRef{Name: actor()}, Predicate: preds[r.IntN(len(preds))], Object: events.ActorRef{Name: actor()},
			Evidence: events.Evidence{Document: fmt.Sprintf("doc-%d", i/20), Sentence: fmt.Sprintf("Sentence %d.", i)}}
		if a.Subject.Name == a.Object.Name {
			a.Object.Name += " Holdings"
		}
		a.Normalize(nil)
		ids = append(ids, a.ID)
		apply(&a)
		if i%10 == 9 {
			if i%100 == 99 {
				apply(&events.ActorsMerged{Correction: events.Correction{EventID: events.NewCorrectionID(), Reason: "bench"},
					From: fmt.Sprintf("actor-%d", 1000+r.IntN(4000)), Into: fmt.Sprintf("actor-%d", 1000+r.IntN(4000))})
			} else {
				apply(&events.AssertionRetracted{Correction: events.Correction{EventID: events.NewCorrectionID(), Reason: "bench"}, AssertionID: ids[r.IntN(len(ids))]})
			}
		}
	}
	if _, err := batch.Commit(); err != nil {
		b.Fatal(err)
	}
	return s, seq
}

// BenchmarkAsOf compares the same queries on the live graph and as of
// an earlier sequence, over 100k assertions and 10k corrections. The
// as-of figure should stay within twice the live one.
func BenchmarkAsOf(b *testing.B) {
	store, last := historyStore(b, 100_000)
	log, _ := testenv.Log(b, stream.LogConfig{})
	// One client asking as fast as it can: no rate limit.
	s, err := api.New(api.Config{Store: store, Log: log, Limits: api.Limits{Rate: -1}})
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	queries := map[string]string{
		"actor":       `actor(name: "Actor 3") { name relationships { predicate other { name } support } }`,
		"actor-top20": `actor(name: "Actor 3") { name relationships(first: 20) { predicate other { name } support } }`,
		// The edges query BenchmarkMillion times against its target.
		"edges-first50": `actor(name: "Actor 3") { name edges(first: 50) { edges { node { predicate support other { name } } } } }`,
		"relationships": `relationships(predicate: "OWNS", first: 50) { edges { node { subject { name } object { name } support } } }`,
		"neighbors":     `neighbors(actor: "Actor 900", depth: 2) { depth actor { name } }`,
		"neighbors-via": `neighbors(actor: "Actor 900", depth: 2) { depth actor { name } from { name } via { predicate support } }`,
	}
	for _, name := range []string{"actor", "actor-top20", "edges-first50", "relationships", "neighbors", "neighbors-via"} {
		q := queries[name]
		for _, mode := range []string{"live", "asof-mid", "asof-recent"} {
			body := "{ " + q + " }"
			switch mode {
			case "asof-mid":
				body = fmt.Sprintf("{ asOf(sequence: %d) { %s } }", last/2, q)
			case "asof-recent":
				body = fmt.Sprintf("{ asOf(sequence: %d) { %s } }", last-1, q)
			}
			payload, _ := json.Marshal(map[string]string{"query": body})
			b.Run(name+"/"+mode, func(b *testing.B) {
				for range b.N {
					req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(payload)))
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != 200 || strings.Contains(rec.Body.String(), `"errors"`) {
						b.Fatalf("%s: %d %s", body, rec.Code, rec.Body.String())
					}
				}
			})
		}
	}
}

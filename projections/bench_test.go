package projections

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/internal/testenv"
	"github.com/dossier-kg/dossier/stream"
)

// synthetic makes n distinct assertions over a few thousand actors, the
// shape of a large news corpus: many actors, skewed towards a few.
func synthetic(n int) []events.Envelope {
	preds := []string{"OWNS", "BANS", "ACCUSES", "MEETS", "CRITICIZES", "MEMBER_OF"}
	out := make([]events.Envelope, n)
	for i := range out {
		s := fmt.Sprintf("Actor %d", (i*7919)%3000)
		o := fmt.Sprintf("Actor %d", (i*104729+1)%(1+i%3000+1))
		if s == o {
			o = "Actor X"
		}
		out[i] = assertion(s, preds[i%len(preds)], o, fmt.Sprintf("Sentence number %d says so.", i))
	}
	return out
}

// hub makes n assertions of one relationship, each from its own
// document: a claim every outlet repeats. Its cost per assertion must
// not grow with the relationship's support.
func hub(n int) []events.Envelope {
	out := make([]events.Envelope, n)
	for i := range out {
		out[i] = assertionIn(fmt.Sprintf("report-%d", i), "ByteDance", "OWNS", "TikTok", fmt.Sprintf("Report %d says ByteDance owns TikTok.", i))
	}
	return out
}

// BenchmarkProject measures folding the log into the store, against
// draining the same messages from a raw JetStream consumer in the same
// run: the ratio is the cost of the projection itself.
func BenchmarkProject(b *testing.B) {
	const n = 20000
	for _, mode := range []string{"raw-consume", "project", "project-hub", "project-strict"} {
		b.Run(mode, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				e := newEnv(b)
				if mode == "project-strict" {
					// --durability strict: Badger syncs every commit.
					e.store.Close()
					s, err := graph.Open(context.Background(), graph.Config{Dir: b.TempDir(), SyncWrites: true})
					if err != nil {
						b.Fatal(err)
					}
					e.store = s
				}
				evs := synthetic(n)
				if mode == "project-hub" {
					evs = hub(n)
				}
				for i := 0; i < n; i += 1000 {
					if _, err := e.log.Append(context.Background(), evs[i:i+1000], stream.AppendOptions{}); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				start := time.Now()
				if mode == "raw-consume" {
					testenv.Drain(b, e.js, "DOSSIER", n)
				} else {
					p, _ := New(Config{Store: e.store, JetStream: e.js, StopAt: n})
					if err := p.Run(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
				b.StopTimer()
			}
		})
	}
}

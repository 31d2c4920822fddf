package node

import (
	"context"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/stream"
)

// The extractor learns what the projection knows: a variant resolves to
// the actor's canonical name and type.
func TestGraphKnown(t *testing.T) {
	n, err := Start(context.Background(), Config{DataDir: t.TempDir(), Instance: "known-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	a := events.AssertionRecorded{
		Subject: events.ActorRef{Name: "the U.S.", Type: "GOVERNMENT"}, Predicate: "BANS", Object: events.ActorRef{Name: "TikTok", Type: "PRODUCT"},
		Evidence: events.Evidence{Document: "d", Sentence: "The U.S. banned TikTok."},
	}
	a.Normalize(nil)
	ev, err := events.New(&a, events.Meta{Principal: "test"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := n.Log().Append(context.Background(), []events.Envelope{ev}, stream.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Store().WaitFor(ctx, out[0].Sequence); err != nil {
		t.Fatal(err)
	}
	k := graphKnown{n.Store()}
	if name, typ, ok := k.Lookup("United States"); !ok || name != "United States" || typ != "GOVERNMENT" {
		t.Errorf("Lookup(United States) = %q, %q, %v", name, typ, ok)
	}
	if _, _, ok := k.Lookup("Atlantis"); ok {
		t.Error("Lookup(Atlantis) found an actor")
	}
}

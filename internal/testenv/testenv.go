// Package testenv starts the parts tests run against. Tests use the real
// thing, never a mock: an embedded NATS server with JetStream whose files
// live in tb.TempDir(), and the event log opened on it. Everything is torn
// down by tb.Cleanup.
package testenv

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/auth"
	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/stream"
)

// JetStream starts an in-process NATS server with JetStream in a
// temporary directory and connects to it.
func JetStream(tb testing.TB) (*stream.Server, jetstream.JetStream) {
	tb.Helper()
	srv, err := stream.StartServer(stream.ServerConfig{Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Shutdown)
	nc, err := srv.Connect()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	return srv, js
}

// Log opens the event log with cfg on a fresh server from JetStream;
// cfg.JetStream is set to its connection.
func Log(tb testing.TB, cfg stream.LogConfig) (*stream.Log, jetstream.JetStream) {
	tb.Helper()
	_, js := JetStream(tb)
	cfg.JetStream = js
	l, err := stream.OpenLog(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return l, js
}

// Drain reads n messages of a stream through an ordered consumer, as fast
// as JetStream delivers them: the raw floor a projection is compared with.
func Drain(tb testing.TB, js jetstream.JetStream, stream string, n int) {
	tb.Helper()
	c, err := js.OrderedConsumer(context.Background(), stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	it, err := c.Messages()
	if err != nil {
		tb.Fatal(err)
	}
	defer it.Stop()
	for range n {
		if _, err := it.Next(); err != nil {
			tb.Fatal(err)
		}
	}
}

// Drift makes a store disagree with its log, as a bug in the fold or a
// hand edit would: it writes an actor no event made (id "stray") at the
// sequence the next event will take, then appends that event (Microsoft
// ACQUIRES TikTok), which the projector skips as already applied. It
// returns that sequence and the assertion's id.
func Drift(tb testing.TB, store *graph.Store, log *stream.Log) (seq uint64, assertion string) {
	tb.Helper()
	seq = store.Applied() + 1
	b := store.NewBatch()
	if err := b.Apply(seq, func(tx *graph.Tx) error { return tx.PutActor(graph.Actor{ID: "stray", Name: "Stray"}) }); err != nil {
		tb.Fatal(err)
	}
	if _, err := b.Commit(); err != nil {
		tb.Fatal(err)
	}
	a := events.AssertionRecorded{
		Subject: events.ActorRef{Name: "Microsoft"}, Predicate: "ACQUIRES", Object: events.ActorRef{Name: "TikTok"},
		Evidence: events.Evidence{Document: "notes", Sentence: "Microsoft may buy TikTok."},
	}
	a.Normalize(nil)
	ev, err := events.New(&a, events.Meta{Principal: "test"})
	if err != nil {
		tb.Fatal(err)
	}
	out, err := log.Append(context.Background(), []events.Envelope{ev}, stream.AppendOptions{})
	if err != nil || out[0].Sequence != seq {
		tb.Fatalf("drift: append = %+v, %v; want sequence %d", out, err, seq)
	}
	return seq, a.ID
}

// Tokens issues a token for each role (reader, writer, admin), to the
// subject role@newsroom, and returns them with each role's secret.
func Tokens(tb testing.TB) (*auth.Tokens, map[string]string) {
	tb.Helper()
	secrets := map[string]string{}
	var f auth.File
	for _, role := range []string{"reader", "writer", "admin"} {
		s, h := auth.NewSecret()
		secrets[role] = s
		f.Tokens = append(f.Tokens, auth.Token{Subject: role + "@newsroom", Role: role, SHA256: h})
	}
	tokens, err := auth.New(f)
	if err != nil {
		tb.Fatal(err)
	}
	return tokens, secrets
}

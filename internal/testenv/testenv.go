// Package testenv starts the parts tests run against. Tests use the real
// thing, never a mock: an embedded NATS server with JetStream whose files
// live in tb.TempDir(), and the event log opened on it. Everything is torn
// down by tb.Cleanup.
package testenv

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/events"
)

// JetStream starts an in-process NATS server with JetStream in a
// temporary directory and connects to it.
func JetStream(tb testing.TB) (*events.Server, jetstream.JetStream) {
	tb.Helper()
	srv, err := events.StartServer(events.ServerConfig{Dir: tb.TempDir()})
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
func Log(tb testing.TB, cfg events.LogConfig) (*events.Log, jetstream.JetStream) {
	tb.Helper()
	_, js := JetStream(tb)
	cfg.JetStream = js
	l, err := events.OpenLog(context.Background(), cfg)
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

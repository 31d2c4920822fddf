package stream_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/stream"
)

// BenchmarkDurability measures Append in each durability mode beside raw
// JetStream under the same server setting, in the same run (as
// ../shared/RAW-LIMITS.md asks), one document of docEvents assertion
// events at a time:
//
//   - default: servers with the library's sync (every 2 minutes); raw is
//     an async publish of the same messages (same bodies, same
//     Nats-Msg-Id) with every ack awaited, Dossier is Log.Append.
//   - strict: servers with sync_interval: always; raw is one atomic batch
//     of the same messages (headers written by hand, the commit's ack
//     awaited), Dossier is Log.Append with AtomicBatches.
//   - sync-unbatched: what strict would cost without atomic batches:
//     servers with sync_interval: always, raw and Dossier as in default,
//     one fsync per event.
//
// Raw and Dossier each have their own server and stream, with the same
// configuration, on the same disk, and take turns document by document,
// so that the machine's noise falls on both alike. The figure to read is
// the ratio.
//
//	go test -run '^$' -bench Durability -benchtime 300x ./stream/
func BenchmarkDurability(b *testing.B) {
	for _, mode := range []struct {
		name          string
		sync, batches bool
	}{{"default", false, false}, {"strict", true, true}, {"sync-unbatched", true, false}} {
		b.Run(mode.name, func(b *testing.B) {
			ctx := context.Background()
			rawJS, _ := benchServer(b, mode.sync, false)
			_, log := benchServer(b, mode.sync, mode.batches)
			if mode.batches && !log.AtomicBatches() {
				b.Fatal("strict log without atomic batches")
			}
			var rawTook, dosTook time.Duration
			n := 0
			for b.Loop() {
				b.StopTimer()
				evs := make([]events.Envelope, docEvents)
				msgs := make([]*nats.Msg, docEvents)
				for i := range evs {
					evs[i] = assertionEvent(b, n)
					n++
					body, err := evs[i].Marshal()
					if err != nil {
						b.Fatal(err)
					}
					msgs[i] = &nats.Msg{Subject: "dossier.assertion.OWNS.bytedance.tiktok", Data: body, Header: nats.Header{}}
					msgs[i].Header.Set(jetstream.MsgIDHeader, evs[i].ID)
					msgs[i].Header.Set("Dossier-Type", string(evs[i].Type))
				}
				b.StartTimer()
				start := time.Now()
				if mode.batches {
					rawAtomicBatch(b, rawJS, msgs)
				} else {
					rawAsync(b, rawJS, msgs)
				}
				rawTook += time.Since(start)
				start = time.Now()
				got, err := log.Append(ctx, evs, stream.AppendOptions{})
				if err != nil || len(got) != len(evs) {
					b.Fatalf("append: %d of %d, %v", len(got), len(evs), err)
				}
				dosTook += time.Since(start)
			}
			rawRate := float64(n) / rawTook.Seconds()
			dosRate := float64(n) / dosTook.Seconds()
			b.ReportMetric(rawRate, "raw-events/s")
			b.ReportMetric(dosRate, "events/s")
			b.ReportMetric(dosRate/rawRate, "ratio")
		})
	}
}

// docEvents is the events of one document in BenchmarkDurability: the
// batch size RAW-LIMITS.md measured atomic batches with.
const docEvents = 100

// benchServer starts an embedded server (syncing every write when sync
// is set) and opens Dossier's stream on it.
func benchServer(b *testing.B, sync, batches bool) (jetstream.JetStream, *stream.Log) {
	b.Helper()
	srv, err := stream.StartServer(stream.ServerConfig{Dir: b.TempDir(), SyncAlways: sync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Shutdown)
	nc, err := srv.Connect()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	l, err := stream.OpenLog(context.Background(), stream.LogConfig{JetStream: js, AtomicBatches: batches})
	if err != nil {
		b.Fatal(err)
	}
	return js, l
}

// rawAsync publishes msgs asynchronously and waits for every ack.
func rawAsync(b *testing.B, js jetstream.JetStream, msgs []*nats.Msg) {
	futures := make([]jetstream.PubAckFuture, len(msgs))
	for i, m := range msgs {
		f, err := js.PublishMsgAsync(m)
		if err != nil {
			b.Fatal(err)
		}
		futures[i] = f
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			b.Fatal(err)
		}
	}
}

// rawAtomicBatch publishes msgs as one atomic batch and waits for the
// commit's ack.
func rawAtomicBatch(b *testing.B, js jetstream.JetStream, msgs []*nats.Msg) {
	nc := js.Conn()
	id := nats.NewInbox()[len("_INBOX."):]
	last := len(msgs) - 1
	for i, m := range msgs {
		m.Header.Set("Nats-Batch-Id", id)
		m.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
		if i == last {
			m.Header.Set("Nats-Batch-Commit", "1")
			break
		}
		if err := nc.PublishMsg(m); err != nil {
			b.Fatal(err)
		}
	}
	resp, err := nc.RequestMsg(msgs[last], 10*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	var ack struct {
		Count int
		Error *jetstream.APIError
	}
	if err := json.Unmarshal(resp.Data, &ack); err != nil || ack.Error != nil || ack.Count != len(msgs) {
		b.Fatal(fmt.Sprintf("batch ack %s: %v", resp.Data, err))
	}
}

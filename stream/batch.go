package stream

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/events"
)

// Atomic batches (JetStream's ADR-50, nats-server 2.12 and later; nats.go
// v1.55 has no helper, so the headers are written here). Every message of
// a batch carries Nats-Batch-Id and its Nats-Batch-Sequence from 1; the
// last also Nats-Batch-Commit: 1. The server stages the batch and, on the
// commit, checks every message (Nats-Msg-Id among them) and stores all of
// them or none, consecutively. On one server with sync_interval: always it
// syncs once for the whole batch, not once per message: that is what makes
// strict durability affordable per document. Its rules, from
// server/stream.go (processJetStreamAtomicBatchMsg) in v2.15.2:
//
//   - at most 1000 messages in a batch (jetstream { limits { max_batch_size } }),
//     at most 50 batches open per stream and 1000 per server, and a batch
//     that waits more than 10 s between messages is abandoned;
//   - only the commit needs an answer: messages before it may be sent
//     without a reply subject, and a lost one makes the commit fail as an
//     incomplete batch;
//   - a Nats-Msg-Id the stream already holds inside its duplicate window
//     (or twice in the batch) refuses the whole batch (error 10201), where a
//     single publish would be acknowledged as a duplicate: see
//     appendBatches for what Append does then;
//   - the commit's answer is the last message's sequence and the count,
//     {"stream":…,"seq":last,"batch":id,"count":n};
//   - a server killed while storing a committed batch on a one-replica
//     stream writes the rest of it when it starts again (jetstream.go,
//     "Restoring partial batch write").

const (
	headerBatchID     = "Nats-Batch-Id"
	headerBatchSeq    = "Nats-Batch-Sequence"
	headerBatchCommit = "Nats-Batch-Commit"
)

// DefaultMaxBatch is the server's default limit on an atomic batch.
const DefaultMaxBatch = 1000

// maxInflightBatches bounds the batches one Log has open at once, below
// the server's 50 per stream so that a few instances sharing a stream
// rarely meet the limit; when they do, the refused batch is sent again.
const maxInflightBatches = 16

// batchAckWait bounds the wait for a commit's answer, as the node's
// jetstream.WithPublishAsyncTimeout bounds a single publish's.
const batchAckWait = 10 * time.Second

// JetStream's error codes for atomic batches that Append branches on.
const (
	errCodeBatchDisabled    jetstream.ErrorCode = 10174
	errCodeBatchIncomplete  jetstream.ErrorCode = 10176
	errCodeBatchTooLarge    jetstream.ErrorCode = 10199
	errCodeBatchDuplicate   jetstream.ErrorCode = 10201
	errCodeBatchInflight    jetstream.ErrorCode = 10210
	errCodeDuplicatePending jetstream.ErrorCode = 10158 // a Nats-Msg-Id still being stored (clustered)
)

// AtomicBatches says whether appends go as atomic batches: asked for in
// LogConfig and allowed by the stream (an existing stream made before
// Dossier allowed them does not, until EnableAtomicBatches).
func (l *Log) AtomicBatches() bool { return l.batches }

// EnableAtomicBatches allows atomic batch publishing on an existing
// stream, changing nothing else of its configuration. It needs a user
// that may update the stream (Dossier's own may not: an admin).
func EnableAtomicBatches(ctx context.Context, js jetstream.JetStream, name string) error {
	s, err := js.Stream(ctx, name)
	if err != nil {
		return fmt.Errorf("allow atomic batches on %s: %w", name, err)
	}
	cfg := s.CachedInfo().Config
	if cfg.AllowAtomicPublish {
		return nil
	}
	cfg.AllowAtomicPublish = true
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		return fmt.Errorf("allow atomic batches on %s: %w", name, err)
	}
	return nil
}

// appendBatches appends msgs as atomic batches of at most MaxBatch
// messages, one batch after another, each committed before the next is
// sent, so that on error the result is still a prefix of the events: the
// batches before the failing one, whole.
//
// A batch holding an event the log already has (a re-sent write, inside
// the duplicate window) is refused whole by the server. Its events are
// then appended one by one as without batches: those the log holds come
// back as duplicates of their first sequence and nothing is stored for
// them, the others are stored, each on its own (with sync_interval:
// always, each synced before it is acknowledged, but not atomically
// together). Re-sending thus still appends nothing.
func (l *Log) appendBatches(ctx context.Context, evs []events.Envelope, msgs []*nats.Msg) ([]Appended, error) {
	out := make([]Appended, 0, len(msgs))
	size := l.cfg.MaxBatch
	retries := 0
	for len(out) < len(msgs) {
		from := len(out)
		n := min(size, len(msgs)-from)
		if n == 1 {
			// One message is atomic anyway, and staging it would cost a
			// second sync.
			got, err := l.appendEach(ctx, evs[from:from+1], msgs[from:from+1])
			out = append(out, got...)
			if err != nil {
				return out, err
			}
			continue
		}
		first, err := l.commitBatch(ctx, msgs[from:from+n])
		var apiErr *jetstream.APIError
		errors.As(err, &apiErr)
		switch {
		case err == nil:
			for i := range n {
				out = append(out, Appended{Sequence: first + uint64(i)})
			}
			retries = 0
		case apiErr != nil && (apiErr.ErrorCode == errCodeBatchDuplicate || apiErr.ErrorCode == errCodeDuplicatePending):
			got, err := l.appendEach(ctx, evs[from:from+n], stripBatch(msgs[from:from+n]))
			out = append(out, got...)
			if err != nil {
				return out, err
			}
		case apiErr != nil && apiErr.ErrorCode == errCodeBatchTooLarge && size > 2:
			size /= 2 // the server's max_batch_size is below ours
		case apiErr != nil && apiErr.ErrorCode == errCodeBatchDisabled:
			// The stream stopped allowing batches (an operator edited
			// it): append as without them.
			got, err := l.appendEach(ctx, evs[from:], stripBatch(msgs[from:]))
			return append(out, got...), err
		case apiErr != nil && (apiErr.ErrorCode == errCodeBatchInflight && retries < 50 || apiErr.ErrorCode == errCodeBatchIncomplete && retries < 2):
			// Too many batches open on the stream (other instances), or
			// a staged message lost on the way (or refused: one over the
			// size limit is refused again, and the error returned):
			// nothing was stored, and the batch can go again.
			retries++
			select {
			case <-ctx.Done():
				return out, fmt.Errorf("append %s: %w", evs[from].ID, ctx.Err())
			case <-time.After(time.Duration(retries) * 10 * time.Millisecond):
			}
		default:
			return out, fmt.Errorf("append %s: %w", evs[from].ID, err)
		}
	}
	return out, nil
}

// commitBatch publishes msgs as one atomic batch and returns the
// sequence of its first message. An error from the server is a
// *jetstream.APIError; nothing of the batch is stored then. An error
// wrapping ErrUnavailable says the commit went unanswered: the batch may
// or may not be stored.
func (l *Log) commitBatch(ctx context.Context, msgs []*nats.Msg) (uint64, error) {
	select {
	case l.inflight <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	defer func() { <-l.inflight }()
	id := newBatchID()
	nc := l.js.Conn()
	last := len(msgs) - 1
	for i, m := range msgs {
		m.Header.Set(headerBatchID, id)
		m.Header.Set(headerBatchSeq, strconv.Itoa(i+1))
		m.Header.Set(jetstream.ExpectedStreamHeader, l.cfg.Stream)
		if i == last {
			m.Header.Set(headerBatchCommit, "1")
			break
		}
		// A batch sent again after a refusal may be cut otherwise.
		m.Header.Del(headerBatchCommit)
		// No reply subject: the server answers only the commit, and a
		// message lost on the way fails it.
		m.Reply = ""
		if err := nc.PublishMsg(m); err != nil {
			return 0, err
		}
	}
	rctx, cancel := context.WithTimeout(ctx, batchAckWait)
	defer cancel()
	resp, err := nc.RequestMsgWithContext(rctx, msgs[last])
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders) {
			return 0, fmt.Errorf("%w: batch of %d: %w", ErrUnavailable, len(msgs), err)
		}
		return 0, err
	}
	var ack struct {
		Stream string              `json:"stream"`
		Seq    uint64              `json:"seq"`
		Batch  string              `json:"batch"`
		Count  int                 `json:"count"`
		Error  *jetstream.APIError `json:"error"`
	}
	if err := json.Unmarshal(resp.Data, &ack); err != nil {
		return 0, fmt.Errorf("batch of %d: unreadable acknowledgement %.200q: %w", len(msgs), resp.Data, err)
	}
	if ack.Error != nil {
		return 0, ack.Error
	}
	if ack.Batch != id || ack.Count != len(msgs) || ack.Stream != l.cfg.Stream || ack.Seq < uint64(len(msgs)) {
		return 0, fmt.Errorf("batch of %d: the acknowledgement does not match it: %.200q", len(msgs), resp.Data)
	}
	return ack.Seq - uint64(last), nil
}

// stripBatch removes the batch headers commitBatch set, for messages
// that go one by one after all.
func stripBatch(msgs []*nats.Msg) []*nats.Msg {
	for _, m := range msgs {
		m.Header.Del(headerBatchID)
		m.Header.Del(headerBatchSeq)
		m.Header.Del(headerBatchCommit)
	}
	return msgs
}

// newBatchID is a random batch id (the server allows up to 64 bytes).
func newBatchID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

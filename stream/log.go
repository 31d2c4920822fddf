// Package stream is the event log on NATS JetStream and the embedded
// NATS server of a one-machine setup: Append publishes events.Envelopes
// in order with their ids as Nats-Msg-Id (so a resend is dropped), and
// the stream is the only place events live. Packages that only shape or
// fold events (events, extract, projections' fold) do not import it.
package stream

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/events"
)

// LogConfig configures the event log.
type LogConfig struct {
	// JetStream is the connection's JetStream context. Required.
	JetStream jetstream.JetStream
	// Stream is the stream name. Default "DOSSIER".
	Stream string
	// Replicas is the stream's replica count on a cluster, when the
	// stream is created. Default 1.
	Replicas int
	// DuplicateWindow is how long JetStream remembers message ids to drop
	// re-sent events. Default 2 minutes, JetStream's own: the server
	// keeps about 220 bytes of heap an id for the window (a million
	// assertions appended in it, 220 MB), and re-sends after it are
	// still harmless: the projector skips content it has already folded.
	// A stream that exists keeps its own (10 minutes before 2026-12-07;
	// `nats stream edit DOSSIER --dupe-window 2m` changes it).
	DuplicateWindow time.Duration
	// MaxMsgSize bounds one event. Default 16 MiB, which must not exceed
	// the server's max_payload.
	MaxMsgSize int32
	// AtomicBatches publishes the events of one Append as JetStream
	// atomic batches (see appendBatches): all of them or none are
	// stored, and a server that syncs every write (sync_interval:
	// always) pays one fsync for the batch instead of one per event.
	// Strict durability turns it on.
	AtomicBatches bool
	// MaxBatch bounds one atomic batch; a longer Append is split into
	// batches of at most this many events, each atomic on its own.
	// Default 1000, the server's default max_batch_size; a server that
	// allows fewer says so, and the batch is halved until it fits.
	MaxBatch int
}

func (c *LogConfig) setDefaults() {
	if c.Stream == "" {
		c.Stream = DefaultStream
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.DuplicateWindow == 0 {
		c.DuplicateWindow = 2 * time.Minute
	}
	if c.MaxMsgSize == 0 {
		c.MaxMsgSize = 16 << 20
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = DefaultMaxBatch
	}
}

// DefaultStream is the log's stream name unless configured otherwise.
const DefaultStream = "DOSSIER"

// Subjects every Dossier event is published under.
const SubjectAll = "dossier.>"

// Log is the append side of the event stream.
type Log struct {
	cfg    LogConfig
	js     jetstream.JetStream
	stream jetstream.Stream
	// batches is set when appends go as atomic batches: asked for, and
	// allowed by the stream. inflight bounds the batches open at once
	// (the server refuses more than 50 per stream).
	batches  bool
	inflight chan struct{}
}

// OpenLog creates the stream if it does not exist, or brings its settings
// up to date if it does.
func OpenLog(ctx context.Context, cfg LogConfig) (*Log, error) {
	cfg.setDefaults()
	if cfg.JetStream == nil {
		return nil, errors.New("open log: LogConfig.JetStream is required")
	}
	sc := jetstream.StreamConfig{
		Name:        cfg.Stream,
		Description: "Dossier events: the source of truth of the knowledge graph",
		Subjects:    []string{SubjectAll},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Replicas:    cfg.Replicas,
		Duplicates:  cfg.DuplicateWindow,
		MaxMsgSize:  cfg.MaxMsgSize,
		// The log is history: nothing ages out, nothing is discarded.
		Discard:     jetstream.DiscardNew,
		DenyDelete:  true,
		DenyPurge:   true,
		AllowDirect: true,
		// Allowed whatever the durability asked for now, so that a log
		// made by a default server takes a strict one's batches later.
		AllowAtomicPublish: true,
	}
	// An existing log keeps its configuration: the stream is the source
	// of truth, and a replay or another instance started with other flags
	// (--replicas defaults to 1) must not rescale or reconfigure it. An
	// operator changes it with the nats CLI (nats stream edit DOSSIER).
	s, err := cfg.JetStream.Stream(ctx, cfg.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = cfg.JetStream.CreateStream(ctx, sc)
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			s, err = cfg.JetStream.Stream(ctx, cfg.Stream) // another instance was first
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open stream %s: %w", cfg.Stream, err)
	}
	if subjects := s.CachedInfo().Config.Subjects; !slices.Contains(subjects, SubjectAll) {
		return nil, fmt.Errorf("open stream %s: it holds subjects %v, not %s: another application's stream of that name?", cfg.Stream, subjects, SubjectAll)
	}
	l := &Log{cfg: cfg, js: cfg.JetStream, stream: s, inflight: make(chan struct{}, maxInflightBatches)}
	l.batches = cfg.AtomicBatches && s.CachedInfo().Config.AllowAtomicPublish
	return l, nil
}

// Stream is the stream's name.
func (l *Log) Stream() string { return l.cfg.Stream }

// AppendOptions modify one Append.
type AppendOptions struct {
	// ExpectLastSequence, when set, makes the append fail with a
	// *ConflictError unless the stream's last sequence is exactly this
	// before the first event. The events are then appended one after
	// another, each expecting the previous one's sequence.
	ExpectLastSequence *uint64
}

// Appended is the outcome of appending one event.
type Appended struct {
	Sequence uint64
	// Duplicate is set when the stream already held this event (same id
	// within the duplicate window); Sequence is then the original's.
	Duplicate bool
}

// Append publishes events in order and waits for the stream to store them.
// On error, the events before the failing one may have been stored: the
// returned slice says which. Appending them again is safe. With
// LogConfig.AtomicBatches the events go as atomic batches (appendBatches),
// each stored whole or not at all.
func (l *Log) Append(ctx context.Context, evs []events.Envelope, opt AppendOptions) ([]Appended, error) {
	msgs := make([]*nats.Msg, len(evs))
	for i, ev := range evs {
		body, err := ev.Marshal()
		if err != nil {
			return nil, fmt.Errorf("append %s: %w", ev.ID, err)
		}
		if ev.Subject == "" {
			return nil, fmt.Errorf("append %s: event has no subject", ev.ID)
		}
		msgs[i] = &nats.Msg{Subject: ev.Subject, Data: body, Header: nats.Header{}}
		msgs[i].Header.Set(jetstream.MsgIDHeader, ev.ID)
		msgs[i].Header.Set(headerType, string(ev.Type))
	}
	if opt.ExpectLastSequence != nil {
		return l.appendExpecting(ctx, evs, msgs, *opt.ExpectLastSequence)
	}
	if l.batches && len(msgs) > 1 {
		return l.appendBatches(ctx, evs, msgs)
	}
	return l.appendEach(ctx, evs, msgs)
}

// appendEach publishes msgs one by one, pipelined, each deduplicated by
// its Nats-Msg-Id on its own.
func (l *Log) appendEach(ctx context.Context, evs []events.Envelope, msgs []*nats.Msg) ([]Appended, error) {
	// At most AppendWindow publishes of this call are in flight: past
	// it, the oldest acknowledgement is awaited first. A large document
	// (thousands of events) then waits for the log instead of running
	// into the client's own limit on outstanding publishes, which fails
	// the append ("stalled with too many outstanding async published
	// messages") when acknowledgements are slow.
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	out := make([]Appended, 0, len(msgs))
	for i, m := range msgs {
		if len(futures)-len(out) >= AppendWindow {
			a, err := l.await(ctx, evs[len(out)], futures[len(out)])
			if err != nil {
				return out, err
			}
			out = append(out, a)
		}
		f, err := l.publish(ctx, m, futures, &out, evs)
		if err != nil {
			return l.collect(ctx, evs, futures, out, fmt.Errorf("append %s: %w", evs[i].ID, err))
		}
		futures = append(futures, f)
	}
	return l.collect(ctx, evs, futures, out, nil)
}

// AppendWindow bounds the publishes one Append has in flight.
const AppendWindow = 256

// publish publishes m asynchronously. Appends running at once share the
// client's limit on outstanding publishes; when it is reached, this one
// waits for its own oldest acknowledgement (or, with none in flight, a
// moment) and tries again, until ctx ends.
func (l *Log) publish(ctx context.Context, m *nats.Msg, futures []jetstream.PubAckFuture, out *[]Appended, evs []events.Envelope) (jetstream.PubAckFuture, error) {
	for {
		f, err := l.js.PublishMsgAsync(m, jetstream.WithExpectStream(l.cfg.Stream))
		if !errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
			return f, err
		}
		if n := len(*out); n < len(futures) {
			a, err := l.await(ctx, evs[n], futures[n])
			if err != nil {
				return nil, err
			}
			*out = append(*out, a)
			continue
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// await waits for one acknowledgement.
func (l *Log) await(ctx context.Context, ev events.Envelope, f jetstream.PubAckFuture) (Appended, error) {
	select {
	case ack := <-f.Ok():
		return Appended{Sequence: ack.Sequence, Duplicate: ack.Duplicate}, nil
	case err := <-f.Err():
		return Appended{}, fmt.Errorf("append %s: %w", ev.ID, classify(err))
	case <-ctx.Done():
		return Appended{}, fmt.Errorf("append %s: %w", ev.ID, ctx.Err())
	}
}

// collect waits for the acks not yet in out, in order, and stops at the
// first failure, so the result is always a prefix of the events.
func (l *Log) collect(ctx context.Context, evs []events.Envelope, futures []jetstream.PubAckFuture, out []Appended, cause error) ([]Appended, error) {
	for i := len(out); i < len(futures); i++ {
		a, err := l.await(ctx, evs[i], futures[i])
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, cause
}

func (l *Log) appendExpecting(ctx context.Context, evs []events.Envelope, msgs []*nats.Msg, last uint64) ([]Appended, error) {
	out := make([]Appended, 0, len(msgs))
	for i, m := range msgs {
		ack, err := l.js.PublishMsg(ctx, m, jetstream.WithExpectStream(l.cfg.Stream), jetstream.WithExpectLastSequence(last))
		if err != nil {
			return out, fmt.Errorf("append %s: %w", evs[i].ID, classify(err))
		}
		out = append(out, Appended{Sequence: ack.Sequence, Duplicate: ack.Duplicate})
		last = ack.Sequence
	}
	return out, nil
}

// LastSequence is the stream's last sequence, 0 when empty.
func (l *Log) LastSequence(ctx context.Context) (uint64, error) {
	info, err := l.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream info %s: %w", l.cfg.Stream, err)
	}
	return info.State.LastSeq, nil
}

// LastOnSubject is the sequence of the last event on a subject, and
// whether there is one. Subjects that name one thing (a document's
// DocumentSubject) say so whether or not the event is still inside the
// duplicate window.
func (l *Log) LastOnSubject(ctx context.Context, subject string) (uint64, bool, error) {
	m, err := l.stream.GetLastMsgForSubject(ctx, subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("last event on %s: %w", subject, err)
	}
	return m.Sequence, true, nil
}

// Get reads the event at one sequence.
func (l *Log) Get(ctx context.Context, seq uint64) (events.Envelope, error) {
	m, err := l.stream.GetMsg(ctx, seq)
	if err != nil {
		return events.Envelope{}, fmt.Errorf("get event %d: %w", seq, err)
	}
	ev, err := events.Unmarshal(m.Data)
	if err != nil {
		return ev, err
	}
	ev.Sequence, ev.Subject, ev.Time = m.Sequence, m.Subject, m.Time
	return ev, nil
}

// headerType carries the event type in a header so that consumers can
// filter or route without decoding the body.
const headerType = "Dossier-Type"

// ConflictError says the stream moved on since the caller read it.
type ConflictError struct{ Err error }

func (e *ConflictError) Error() string {
	return "the log has moved past the expected sequence: " + e.Err.Error()
}
func (e *ConflictError) Unwrap() error { return e.Err }

// classify turns server errors callers branch on into typed errors. A
// wrong-last-sequence conflict is code 10071, or 10164 on replicated
// streams.
func classify(err error) error {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode {
		case jetstream.JSErrCodeStreamWrongLastSequence, jetstream.JSErrCodeStreamWrongLastSequenceConstant:
			return &ConflictError{Err: err}
		}
	}
	if errors.Is(err, jetstream.ErrAsyncPublishTimeout) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrNoStreamResponse) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// ErrUnavailable says the log did not answer in time: NATS unreachable,
// or a cluster electing a new leader. The append may or may not have
// been stored; appending again is safe (ids are content hashes, so a
// stored event is recognised).
var ErrUnavailable = errors.New("the log did not acknowledge in time")

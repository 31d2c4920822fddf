package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
)

// Config configures a projector.
type Config struct {
	// Store is the graph to fold into. Required.
	Store *graph.Store
	// JetStream is the connection to the stream. Required.
	JetStream jetstream.JetStream
	// Stream is the stream name. Default "DOSSIER".
	Stream string
	// Durable names the projector's durable consumer. Each Dossier
	// instance keeps its own projection, so each needs its own name.
	// Empty means an ephemeral ordered consumer, as used by rebuilds.
	Durable string
	// BatchSize is the most events folded and acknowledged together.
	// Default 1000.
	BatchSize int
	// StopAt, when set, makes Run return once this sequence is applied;
	// nothing after it is folded, so a replay can stop at any point.
	StopAt uint64
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Metrics, when set, count what the projector does.
	Metrics *Metrics
	// Running, when set, is called once Run has its consumer and is
	// folding: an owner that restarted it after an error learns it is
	// healthy again.
	Running func()
	// Erased, when set, is called with the document id of every
	// DocumentErased folded, once its batch is committed: the node
	// forgets the document's key and makes sure it is destroyed, so that
	// every instance that learns of an erasure acts on it, whoever
	// appended it. It must not fail the projection; it is not called
	// for events before the store's applied sequence (a restart).
	Erased func(ctx context.Context, documentID string)

	// afterCommit runs between a batch's Badger commit and its ack; an
	// error stops Run there. Tests inject faults through it.
	afterCommit func(last uint64) error
}

func (c *Config) setDefaults() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("Config.Store is required"))
	}
	if c.JetStream == nil {
		errs = append(errs, errors.New("Config.JetStream is required"))
	}
	if c.Stream == "" {
		c.Stream = "DOSSIER"
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 1000
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return errors.Join(errs...)
}

// Projector keeps a graph store up to date with the stream.
type Projector struct {
	cfg     Config
	skipped int
	// pastStop is set when a message after StopAt arrived: there is
	// nothing more to fold, even if StopAt itself never came.
	pastStop bool
}

// New checks the configuration.
func New(cfg Config) (*Projector, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, fmt.Errorf("new projector: %w", err)
	}
	return &Projector{cfg: cfg}, nil
}

// Run folds events until ctx ends (returning nil), StopAt is reached, or
// an error stops it. Events are taken from the store's applied sequence
// on, whatever the consumer thought it had delivered.
func (p *Projector) Run(ctx context.Context) error {
	if p.cfg.StopAt > 0 && p.cfg.Store.Applied() >= p.cfg.StopAt {
		return nil
	}
	cons, err := p.consumer(ctx)
	if err != nil {
		return err
	}
	// A pull request lost with a consumer's leader is noticed after two
	// missed heartbeats: half the expiry each. The default expiry (30 s)
	// left a new replica idle that long.
	it, err := cons.Messages(jetstream.PullMaxMessages(p.cfg.BatchSize), jetstream.PullExpiry(5*time.Second))
	if err != nil {
		return fmt.Errorf("consume %s: %w", p.cfg.Stream, err)
	}
	defer it.Stop()
	if p.cfg.Running != nil {
		p.cfg.Running()
	}

	// The reader goroutine is owned by Run: it ends when the iterator is
	// stopped (deferred above) or Run has returned (done).
	msgs := make(chan delivery, p.cfg.BatchSize)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(msgs)
		for {
			m, err := it.Next()
			if err != nil {
				if !errors.Is(err, jetstream.ErrMsgIteratorClosed) {
					readErr <- err
				}
				return
			}
			select {
			case msgs <- decode(m):
			case <-done:
				return
			}
		}
	}()

	batch := make([]delivery, 0, p.cfg.BatchSize)
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			return fmt.Errorf("read %s: %w", p.cfg.Stream, err)
		case m, ok := <-msgs:
			if !ok {
				return nil
			}
			batch = append(batch[:0], m)
		}
		// Group commit: take whatever else has already arrived, without
		// waiting, so a burst is folded in one batch and a lone event is
		// folded at once.
	fill:
		for len(batch) < p.cfg.BatchSize {
			select {
			case m, ok := <-msgs:
				if !ok {
					break fill
				}
				batch = append(batch, m)
			default:
				break fill
			}
		}
		start := time.Now()
		last, err := p.apply(ctx, batch)
		if err != nil {
			return err
		}
		if m := p.cfg.Metrics; m != nil {
			m.batch.Observe(float64(len(batch)))
			m.seconds.Observe(time.Since(start).Seconds())
		}
		if p.cfg.StopAt > 0 && (last >= p.cfg.StopAt || p.pastStop) {
			return nil
		}
	}
}

// consumer creates the durable consumer, or re-creates it when its ack
// floor disagrees with the store: the store is the truth about what has
// been applied (it may have been rebuilt, or the last ack lost).
func (p *Projector) consumer(ctx context.Context) (jetstream.Consumer, error) {
	start := p.cfg.Store.Applied() + 1
	if p.cfg.Durable == "" {
		c, err := p.cfg.JetStream.OrderedConsumer(ctx, p.cfg.Stream, jetstream.OrderedConsumerConfig{
			DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
			OptStartSeq:   start,
		})
		if err != nil {
			return nil, fmt.Errorf("ordered consumer on %s: %w", p.cfg.Stream, err)
		}
		return c, nil
	}
	if c, err := p.cfg.JetStream.Consumer(ctx, p.cfg.Stream, p.cfg.Durable); err == nil {
		info := c.CachedInfo()
		if info.AckFloor.Stream+1 == start && info.Delivered.Stream+1 == start {
			return c, nil
		}
		if err := p.cfg.JetStream.DeleteConsumer(ctx, p.cfg.Stream, p.cfg.Durable); err != nil {
			return nil, fmt.Errorf("reset consumer %s: %w", p.cfg.Durable, err)
		}
	} else if !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, fmt.Errorf("consumer %s: %w", p.cfg.Durable, err)
	}
	c, err := p.cfg.JetStream.CreateConsumer(ctx, p.cfg.Stream, jetstream.ConsumerConfig{
		Durable:       p.cfg.Durable,
		Description:   "Dossier projector: folds the stream into this instance's graph",
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   start,
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       time.Minute,
		MaxAckPending: 4 * p.cfg.BatchSize,
	})
	if err != nil {
		return nil, fmt.Errorf("create consumer %s: %w", p.cfg.Durable, err)
	}
	return c, nil
}

// GapError says the consumer skipped events the stream holds: seen when
// a consumer's leader changes with a delivery in flight. Acknowledging
// what follows would acknowledge the missing events too (the consumer
// acknowledges all up to a message), and they would never be folded: the
// projector stops after what came before, and its owner restarts it from
// the store's applied sequence.
type GapError struct {
	Stream        string
	Missing, Next uint64
}

func (e *GapError) Error() string {
	return fmt.Sprintf("stream %s delivered event %d before %d: restart from the store's applied sequence", e.Stream, e.Next, e.Missing)
}

// delivery is a message and its event, decoded by the goroutine that
// reads the stream: a fifth of the fold's time was decoding JSON, which
// needs nothing the fold holds.
type delivery struct {
	m       jetstream.Msg
	md      *jetstream.MsgMetadata
	ev      events.Envelope
	payload events.Payload
	// err is the metadata's error, or the event's decoding error (the
	// fold decides what an undecodable event does).
	err error
}

func decode(m jetstream.Msg) delivery {
	md, err := m.Metadata()
	if err != nil {
		return delivery{m: m, err: fmt.Errorf("message metadata: %w", err)}
	}
	d := delivery{m: m, md: md}
	d.ev, d.err = events.Unmarshal(m.Data())
	d.ev.Sequence, d.ev.Subject, d.ev.Time = md.Sequence.Stream, m.Subject(), md.Timestamp
	if d.err == nil {
		d.payload, d.err = d.ev.Decode()
	}
	return d
}

// apply folds a batch, commits it, and acknowledges its last message,
// which acknowledges all of them.
func (p *Projector) apply(ctx context.Context, msgs []delivery) (uint64, error) {
	b := p.cfg.Store.NewBatch()
	var lastMsg jetstream.Msg
	var gap error
	var erased []string // documents erased by the batch
	for _, d := range msgs {
		if d.md == nil {
			return 0, d.err
		}
		seq := d.md.Sequence.Stream
		if seq > b.Last()+1 && p.cfg.Durable != "" {
			// A durable consumer delivers every stored event in order; a
			// jump is a lost delivery, unless the events were deleted
			// from the stream (then there is nothing to fold). An ordered
			// consumer checks its own sequence and resets itself.
			if gap = p.checkGap(ctx, b.Last()+1, seq); gap != nil {
				break
			}
		}
		if p.cfg.StopAt > 0 && seq > p.cfg.StopAt {
			// A batch can run past StopAt; leave the rest unfolded and
			// unacknowledged.
			p.pastStop = true
			break
		}
		lastMsg = d.m
		if seq <= b.Last() {
			continue // a redelivery of something already folded
		}
		err := d.err
		if err == nil {
			err = p.fold(b, d.ev, d.payload, &erased)
		}
		if err != nil {
			if err := p.unfoldable(b, d.ev, err); err != nil {
				return 0, err
			}
		}
	}
	last, err := b.Commit()
	if err != nil {
		return 0, err
	}
	for _, id := range erased {
		p.cfg.Erased(ctx, id)
	}
	if gap != nil {
		// What came before the gap is committed; acknowledge it, then
		// stop so the consumer is made again from the store.
		if p.cfg.Durable != "" && lastMsg != nil {
			if err := lastMsg.Ack(); err != nil {
				p.cfg.Logger.Warn("ack failed", "seq", last, "err", err)
			}
		}
		return last, gap
	}
	if p.cfg.afterCommit != nil {
		if err := p.cfg.afterCommit(last); err != nil {
			return 0, err
		}
	}
	if p.cfg.Durable != "" && lastMsg != nil {
		if err := lastMsg.Ack(); err != nil {
			// Not fatal: the store already holds the batch, and a
			// redelivery is skipped by sequence.
			p.cfg.Logger.Warn("ack failed", "seq", last, "err", err)
		}
	}
	return last, nil
}

// fold applies one decoded event in the batch.
func (p *Projector) fold(b *graph.Batch, ev events.Envelope, payload events.Payload, erased *[]string) error {
	apply := b.Apply
	if Exclusive(ev.Type) {
		apply = b.ApplyExclusive
	}
	if err := apply(ev.Sequence, func(tx *graph.Tx) error { return FoldDecoded(tx, ev, payload) }); err != nil {
		return err
	}
	if m := p.cfg.Metrics; m != nil {
		m.events.WithLabelValues(string(ev.Type)).Inc()
	}
	if e, ok := payload.(*events.DocumentErased); ok && p.cfg.Erased != nil {
		*erased = append(*erased, e.DocumentID)
	}
	return nil
}

// unfoldable decides what an event that failed to fold does to the
// projection: an event of an unknown type stops it, one that can never
// be folded is recorded as skipped, anything else is an error.
func (p *Projector) unfoldable(b *graph.Batch, ev events.Envelope, err error) error {
	var dec *events.DecodeError
	var inv *events.ValidationError
	switch {
	case errors.As(err, &dec) && dec.Unknown:
		// A newer writer shares the stream: folding on without its
		// events would serve a graph that silently lacks them.
		return fmt.Errorf("event %d: %w", ev.Sequence, err)
	case errors.As(err, &dec), errors.As(err, &inv):
		// Never foldable, whoever retries: record it as applied and
		// go on, so one bad event cannot stall every replica.
		p.skipped++
		if m := p.cfg.Metrics; m != nil {
			m.skipped.Inc()
		}
		p.cfg.Logger.Warn("skipping event that cannot be folded", "seq", ev.Sequence, "err", err)
		skip := graph.EventRecord{Time: ev.Time, Type: string(ev.Type), ID: ev.ID, Principal: ev.Principal, Outcome: graph.OutcomeSkipped,
			Summary: "skipped, cannot be folded: " + err.Error()}
		return b.Apply(ev.Sequence, func(tx *graph.Tx) error { return tx.PutEvent(skip) })
	default:
		return fmt.Errorf("fold event %d: %w", ev.Sequence, err)
	}
}

// checkGap reports a gap if the stream holds the first missing event.
func (p *Projector) checkGap(ctx context.Context, missing, next uint64) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	gap := &GapError{Stream: p.cfg.Stream, Missing: missing, Next: next}
	s, err := p.cfg.JetStream.Stream(ctx, p.cfg.Stream)
	if err != nil {
		return fmt.Errorf("%w (and the stream cannot be asked whether it holds %d: %v)", gap, missing, err)
	}
	if _, err := s.GetMsg(ctx, missing); errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil // deleted from the stream: nothing to fold
	}
	return gap
}

// Skipped counts events that could never be folded.
func (p *Projector) Skipped() int { return p.skipped }

package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/projections"
	"github.com/dossier-kg/dossier/stream"
)

// Rebuild re-projects the whole log into a fresh store beside the live one
// and swaps it in. The node must not be running: Badger holds a lock on
// its directory, which makes the check for us.
//
// It refuses what `serve` refuses, unless cfg.AcceptLogLoss: a store
// ahead of its log, a log that has lost events (whether the store folded
// them, and would lose them, or not), a store built from another log. A
// live store it cannot read (damaged, or of another layout) is rebuilt
// from a log that has lost nothing. An accepted loss is recorded, as
// `serve --accept-log-loss` records it.
func Rebuild(ctx context.Context, cfg Config) (applied uint64, err error) {
	if err := cfg.setDefaults(); err != nil {
		return 0, fmt.Errorf("rebuild: %w", err)
	}
	live := filepath.Join(cfg.DataDir, "graph")
	// Prove the store is not in use before anything else, and above all
	// before starting an embedded NATS server on a directory a running
	// server may own; hold it until the swap, so that no server starts
	// on it meanwhile.
	held, unlock, err := lockLive(ctx, cfg)
	if err != nil {
		return 0, fmt.Errorf("rebuild: the live store is in use or unreadable (stop `dossier serve` first): %w", err)
	}
	defer unlock()
	n := &Node{cfg: cfg}
	defer n.Close()
	if err := n.connect(ctx); err != nil {
		return 0, err
	}
	accepted, err := readAcceptedLoss(n.acceptedLossFile(), n.log.Stream())
	if err != nil {
		return 0, fmt.Errorf("rebuild: %w", err)
	}
	st, err := n.rebuildable(ctx, held, accepted.Missing)
	if Damaged(err) {
		return 0, fmt.Errorf("rebuild refused: %w. (`dossier rebuild --accept-log-loss` rebuilds anyway, losing what the log no longer holds.)", err)
	}
	if err != nil {
		return 0, fmt.Errorf("rebuild: %w", err)
	}
	fresh := live + ".rebuild"
	if err := os.RemoveAll(fresh); err != nil {
		return 0, fmt.Errorf("rebuild: clear %s: %w", fresh, err)
	}
	if err := projectInto(ctx, n, fresh, st.Last); err != nil {
		os.RemoveAll(fresh) // its space back, on a disk that may be full
		return 0, fmt.Errorf("rebuild: %w", err)
	}
	if err := unlock(); err != nil {
		return 0, fmt.Errorf("rebuild: %w", err)
	}
	if lost := st.Missing.Minus(accepted.Missing); len(lost) > 0 {
		a := acceptedLoss{Stream: n.log.Stream(), Missing: st.Missing, Accepted: time.Now().UTC(), Folded: accepted.Folded}
		if err := writeAcceptedLoss(n.acceptedLossFile(), a); err != nil {
			return 0, fmt.Errorf("rebuild: %w", err)
		}
		cfg.Logger.Warn("rebuilt from a log that has lost events; the loss is recorded", "missing", lost.String(), "file", n.acceptedLossFile())
	}
	old := live + ".old"
	if err := os.RemoveAll(old); err != nil {
		return 0, fmt.Errorf("rebuild: %w", err)
	}
	if dirExists(live) {
		if err := os.Rename(live, old); err != nil {
			return 0, fmt.Errorf("rebuild: move the old store aside: %w", err)
		}
	}
	if err := os.Rename(fresh, live); err != nil {
		return 0, fmt.Errorf("rebuild: swap in the new store: %w", err)
	}
	if err := os.RemoveAll(old); err != nil {
		return lastHeld(st.Missing, st.Last), fmt.Errorf("rebuild: remove the old store: %w", err)
	}
	return lastHeld(st.Missing, st.Last), nil
}

// rebuildable refuses a rebuild over a damaged or mismatched log, unless
// the loss is accepted; live is nil when the store cannot be read. It
// returns the log's state.
func (n *Node) rebuildable(ctx context.Context, live *graph.Store, accepted stream.Ranges) (stream.State, error) {
	// A rebuild reads the whole log anyway: reading it first costs
	// little, and finds what the stream's state may not know yet.
	if live == nil {
		st, err := n.log.State(ctx)
		if err != nil {
			return st, err
		}
		lost, err := n.log.Scan(ctx, st.Last)
		if err != nil {
			return st, err
		}
		st.Missing = st.Missing.Union(lost)
		if lost := st.Missing.Minus(accepted); len(lost) > 0 && !n.cfg.AcceptLogLoss {
			return st, &LogDamageError{Stream: n.log.Stream(), Last: st.Last, Missing: lost, Unknown: true}
		}
		n.checked.Store(true)
		return st, nil
	}
	st, err := checkIntegrity(ctx, n.log, live, accepted, true)
	if err == nil || n.cfg.AcceptLogLoss && Damaged(err) {
		n.checked.Store(true)
		return st, nil
	}
	return st, err
}

// lockLive proves that no server uses the data directory by opening its
// store, which takes Badger's directory lock, and keeps it until unlock
// (which may be called more than once). A store that cannot be opened
// (of another layout, or damaged) is held by the same lock, without
// opening it, and store is then nil, as it is when there is none.
func lockLive(ctx context.Context, cfg Config) (store *graph.Store, unlock func() error, err error) {
	live := filepath.Join(cfg.DataDir, "graph")
	if !dirExists(live) {
		return nil, func() error { return nil }, nil
	}
	s, err := graph.Open(ctx, graph.Config{Dir: live, Lexicon: cfg.Lexicon, Logger: cfg.Logger})
	var once sync.Once
	var layout *graph.LayoutError
	var corrupt *graph.CorruptError
	switch {
	case errors.As(err, &layout), errors.As(err, &corrupt):
		release, lerr := graph.LockDir(live)
		if lerr != nil {
			return nil, nil, lerr
		}
		cfg.Logger.Warn("the live store cannot be opened", "err", err)
		return nil, func() error { once.Do(release); return nil }, nil
	case err != nil:
		return nil, nil, err
	}
	return s, func() error {
		var err error
		once.Do(func() { err = s.Close() })
		return err
	}, nil
}

// projectInto folds events 1..last of the node's log into a new store in
// dir.
func projectInto(ctx context.Context, n *Node, dir string, last uint64) error {
	store, err := graph.Open(ctx, graph.Config{Dir: dir, Lexicon: n.cfg.Lexicon, Logger: n.cfg.Logger})
	if err != nil {
		return err
	}
	if err := n.projectLog(ctx, store, dir, last, nil); err != nil {
		store.Close()
		return err
	}
	return store.Close()
}

// projectLog folds events 1..until of the node's log into a store in dir
// that holds none of them yet, through an ephemeral ordered consumer: the
// node's own projector and its durable consumer are left alone.
//
// It refuses to start when dir's disk cannot take about the log's size
// (a store holds about as many bytes an assertion as the log's event)
// and keep the reserve, and stops with a *LowDiskError when the disk
// falls below half the reserve (newDiskAt). dir "" is a store in
// memory, whose projection is not guarded.
//
// It never waits for an event the log has lost: it reads the log's
// headers first (stream.Log.Scan), stops at the last event the log holds
// at or before until, and a projection that folds
// nothing for projectStall while events remain (the log does not deliver
// what its state says it holds) ends with a *StalledError. progress,
// when set, is told every second how far it is.
func (n *Node) projectLog(ctx context.Context, store *graph.Store, dir string, until uint64, progress func(Progress)) error {
	if until == 0 {
		return nil
	}
	st, err := n.log.State(ctx)
	if err != nil {
		return err
	}
	if until > st.Last {
		return &StoreAheadError{Stream: n.log.Stream(), Applied: until, LogLast: st.Last}
	}
	// The state may not know of a block damaged in place; reading the
	// headers costs little beside folding the events.
	lost, err := n.log.Scan(ctx, until)
	if err != nil {
		return err
	}
	stop := lastHeld(st.Missing.Union(lost), until)
	if stop == 0 {
		return nil
	}
	var guard *disk
	if dir != "" {
		guard = newDiskAt(dir, n.cfg)
	}
	if err := guard.holds(int64(st.Bytes)); err != nil {
		return fmt.Errorf("project events 1..%d into %s: %w", stop, dir, err)
	}
	p, err := projections.New(projections.Config{Store: store, JetStream: n.js, Stream: n.log.Stream(), StopAt: stop, BatchSize: n.cfg.BatchSize, Logger: n.cfg.Logger})
	if err != nil {
		return err
	}
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		watchProjection(wctx, cancel, store, stop, guard, progress)
	}()
	err = p.Run(wctx)
	cancel(nil)
	wg.Wait()
	if err != nil {
		return fmt.Errorf("project events 1..%d: %w", stop, err)
	}
	if got := store.Applied(); got < stop {
		if cause := context.Cause(wctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return fmt.Errorf("project events 1..%d: stopped at %d: %w", stop, got, cause)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("project events 1..%d: stopped at %d: %w", stop, got, err)
		}
		return fmt.Errorf("project events 1..%d: stopped at %d", stop, got)
	}
	return nil
}

// lastHeld is the last sequence at or before until that the log holds
// (0: none), given the sequences it has lost.
func lastHeld(missing stream.Ranges, until uint64) uint64 {
	for i := len(missing) - 1; i >= 0; i-- {
		if r := missing[i]; r.First <= until && until <= r.Last {
			until = r.First - 1
		}
	}
	return until
}

// Progress is how far a projection of the log is.
type Progress struct {
	// Folded events of 1..Of.
	Folded uint64 `json:"folded"`
	Of     uint64 `json:"of"`
}

// projectStall is how long a projection may fold nothing while events
// remain before it is stopped. A variable for tests.
var projectStall = 30 * time.Second

// StalledError says a projection of the log folded nothing for a while
// though the log's state says it holds more: the log does not deliver
// what it says it holds (a damaged block, a server that lost it).
type StalledError struct {
	Folded, Of uint64
	For        time.Duration
}

func (e *StalledError) Error() string {
	return fmt.Sprintf("the log delivered nothing for %s after event %d of %d: it does not deliver what it says it holds", e.For.Round(time.Second), e.Folded, e.Of)
}

// watchProjection reports a projection's progress every second and
// cancels it, with a *StalledError, when it stalls, and with a
// *LowDiskError when guard says its disk is nearly full.
func watchProjection(ctx context.Context, cancel context.CancelCauseFunc, store *graph.Store, of uint64, guard *disk, progress func(Progress)) {
	tick := time.NewTicker(min(time.Second, projectStall/4))
	defer tick.Stop()
	last, since := store.Applied(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		got := store.Applied()
		if progress != nil {
			progress(Progress{Folded: got, Of: of})
		}
		if err := guard.closable(); err != nil {
			cancel(err)
			return
		}
		switch {
		case got >= of:
			return
		case got > last:
			last, since = got, time.Now()
		case time.Since(since) >= projectStall:
			cancel(&StalledError{Folded: got, Of: of, For: time.Since(since)})
			return
		}
	}
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

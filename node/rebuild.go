package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/projections"
)

// Rebuild re-projects the whole log into a fresh store beside the live one
// and swaps it in. The node must not be running: Badger holds a lock on
// its directory, which makes the check for us.
func Rebuild(ctx context.Context, cfg Config) (applied uint64, err error) {
	if err := cfg.setDefaults(); err != nil {
		return 0, fmt.Errorf("rebuild: %w", err)
	}
	live := filepath.Join(cfg.DataDir, "graph")
	// Prove the store is not in use before anything else, and above all
	// before starting an embedded NATS server on a directory a running
	// server may own; hold it until the swap, so that no server starts
	// on it meanwhile.
	unlock, err := lockLive(ctx, cfg)
	if err != nil {
		return 0, fmt.Errorf("rebuild: the live store is in use or unreadable (stop `dossier serve` first): %w", err)
	}
	defer unlock()
	n := &Node{cfg: cfg}
	defer n.Close()
	if err := n.connect(ctx); err != nil {
		return 0, err
	}
	last, err := n.log.LastSequence(ctx)
	if err != nil {
		return 0, err
	}
	fresh := live + ".rebuild"
	if err := os.RemoveAll(fresh); err != nil {
		return 0, fmt.Errorf("rebuild: clear %s: %w", fresh, err)
	}
	if err := projectInto(ctx, n, fresh, last); err != nil {
		return 0, fmt.Errorf("rebuild: %w", err)
	}
	if err := unlock(); err != nil {
		return 0, fmt.Errorf("rebuild: %w", err)
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
		return last, fmt.Errorf("rebuild: remove the old store: %w", err)
	}
	return last, nil
}

// lockLive proves that no server uses the data directory by opening its
// store, which takes Badger's directory lock, and keeps it open until
// unlock (which may be called more than once). A store of another layout
// cannot be held this way, and passes: that is a reason to rebuild, and a
// server refuses to start on it anyway. A data directory without a store
// passes too.
func lockLive(ctx context.Context, cfg Config) (unlock func() error, err error) {
	live := filepath.Join(cfg.DataDir, "graph")
	none := func() error { return nil }
	if !dirExists(live) {
		return none, nil
	}
	s, err := graph.Open(ctx, graph.Config{Dir: live, Lexicon: cfg.Lexicon, Logger: cfg.Logger})
	var layout *graph.LayoutError
	switch {
	case errors.As(err, &layout):
		return none, nil
	case err != nil:
		return nil, err
	}
	var once sync.Once
	return func() error {
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
	if err := n.projectLog(ctx, store, last); err != nil {
		store.Close()
		return err
	}
	return store.Close()
}

// projectLog folds events 1..until of the node's log into a store that
// holds none of them yet, through an ephemeral ordered consumer: the
// node's own projector and its durable consumer are left alone.
func (n *Node) projectLog(ctx context.Context, store *graph.Store, until uint64) error {
	if until == 0 {
		return nil
	}
	last, err := n.log.LastSequence(ctx)
	if err != nil {
		return err
	}
	if until > last {
		return &StoreAheadError{Stream: n.log.Stream(), Applied: until, LogLast: last}
	}
	p, err := projections.New(projections.Config{Store: store, JetStream: n.js, Stream: n.log.Stream(), StopAt: until, BatchSize: n.cfg.BatchSize, Logger: n.cfg.Logger})
	if err != nil {
		return err
	}
	if err := p.Run(ctx); err != nil {
		return fmt.Errorf("project events 1..%d: %w", until, err)
	}
	if got := store.Applied(); got < until {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("project events 1..%d: stopped at %d: %w", until, got, err)
		}
		return fmt.Errorf("project events 1..%d: stopped at %d", until, got)
	}
	return nil
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

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
	// server may own: Badger's directory lock tells. A layout mismatch is
	// fine: that is a reason to rebuild.
	if dirExists(live) {
		s, err := graph.Open(ctx, graph.Config{Dir: live, Logger: cfg.Logger})
		var layout *graph.LayoutError
		switch {
		case err == nil:
			s.Close()
		case !errors.As(err, &layout):
			return 0, fmt.Errorf("rebuild: the live store is in use or unreadable (stop `dossier serve` first): %w", err)
		}
	}
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
		return 0, err
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

func projectInto(ctx context.Context, n *Node, dir string, last uint64) error {
	store, err := graph.Open(ctx, graph.Config{Dir: dir, Lexicon: n.cfg.Lexicon, Logger: n.cfg.Logger})
	if err != nil {
		return err
	}
	defer store.Close()
	if last == 0 {
		return nil
	}
	p, err := projections.New(projections.Config{Store: store, JetStream: n.js, Stream: n.log.Stream(), StopAt: last, BatchSize: n.cfg.BatchSize, Logger: n.cfg.Logger})
	if err != nil {
		return err
	}
	if err := p.Run(ctx); err != nil {
		return fmt.Errorf("rebuild: project: %w", err)
	}
	if store.Applied() < last {
		return fmt.Errorf("rebuild: stopped at %d of %d: %w", store.Applied(), last, ctx.Err())
	}
	return nil
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

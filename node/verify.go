package node

import (
	"context"
	"fmt"

	"github.com/dossier-kg/dossier/graph"
)

// VerifyReport is what Verify found.
type VerifyReport struct {
	// Sequence is the applied sequence both stores were read at.
	Sequence uint64 `json:"sequence"`
	// Live and Rebuilt are the digests of the live store and of the log
	// projected afresh.
	Live    graph.Digest `json:"live"`
	Rebuilt graph.Digest `json:"rebuilt"`
	Equal   bool         `json:"equal"`
	// Diffs are the first differences (A live, B rebuilt), when the
	// digests differ.
	Diffs []graph.KeyDiff `json:"diffs,omitempty"`
}

// maxVerifyDiffs is how many differences a report lists.
const maxVerifyDiffs = 20

// Verify checks the live store against the log: at the applied sequence
// N it projects events 1..N afresh into a scratch store in memory and
// compares the two, by digest and, when they differ, key by key.
//
// The live projector is not disturbed: the live store is read as of N, a
// snapshot, while it goes on applying, and the scratch projection has its
// own ephemeral consumer. It costs a full projection of the log, in
// memory; one verification runs at a time and the others wait.
func (n *Node) Verify(ctx context.Context) (VerifyReport, error) {
	select {
	case n.verifying <- struct{}{}:
		defer func() { <-n.verifying }()
	case <-ctx.Done():
		return VerifyReport{}, fmt.Errorf("verify: %w", ctx.Err())
	}
	r := VerifyReport{Sequence: n.store.Applied()}
	var err error
	if r.Live, err = n.store.DigestAt(r.Sequence); err != nil {
		return r, fmt.Errorf("verify: live store: %w", err)
	}
	scratch, err := graph.Open(ctx, graph.Config{InMemory: true, Lexicon: n.cfg.Lexicon, Logger: n.cfg.Logger})
	if err != nil {
		return r, fmt.Errorf("verify: %w", err)
	}
	defer scratch.Close()
	if err := n.projectLog(ctx, scratch, r.Sequence); err != nil {
		return r, fmt.Errorf("verify: %w", err)
	}
	if r.Rebuilt, err = scratch.DigestAt(r.Sequence); err != nil {
		return r, fmt.Errorf("verify: rebuilt store: %w", err)
	}
	r.Equal = r.Live.Sum == r.Rebuilt.Sum
	if r.Equal {
		return r, nil
	}
	live, err := n.store.View(r.Sequence)
	if err != nil {
		return r, fmt.Errorf("verify: %w", err)
	}
	defer live.Close()
	rebuilt, err := scratch.View(r.Sequence)
	if err != nil {
		return r, fmt.Errorf("verify: %w", err)
	}
	defer rebuilt.Close()
	if r.Diffs, err = graph.DiffViews(live, rebuilt, maxVerifyDiffs); err != nil {
		return r, fmt.Errorf("verify: %w", err)
	}
	return r, nil
}

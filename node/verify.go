package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dossier-kg/dossier/api"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/stream"
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
	// Damage, when set, says the log no longer holds events the store
	// folded: it ends before the store's sequence, or has lost events
	// inside it. A fresh projection could not make the live store again,
	// so none was made (Rebuilt is empty) and Equal is false.
	Damage *VerifyDamage `json:"damage,omitempty"`
}

// VerifyDamage is what the log has lost of what the store folded.
type VerifyDamage struct {
	// LogLast is the log's last sequence.
	LogLast uint64 `json:"logLast"`
	// Missing are the sequences up to the store's that the log lacks,
	// and Folded how many of them the store folded.
	Missing stream.Ranges `json:"missing"`
	Folded  uint64        `json:"folded"`
	// Message says it, and what to do, for people.
	Message string `json:"message"`
}

// maxVerifyDiffs is how many differences a report lists.
const maxVerifyDiffs = 20

// maxVerify bounds a verification, whoever asked and however long they
// would wait; a projection that stops making progress ends sooner (see
// projectStall).
const maxVerify = time.Hour

// verifyLogEvery is how often a verification's progress is logged.
const verifyLogEvery = 10 * time.Second

// Verify checks the live store against the log: at the applied sequence
// N it projects events 1..N afresh into a scratch store in memory and
// compares the two, by digest and, when they differ, key by key.
//
// The live projector is not disturbed: the live store is read as of N, a
// snapshot, while it goes on applying, and the scratch projection has its
// own ephemeral consumer. It costs a full projection of the log, in
// memory; one verification runs at a time and the others wait.
//
// It never waits for events the log has lost: a log that no longer holds
// what the store folded is reported (VerifyReport.Damage) without
// projecting, and a projection that stalls ends with a *StalledError.
func (n *Node) Verify(ctx context.Context) (VerifyReport, error) {
	return n.VerifyProgress(ctx, nil)
}

// VerifyProgress is Verify telling progress, when set, every second how
// far its projection is.
func (n *Node) VerifyProgress(ctx context.Context, progress func(Progress)) (VerifyReport, error) {
	ctx, cancel := context.WithTimeout(ctx, maxVerify)
	defer cancel()
	select {
	case n.verifying <- struct{}{}:
		defer func() { <-n.verifying }()
	case <-ctx.Done():
		return VerifyReport{}, fmt.Errorf("verify: waiting for another verification: %w", ctx.Err())
	}
	r := VerifyReport{Sequence: n.store.Applied()}
	var err error
	if r.Live, err = n.store.DigestAt(r.Sequence); err != nil {
		return r, fmt.Errorf("verify: live store: %w", err)
	}
	if r.Damage, err = n.lostFromLog(ctx, r.Sequence); err != nil || r.Damage != nil {
		return r, err
	}
	scratch, err := graph.Open(ctx, graph.Config{InMemory: true, Lexicon: n.cfg.Lexicon, Logger: n.cfg.Logger})
	if err != nil {
		return r, fmt.Errorf("verify: %w", err)
	}
	defer scratch.Close()
	logged := time.Now()
	err = n.projectLog(ctx, scratch, "", r.Sequence, func(p Progress) { // in memory: no disk to guard
		if time.Since(logged) >= verifyLogEvery {
			logged = time.Now()
			n.cfg.Logger.Info("verify: projecting the log", "folded", p.Folded, "of", p.Of)
		}
		if progress != nil {
			progress(p)
		}
	})
	if err != nil {
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

// lostFromLog says what the log has lost of events 1..seq that the store
// folded, nil when nothing.
func (n *Node) lostFromLog(ctx context.Context, seq uint64) (*VerifyDamage, error) {
	st, err := n.log.State(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	// Read the log, not only its state, which may not know yet of a
	// block damaged in place; it costs little beside the projection.
	lost, err := n.log.Scan(ctx, st.Last)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	st.Missing = st.Missing.Union(lost)
	missing := st.Missing.Upto(seq)
	var e error = &LogDamageError{Stream: n.log.Stream(), Applied: seq, Last: st.Last, Missing: missing}
	if seq > st.Last {
		missing = append(missing, stream.Range{First: st.Last + 1, Last: seq})
		e = &StoreAheadError{Stream: n.log.Stream(), Applied: seq, LogLast: st.Last}
	}
	var folded uint64
	for _, r := range missing {
		f, err := n.store.EventsFolded(r.First, r.Last)
		if err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
		folded += f
	}
	if folded == 0 {
		// Lost before the store folded them (a store rebuilt from the
		// log as it is): a fresh projection makes the same store.
		return nil, nil
	}
	if d, ok := e.(*LogDamageError); ok {
		d.Folded = folded
	}
	return &VerifyDamage{LogLast: st.Last, Missing: missing, Folded: folded, Message: e.Error()}, nil
}

// serveVerify is Verify for the API: errors a client can act on keep
// their message.
func (n *Node) serveVerify(ctx context.Context, progress func(folded, of uint64)) (any, error) {
	var tell func(Progress)
	if progress != nil {
		tell = func(p Progress) { progress(p.Folded, p.Of) }
	}
	r, err := n.VerifyProgress(ctx, tell)
	var stalled *StalledError
	switch {
	case err == nil:
		return r, nil
	case errors.As(err, &stalled), errors.Is(err, context.DeadlineExceeded):
		return nil, &api.Error{Code: api.CodeTimeout, Message: err.Error(), Err: err}
	case Damaged(err):
		return nil, &api.Error{Code: api.CodeConflict, Message: err.Error(), Err: err}
	}
	return nil, err
}

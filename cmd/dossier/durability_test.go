package main

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCrashDuringStrictWrites kills a real `dossier serve --durability
// strict` process (SIGKILL) while writers record assertions over HTTP,
// each call's assertions one atomic batch of the log synced before it is
// acknowledged, twice: under load, and again right after the restart,
// while the projector catches up. A third start on the same data directory
// must find every acknowledged assertion (the log ends at or after the
// highest acknowledged sequence, the graph holds each at the sequence it
// was acknowledged with, nothing is counted twice and `dossier verify`
// agrees), and re-sending the calls that got no answer counts nothing
// twice.
//
// A process kill does not test the fsync itself (the page cache outlives
// the process); it tests that the strict write path (batches staged,
// committed, answered; a batch cut by the kill written whole at restart
// or not at all) loses nothing acknowledged and doubles nothing. What a
// power failure does is argued in ARCHITECTURE.md ("Durability").
func TestCrashDuringStrictWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the binary and crashes a server")
	}
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGKILL and SIGTERM")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	bin := buildDossier(t)
	dir := filepath.Join(t.TempDir(), "data")
	w := &crashWriters{byID: map[string]acked{}}
	strict := []string{"--durability", "strict"}

	for round := range 2 {
		srv := startServe(t, ctx, bin, dir, strict...)
		if !strings.Contains(srv.log.String(), "durability=strict") {
			t.Fatalf("the server does not say it runs strict:\n%s", srv.log.String())
		}
		before := len(w.byID)
		lag := "unknown"
		unanswered := w.run(t, srv, round, func() {
			time.Sleep(time.Duration(100+rand.IntN(701)) * time.Millisecond)
			if n, err := srv.metricErr("dossier_projection_lag_events"); err == nil {
				lag = strconv.FormatUint(n, 10)
			}
			srv.kill(t)
		})
		t.Logf("round %d: %d assertions acknowledged, then SIGKILL with %d calls unanswered and the projection about %s events behind", round, len(w.byID)-before, len(unanswered), lag)
		w.unanswered = append(w.unanswered, unanswered...)
	}
	if len(w.byID) == 0 {
		t.Fatal("no batch was acknowledged before the crashes")
	}

	srv := startServe(t, ctx, bin, dir, strict...)
	last := srv.metric(t, "dossier_log_last_sequence")
	if last < w.maxSeq {
		t.Fatalf("after the crash the log ends at %d, but the server acknowledged sequence %d", last, w.maxSeq)
	}
	srv.waitApplied(t, ctx, last)
	srv.checkFold(t, ctx, bin, w, last)

	// The calls that got no answer, sent again: each was stored whole or
	// not at all. One the log took comes back as duplicates (the server
	// refuses the batch, and its events go again one by one), the others
	// go in.
	for i, in := range w.unanswered {
		res := srv.record(t, in, true)
		for j, r := range res {
			w.note(r.ID, r.Sequence, sentenceOf(in[j]))
		}
		t.Logf("re-sent unanswered call %d: %d of %d were already in the log", i, countDup(res), len(res))
		if d := countDup(res); d != 0 && d != len(res) {
			t.Errorf("an unanswered call was stored in part (%d of %d): its batch should be stored whole or not at all", d, len(res))
		}
	}
	last = srv.metric(t, "dossier_log_last_sequence")
	srv.waitApplied(t, ctx, last)
	srv.checkFold(t, ctx, bin, w, last)
	for _, c := range w.conflicts {
		t.Error(c)
	}
	srv.stop(t)
}

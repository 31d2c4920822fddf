package graph

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// writeStore folds events 1..n into a store on disk, each leaving three
// keys (ev:, at:, hist:) beside meta:, and closes it, which writes the
// memtable out as a table.
func writeStore(tb testing.TB, dir string, n int) {
	tb.Helper()
	s, err := Open(context.Background(), Config{Dir: dir})
	if err != nil {
		tb.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for seq := uint64(1); seq <= uint64(n); {
		b := s.NewBatch()
		for end := seq + 1000; seq < end && seq <= uint64(n); seq++ {
			rec := EventRecord{Time: base.Add(time.Duration(seq) * time.Second), Type: "AssertionRecorded", ID: fmt.Sprintf("asr-%032x", seq),
				Outcome: OutcomeRecorded, Summary: fmt.Sprintf("event %d, with a summary long enough to fill blocks", seq),
				Entities: []string{fmt.Sprintf("actor/a%d", seq%97)}}
			if err := b.Apply(seq, func(tx *Tx) error { return tx.PutEvent(rec) }); err != nil {
				tb.Fatal(err)
			}
		}
		if _, err := b.Commit(); err != nil {
			tb.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		tb.Fatal(err)
	}
}

// tables lists the store's table files.
func tables(tb testing.TB, dir string) []string {
	tb.Helper()
	sst, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil || len(sst) == 0 {
		tb.Fatalf("no tables in %s (%v)", dir, err)
	}
	return sst
}

// A damaged table is refused at open with a CorruptError naming it,
// instead of a store that silently serves part of its keys (50 bytes of
// garbage: Badger's iterators stop at the bad block) or a panic on one
// of Badger's goroutines that kills the process (a truncated table).
func TestOpenRefusesDamagedTable(t *testing.T) {
	clean := t.TempDir()
	writeStore(t, clean, 5000)
	for _, c := range []struct {
		name   string
		damage func(t *testing.T, path string, size int64)
	}{
		{"50 bytes of garbage inside", func(t *testing.T, path string, size int64) {
			garble(t, path, size/2, 50)
		}},
		{"50 bytes of garbage in the footer", func(t *testing.T, path string, size int64) {
			garble(t, path, size-60, 50)
		}},
		{"truncated", func(t *testing.T, path string, size int64) {
			if err := os.Truncate(path, size/2); err != nil {
				t.Fatal(err)
			}
		}},
		{"missing", func(t *testing.T, path string, size int64) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, clean, dir)
			sst := tables(t, dir)[0]
			st, err := os.Stat(sst)
			if err != nil {
				t.Fatal(err)
			}
			c.damage(t, sst, st.Size())
			s, err := Open(context.Background(), Config{Dir: dir})
			if err == nil {
				s.Close()
			}
			var corrupt *CorruptError
			if !errors.As(err, &corrupt) || corrupt.File != filepath.Base(sst) {
				t.Fatalf("Open of a store with a damaged table = %v, want a CorruptError naming %s", err, filepath.Base(sst))
			}
			if !strings.Contains(err.Error(), "dossier rebuild") {
				t.Errorf("the error does not say what to do: %v", err)
			}
			// And the files are left as they were, for whoever
			// investigates: the check only reads.
			if c.name == "truncated" {
				if st2, _ := os.Stat(sst); st2.Size() != st.Size()/2 {
					t.Errorf("the check changed the table's size: %d, was %d", st2.Size(), st.Size()/2)
				}
			}
		})
	}
	// The undamaged store opens, with every key.
	s, err := Open(context.Background(), Config{Dir: clean})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if d, err := s.DigestAt(0); err != nil || d.Kinds["ev"] != 5000 {
		t.Errorf("the undamaged store holds %d events (%v), want 5000", d.Kinds["ev"], err)
	}
}

// A store open in one place is not checked from another: the check takes
// Badger's lock, and Badger's own open reports it.
func TestCheckTablesLeavesALockedStore(t *testing.T) {
	dir := t.TempDir()
	writeStore(t, dir, 10)
	s := openTest(t, dir)
	defer s.Close()
	_, err := Open(context.Background(), Config{Dir: dir})
	if err == nil || errors.As(err, new(*CorruptError)) || !strings.Contains(err.Error(), "lock") {
		t.Fatalf("a second Open = %v, want Badger's lock error", err)
	}
}

// BenchmarkCheckTables measures the check Open makes of a store of about
// 100,000 keys (33,000 events).
//
//	go test ./graph -run '^$' -bench CheckTables -benchtime 20x
func BenchmarkCheckTables(b *testing.B) {
	dir := b.TempDir()
	writeStore(b, dir, 33_000)
	s, err := Open(context.Background(), Config{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	d, err := s.DigestAt(0)
	s.Close()
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, t := range tables(b, dir) {
		st, _ := os.Stat(t)
		size += st.Size()
	}
	opts := badger.DefaultOptions(dir)
	b.ResetTimer()
	for range b.N {
		if err := checkTables(dir, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(d.Keys), "keys")
	b.ReportMetric(float64(size)/(1<<20), "MiB")
}

func garble(t *testing.T, path string, off int64, n int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	junk := make([]byte, n)
	for i := range junk {
		junk[i] = byte(i*151 + 7) // fixed, so a failure reproduces
	}
	if _, err := f.WriteAt(junk, off); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

func openTest(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// foldOne applies fold as event 1 of a fresh store and returns a view
// of the result, closed with the test.
func foldOne(t *testing.T, s *Store, fold func(*Tx) error) *View {
	t.Helper()
	return foldEach(t, s, fold)
}

// foldEach folds one event per func, at sequences 1, 2, …, in one
// batch, and returns a view of the result.
func foldEach(t *testing.T, s *Store, folds ...func(*Tx) error) *View {
	t.Helper()
	b := s.NewBatch()
	for i, fold := range folds {
		if err := b.Apply(uint64(i+1), fold); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	v, err := s.View(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v
}

// The package comment is the layout's documentation: it must name every
// key kind that exists, and the version it documents.
func TestLayoutDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("# Key layout (LayoutVersion %d)", LayoutVersion); !strings.Contains(string(doc), want) {
		t.Errorf("doc.go does not say %q", want)
	}
	for _, k := range allKeyTypes {
		want := "//\t" + k.prefix + ":"
		if k.prefix == "meta" {
			want = "//\tmeta:" + k.parts[0]
		}
		if !strings.Contains(string(doc), want) {
			t.Errorf("doc.go does not document key kind %s:%s", k.prefix, strings.Join(k.parts, ":"))
		}
	}
}

// ARCHITECTURE.md draws the same table for readers of the repository;
// it must name every key kind too, and no kind that is gone, and say the
// layout version.
func TestArchitectureKeyTable(t *testing.T) {
	doc, err := os.ReadFile("../ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	arch := string(doc)
	if !strings.Contains(arch, fmt.Sprintf("layout version %d)", LayoutVersion)) {
		t.Errorf("ARCHITECTURE.md does not give layout version %d", LayoutVersion)
	}
	known := map[string]bool{}
	for _, k := range allKeyTypes {
		want := "| `" + k.prefix + ":"
		if k.prefix == "meta" {
			want = "| `meta:" + k.parts[0]
		}
		known[k.prefix] = true
		if !strings.Contains(arch, want) {
			t.Errorf("ARCHITECTURE.md's key table lacks %s:%s", k.prefix, strings.Join(k.parts, ":"))
		}
	}
	table := arch[strings.Index(arch, "## Badger key layout"):]
	table = table[:strings.Index(table[3:], "\n## ")+3]
	for _, line := range strings.Split(table, "\n") {
		if p, ok := strings.CutPrefix(line, "| `"); ok {
			if i := strings.Index(p, ":"); i > 0 && !known[p[:i]] {
				t.Errorf("ARCHITECTURE.md's key table names %s:, which keys.go does not declare", p[:i])
			}
		}
	}
}

func TestOpenRefusesOtherLayout(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	s.Close()

	// Pretend an older build wrote it.
	db, err := badger.OpenManaged(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	txn := db.NewTransactionAt(1, true)
	txn.Set(keyLayout.Key("layout"), []byte("0"))
	if err := txn.CommitAt(2, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = Open(context.Background(), Config{Dir: dir})
	var le *LayoutError
	if !errors.As(err, &le) || le.Have != 0 || le.Want != LayoutVersion {
		t.Fatalf("Open = %v, want a LayoutError 0 → %d", err, LayoutVersion)
	}
	if !strings.Contains(err.Error(), "dossier rebuild") {
		t.Errorf("error %q does not say to run dossier rebuild", err)
	}
}

// Each event is its own version: a view at n sees exactly events 1..n,
// across a reopen.
func TestViewAsOf(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	b := s.NewBatch()
	names := []string{"One", "Two", "Three"}
	for i, n := range names {
		seq := uint64(i + 1)
		err := b.Apply(seq, func(tx *Tx) error {
			st, _ := tx.Stats()
			st.Actors++
			if err := tx.PutStats(st); err != nil {
				return err
			}
			return tx.PutActor(Actor{ID: strings.ToLower(n), Name: n, FirstSeq: seq})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Apply(2, func(*Tx) error { return nil }); !errors.Is(err, ErrOutOfOrder) {
		t.Errorf("re-applying 2 = %v, want ErrOutOfOrder", err)
	}
	if last, err := b.Commit(); err != nil || last != 3 {
		t.Fatalf("Commit = %d, %v", last, err)
	}
	s.Close()
	s = openTest(t, dir)
	defer s.Close()
	if s.Applied() != 3 {
		t.Fatalf("applied after reopen = %d, want 3", s.Applied())
	}
	for at := uint64(1); at <= 3; at++ {
		v, err := s.View(at)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := v.Stats()
		if st.Actors != int(at) {
			t.Errorf("stats at %d: %d actors", at, st.Actors)
		}
		for i, n := range names {
			_, err := v.Actor(strings.ToLower(n))
			if present := err == nil; present != (uint64(i+1) <= at) {
				t.Errorf("at %d, actor %s present = %v", at, n, present)
			}
		}
		v.Close()
	}
	var notYet *NotYetError
	if _, err := s.View(4); !errors.As(err, &notYet) {
		t.Errorf("View(4) = %v, want NotYetError", err)
	}

	// The counts go on from the last audit record in a batch after a
	// reopen, through an event that leaves them alone (5) and one
	// whose record is written before its counts change (6).
	b = s.NewBatch()
	for _, step := range []struct {
		seq uint64
		fn  func(*Tx) error
	}{
		{4, func(tx *Tx) error {
			st, _ := tx.Stats()
			st.Documents += 2
			return tx.PutStats(st)
		}},
		{5, func(*Tx) error { return nil }},
		{6, func(tx *Tx) error {
			if err := tx.PutEvent(EventRecord{Type: "DocumentAdded"}); err != nil {
				return err
			}
			st, _ := tx.Stats()
			st.Actors++
			return tx.PutStats(st)
		}},
	} {
		if err := b.Apply(step.seq, step.fn); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	for at, want := range map[uint64]Stats{3: {Actors: 3, Applied: 3}, 4: {Actors: 3, Documents: 2, Applied: 4},
		5: {Actors: 3, Documents: 2, Applied: 5}, 6: {Actors: 4, Documents: 2, Applied: 6}} {
		v, err := s.View(at)
		if err != nil {
			t.Fatal(err)
		}
		if st, err := v.Stats(); err != nil || st != want {
			t.Errorf("stats at %d = %+v, %v; want %+v", at, st, err, want)
		}
		v.Close()
	}
}

func TestCursorFromAnotherListingIsRefused(t *testing.T) {
	s, err := Open(context.Background(), Config{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b := s.NewBatch()
	b.Apply(1, func(tx *Tx) error {
		return tx.PutDocument(Document{ID: "00000000000000000000000000000001"})
	})
	b.Commit()
	v, _ := s.View(0)
	defer v.Close()
	docs, err := v.Documents(1, "")
	if err != nil || len(docs.Cursors) != 1 {
		t.Fatalf("Documents = %+v, %v", docs, err)
	}
	var ce *CursorError
	if _, err := v.Actors(ActorQuery{After: docs.Cursors[0]}); !errors.As(err, &ce) {
		t.Errorf("a document cursor for actors = %v, want CursorError", err)
	}
}

// An actor's identity (act:) is written when it changes, not when its
// mentions do: a key with few versions is found in one level of Badger's
// tree, which is what makes reading the names of an edge page cheap.
func TestActorIdentityRewrittenOnlyOnChange(t *testing.T) {
	s := openTest(t, t.TempDir())
	b := s.NewBatch()
	put := func(seq uint64, change func(*Actor)) {
		t.Helper()
		err := b.Apply(seq, func(tx *Tx) error {
			a, err := tx.Actor("acme")
			if errors.Is(err, ErrNotFound) {
				a = Actor{ID: "acme", Name: "Acme"}
			} else if err != nil {
				return err
			}
			change(&a)
			return tx.PutActor(a)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	put(1, func(a *Actor) { a.Mentions++ })
	put(2, func(a *Actor) { a.Mentions++ })
	put(3, func(a *Actor) { a.Mentions++; a.TypeVotes = Votes{"COMPANY": 1} })
	put(4, func(a *Actor) { a.Type = "COMPANY" })
	if _, err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	counts, err := s.EntryCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if counts["act"].Count != 2 || counts["am"].Count != 3 {
		t.Errorf("act: written %d times, am: %d; want 2 (created, retyped) and 3 (each mention)", counts["act"].Count, counts["am"].Count)
	}
	v, _ := s.View(0)
	defer v.Close()
	a, err := v.Actor("acme")
	if err != nil || a.Mentions != 3 || a.Type != "COMPANY" || a.TypeVotes["COMPANY"] != 1 {
		t.Errorf("actor read back: %+v, %v", a, err)
	}
	id, err := v.ActorIdentity("acme")
	if err != nil || id.Name != "Acme" || id.Mentions != 0 {
		t.Errorf("identity: %+v, %v; want the names without the activity", id, err)
	}
}

// TestBlockEstimate checks the on-disk estimate against what it models:
// keys sharing a prefix and values that repeat pack well below their raw
// size, random bytes do not, and every block is counted once.
func TestBlockEstimate(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd.Uint32())
		}
		return b
	}
	for _, tc := range []struct {
		name     string
		value    func(i int) []byte
		min, max float64 // packed ÷ raw (keys and values)
	}{
		{"repeated", func(int) []byte { return bytes.Repeat([]byte("support"), 20) }, 0.02, 0.3},
		{"random", func(int) []byte { return random(140) }, 0.9, 1.3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := blockEstimate{size: 4096}
			var packed, raw int64
			for i := range 5000 {
				key := fmt.Appendf(nil, "rel:actor-%06d:OWNS:other", i)
				v := tc.value(i)
				packed += b.add(key, uint64(i+1), v)
				raw += int64(len(key) + len(v))
			}
			packed += b.flush()
			if r := float64(packed) / float64(raw); r < tc.min || r > tc.max {
				t.Errorf("packed %d of %d raw bytes (%.2f), want between %.2f and %.2f", packed, raw, r, tc.min, tc.max)
			}
			if b.flush() != 0 {
				t.Error("a second flush counted an empty block")
			}
		})
	}
}

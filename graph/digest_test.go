package graph

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// testFold is event seq of a made-up log: it reads what earlier events
// wrote (actors, relationships, stats), so a batch's overlay matters, and
// now and then drops a relationship.
func testFold(seq uint64) func(tx *Tx) error {
	return func(tx *Tx) error {
		i := int(seq)
		id := fmt.Sprintf("a%d", i%5)
		a, err := tx.Actor(id)
		if err != nil {
			a = Actor{ID: id, Name: strings.ToUpper(id), Type: "COMPANY", FirstSeq: seq}
		}
		a.Mentions++
		a.LastSeq = seq
		if err := tx.PutActor(a); err != nil {
			return err
		}
		k := RelKey{id, "OWNS", fmt.Sprintf("a%d", (i+1)%5)}
		r, err := tx.Relationship(k)
		if err != nil {
			r = Relationship{Subject: k.Subject, Predicate: k.Predicate, Object: k.Object, FirstSeq: seq}
		}
		before := r
		r.Support, r.Affirmed, r.LastSeq = r.Support+1, r.Affirmed+1, seq
		if i%7 == 0 {
			r.Support = 0
		}
		if err := tx.PutRelationship(before, r); err != nil {
			return err
		}
		st, err := tx.Stats()
		if err != nil {
			return err
		}
		st.Assertions++
		return tx.PutStats(st)
	}
}

const testEvents = 40

// foldInto folds events 1..testEvents into a new in-memory store, in
// batches of the given sizes (the last repeated).
func foldInto(t *testing.T, sizes ...int) *Store {
	t.Helper()
	s, err := Open(context.Background(), Config{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	seq := uint64(1)
	for i := 0; seq <= testEvents; i++ {
		b := s.NewBatch()
		for n := sizes[min(i, len(sizes)-1)]; n > 0 && seq <= testEvents; n-- {
			if err := b.Apply(seq, testFold(seq)); err != nil {
				t.Fatal(err)
			}
			seq++
		}
		if _, err := b.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func digestAt(t *testing.T, s *Store, at uint64) Digest {
	t.Helper()
	d, err := s.DigestAt(at)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The same events give the same digest at every sequence, whatever
// batches they were folded in.
func TestDigestIgnoresBatching(t *testing.T) {
	stores := []*Store{foldInto(t, testEvents), foldInto(t, 1), foldInto(t, 3, 1, 7, 2)}
	for _, at := range []uint64{1, 7, 20, testEvents} {
		want := digestAt(t, stores[0], at)
		for i, s := range stores[1:] {
			if got := digestAt(t, s, at); got.Sum != want.Sum || got.Keys != want.Keys {
				t.Errorf("at %d, store %d: digest %s (%d keys), want %s (%d keys)", at, i+1, got.Sum, got.Keys, want.Sum, want.Keys)
			}
		}
	}
	d := digestAt(t, stores[0], testEvents)
	if d.Kinds["act"] != 5 || d.Kinds["meta"] != 1 || d.Kinds["name"] != 5 {
		t.Errorf("kinds = %v, want 5 act, 5 name, 1 meta", d.Kinds)
	}
	total := 0
	for _, n := range d.Kinds {
		total += n
	}
	if total != d.Keys {
		t.Errorf("kinds add up to %d, keys %d", total, d.Keys)
	}
	if d20 := digestAt(t, stores[0], 20); d20.Sum == d.Sum {
		t.Error("the digest at 20 is the digest at 40")
	}
	empty, err := Open(context.Background(), Config{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	if d := digestAt(t, empty, 0); d.Keys != 0 {
		t.Errorf("the digest before any event counts %d keys", d.Keys)
	}

	a, _ := stores[0].View(0)
	defer a.Close()
	b, _ := stores[2].View(0)
	defer b.Close()
	if diffs, err := DiffViews(a, b, 0); err != nil || len(diffs) != 0 {
		t.Errorf("DiffViews of equal stores = %v, %v", diffs, err)
	}
}

// DiffViews names each key that differs, with both values, and each key
// only one side has.
func TestDiffViews(t *testing.T) {
	base, other := foldInto(t, 10), foldInto(t, 10)
	long := strings.Repeat("x", 3*MaxDiffValue)
	b := other.NewBatch()
	err := b.Apply(testEvents+1, func(tx *Tx) error {
		a, err := tx.Actor("a1")
		if err != nil {
			return err
		}
		a.Mentions = 99
		if err := tx.PutActor(a); err != nil {
			return err
		}
		if err := tx.PutActor(Actor{ID: "stray", Name: "Stray"}); err != nil {
			return err
		}
		return tx.PutDocumentText("d1", long)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	va, _ := base.View(0)
	defer va.Close()
	vb, _ := other.View(0)
	defer vb.Close()

	diffs, err := DiffViews(va, vb, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]KeyDiff{}
	var keys []string
	for _, d := range diffs {
		got[d.Key] = d
		keys = append(keys, d.Key)
	}
	want := map[string]string{
		"am:a1":      DiffDiffers, // its mentions: act:a1, its names, did not change
		"act:stray":  DiffMissingInA,
		"am:stray":   DiffMissingInA,
		"name:stray": DiffMissingInA,
		string(keyEvent.Key(hex16(testEvents + 1))): DiffMissingInA, // the event's audit record
		"text:d1": DiffMissingInA,
	}
	if len(diffs) != len(want) {
		t.Errorf("differences at %v, want %d", keys, len(want))
	}
	for k, kind := range want {
		if got[k].Kind != kind {
			t.Errorf("%s: %q, want %q", k, got[k].Kind, kind)
		}
	}
	if d := got["am:a1"]; !strings.Contains(string(d.B), `"mentions":99`) || strings.Contains(string(d.A), `"mentions":99`) {
		t.Errorf("am:a1 values: a %s, b %s", d.A, d.B)
	}
	if d := got["text:d1"]; d.A != nil || string(d.B) != long[:MaxDiffValue] {
		t.Errorf("text:d1: a %q, b %d bytes, want nil and %d bytes", d.A, len(d.B), MaxDiffValue)
	}

	// Swapped, a key only the second view has is missing in b.
	back, err := DiffViews(vb, va, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 {
		t.Fatalf("limit 2 gave %d differences", len(back))
	}
	if back[0].Key != "act:stray" || back[0].Kind != DiffMissingInB || back[1].Key != "am:a1" || back[1].Kind != DiffDiffers {
		t.Errorf("swapped = %+v", back)
	}
}

package seal_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/dossier-kg/dossier/seal"
)

const doc = "0123456789abcdef0123456789abcdef"

func newKey(t testing.TB) *seal.Key {
	t.Helper()
	m, err := seal.NewKeyMaterial()
	if err != nil {
		t.Fatal(err)
	}
	k, err := seal.NewKey(doc, m)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := newKey(t)
	for _, pt := range []string{"India banned TikTok in June.", "", "ünïcödé ✓", strings.Repeat("x", 100000)} {
		s := k.Seal(pt)
		if !seal.IsSealed(s) || strings.Contains(s, pt) && pt != "" {
			t.Fatalf("sealed %.40q as %.80q", pt, s)
		}
		if len(s) != seal.Len(len(pt)) {
			t.Errorf("Len(%d) = %d, sealed is %d", len(pt), seal.Len(len(pt)), len(s))
		}
		if again := k.Seal(pt); again != s {
			t.Errorf("the same words sealed twice differ: %.60q, %.60q", s, again)
		}
		p, err := seal.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := k.Open(p)
		if err != nil || got != pt {
			t.Errorf("open = %.40q, %v; want %.40q", got, err, pt)
		}
	}
	if k.Seal("a") == k.Seal("b") {
		t.Error("two sentences sealed alike")
	}
}

// A box that was changed, or moved under another id, or sealed under
// another key, does not open.
func TestOpenRefusesTampering(t *testing.T) {
	k, other := newKey(t), newKey(t)
	p, _ := seal.Parse(k.Seal("Canada banned Zapchat."))
	flipped := seal.Sealed{KeyID: p.KeyID, Box: bytes.Clone(p.Box)}
	flipped.Box[len(flipped.Box)/2] ^= 1
	moved := seal.Sealed{KeyID: strings.Repeat("f", 32), Box: p.Box}
	var oe *seal.OpenError
	for name, s := range map[string]seal.Sealed{"flipped": flipped, "moved": moved} {
		if _, err := k.Open(s); !errors.As(err, &oe) {
			t.Errorf("%s: %v, want an OpenError", name, err)
		}
	}
	if _, err := other.Open(p); !errors.As(err, &oe) {
		t.Errorf("another key: %v, want an OpenError", err)
	}
}

func TestParseRefuses(t *testing.T) {
	k := newKey(t)
	good := k.Seal("x")
	for _, s := range []string{"India banned TikTok.", "sealed:1:", "sealed:1:" + doc, "sealed:1:" + doc + ":",
		"sealed:1:" + strings.ToUpper(doc) + good[len("sealed:1:")+32:], "sealed:1:abc:AAAA", good + "=", good[:len(good)-1] + "!",
		"sealed:2:" + good[len("sealed:1:"):], "sealed:1:" + doc + ":AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		good[:len(good)-4] + "\r" + good[len(good)-4:], good[:len(good)-4] + "\n" + good[len(good)-4:]} {
		if _, err := seal.Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}

// FuzzParse: decoding a sealed value never panics, and what it accepts
// it writes back the same; opening it never panics either.
func FuzzParse(f *testing.F) {
	k := newKey(f)
	f.Add(k.Seal("India banned TikTok in June."))
	f.Add(k.Seal(""))
	f.Add("sealed:1:" + doc + ":")
	f.Add("sealed:1:" + doc + ":AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("plain sentence")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := seal.Parse(s)
		if err != nil {
			var fe *seal.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse(%q): %v is not a FormatError", s, err)
			}
			return
		}
		if p.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, p.String())
		}
		if !seal.IsSealed(s) {
			t.Fatalf("Parse accepted %q, IsSealed says no", s)
		}
		if pt, err := k.Open(p); err == nil && k.Seal(pt) != s {
			t.Fatalf("%q opened to %q, which seals otherwise", s, pt)
		}
	})
}

// memStore is a Store in memory, as the keyring sees one: the real one
// (stream.Keys, on JetStream) passes its own tests.
type memStore struct {
	mu     sync.Mutex
	keys   map[string][]byte
	erased map[string]bool
	gets   int
}

func newMemStore() *memStore { return &memStore{keys: map[string][]byte{}, erased: map[string]bool{}} }

func (m *memStore) Get(_ context.Context, id string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gets++
	switch {
	case m.erased[id]:
		return nil, seal.ErrErased
	case m.keys[id] == nil:
		return nil, seal.ErrNoKey
	}
	return m.keys[id], nil
}

func (m *memStore) Create(_ context.Context, id string, material []byte) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.erased[id] {
		return nil, seal.ErrErased
	}
	if m.keys[id] == nil {
		m.keys[id] = material
	}
	return m.keys[id], nil
}

func (m *memStore) Destroy(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, id)
	m.erased[id] = true
	return nil
}

func TestKeyring(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	ring, err := seal.NewKeyring(seal.KeyringConfig{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	other := strings.Repeat("e", 32)
	s, err := ring.Seal(ctx, doc, "Canada banned Zapchat.")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ring.Open(ctx, doc, s); err != nil || got != "Canada banned Zapchat." {
		t.Fatalf("open = %q, %v", got, err)
	}
	// Another instance over the same store reads it.
	ring2, _ := seal.NewKeyring(seal.KeyringConfig{Store: store})
	if got, err := ring2.Open(ctx, doc, s); err != nil || got != "Canada banned Zapchat." {
		t.Fatalf("another keyring: %q, %v", got, err)
	}
	// Plaintext from before sealing stays readable, and costs one read
	// of the store per document.
	before := store.gets
	for range 3 {
		if got, err := ring.Open(ctx, other, "Peru banned Zapchat."); err != nil || got != "Peru banned Zapchat." {
			t.Fatalf("plaintext: %q, %v", got, err)
		}
	}
	if store.gets != before+1 {
		t.Errorf("%d reads of the store for one document's plaintext", store.gets-before)
	}
	// Erasure: the sealed value and the plaintext of the erased
	// document are ErrErased, for both instances (the other one once it
	// evicts, as it does when the store says the key changed).
	if err := ring.Destroy(ctx, doc); err != nil {
		t.Fatal(err)
	}
	if err := ring.Destroy(ctx, other); err != nil {
		t.Fatal(err)
	}
	ring2.Evict(doc)
	for name, r := range map[string]*seal.Keyring{"eraser": ring, "other instance": ring2} {
		if _, err := r.Open(ctx, doc, s); !errors.Is(err, seal.ErrErased) {
			t.Errorf("%s: sealed value of an erased document: %v", name, err)
		}
	}
	if _, err := ring.Open(ctx, other, "Peru banned Zapchat."); !errors.Is(err, seal.ErrErased) {
		t.Errorf("plaintext of an erased document: %v", err)
	}
	if _, err := ring.Seal(ctx, doc, "More words."); !errors.Is(err, seal.ErrErased) {
		t.Errorf("sealing for an erased document: %v", err)
	}
	// A sealed value whose key the store never had.
	lost, _ := seal.NewKey(strings.Repeat("d", 32), make([]byte, 32))
	if _, err := ring.Open(ctx, lost.ID(), lost.Seal("x")); !errors.Is(err, seal.ErrNoKey) {
		t.Errorf("a missing key: %v", err)
	}
	if got, err := ring.Open(ctx, doc, ""); err != nil || got != "" {
		t.Errorf("empty value: %q, %v", got, err)
	}
}

// The cache stays within its bound.
func TestKeyringBounded(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	ring, _ := seal.NewKeyring(seal.KeyringConfig{Store: store, CacheEntries: 10})
	ids := []string{}
	for i := range 50 {
		id := strings.Repeat(string("0123456789abcdef"[i%16]), 31) + string("0123456789abcdef"[i/16])
		ids = append(ids, id)
		if _, err := ring.Seal(ctx, id, "words"); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		s, _ := ring.Seal(ctx, id, "words")
		if got, err := ring.Open(ctx, id, s); err != nil || got != "words" {
			t.Fatalf("%s: %q %v", id, got, err)
		}
	}
}

package graph

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"

	"github.com/dgraph-io/badger/v4"
)

// Digest sums everything a view sees, so that two stores can be compared
// without shipping them: two correct projections of the same events have
// the same digest at the same sequence, however their events were grouped
// into batches.
//
// Nothing is left out. Every value is a function of the events alone:
// times are the events' recorded times, set by whoever appended them, and
// their stream times, kept by the log, never the projector's clock;
// meta:layout is written at version
// 1 by every store of this layout; the counts in the audit records count
// what the events added. A key whose value depended on anything else (the clock, the
// host, the batch an event fell in) would make every verification fail,
// and would be left out here, with the reason.
type Digest struct {
	// Sum is the hex SHA-256 of every key and value visible at the view's
	// sequence, in key order (see digestVersion for the encoding).
	Sum string `json:"sum"`
	// Keys counts the keys.
	Keys int `json:"keys"`
	// Kinds counts the keys of each kind, the part of the key before the
	// first ':' ("act", "rel", "meta").
	Kinds map[string]int `json:"kinds"`
}

// digestVersion starts every sum, so that a change of encoding never
// passes for a change of contents. Version 1: then, for each key in
// order, its length as 8 bytes big-endian, the key, the value's length
// likewise, the value.
const digestVersion = "dossier graph digest 1\n"

// Digest sums every key and value the view sees.
func (v *View) Digest() (Digest, error) {
	d := Digest{Kinds: map[string]int{}}
	h := sha256.New()
	h.Write([]byte(digestVersion))
	c := v.cursor()
	defer c.close()
	for ; c.valid(); c.next() {
		key := c.key()
		err := c.it.Item().Value(func(val []byte) error {
			writeField(h, key)
			writeField(h, val)
			return nil
		})
		if err != nil {
			return Digest{}, fmt.Errorf("digest: read %q: %w", key, err)
		}
		d.Keys++
		d.Kinds[kindOf(key)]++
	}
	d.Sum = hex.EncodeToString(h.Sum(nil))
	return d, nil
}

func writeField(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// kindOf is a key's kind: its prefix before the first ':'.
func kindOf(key []byte) string {
	if i := bytes.IndexByte(key, ':'); i >= 0 {
		return string(key[:i])
	}
	return string(key)
}

// KeyDiff is one difference between two views.
type KeyDiff struct {
	Key string `json:"key"`
	// Kind is DiffMissingInA, DiffMissingInB or DiffDiffers.
	Kind string `json:"kind"`
	// A and B are the values in each view, nil where the key is missing,
	// cut to MaxDiffValue bytes.
	A []byte `json:"a"`
	B []byte `json:"b"`
}

// The kinds of KeyDiff.
const (
	DiffMissingInA = "missing in a"
	DiffMissingInB = "missing in b"
	DiffDiffers    = "differs"
)

// MaxDiffValue is the most of a value a KeyDiff keeps.
const MaxDiffValue = 200

// DiffViews walks two views in key order and reports their first limit
// differences (all of them when limit ≤ 0). The views may be of different
// stores and sequences.
func DiffViews(a, b *View, limit int) ([]KeyDiff, error) {
	ca, cb := a.cursor(), b.cursor()
	defer ca.close()
	defer cb.close()
	var diffs []KeyDiff
	var va, vb []byte
	for (ca.valid() || cb.valid()) && (limit <= 0 || len(diffs) < limit) {
		order := 0
		switch {
		case !ca.valid():
			order = 1
		case !cb.valid():
			order = -1
		default:
			order = bytes.Compare(ca.key(), cb.key())
		}
		var err error
		switch {
		case order < 0: // only in a
			if va, err = ca.value(va[:0]); err != nil {
				return nil, err
			}
			diffs = append(diffs, KeyDiff{Key: string(ca.key()), Kind: DiffMissingInB, A: cut(ca.key(), va)})
			ca.next()
		case order > 0: // only in b
			if vb, err = cb.value(vb[:0]); err != nil {
				return nil, err
			}
			diffs = append(diffs, KeyDiff{Key: string(cb.key()), Kind: DiffMissingInA, B: cut(cb.key(), vb)})
			cb.next()
		default:
			if va, err = ca.value(va[:0]); err != nil {
				return nil, err
			}
			if vb, err = cb.value(vb[:0]); err != nil {
				return nil, err
			}
			if !bytes.Equal(va, vb) {
				diffs = append(diffs, KeyDiff{Key: string(ca.key()), Kind: DiffDiffers, A: cut(ca.key(), va), B: cut(cb.key(), vb)})
			}
			ca.next()
			cb.next()
		}
	}
	return diffs, nil
}

// cut copies at most MaxDiffValue bytes of a value, as a person reads
// it; never nil, so that a present empty value is told from a missing
// one.
func cut(key, v []byte) []byte {
	v = readable(key, v)
	return append([]byte{}, v[:min(len(v), MaxDiffValue)]...)
}

// keyCursor walks every key a view sees, in order. A view at sequence 0
// sees nothing.
type keyCursor struct {
	it *badger.Iterator
}

func (v *View) cursor() *keyCursor {
	if v.at == 0 {
		return &keyCursor{}
	}
	it := v.txn.NewIterator(badger.DefaultIteratorOptions)
	it.Rewind()
	return &keyCursor{it: it}
}

func (c *keyCursor) valid() bool { return c.it != nil && c.it.Valid() }
func (c *keyCursor) next()       { c.it.Next() }

// key is the current key, valid until next.
func (c *keyCursor) key() []byte { return c.it.Item().Key() }

func (c *keyCursor) value(dst []byte) ([]byte, error) {
	v, err := c.it.Item().ValueCopy(dst)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", c.key(), err)
	}
	return v, nil
}

func (c *keyCursor) close() {
	if c.it != nil {
		c.it.Close()
	}
}

// DigestAt is the Digest of the store as of a sequence (0: the latest).
func (s *Store) DigestAt(seq uint64) (Digest, error) {
	v, err := s.View(seq)
	if err != nil {
		return Digest{}, err
	}
	defer v.Close()
	return v.Digest()
}

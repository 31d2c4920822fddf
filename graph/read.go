package graph

import (
	"bytes"
	"encoding/base64"

	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/tinylib/msgp/msgp"

	"github.com/dossier-kg/dossier/names"
)

// View is a consistent read of the graph as it was after one applied
// sequence. It is safe for concurrent use.
//
// Close it when done; but a view holds no resources beyond its memory:
// the store runs Badger in managed mode, where a read transaction keeps
// no read mark and versions are only discarded when the store says so
// (it never does: as-of reads need them all). So a view whose end its
// opener cannot observe (a subscription item resolved later by
// graphql-go) may be left to the garbage collector.
type View struct {
	s   *Store
	txn *badger.Txn
	at  uint64
}

// NotYetError says a read asked for a sequence the store has not applied.
type NotYetError struct{ Want, Applied uint64 }

func (e *NotYetError) Error() string {
	return fmt.Sprintf("sequence %d is not applied yet (applied: %d)", e.Want, e.Applied)
}

// View opens a read of the graph as of a sequence; 0 means the latest.
func (s *Store) View(asOf uint64) (*View, error) {
	applied := s.Applied()
	if asOf == 0 {
		asOf = applied
	}
	if asOf > applied {
		return nil, &NotYetError{Want: asOf, Applied: applied}
	}
	return &View{s: s, txn: s.db.NewTransactionAt(max(asOf, 1), false), at: asOf}, nil
}

// At is the sequence the view reads at.
func (v *View) At() uint64 { return v.at }

// Close ends the read.
func (v *View) Close() { v.txn.Discard() }

// get decodes the record under key into dst.
func (v *View) get(key []byte, dst msgp.Unmarshaler) error {
	return v.value(key, func(b []byte) error {
		if err := decodeValue(b, dst); err != nil {
			return fmt.Errorf("decode %q: %w", key, err)
		}
		return nil
	})
}

// getString reads a value stored as plain bytes (names, texts).
func (v *View) getString(key []byte) (string, error) {
	var s string
	return s, v.value(key, func(b []byte) error { s = string(b); return nil })
}

// value calls fn with the value under key, valid only during the call.
func (v *View) value(key []byte, fn func([]byte) error) error {
	item, err := v.item(key)
	if err != nil {
		return err
	}
	return item.Value(fn)
}

// item finds the version of key the view reads: ErrNotFound if none.
func (v *View) item(key []byte) (*badger.Item, error) {
	if v.at == 0 {
		return nil, ErrNotFound
	}
	item, err := v.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	return item, nil
}

// scan calls fn for each key under prefix, in order, starting after the
// key `after` (a full key) when given. fn returns false to stop.
func (v *View) scan(prefix, after []byte, values bool, fn func(key, val []byte) (bool, error)) error {
	if v.at == 0 {
		return nil
	}
	opts := badger.DefaultIteratorOptions
	opts.Prefix = prefix
	opts.PrefetchValues = values
	if !values {
		opts.PrefetchSize = 0
	}
	it := v.txn.NewIterator(opts)
	defer it.Close()
	start := prefix
	if after != nil {
		start = append(slices.Clip(after), 0)
	}
	for it.Seek(start); it.Valid(); it.Next() {
		item := it.Item()
		var val []byte
		if values {
			var err error
			if val, err = item.ValueCopy(nil); err != nil {
				return fmt.Errorf("read %q: %w", item.Key(), err)
			}
		}
		more, err := fn(item.KeyCopy(nil), val)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// Actor returns an actor by id.
func (v *View) Actor(id string) (Actor, error) {
	a, err := v.ActorIdentity(id)
	if err != nil {
		return a, err
	}
	return v.ActorActivity(a)
}

// ActorIdentity returns an actor's names, type, merge and first
// sighting, without its activity (mentions, type votes, last seen): one
// read of a record rarely rewritten, where the activity is rewritten by
// every assertion naming the actor (see actorActivity). ActorActivity
// adds the rest.
func (v *View) ActorIdentity(id string) (Actor, error) {
	var a Actor
	key := keyActor.Key(id)
	b, err := v.cached(key)
	if err != nil {
		return a, err
	}
	if err := decodeValue(b, &a); err != nil {
		return a, fmt.Errorf("decode %q: %w", key, err)
	}
	return a, nil
}

// cached reads a key of a kind the readers' cache keeps (readCache),
// through it.
func (v *View) cached(key []byte) ([]byte, error) {
	if b, ok := v.s.reads.get(string(key), v.at); ok {
		if b == nil {
			return nil, ErrNotFound
		}
		return b, nil
	}
	item, err := v.item(key)
	if errors.Is(err, ErrNotFound) && v.at > 0 {
		v.s.addRead(string(key), nil, v.at, v.at)
	}
	if err != nil {
		return nil, err
	}
	b, err := item.ValueCopy(nil)
	if err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	v.s.addRead(string(key), b, item.Version(), v.at)
	return b, nil
}

// ActorActivity completes an actor read by ActorIdentity.
func (v *View) ActorActivity(a Actor) (Actor, error) {
	var act actorActivity
	if err := v.get(keyActivity.Key(a.ID), &act); err != nil && !errors.Is(err, ErrNotFound) {
		return a, err
	}
	return a.with(act), nil
}

// LookupName returns the id of the actor a folded name belongs to. Which
// actor a name means is projections.Resolve's decision; the graph only
// keeps the index.
func (v *View) LookupName(key string) (string, error) {
	b, err := v.cached(keyName.Key(key))
	return string(b), err
}

// PersonsBySurname lists the persons whose last name folds to key.
func (v *View) PersonsBySurname(key string) ([]string, error) {
	var ids idList
	k := keySurname.Key(key)
	b, err := v.cached(k)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := decodeValue(b, &ids); err != nil {
		return nil, fmt.Errorf("decode %q: %w", k, err)
	}
	return ids, nil
}

// Lexicon is the names lexicon the store folds names with.
func (v *View) Lexicon() *names.Lexicon { return v.s.lex }

func splitWords(s string) []string { return strings.Fields(s) }

// Page is one page of a listing, with an opaque cursor to continue after.
type Page[T any] struct {
	Items   []T
	Cursors []string
	HasNext bool
}

// Cursor encodes a position in a listing. It is the key the item was read
// from: stable under inserts, and meaningless to a client.
func cursor(key []byte) string { return base64.RawURLEncoding.EncodeToString(key) }

// CursorError says a pagination cursor is not one this listing issued.
type CursorError struct{ Cursor string }

func (e *CursorError) Error() string { return fmt.Sprintf("invalid cursor %q", e.Cursor) }

func decodeCursor(c string, prefix []byte) ([]byte, error) {
	if c == "" {
		return nil, nil
	}
	k, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !bytes.HasPrefix(k, prefix) {
		return nil, &CursorError{Cursor: c}
	}
	return k, nil
}

// ActorQuery selects actors.
type ActorQuery struct {
	// Search is a case-insensitive prefix of any name or alias.
	Search string
	// Type filters by actor type.
	Type  string
	First int
	After string
}

// Actors lists actors by name prefix and type, ordered by folded name
// (search) or id.
func (v *View) Actors(q ActorQuery) (Page[Actor], error) {
	var page Page[Actor]
	first := clampFirst(q.First)
	var prefix []byte
	var idOf func(key, val []byte) string
	switch {
	case q.Search != "":
		// A name index key per name and alias: several may lead to one
		// actor, so results are de-duplicated within the page; a later
		// page may repeat an actor reached by another alias.
		prefix = append(keyName.Prefix(), names.Key(q.Search)...)
		idOf = func(_, val []byte) string { return string(val) }
	case q.Type != "":
		prefix = keyType_.Prefix(q.Type)
		idOf = func(key, _ []byte) string { return keyType_.Split(key)[1] }
	default:
		prefix = keyActor.Prefix()
		idOf = func(key, _ []byte) string { return keyActor.Split(key)[0] }
	}
	after, err := decodeCursor(q.After, prefix)
	if err != nil {
		return page, err
	}
	seen := map[string]bool{}
	err = v.scan(prefix, after, q.Search != "", func(key, val []byte) (bool, error) {
		id := idOf(key, val)
		if seen[id] {
			return true, nil
		}
		a, err := v.Actor(id)
		if err != nil {
			return false, err
		}
		if q.Type != "" && a.Type != q.Type {
			return true, nil
		}
		if len(page.Items) == first {
			page.HasNext = true
			return false, nil
		}
		seen[id] = true
		page.Items = append(page.Items, a)
		page.Cursors = append(page.Cursors, cursor(key))
		return true, nil
	})
	return page, err
}

func clampFirst(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 1000:
		return 1000
	}
	return n
}

// RelQuery selects relationships. Empty fields match anything.
type RelQuery struct {
	Subject, Predicate, Object string
	MinSupport                 int
	First                      int
	After                      string
}

// Relationships lists relationships matching the query, using whichever
// index the given fields make narrowest.
func (v *View) Relationships(q RelQuery) (Page[Relationship], error) {
	var page Page[Relationship]
	first := clampFirst(q.First)
	var prefix []byte
	var keyOf func(key []byte) RelKey
	switch {
	case q.Subject != "":
		if q.Predicate != "" {
			prefix = keyRel.Prefix(q.Subject, q.Predicate)
		} else {
			prefix = keyRel.Prefix(q.Subject)
		}
		keyOf = func(k []byte) RelKey { p := keyRel.Split(k); return RelKey{p[0], p[1], p[2]} }
	case q.Object != "":
		if q.Predicate != "" {
			prefix = keyIn.Prefix(q.Object, q.Predicate)
		} else {
			prefix = keyIn.Prefix(q.Object)
		}
		keyOf = func(k []byte) RelKey { p := keyIn.Split(k); return RelKey{p[2], p[1], p[0]} }
	case q.Predicate != "":
		prefix = keyPred.Prefix(q.Predicate)
		keyOf = func(k []byte) RelKey { p := keyPred.Split(k); return RelKey{p[1], p[0], p[2]} }
	default:
		prefix = keyRel.Prefix()
		keyOf = func(k []byte) RelKey { p := keyRel.Split(k); return RelKey{p[0], p[1], p[2]} }
	}
	after, err := decodeCursor(q.After, prefix)
	if err != nil {
		return page, err
	}
	err = v.scan(prefix, after, false, func(key, _ []byte) (bool, error) {
		rk := keyOf(key)
		if (q.Predicate != "" && rk.Predicate != q.Predicate) || (q.Object != "" && rk.Object != q.Object) || (q.Subject != "" && rk.Subject != q.Subject) {
			return true, nil
		}
		r, err := v.Relationship(rk)
		if err != nil {
			return false, err
		}
		if r.Support < q.MinSupport {
			return true, nil
		}
		if len(page.Items) == first {
			page.HasNext = true
			return false, nil
		}
		page.Items = append(page.Items, r)
		page.Cursors = append(page.Cursors, cursor(key))
		return true, nil
	})
	return page, err
}

// Relationship returns one relationship.
func (v *View) Relationship(k RelKey) (Relationship, error) {
	var r Relationship
	return r, v.get(keyRel.Key(k.Subject, k.Predicate, k.Object), &r)
}

// Direction of an edge as seen from an actor.
type Direction int

const (
	Out Direction = 1 << iota
	In
	Both = Out | In
)

// Edge is a relationship seen from one of its ends.
type Edge struct {
	Relationship
	// Dir is Out when the actor is the subject.
	Dir Direction
	// Other is the id of the actor at the other end.
	Other string
	// Partial says only the relationship's key and support are set, as
	// the support ranking has them: Complete reads the rest.
	Partial bool
	// SupportFloor says Support is only the least of the edge's support
	// bucket (EdgeQuery.ByBucket): Complete reads the exact one.
	SupportFloor bool
}

// Complete returns the edge with its whole relationship record.
func (v *View) Complete(e Edge) (Edge, error) {
	if !e.Partial {
		return e, nil
	}
	k := e.Key()
	r, err := v.Relationship(k)
	if err != nil {
		return e, fmt.Errorf("relationship %s %s %s: %w", k.Subject, k.Predicate, k.Object, err)
	}
	e.Relationship, e.Partial, e.SupportFloor = r, false, false
	return e, nil
}

// Edges lists an actor's relationships in the given directions, filtered
// by predicate when preds is not empty. Outgoing edges come first, each
// group ordered by predicate and other actor.
func (v *View) Edges(actor string, dir Direction, preds []string) ([]Edge, error) {
	var out []Edge
	// Keys lead with the actor and then the predicate: with predicates
	// given, scan only theirs, so a filter on a hub costs what it returns.
	outPrefixes, inPrefixes := [][]byte{keyRel.Prefix(actor)}, [][]byte{keyIn.Prefix(actor)}
	if len(preds) > 0 {
		outPrefixes, inPrefixes = nil, nil
		for _, p := range slices.Compact(slices.Sorted(slices.Values(preds))) {
			outPrefixes = append(outPrefixes, keyRel.Prefix(actor, p))
			inPrefixes = append(inPrefixes, keyIn.Prefix(actor, p))
		}
	}
	if dir&Out != 0 {
		for _, prefix := range outPrefixes {
			err := v.scan(prefix, nil, true, func(key, val []byte) (bool, error) {
				var r Relationship
				if err := decodeValue(val, &r); err != nil {
					return false, fmt.Errorf("decode %q: %w", key, err)
				}
				out = append(out, Edge{Relationship: r, Dir: Out, Other: r.Object})
				return true, nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	if dir&In != 0 {
		for _, prefix := range inPrefixes {
			err := v.scan(prefix, nil, false, func(key, _ []byte) (bool, error) {
				p := keyIn.Split(key)
				r, err := v.Relationship(RelKey{p[2], p[1], p[0]})
				if err != nil {
					return false, err
				}
				out = append(out, Edge{Relationship: r, Dir: In, Other: r.Subject})
				return true, nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Assertion returns one assertion.
func (v *View) Assertion(id string) (Assertion, error) {
	var a Assertion
	return a, v.get(keyAssertion.Key(id), &a)
}

// RelationshipAssertions lists the assertions supporting a relationship,
// oldest first.
func (v *View) RelationshipAssertions(k RelKey) ([]Assertion, error) {
	return v.assertionsUnder(keyRelAsr.Prefix(k.Subject, k.Predicate, k.Object), false, lastPart)
}

// RelationshipEvidence lists a page of the assertions supporting a
// relationship, oldest first: the evidence of one asserted thousands of
// times, without reading it all.
func (v *View) RelationshipEvidence(k RelKey, first int, after string) (Page[Assertion], error) {
	return pageOf(v, keyRelAsr.Prefix(k.Subject, k.Predicate, k.Object), first, after, false, func(key, _ []byte) (Assertion, bool, error) {
		a, err := v.Assertion(lastPart(key, nil)[0])
		return a, err == nil, err
	})
}

// RelationshipDocuments lists the documents with live assertions of a
// relationship, sorted by id.
func (v *View) RelationshipDocuments(k RelKey) ([]string, error) {
	var out []string
	err := v.scan(keyRelDoc.Prefix(k.Subject, k.Predicate, k.Object), nil, false, func(key, _ []byte) (bool, error) {
		out = append(out, string(key[bytes.LastIndexByte(key, ':')+1:]))
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("documents of %v: %w", k, err)
	}
	return out, nil
}

// DocumentAssertions lists a document's assertions, oldest first.
func (v *View) DocumentAssertions(doc string) ([]Assertion, error) {
	return v.assertionsUnder(keyClaim.Prefix(doc), true, func(_, val []byte) []string { return liveIDs(val) })
}

// DocumentClaims lists every assertion a document made, retracted ones
// too: what an erasure of the document covers.
func (v *View) DocumentClaims(doc string) ([]Assertion, error) {
	return v.assertionsUnder(keyClaim.Prefix(doc), true, func(_, val []byte) []string {
		var ids []string
		for id := range strings.SplitSeq(string(val), ",") {
			if id = strings.TrimPrefix(id, "-"); id != "" {
				ids = append(ids, id)
			}
		}
		return ids
	})
}

// assertionsUnder reads the assertions a scan of prefix names, oldest
// first: idsOf says which ids a key (and value, with values) holds.
func (v *View) assertionsUnder(prefix []byte, values bool, idsOf func(key, val []byte) []string) ([]Assertion, error) {
	var out []Assertion
	err := v.scan(prefix, nil, values, func(key, val []byte) (bool, error) {
		for _, id := range idsOf(key, val) {
			a, err := v.Assertion(id)
			if err != nil {
				return false, err
			}
			out = append(out, a)
		}
		return true, nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, err
}

// lastPart is the id that ends an index key.
func lastPart(key, _ []byte) []string { return []string{string(key[bytes.LastIndexByte(key, ':')+1:])} }

// Document returns one document's metadata.
func (v *View) Document(id string) (Document, error) {
	var d Document
	return d, v.get(keyDocument.Key(id), &d)
}

// DocumentText returns a document's text, or ErrNotFound when Dossier
// does not hold it.
func (v *View) DocumentText(id string) (string, error) {
	return v.getString(keyDocText.Key(id))
}

// DocumentActors lists the actors a document names, by id.
func (v *View) DocumentActors(doc string) ([]Actor, error) {
	named, err := v.NamedActors(doc)
	out := make([]Actor, len(named))
	for i, n := range named {
		out[i] = n.Actor
	}
	return out, err
}

// NamedActor is an actor as one document reads it.
type NamedActor struct {
	Actor Actor
	// Type is the type the document gives the actor, empty when it
	// gives none.
	Type string
}

// NamedActors lists the actors a document names, by id, with the type
// the document gives each.
func (v *View) NamedActors(doc string) ([]NamedActor, error) {
	var out []NamedActor
	err := v.scan(keyDocActor.Prefix(doc), nil, true, func(key, val []byte) (bool, error) {
		a, err := v.Actor(keyDocActor.Split(key)[1])
		if err != nil {
			return false, err
		}
		out = append(out, NamedActor{Actor: a, Type: string(val)})
		return true, nil
	})
	return out, err
}

// pageOf reads one page of a listing under prefix: item decodes each
// key (and value, when values is set) and says whether it belongs in the
// page. The cursor of an item is its key.
func pageOf[T any](v *View, prefix []byte, first int, after string, values bool, item func(key, val []byte) (T, bool, error)) (Page[T], error) {
	var page Page[T]
	n := clampFirst(first)
	a, err := decodeCursor(after, prefix)
	if err != nil {
		return page, err
	}
	err = v.scan(prefix, a, values, func(key, val []byte) (bool, error) {
		it, ok, err := item(key, val)
		if err != nil || !ok {
			return err == nil, err
		}
		if len(page.Items) == n {
			page.HasNext = true
			return false, nil
		}
		page.Items = append(page.Items, it)
		page.Cursors = append(page.Cursors, cursor(key))
		return true, nil
	})
	return page, err
}

// Documents lists documents in id order.
func (v *View) Documents(first int, after string) (Page[Document], error) {
	return pageOf(v, keyDocument.Prefix(), first, after, true, func(key, val []byte) (Document, bool, error) {
		var d Document
		if err := decodeValue(val, &d); err != nil {
			return d, false, fmt.Errorf("decode %q: %w", key, err)
		}
		return d, true, nil
	})
}

// Stats returns the graph's counts.
func (v *View) Stats() (Stats, error) {
	if v.at == 0 {
		return Stats{}, nil
	}
	rec, err := lastRecord(v.txn, v.at)
	return rec.Counts.stats(v.at), err
}

// Event returns the audit record of the event at seq.
func (v *View) Event(seq uint64) (EventRecord, error) {
	var e EventRecord
	return e, v.get(keyEvent.Key(hex16(seq)), &e)
}

// Events lists the log's events, oldest first.
func (v *View) Events(first int, after string) (Page[EventRecord], error) {
	return v.eventPage(keyEvent.Prefix(), first, after, func(key []byte) uint64 {
		return fromHex16(keyEvent.Split(key)[0])
	})
}

// History lists the events that touched an entity (ActorEntity,
// AssertionEntity, DocumentEntity, RelationshipEntity), oldest first.
//
// No index is kept for it: an event that touches an entity writes the
// entity's record (Tx.PutEvent sees to it), so the record's versions,
// each at the sequence of the event that wrote it, are its history. An
// entity without a record when it was touched (a document named before
// it was added, a relationship already gone) has hist: keys instead. The
// audit record decides: a version whose event does not name the entity
// is not in its history.
func (v *View) History(entity string, first int, after string) (Page[EventRecord], error) {
	var page Page[EventRecord]
	n := clampFirst(first)
	from, err := decodeCursor(after, keyEvent.Prefix())
	if err != nil {
		return page, err
	}
	var since uint64
	if from != nil {
		since = fromHex16(keyEvent.Split(from)[0])
	}
	seqs, err := v.touched(entity, since)
	if err != nil {
		return page, fmt.Errorf("history of %s: %w", entity, err)
	}
	for _, seq := range seqs {
		e, err := v.Event(seq)
		if err != nil {
			return page, fmt.Errorf("history of %s: event %d: %w", entity, seq, err)
		}
		if !slices.Contains(e.Entities, entity) {
			continue
		}
		if len(page.Items) == n {
			page.HasNext = true
			break
		}
		page.Items = append(page.Items, e)
		page.Cursors = append(page.Cursors, cursor(keyEvent.Key(hex16(seq))))
	}
	return page, nil
}

// touched lists, oldest first, the sequences after since at which an
// entity's record was written, or a hist: key says it was touched.
func (v *View) touched(entity string, since uint64) ([]uint64, error) {
	if v.at == 0 {
		return nil, nil
	}
	var seqs []uint64
	if k, ok := recordKey(entity); ok {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues, opts.AllVersions, opts.Reverse, opts.SinceTs = false, true, true, since
		it := v.txn.NewIterator(opts)
		// Backwards from the oldest version: the versions of one key,
		// oldest first, then keys before it.
		for it.Seek(k); it.Valid() && bytes.Equal(it.Item().Key(), k); it.Next() {
			seqs = append(seqs, it.Item().Version())
		}
		it.Close()
	}
	if id, ok := strings.CutPrefix(entity, EntityDocument); ok {
		// An assertion writes its claim key, not the document's record
		// (Tx.touch): every version under cl:<document>: is an event.
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues, opts.AllVersions, opts.SinceTs = false, true, since
		opts.Prefix = keyClaim.Prefix(id)
		it := v.txn.NewIterator(opts)
		for it.Rewind(); it.Valid(); it.Next() {
			seqs = append(seqs, it.Item().Version())
		}
		it.Close()
	}
	if !strings.Contains(entity, sep) {
		var after []byte
		if since > 0 {
			after = keyHist.Key(entity, hex16(since))
		}
		err := v.scan(keyHist.Prefix(entity), after, false, func(key, _ []byte) (bool, error) {
			seqs = append(seqs, fromHex16(string(key[bytes.LastIndexByte(key, ':')+1:])))
			return true, nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(seqs)
	return slices.Compact(seqs), nil
}

func (v *View) eventPage(prefix []byte, first int, after string, seqOf func([]byte) uint64) (Page[EventRecord], error) {
	return pageOf(v, prefix, first, after, false, func(key, _ []byte) (EventRecord, bool, error) {
		e, err := v.Event(seqOf(key))
		return e, err == nil, err
	})
}

// SequenceAt maps a time to the last sequence the stream stored at or
// before it; ok is false when the log holds nothing that old.
//
// It searches the audit records by sequence, a few dozen reads, instead
// of keeping an index of times: the stream stamps each event as it
// stores it, so times grow with sequences. (A leader's clock set back
// would break that for the events stamped meanwhile; the answer is then
// one of the sequences around the time asked.)
func (v *View) SequenceAt(t time.Time) (seq uint64, ok bool, err error) {
	if v.at == 0 {
		return 0, false, nil
	}
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues, opts.Prefix = false, keyEvent.Prefix()
	it := v.txn.NewIterator(opts)
	defer it.Close()
	// Invariant: no event after hi is at or before t, and found is the
	// last one below lo that is.
	found, lo, hi := uint64(0), uint64(1), v.at
	for lo <= hi {
		mid := lo + (hi-lo)/2
		it.Seek(keyEvent.Key(hex16(mid)))
		if !it.Valid() {
			hi = mid - 1
			continue
		}
		var rec EventRecord
		if err := it.Item().Value(func(b []byte) error { return decodeValue(b, &rec) }); err != nil {
			return 0, false, fmt.Errorf("time of event at or after %d: %w", mid, err)
		}
		switch {
		case rec.Seq > hi || rec.Time.After(t):
			hi = mid - 1
		default:
			found, lo = rec.Seq, rec.Seq+1
		}
	}
	return found, found > 0, nil
}

// ChangedRelationships lists the relationships events after from and up
// to this view's sequence touched, as their audit records name them,
// stopping once it has more than limit (all of them when limit ≤ 0).
// Every event that changes a relationship names it: a merge names both
// the relationship an assertion leaves and the one it joins.
func (v *View) ChangedRelationships(from uint64, limit int) ([]RelKey, error) {
	var out []RelKey
	seen := map[RelKey]bool{}
	err := v.scan(keyEvent.Prefix(), keyEvent.Key(hex16(from)), true, func(key, val []byte) (bool, error) {
		var rec EventRecord
		if err := decodeValue(val, &rec); err != nil {
			return false, fmt.Errorf("decode %q: %w", key, err)
		}
		for _, k := range RelationshipsOf(rec.Entities) {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
		return limit <= 0 || len(out) <= limit, nil
	})
	return out, err
}

// Contested lists relationships that are both affirmed and denied.
func (v *View) Contested(first int, after string) (Page[Relationship], error) {
	return pageOf(v, keyConts.Prefix(), first, after, false, func(key, _ []byte) (Relationship, bool, error) {
		p := keyConts.Split(key)
		r, err := v.Relationship(RelKey{p[0], p[1], p[2]})
		return r, err == nil, err
	})
}

// Survivor follows an actor's merges to the actor that now stands for it.
func (v *View) Survivor(id string) (Actor, error) {
	a, err := v.ActorIdentity(id)
	for hops := 0; err == nil && a.MergedInto != "" && hops < 64; hops++ {
		a, err = v.ActorIdentity(a.MergedInto)
	}
	if err != nil {
		return a, err
	}
	return v.ActorActivity(a)
}

// EventsAfter lists up to n events after a sequence, oldest first: the
// feed a subscription reads, so replay and live delivery are one path.
func (v *View) EventsAfter(seq uint64, n int) ([]EventRecord, error) {
	var out []EventRecord
	prefix := keyEvent.Prefix()
	err := v.scan(prefix, keyEvent.Key(hex16(seq)), true, func(key, val []byte) (bool, error) {
		if len(out) == n {
			return false, nil
		}
		var e EventRecord
		if err := decodeValue(val, &e); err != nil {
			return false, fmt.Errorf("decode %q: %w", key, err)
		}
		out = append(out, e)
		return true, nil
	})
	return out, err
}

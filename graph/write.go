package graph

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"sync"

	"github.com/dgraph-io/badger/v4"
	"github.com/tinylib/msgp/msgp"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/names"
)

// Batch applies consecutive events, each in its own Badger transaction
// committed at the event's stream sequence together with the applied
// sequence, so that a crash at any point leaves a store that is exactly
// the fold of events 1..applied, and every applied sequence is a point a
// read can be made at.
//
// Commits are pipelined: Apply hands a transaction to Badger and goes on,
// and later events of the batch read earlier ones' writes through an
// in-memory overlay. Commit waits for them all.
type Batch struct {
	s      *Store
	readTs uint64
	last   uint64
	// counts are the graph's counts after last, read from its audit
	// record before the batch's first event.
	counts     Counts
	countsRead bool
	// overlay holds every value written by the batch so far; nil means
	// deleted.
	overlay map[string][]byte
	// readCached are the keys of the kinds readers cache written since
	// the batch last showed its events to readers (Store.setApplied).
	readCached []string

	wg  sync.WaitGroup
	mu  sync.Mutex
	err error
}

// NewBatch starts a batch after the store's applied sequence.
func (s *Store) NewBatch() *Batch {
	applied := s.Applied()
	return &Batch{s: s, readTs: max(applied, 1), last: applied, overlay: map[string][]byte{}}
}

// ErrOutOfOrder is returned when a batch is asked to apply a sequence at
// or below one already applied.
var ErrOutOfOrder = errors.New("sequence already applied")

// Apply folds one event: fn makes its changes through tx, and they are
// committed at seq. If fn fails nothing of the event is written and the
// batch can go on with the next event.
func (b *Batch) Apply(seq uint64, fn func(tx *Tx) error) error {
	return b.apply(seq, false, fn)
}

// ApplyExclusive is Apply for events that must scan the store (a merge
// moves every assertion of an actor): it first waits for the batch's
// earlier commits, so that everything before the event is visible.
func (b *Batch) ApplyExclusive(seq uint64, fn func(tx *Tx) error) error {
	if seq <= b.last {
		return fmt.Errorf("apply %d after %d: %w", seq, b.last, ErrOutOfOrder)
	}
	if err := b.settle(); err != nil {
		return err
	}
	b.readTs, b.overlay = max(b.last, 1), map[string][]byte{}
	return b.apply(seq, true, fn)
}

func (b *Batch) apply(seq uint64, exclusive bool, fn func(tx *Tx) error) error {
	if seq <= b.last {
		return fmt.Errorf("apply %d after %d: %w", seq, b.last, ErrOutOfOrder)
	}
	if err := b.failed(); err != nil {
		return err
	}
	txn := b.s.db.NewTransactionAt(b.readTs, true)
	if !b.countsRead {
		// Nothing of the batch is written yet: Badger has the last event.
		rec, err := lastRecord(txn, b.last)
		if err != nil {
			txn.Discard()
			return fmt.Errorf("counts at %d: %w", b.last, err)
		}
		b.counts, b.countsRead = rec.Counts, true
	}
	tx := &Tx{b: b, txn: txn, seq: seq, writes: map[string][]byte{}, exclusive: exclusive, counts: b.counts}
	if err := fn(tx); err != nil {
		txn.Discard()
		return err
	}
	// The last audit record is the applied sequence (Store.init): every
	// event leaves one.
	if tx.event == nil {
		if err := tx.PutEvent(EventRecord{}); err != nil {
			txn.Discard()
			return err
		}
	}
	for _, doc := range tx.created {
		b.s.fresh.created(doc)
	}
	for k, v := range tx.writes {
		b.overlay[k] = v
		b.s.latest.wrote(k, v)
		b.s.fresh.wrote(k, v)
		if readCached(k) {
			b.readCached = append(b.readCached, k)
		}
	}
	b.last, b.counts = seq, tx.counts
	b.wg.Add(1)
	err := txn.CommitAt(seq, func(err error) {
		defer b.wg.Done()
		b.mu.Lock()
		defer b.mu.Unlock()
		if err != nil && b.err == nil {
			b.err = fmt.Errorf("commit event %d: %w", seq, err)
		}
	})
	if err != nil {
		b.s.forget()
		return fmt.Errorf("commit event %d: %w", seq, err)
	}
	return nil
}

// failed returns the first commit error. The write path's caches may
// then hold values that never reached Badger: they are purged.
func (b *Batch) failed() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		b.s.forget()
	}
	return b.err
}

// Commit waits for the batch's transactions and advances the store's
// applied sequence. It returns the last sequence applied.
func (b *Batch) Commit() (uint64, error) {
	if err := b.settle(); err != nil {
		// Badger writes transactions in the order they were handed over,
		// so the applied sequence on disk is still a consistent prefix;
		// reopen the store to learn it.
		return 0, err
	}
	return b.last, nil
}

// settle waits for the batch's commits and shows them to readers, once
// on disk when the store syncs (Config.SyncWrites).
func (b *Batch) settle() error {
	b.wg.Wait()
	if err := b.failed(); err != nil {
		return err
	}
	if b.s.sync && b.last > b.s.Applied() {
		if err := b.s.db.Sync(); err != nil {
			return fmt.Errorf("sync the store after event %d: %w", b.last, err)
		}
	}
	b.s.setApplied(b.last, b.readCached)
	b.readCached = b.readCached[:0]
	return nil
}

// Last is the last sequence handed to the batch.
func (b *Batch) Last() uint64 { return b.last }

// Tx is the write side of one event's fold.
type Tx struct {
	b      *Batch
	txn    *badger.Txn
	seq    uint64
	writes map[string][]byte
	// reads holds what the event read from Badger that the store's
	// latest-value cache does not keep; writes shadow it.
	reads     map[string][]byte
	exclusive bool
	// created lists the documents whose records the event created.
	created []string
	// counts are the graph's counts as the event leaves them; event is
	// its audit record once written, which carries them.
	counts Counts
	event  *EventRecord
}

// Seq is the sequence the changes are written at.
func (tx *Tx) Seq() uint64 { return tx.seq }

// Lexicon is the store's name lexicon.
func (tx *Tx) Lexicon() *names.Lexicon { return tx.b.s.lex }

func (tx *Tx) get(key []byte) ([]byte, error) {
	if v, ok := tx.writes[string(key)]; ok {
		return v, nilIfPresent(v)
	}
	if v, ok := tx.b.overlay[string(key)]; ok {
		return v, nilIfPresent(v)
	}
	if v, ok := tx.b.s.fresh.get(string(key)); ok {
		return v, nilIfPresent(v)
	}
	latest := tx.b.s.latest
	if v, ok := latest.get(string(key)); ok {
		return v, nilIfPresent(v)
	}
	if v, ok := tx.reads[string(key)]; ok {
		return v, nilIfPresent(v)
	}
	// Not written by this batch: Badger at the batch's read timestamp has
	// the newest value, which the cache may keep. A key the cache does
	// not keep is remembered for the rest of the event: a fold reads a
	// claim's list to decide, then again to update it.
	item, err := tx.txn.Get(key)
	var v []byte
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
	case err != nil:
		return nil, fmt.Errorf("get %q: %w", key, err)
	default:
		if v, err = item.ValueCopy(nil); err != nil {
			return nil, fmt.Errorf("get %q: %w", key, err)
		}
		if v == nil {
			v = []byte{} // present and empty; nil would say absent
		}
	}
	if !latest.read(string(key), v) {
		if tx.reads == nil {
			tx.reads = map[string][]byte{}
		}
		tx.reads[string(key)] = v
	}
	return v, nilIfPresent(v)
}

func nilIfPresent(v []byte) error {
	if v == nil {
		return ErrNotFound
	}
	return nil
}

func (tx *Tx) set(key, val []byte) error {
	if val == nil {
		val = []byte{}
	}
	if err := tx.txn.Set(key, val); err != nil {
		return fmt.Errorf("set %q: %w", key, err)
	}
	tx.writes[string(key)] = val
	return nil
}

func (tx *Tx) del(key []byte) error {
	if err := tx.txn.Delete(key); err != nil {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	tx.writes[string(key)] = nil
	return nil
}

func (tx *Tx) getRecord(key []byte, v msgp.Unmarshaler) error {
	b, err := tx.get(key)
	if err != nil {
		return err
	}
	if err := decodeValue(b, v); err != nil {
		return fmt.Errorf("decode %q: %w", key, err)
	}
	return nil
}

func (tx *Tx) setRecord(key []byte, v msgp.Marshaler) error {
	b, err := encodeValue(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", key, err)
	}
	return tx.set(key, b)
}

// Actor returns the actor with that id, or ErrNotFound.
func (tx *Tx) Actor(id string) (Actor, error) {
	var a Actor
	if err := tx.getRecord(keyActor.Key(id), &a); err != nil {
		return a, err
	}
	var act actorActivity
	if err := tx.getRecord(keyActivity.Key(id), &act); err != nil && !errors.Is(err, ErrNotFound) {
		return a, err
	}
	return a.with(act), nil
}

// LookupName returns the id of the actor a folded name belongs to.
func (tx *Tx) LookupName(key string) (string, error) {
	v, err := tx.get(keyName.Key(key))
	return string(v), err
}

// PersonsBySurname lists the persons whose last name folds to key.
func (tx *Tx) PersonsBySurname(key string) ([]string, error) {
	var ids idList
	err := tx.getRecord(keySurname.Key(key), &ids)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return ids, err
}

// PutActor stores an actor and keeps its indexes (names, type, surname)
// in step with it. Its identity (act:) is written only when it changes,
// its activity (am:) whenever it does.
func (tx *Tx) PutActor(a Actor) error {
	old, err := tx.Actor(a.ID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	isNew := errors.Is(err, ErrNotFound)
	if err := tx.indexActor(old, a, isNew); err != nil {
		return err
	}
	identity, activity := a.split()
	if err := tx.setRecordIfChanged(keyActor.Key(a.ID), &identity); err != nil {
		return err
	}
	return tx.setRecordIfChanged(keyActivity.Key(a.ID), &activity)
}

// setRecordIfChanged writes a record unless the key already holds its
// encoding (whatever fields records gain).
func (tx *Tx) setRecordIfChanged(key []byte, v msgp.Marshaler) error {
	b, err := encodeValue(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", key, err)
	}
	if old, err := tx.get(key); err == nil && bytes.Equal(old, b) {
		return nil
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return tx.set(key, b)
}

// indexActor keeps an actor's names, type and surname indexes in step
// with its record.
func (tx *Tx) indexActor(old, a Actor, isNew bool) error {
	if !isNew && old.Type != a.Type && old.Type != "" {
		if err := tx.del(keyType_.Key(old.Type, a.ID)); err != nil {
			return err
		}
	}
	if a.Type != "" && (isNew || old.Type != a.Type) {
		if err := tx.set(keyType_.Key(a.Type, a.ID), nil); err != nil {
			return err
		}
	}
	for _, n := range append([]string{a.Name}, a.Aliases...) {
		if isNew || (n != old.Name && !slices.Contains(old.Aliases, n)) {
			k := names.Key(n)
			if _, err := tx.LookupName(k); errors.Is(err, ErrNotFound) {
				if err := tx.set(keyName.Key(k), []byte(a.ID)); err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
		}
	}
	if a.Type != "PERSON" || (!isNew && old.Type == "PERSON") {
		return nil
	}
	f := lastWord(a.Name)
	if f == "" || f == names.Key(a.Name) {
		return nil
	}
	ids, err := tx.PersonsBySurname(f)
	if err != nil || slices.Contains(ids, a.ID) {
		return err
	}
	return tx.setRecord(keySurname.Key(f), idList(append(ids, a.ID)))
}

func lastWord(name string) string {
	w := splitWords(names.Key(name))
	if len(w) == 0 {
		return ""
	}
	return w[len(w)-1]
}

// Relationship returns the relationship, or ErrNotFound.
func (tx *Tx) Relationship(k RelKey) (Relationship, error) {
	var r Relationship
	return r, tx.getRecord(keyRel.Key(k.Subject, k.Predicate, k.Object), &r)
}

// CountSource adds delta to the live assertions of relationship k from a
// document and returns the count before and after; at zero the entry is
// gone. The fold keeps Relationship.Documents from the transitions.
func (tx *Tx) CountSource(k RelKey, doc string, delta int) (before, after int, err error) {
	if err := tx.requireDocument(doc); err != nil {
		return 0, 0, err
	}
	key := keyRelDoc.Key(k.Subject, k.Predicate, k.Object, doc)
	b, err := tx.get(key)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return 0, 0, err
	}
	before = int(fromU64(b))
	after = max(before+delta, 0)
	if after == 0 {
		return before, 0, tx.del(key)
	}
	return before, after, tx.set(key, u64(uint64(after)))
}

// PutRelationship stores a relationship and its adjacency entries. A
// relationship whose support fell to zero is deleted with them. before
// is the relationship as it was read (zero when there was none): the
// index entries are written only when they change, since most
// assertions add support to a relationship that already has them.
func (tx *Tx) PutRelationship(before, r Relationship) error {
	rk, in, pred := keyRel.Key(r.Subject, r.Predicate, r.Object), keyIn.Key(r.Object, r.Predicate, r.Subject), keyPred.Key(r.Predicate, r.Subject, r.Object)
	was, is := before.Support > 0, r.Support > 0
	con := keyConts.Key(r.Subject, r.Predicate, r.Object)
	switch wasC, isC := was && before.Contested(), is && r.Contested(); {
	case isC && !wasC:
		if err := tx.set(con, nil); err != nil {
			return err
		}
	case wasC && !isC:
		if err := tx.del(con); err != nil {
			return err
		}
	}
	if err := tx.rankEdges(before, r); err != nil {
		return err
	}
	if !is {
		for _, k := range [][]byte{rk, in, pred} {
			if err := tx.del(k); err != nil {
				return err
			}
		}
		return nil
	}
	if !was {
		if err := tx.set(in, nil); err != nil {
			return err
		}
		if err := tx.set(pred, nil); err != nil {
			return err
		}
	}
	return tx.setRecord(rk, &r)
}

// rankEdges moves a relationship in both ends' support rankings (sup:)
// when its support changed bucket: a ranking read in key order is what
// lets an actor with thousands of edges answer "the 50 most supported"
// by reading little more than 50.
//
// The ranking is by bucket (supportBucket), not by exact support: every
// move leaves a deleted key behind, kept for as-of reads, and a reader of
// the top of a hub's ranking steps over every one of them. Ranked by
// exact support, an edge asserted 5,000 times had left 5,000, and the top
// 50 of a hub at a million assertions took tens of milliseconds; by
// bucket it leaves about eighty, and most assertions write nothing here.
func (tx *Tx) rankEdges(before, r Relationship) error {
	if supportBucket(before.Support) == supportBucket(r.Support) {
		return nil
	}
	for _, k := range supKeys(before) {
		if err := tx.del(k); err != nil {
			return err
		}
	}
	for _, k := range supKeys(r) {
		if err := tx.set(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// supKeys are a relationship's two entries in the support rankings, none
// when it has no support.
func supKeys(r Relationship) [][]byte {
	if r.Support <= 0 {
		return nil
	}
	rank := hex16(bucketRank(supportBucket(r.Support)))
	return [][]byte{
		keySup.Key(r.Subject, rank, supOut, r.Predicate, r.Object),
		keySup.Key(r.Object, rank, supIn, r.Predicate, r.Subject),
	}
}

// The dir part of sup: keys.
const (
	supOut = "o"
	supIn  = "i"
)

// supportBucket maps a support to its bucket in the rankings: the
// support itself up to exactBuckets, then eight buckets for each
// doubling (a float with a three-bit mantissa), each 6–12 % wide. 0 for
// no support.
func supportBucket(support int) uint64 {
	s := uint64(max(support, 0))
	if s <= exactBuckets {
		return s
	}
	e := uint64(bits.Len64(s)) - 1 // s is in [2^e, 2^(e+1))
	mantissa := (s >> (e - 3)) & 7 // the three bits after the leading one
	return exactBuckets + (e-4)*8 + mantissa + 1
}

// exactBuckets is how far supports have a bucket each.
const exactBuckets = 15

// bucketRange is the supports a bucket holds, lo to hi inclusive.
func bucketRange(b uint64) (lo, hi int) {
	if b <= exactBuckets {
		return int(b), int(b)
	}
	b -= exactBuckets + 1
	e, mantissa := b/8+4, b%8
	lo = int((8 + mantissa) << (e - 3))
	return lo, lo + 1<<(e-3) - 1
}

// bucketRank orders higher buckets first in key order.
func bucketRank(b uint64) uint64 { return ^b }

// Assertion returns the assertion, or ErrNotFound.
func (tx *Tx) Assertion(id string) (Assertion, error) {
	var a Assertion
	return a, tx.getRecord(keyAssertion.Key(id), &a)
}

// PutAssertion stores an assertion and links it to its relationship and
// document.
func (tx *Tx) PutAssertion(a Assertion) error {
	for _, k := range assertionIndex(a) {
		var err error
		if a.Retracted == nil {
			err = tx.set(k, nil)
		} else {
			err = tx.del(k)
		}
		if err != nil {
			return err
		}
	}
	if err := tx.indexClaim(a); err != nil {
		return err
	}
	return tx.setRecord(keyAssertion.Key(a.ID), &a)
}

// Claim lists the assertions that make a claim of the predicate and
// polarity at the same span of the document as a does (whatever their
// ends): the live ones, and those retracted. An assertion's id decides
// its claim, so a new id absent from both has never been recorded. It
// reads no range, so a batched fold may ask.
func (tx *Tx) Claim(a Assertion) (live, retracted []string, err error) {
	v, err := tx.get(claimKey(a))
	if errors.Is(err, ErrNotFound) || len(v) == 0 {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	for _, id := range strings.Split(string(v), ",") {
		if r, ok := strings.CutPrefix(id, "-"); ok {
			retracted = append(retracted, r)
		} else {
			live = append(live, id)
		}
	}
	return live, retracted, nil
}

// indexClaim keeps a in its claim's list: its id while it is live, "-"
// and its id once retracted.
func (tx *Tx) indexClaim(a Assertion) error {
	if err := tx.requireDocument(a.Document); err != nil {
		return err
	}
	v, err := tx.get(claimKey(a))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	var ids []string
	if len(v) > 0 {
		ids = strings.Split(string(v), ",")
	}
	entry := a.ID
	if a.Retracted != nil {
		entry = "-" + a.ID
	}
	i := slices.IndexFunc(ids, func(id string) bool { return strings.TrimPrefix(id, "-") == a.ID })
	switch {
	case i < 0:
		ids = append(ids, entry)
	case ids[i] != entry:
		ids[i] = entry
	default:
		return nil
	}
	return tx.set(claimKey(a), []byte(strings.Join(ids, ",")))
}

// liveIDs are the live assertions of a claim list.
func liveIDs(v []byte) []string {
	var out []string
	for id := range strings.SplitSeq(string(v), ",") {
		if id != "" && id[0] != '-' {
			out = append(out, id)
		}
	}
	return out
}

// claimKey is where a's claim is indexed: its document, its span (the
// offsets, or a hash of the sentence without them), its predicate and
// its polarity.
func claimKey(a Assertion) []byte {
	span := events.Where(a.Start, a.End, string(a.Sentence))
	if a.Start == nil || a.End == nil {
		h := sha256.Sum256([]byte(span)) // a sentence may hold ':'
		span = hex.EncodeToString(h[:8])
	}
	return keyClaim.Key(a.Document, strings.ReplaceAll(span, ":", "-"), a.Predicate, a.Polarity)
}

// UnindexAssertion removes an assertion from the indexes of its current
// ends, before it moves to others (a merge).
func (tx *Tx) UnindexAssertion(a Assertion) error {
	for _, k := range assertionIndex(a) {
		if err := tx.del(k); err != nil {
			return err
		}
	}
	return nil
}

// assertionIndex lists the index keys of a live assertion.
func assertionIndex(a Assertion) [][]byte {
	keys := [][]byte{keyRelAsr.Key(a.Subject, a.Predicate, a.Object, hex16(a.Seq), a.ID)}
	if a.AttributedTo != "" {
		keys = append(keys, keyAttrib.Key(a.AttributedTo, a.ID))
	}
	return keys
}

// PutEvent records an event in the audit trail, by sequence, and makes
// it part of the history of every entity it touched: the entity's record
// gets a version at this sequence (written again, unchanged, if the event
// did not change it), or, for an entity with no record, a hist: key.
// (View.SequenceAt finds a time by searching the records: times grow
// with sequences.)
func (tx *Tx) PutEvent(rec EventRecord) error {
	rec.Seq, rec.Counts = tx.seq, tx.counts
	if err := tx.setRecord(keyEvent.Key(hex16(rec.Seq)), &rec); err != nil {
		return err
	}
	tx.event = &rec
	seen := map[string]bool{}
	for _, e := range rec.Entities {
		if seen[e] {
			continue
		}
		seen[e] = true
		if err := tx.touch(e); err != nil {
			return fmt.Errorf("history of %s: %w", e, err)
		}
	}
	return nil
}

// touch gives an entity a version at this event's sequence.
func (tx *Tx) touch(entity string) error {
	if strings.Contains(entity, sep) {
		return nil // not a name a key can hold; no history, as before
	}
	if k, ok := recordKey(entity); ok {
		if _, written := tx.writes[string(k)]; written {
			return nil
		}
		if id, ok := strings.CutPrefix(entity, EntityDocument); ok && tx.wroteUnder(keyClaim.Prefix(id)) {
			return nil // the claim key's version is the document's history (View.touched)
		}
		v, err := tx.get(k)
		if err == nil {
			return tx.set(k, v)
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return tx.set(keyHist.Key(entity, hex16(tx.seq)), nil)
}

// wroteUnder says whether the event wrote a key under prefix.
func (tx *Tx) wroteUnder(prefix []byte) bool {
	for k := range tx.writes {
		if strings.HasPrefix(k, string(prefix)) {
			return true
		}
	}
	return false
}

// recordKey is the record whose versions are an entity's history. An
// entity holding ':' has none: no key could hold it.
func recordKey(entity string) ([]byte, bool) {
	if strings.Contains(entity, sep) {
		return nil, false
	}
	if id, ok := strings.CutPrefix(entity, EntityActor); ok {
		return keyActivity.Key(id), true // written by every event naming it
	}
	if id, ok := strings.CutPrefix(entity, EntityAssertion); ok {
		return keyAssertion.Key(id), true
	}
	if id, ok := strings.CutPrefix(entity, EntityDocument); ok {
		return keyDocument.Key(id), true
	}
	if ks := RelationshipsOf([]string{entity}); len(ks) == 1 {
		return keyRel.Key(ks[0].Subject, ks[0].Predicate, ks[0].Object), true
	}
	return nil, false
}

// ErrNotExclusive is returned by scans in a transaction that was not
// applied with ApplyExclusive.
var ErrNotExclusive = errors.New("graph: scans need ApplyExclusive")

// scanIDs lists the last part of every key under prefix, as this event
// sees them.
func (tx *Tx) scanIDs(prefix []byte) ([]string, error) {
	keys, err := tx.scanKeys(prefix)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = string(k[bytes.LastIndexByte(k, ':')+1:])
	}
	return out, err
}

// scanKeys lists the keys under prefix, as this event sees them. Only
// exclusive transactions may scan: the batch's earlier events are then
// committed and visible to the iterator.
func (tx *Tx) scanKeys(prefix []byte) ([][]byte, error) {
	if !tx.exclusive {
		return nil, ErrNotExclusive
	}
	opts := badger.DefaultIteratorOptions
	opts.Prefix, opts.PrefetchValues = prefix, false
	it := tx.txn.NewIterator(opts)
	defer it.Close()
	var out [][]byte
	for it.Seek(prefix); it.Valid(); it.Next() {
		out = append(out, it.Item().KeyCopy(nil))
	}
	return out, nil
}

// ActorAssertionIDs lists the live assertions naming an actor, in id
// order: those of its relationships out (ra: keys begin with the
// subject), of its relationships in (found through in:), and those
// attributed to it. No index by actor is kept: a merge, which alone asks,
// is rare, and an index would cost two keys an assertion.
func (tx *Tx) ActorAssertionIDs(actor string) ([]string, error) {
	ids, err := tx.scanIDs(keyRelAsr.Prefix(actor))
	if err != nil {
		return nil, err
	}
	in, err := tx.scanKeys(keyIn.Prefix(actor))
	if err != nil {
		return nil, err
	}
	for _, k := range in {
		p := keyIn.Split(k)
		more, err := tx.scanIDs(keyRelAsr.Prefix(p[2], p[1], p[0]))
		if err != nil {
			return nil, err
		}
		ids = append(ids, more...)
	}
	by, err := tx.scanIDs(keyAttrib.Prefix(actor))
	if err != nil {
		return nil, err
	}
	ids = append(ids, by...)
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// DocumentAssertionIDs lists a document's live assertions.
func (tx *Tx) DocumentAssertionIDs(doc string) ([]string, error) {
	if !tx.exclusive {
		return nil, ErrNotExclusive
	}
	opts := badger.DefaultIteratorOptions
	opts.Prefix = keyClaim.Prefix(doc)
	it := tx.txn.NewIterator(opts)
	defer it.Close()
	var out []string
	for it.Seek(opts.Prefix); it.Valid(); it.Next() {
		err := it.Item().Value(func(v []byte) error {
			out = append(out, liveIDs(v)...)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Document returns the document, or ErrNotFound.
func (tx *Tx) Document(id string) (Document, error) {
	var d Document
	return d, tx.getRecord(keyDocument.Key(id), &d)
}

// PutDocument stores a document's metadata.
func (tx *Tx) PutDocument(d Document) error {
	k := keyDocument.Key(d.ID)
	if _, err := tx.get(k); errors.Is(err, ErrNotFound) {
		tx.created = append(tx.created, d.ID)
	} else if err != nil {
		return err
	}
	return tx.setRecord(k, &d)
}

// ErrNoDocument is returned for a write under a document that has no
// record: every key under a document comes after it, which is what lets
// the write path know a new document has nothing under it (freshDocs).
var ErrNoDocument = errors.New("graph: no such document")

func (tx *Tx) requireDocument(doc string) error {
	if _, err := tx.get(keyDocument.Key(doc)); errors.Is(err, ErrNotFound) {
		return fmt.Errorf("write under document %s: %w", doc, ErrNoDocument)
	} else if err != nil {
		return err
	}
	return nil
}

// PutDocumentText stores a document's text apart from its metadata.
func (tx *Tx) PutDocumentText(id, text string) error {
	return tx.set(keyDocText.Key(id), []byte(text))
}

// DeleteDocumentText removes a document's text from the current graph
// (its erasure). Versions before stay, as every version does: a sealed
// text there is unreadable once the document's key is destroyed.
func (tx *Tx) DeleteDocumentText(id string) error {
	return tx.del(keyDocText.Key(id))
}

// LinkDocumentActor records that a document names an actor, and the
// type the document gives it (empty when it gives none): a state a
// document only locates things in is a PLACE there, whatever type the
// actor has across documents. A later non-empty type replaces the one
// kept; an empty one keeps it. It says whether the link is new, so that
// a fold can count each actor once per document however often the
// document is folded.
func (tx *Tx) LinkDocumentActor(doc, actor, typ string) (bool, error) {
	if err := tx.requireDocument(doc); err != nil {
		return false, err
	}
	k := keyDocActor.Key(doc, actor)
	old, err := tx.get(k)
	switch {
	case err == nil:
		if typ == "" || string(old) == typ {
			return false, nil
		}
		return false, tx.set(k, []byte(typ))
	case !errors.Is(err, ErrNotFound):
		return false, err
	}
	return true, tx.set(k, []byte(typ))
}

// HasDocumentActor says whether a document is already linked to an actor.
func (tx *Tx) HasDocumentActor(doc, actor string) (bool, error) {
	_, err := tx.get(keyDocActor.Key(doc, actor))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Stats returns the running counts (Applied is left zero: the event is
// being applied).
func (tx *Tx) Stats() (Stats, error) { return tx.counts.stats(0), nil }

// PutStats sets the running counts, which the event's audit record
// keeps (written again if it already was).
func (tx *Tx) PutStats(s Stats) error {
	tx.counts = Counts{Actors: s.Actors, Relationships: s.Relationships, Assertions: s.Assertions, Documents: s.Documents}
	if tx.event == nil {
		return nil
	}
	rec := *tx.event
	rec.Counts = tx.counts
	return tx.setRecord(keyEvent.Key(hex16(rec.Seq)), &rec)
}

// PointName makes a folded name lead to an actor, whoever it led to
// before: merges and unmerges move names between actors.
func (tx *Tx) PointName(key, actor string) error {
	return tx.set(keyName.Key(key), []byte(actor))
}

// DropType removes an actor from the type index, as a merged actor leaves
// the listings.
func (tx *Tx) DropType(a Actor) error {
	if a.Type == "" {
		return nil
	}
	return tx.del(keyType_.Key(a.Type, a.ID))
}

// AddType puts an actor back into the type index.
func (tx *Tx) AddType(a Actor) error {
	if a.Type == "" {
		return nil
	}
	return tx.set(keyType_.Key(a.Type, a.ID), nil)
}

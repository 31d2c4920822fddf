package graph

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"

	"github.com/dgraph-io/badger/v4"
	"github.com/klauspost/compress/s2"

	"github.com/dossier-kg/dossier/names"
)

// LayoutVersion is the version of the key layout. Bump it, with a line
// saying why, whenever keys or values change shape; a store of another
// version is refused and must be rebuilt from the log.
//
//	1: first layout (actors, relationships, assertions, documents, adjacency
//	   both ways, name and type indexes), versions keyed by stream sequence.
//	2: dm:<document>:<actor>, the actors a document names (from its
//	   mentions and assertions); Document.text_stored for text kept in the
//	   document store.
//	3: history: ev:, at:, hist:, rc: and con: keys; ac:, the assertions
//	   naming each actor; relationships count their sources per document;
//	   assertions keep their retraction and the actors first resolved;
//	   actors their merge and corrected type.
//	4: rd:<subject>:<PRED>:<object>:<document> counts a relationship's
//	   assertions per document, out of the Relationship, which keeps only
//	   the number of documents: the per-document map made every new
//	   assertion of a well-supported relationship rewrite all of it.
//	5: cl:<document>:<span>:<PRED>:<polarity> lists the live assertions
//	   making a claim at one span, so that a re-read sentence naming its
//	   actors otherwise after a merge or a rename is the claim already
//	   counted; it replaces da:<document>:<assertion> as the document's
//	   assertions. dm: values hold the type the document gives the actor.
//	6: sup:<actor>:<rank>:<o|i>:<PRED>:<other> ranks each actor's edges
//	   by support, so the most supported of thousands are read first.
//	7: Document.erased (who erased its words, when, why); sentences,
//	   titles and text: values may be sealed (package seal), opened on
//	   read, and an erased document's text: key is deleted.
//	8: records are MessagePack (generated code) instead of JSON.
//	9: sup: ranks by support bucket, not exact support (supportBucket).
//	10: no at: keys; a time is found by searching the audit records.
//	11: no rc: keys; changes(from, to) reads the audit records' entities.
//	12: no ac: keys (an actor's assertions are read through its
//	   relationships; by: keeps those attributed to it), and hist: keys
//	   only for entities without a record: a record's versions are its
//	   history, every event naming the entity writing one.
//	13: no meta:applied: the last audit record (ev:<seq>) is the applied
//	   sequence.
//	14: an actor's activity (mentions, type votes, last seen) in am:,
//	   apart from act:, which is rewritten only when its identity changes.
//	15: a document's record keeps no count of its assertions (nothing
//	   read it) and an assertion does not rewrite it: the versions of
//	   the document's claim keys (cl:) are that part of its history.
//	16: the graph's counts in every audit record, not in meta:stats.
//	17: records keyed by short field names (msg tags), not JSON names.
//	18: ra:<subject>:<PRED>:<object>:<seq>:<assertion>, a relationship's
//	   assertions in the order they were recorded, for paged evidence.
//	19: relationships count their possible and intended assertions.
//	20: sealed sentences and titles stored in binary (Text).
const LayoutVersion = 20

// Config configures a store.
type Config struct {
	// Dir is the Badger directory. Required unless InMemory.
	Dir string
	// InMemory keeps everything in memory, for tests and scratch replays.
	InMemory bool
	// Lexicon resolves name variants. Default names.DefaultLexicon().
	Lexicon *names.Lexicon
	// Logger receives Badger's warnings and errors. Default slog.Default().
	Logger *slog.Logger
	// CacheEntries bounds the projector's cache of newest values (see
	// Batch). Default 100,000 (about 30 MB); negative means 1 (and one
	// cached read for readers, no fresh documents), for tests that
	// want every read to reach Badger.
	CacheEntries int
	// SyncWrites makes the store fsync Badger's logs before it shows
	// readers (and waiters such as a mutation with wait) what a batch of
	// events applied: after a power failure the store is at least as far
	// as anyone was told, and no key points at a value that never reached
	// the disk. One fsync per batch, not per event (Badger's own
	// SyncWrites, one per transaction, cost the projection four fifths
	// of its throughput). Off, commits reach the disk when Badger writes
	// them out, and a crash of the machine may lose the newest, which
	// the projector then folds again from the log (the store says where
	// to resume).
	SyncWrites bool
}

// Store is the projected knowledge graph. Every write is versioned with
// the stream sequence of the event that caused it (Badger's managed
// mode), so a read can be made as of any applied sequence.
type Store struct {
	db  *badger.DB
	lex *names.Lexicon
	// latest caches the current value of keys the projector reads and
	// writes (see Batch), so that hot actors, names and relationships
	// are not looked up in the LSM tree for every assertion.
	latest *latestCache
	fresh  *freshDocs
	// reads caches, for readers, keys the projector rarely rewrites.
	reads *readCache

	// sync: see Config.SyncWrites.
	sync bool

	mu      sync.Mutex
	applied uint64
	// advanced is closed and replaced each time applied moves, so
	// waiters wake without polling.
	advanced chan struct{}
}

// LayoutError says the store on disk was written by another layout.
type LayoutError struct {
	Dir        string
	Have, Want int
}

func (e *LayoutError) Error() string {
	return fmt.Sprintf("graph store %s has layout version %d, this build needs %d: run `dossier rebuild` to re-project it from the log", e.Dir, e.Have, e.Want)
}

// ErrNotFound is returned when an actor, relationship, assertion or
// document does not exist (at the read's point in history).
var ErrNotFound = errors.New("not found")

// Open opens or creates a store, checking its layout version.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Dir == "" && !cfg.InMemory {
		return nil, errors.New("open graph: Config.Dir is required")
	}
	if cfg.Lexicon == nil {
		cfg.Lexicon = names.DefaultLexicon()
	}
	// Tests that want every read to reach Badger get no fresh documents
	// either.
	freshN, readN := defaultFreshDocs, defaultReadEntries
	switch {
	case cfg.CacheEntries == 0:
		cfg.CacheEntries = defaultCacheEntries
	case cfg.CacheEntries < 0:
		cfg.CacheEntries, freshN, readN = 1, 0, 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	// Badger's memory defaults stay: a 64 MB block cache and three
	// memtables instead of 256 MB and five made no difference to RSS at a
	// million assertions and cost the queries 5-25 % at p50 (BENCHMARKS.md,
	// "What stands in the way").
	opts := badger.DefaultOptions(cfg.Dir).
		WithInMemory(cfg.InMemory).
		WithLogger(badgerLogger{cfg.Logger}).
		// One writer, the projector, and it reads its own batch through an
		// overlay: there is nothing to detect, and detection would refuse
		// reads of keys written by the batch's earlier events.
		WithDetectConflicts(false).
		// History is kept: compaction may only drop versions below the
		// discard timestamp, which Dossier leaves at 0 for now.
		WithNumVersionsToKeep(math.MaxInt32)
	if cfg.InMemory {
		opts.Dir, opts.ValueDir = "", ""
	} else if err := checkTables(cfg.Dir, opts); err != nil {
		return nil, err
	}
	db, err := badger.OpenManaged(opts)
	if err != nil {
		return nil, fmt.Errorf("open graph %s: %w", cfg.Dir, err)
	}
	s := &Store{db: db, lex: cfg.Lexicon, advanced: make(chan struct{}), latest: newLatestCache(cfg.CacheEntries), fresh: newFreshDocs(freshN), reads: newReadCache(readN), sync: cfg.SyncWrites && !cfg.InMemory}
	if err := s.init(cfg.Dir); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// init reads the layout and applied sequence, writing the layout into a
// new store.
func (s *Store) init(dir string) error {
	txn := s.db.NewTransactionAt(math.MaxUint64, false)
	defer txn.Discard()
	var layout []byte
	switch item, err := txn.Get(keyLayout.Key("layout")); {
	case errors.Is(err, badger.ErrKeyNotFound):
	case err != nil:
		return fmt.Errorf("read layout of %s: %w", dir, err)
	default:
		if layout, err = item.ValueCopy(nil); err != nil {
			return fmt.Errorf("read layout of %s: %w", dir, err)
		}
	}
	if layout == nil {
		// The layout is written at version 1, below every event but the
		// first, so that any read can see it.
		w := s.db.NewTransactionAt(0, true)
		defer w.Discard()
		if err := w.Set(keyLayout.Key("layout"), []byte(strconv.Itoa(LayoutVersion))); err != nil {
			return fmt.Errorf("write layout: %w", err)
		}
		if err := w.CommitAt(1, nil); err != nil {
			return fmt.Errorf("write layout: %w", err)
		}
		return nil
	}
	if have, _ := strconv.Atoi(string(layout)); have != LayoutVersion {
		return &LayoutError{Dir: dir, Have: have, Want: LayoutVersion}
	}
	s.applied = lastEvent(txn)
	return nil
}

// lastEvent is the sequence of the last audit record, which is the last
// event applied: each event's transaction writes its record (Batch.apply
// sees to it), and Badger replays whole transactions, in order, after a
// crash. No applied-sequence key is kept, which every event would write.
func lastEvent(txn *badger.Txn) uint64 {
	seq, _ := seekEvent(txn, math.MaxUint64, nil)
	return seq
}

// lastRecord reads the last audit record at or before seq (zero if
// there is none): the graph's counts then.
func lastRecord(txn *badger.Txn, seq uint64) (EventRecord, error) {
	var rec EventRecord
	_, err := seekEvent(txn, seq, func(v []byte) error { return decodeValue(v, &rec) })
	return rec, err
}

// seekEvent finds the last audit record at or before seq and returns
// its sequence (0 if there is none), handing its value to fn if given.
func seekEvent(txn *badger.Txn, seq uint64, fn func([]byte) error) (uint64, error) {
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues, opts.Reverse, opts.Prefix = false, true, keyEvent.Prefix()
	it := txn.NewIterator(opts)
	defer it.Close()
	// Reversed, Seek finds the last key at or before its argument.
	if it.Seek(keyEvent.Key(hex16(seq))); !it.Valid() {
		return 0, nil
	}
	item := it.Item()
	found := fromHex16(keyEvent.Split(item.Key())[0])
	if fn == nil {
		return found, nil
	}
	if err := item.Value(fn); err != nil {
		return found, fmt.Errorf("read %q: %w", item.Key(), err)
	}
	return found, nil
}

// Applied is the last stream sequence folded into the store.
func (s *Store) Applied() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applied
}

// setApplied shows the events up to seq to readers. written are the keys
// of the kinds readers cache that those events wrote: the cached copies
// go first (see readCache).
func (s *Store) setApplied(seq uint64, written []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range written {
		s.reads.c.Remove(k)
	}
	if seq <= s.applied {
		return
	}
	s.applied = seq
	close(s.advanced)
	s.advanced = make(chan struct{})
}

// WaitFor blocks until the store has applied seq, or ctx ends.
func (s *Store) WaitFor(ctx context.Context, seq uint64) error {
	for {
		s.mu.Lock()
		applied, ch := s.applied, s.advanced
		s.mu.Unlock()
		if applied >= seq {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for sequence %d (applied %d): %w", seq, applied, ctx.Err())
		}
	}
}

// Lexicon is the store's name lexicon.
func (s *Store) Lexicon() *names.Lexicon { return s.lex }

// Size is what the store takes on disk: Badger's LSM tree (keys and
// small values) and its value log, in bytes, as Badger last measured.
func (s *Store) Size() (lsm, vlog int64) { return s.db.Size() }

// Close flushes and closes the store.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close graph: %w", err)
	}
	return nil
}

// badgerLogger sends Badger's chatter to slog; info and debug are dropped
// because Badger logs every compaction at info.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any)   { b.l.Error("badger: " + fmt.Sprintf(f, a...)) }
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Warn("badger: " + fmt.Sprintf(f, a...)) }
func (b badgerLogger) Infof(string, ...any)        {}
func (b badgerLogger) Debugf(string, ...any)       {}

// Entries is what a store holds of one key kind: every version of every
// key, deletions included, and their bytes before Badger compresses them.
type Entries struct {
	Count      int
	KeyBytes   int64
	ValueBytes int64
	// Packed estimates the kind's bytes in Badger's tables: its entries
	// laid out as Badger's table builder lays them out, in blocks of
	// the store's size, each compressed with Snappy as Badger does.
	// Values that do not compress (sealed text, random ids) show here.
	Packed int64
}

// EntryCounts counts the store's entries by key kind ("rel", "hist", …):
// what the fold has written, which is what a projection's speed and a
// store's size follow (BenchmarkMillion reports them per assertion).
func (s *Store) EntryCounts(ctx context.Context) (map[string]Entries, error) {
	txn := s.db.NewTransactionAt(math.MaxUint64, false)
	defer txn.Discard()
	opts := badger.DefaultIteratorOptions
	opts.AllVersions = true
	it := txn.NewIterator(opts)
	defer it.Close()
	counts := map[string]Entries{}
	blocks := map[string]*blockEstimate{}
	n := 0
	for it.Rewind(); it.Valid(); it.Next() {
		if n++; n%100_000 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("count entries: %w", ctx.Err())
		}
		item := it.Item()
		key := item.Key()
		kind := key
		if i := bytes.IndexByte(key, ':'); i > 0 {
			kind = key[:i]
		}
		e := counts[string(kind)]
		e.Count++
		e.KeyBytes += int64(len(key))
		e.ValueBytes += item.ValueSize()
		blk := blocks[string(kind)]
		if blk == nil {
			blk = &blockEstimate{size: s.db.Opts().BlockSize}
			blocks[string(kind)] = blk
		}
		err := item.Value(func(v []byte) error {
			e.Packed += blk.add(key, item.Version(), v)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("count entries: read %s: %w", key, err)
		}
		counts[string(kind)] = e
	}
	for kind, blk := range blocks {
		e := counts[kind]
		e.Packed += blk.flush()
		counts[kind] = e
	}
	return counts, nil
}

// blockEstimate lays entries out as Badger's table builder does (a
// 4-byte header, the key less what it shares with the block's first
// key, an 8-byte version, 3 bytes of metadata, the value, a 4-byte
// offset) and compresses each full block with Snappy, to tell what a
// kind of key costs on disk.
type blockEstimate struct {
	size int
	base []byte
	buf  []byte
	n    int
}

func (b *blockEstimate) add(key []byte, version uint64, value []byte) (packed int64) {
	if len(b.buf) > 0 && len(b.buf)+4*b.n+len(key)+len(value)+19 > b.size {
		packed = b.flush()
	}
	shared := 0
	if b.base == nil {
		b.base = append(b.base, key...)
	} else {
		for shared < min(len(key), len(b.base)) && key[shared] == b.base[shared] {
			shared++
		}
	}
	b.buf = append(b.buf, 0, 0, 0, 0)
	b.buf = append(b.buf, key[shared:]...)
	b.buf = binary.BigEndian.AppendUint64(b.buf, math.MaxUint64-version) // as Badger keeps it
	b.buf = append(b.buf, 0, 0, 0)
	b.buf = append(b.buf, value...)
	b.n++
	return packed
}

func (b *blockEstimate) flush() int64 {
	if b.n == 0 {
		return 0
	}
	b.buf = append(b.buf, make([]byte, 4*b.n+4)...)
	packed := int64(len(s2.EncodeSnappy(nil, b.buf)))
	b.base, b.buf, b.n = nil, b.buf[:0], 0
	return packed
}

// forget empties the write path's caches, when they may disagree with
// Badger.
func (s *Store) forget() {
	s.latest.purge()
	s.fresh.purge()
	s.reads.c.Purge()
}

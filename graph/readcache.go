package graph

import (
	lru "github.com/hashicorp/golang-lru/v2"
)

// defaultReadEntries bounds the readers' cache: about 15 MB at a typical
// identity record's 150 bytes and the LRU's overhead.
const defaultReadEntries = 100_000

// readCache holds, for reads at any sequence, the keys that queries and
// the extractor read again and again and the projector rarely rewrites:
// actors' identity records (act:) and the name and surname indexes
// (name:, last:). A page of edges, a neighbourhood or a path reads the
// identity of every actor it shows, and the extractor looks up every
// name it meets, most of them in no index; Badger answers each from the
// deepest levels of its tree, or after searching all of them for an
// absent key, at about 3 µs a read: a third of a page of 50 edges.
//
// An entry is a key's newest version and the sequence that wrote it (an
// absent key: nil, and the sequence it was found absent at), so it
// answers a view at any sequence from that one on: no newer version
// exists, because every write to the key removes the entry before the
// sequence that made it is shown to readers (Store.setApplied, under
// Store.mu), and a reader adds what it read only if no sequence has been
// shown since it opened its view (Store.addRead, under the same lock).
// A read at an older sequence than the entry's goes to Badger.
type readCache struct {
	c *lru.Cache[string, cachedRead]
}

type cachedRead struct {
	val []byte // nil: absent
	ver uint64
}

func newReadCache(n int) *readCache {
	c, err := lru.New[string, cachedRead](max(n, 1))
	if err != nil {
		panic(err) // only for n <= 0
	}
	return &readCache{c: c}
}

// get returns the value under key as of sequence at (nil: absent), if
// the cache can say.
func (rc *readCache) get(key string, at uint64) ([]byte, bool) {
	e, ok := rc.c.Get(key)
	if !ok || e.ver > at {
		return nil, false
	}
	return e.val, true
}

// addRead remembers what a view at sequence at read from Badger: the
// value and its version, or nil and at for an absent key, if that is
// still the newest: nothing has been applied since the view opened.
func (s *Store) addRead(key string, val []byte, ver, at uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.applied == at {
		s.reads.c.Add(key, cachedRead{val: val, ver: ver})
	}
}

// readCached says whether a key is of a kind the readers' cache keeps.
func readCached(key string) bool { return anyOf(key, readCachedKinds) }

var readCachedKinds = []*keyType{keyActor, keyName, keySurname}

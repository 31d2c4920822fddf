package graph

import (
	lru "github.com/hashicorp/golang-lru/v2"
)

// defaultIdentityEntries bounds the readers' cache of actor identities:
// about 10 MB at a typical record's 150 bytes and the LRU's overhead.
const defaultIdentityEntries = 50_000

// identityCache holds actors' identity records (act: keys) for reads at
// any sequence. A page of edges, a neighbourhood or a path reads the
// identity of every actor it shows, and Badger answers each from the
// deepest levels of its tree (the records are rarely rewritten), at
// about 3 µs a read: a third of a page of 50 edges.
//
// An entry is a record's newest version and the sequence that wrote it,
// so it answers a view at any sequence from that one on: no newer
// version exists, because every write to the key removes the entry
// before the sequence that made it is shown to readers (Store.setApplied,
// under Store.mu), and a reader adds what it read only if no sequence
// has been shown since it opened its view (add, under the same lock).
// A read at an older sequence than the entry's goes to Badger.
type identityCache struct {
	c *lru.Cache[string, identity]
}

type identity struct {
	val []byte
	ver uint64
}

func newIdentityCache(n int) *identityCache {
	c, err := lru.New[string, identity](max(n, 1))
	if err != nil {
		panic(err) // only for n <= 0
	}
	return &identityCache{c: c}
}

// get returns the record under key as of sequence at, if the cache can
// say.
func (ic *identityCache) get(key string, at uint64) ([]byte, bool) {
	e, ok := ic.c.Get(key)
	if !ok || e.ver > at {
		return nil, false
	}
	return e.val, true
}

// add remembers a record a view at sequence at read from Badger, with
// the version it found, if that is still the newest: nothing has been
// applied since the view opened.
func (s *Store) addIdentity(key string, val []byte, ver, at uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.applied == at {
		s.identities.c.Add(key, identity{val: val, ver: ver})
	}
}

// isIdentity says whether a key is an actor's identity record.
func isIdentity(key string) bool {
	p := keyActor.prefix
	return len(key) > len(p) && key[len(p)] == sep[0] && key[:len(p)] == p
}

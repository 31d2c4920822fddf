package graph

import lru "github.com/hashicorp/golang-lru/v2"

// defaultCacheEntries bounds the projector's cache: about 30 MB at the
// few hundred bytes of a typical value.
const defaultCacheEntries = 100_000

// latestCache holds the newest value of the keys most assertions read
// again (see cacheable): nil for a key known to be absent. It is the write path's
// cache, not the readers': views read at a sequence, and the newest
// value is only right for the newest sequence.
//
// It stays exact because the projector is the only writer and goes
// through it: a value enters on a read at the batch's read timestamp
// of a key the batch has not written (so nothing newer exists), or on
// a successful write. A failed commit may leave values in it that never
// reached Badger, so the batch purges it then. Eviction only costs a
// Badger read.
type latestCache struct {
	c *lru.Cache[string, []byte]
}

func newLatestCache(n int) *latestCache {
	c, err := lru.New[string, []byte](n)
	if err != nil {
		panic(err) // only for n <= 0
	}
	return &latestCache{c: c}
}

// cacheable says whether a key is worth caching: actors, their names,
// relationships, documents, the actors a document names and the counters
// are read by assertion after assertion; the rest (assertions, audit
// records, index entries) mostly once, and caching them would cost more
// than it saves.
func cacheable(key string) bool { return anyOf(key, cachedKinds) }

var cachedKinds = []*keyType{keyActor, keyActivity, keyName, keyRel, keySurname, keyDocument, keyDocActor}

// get returns the cached value and whether the key is cached.
func (l *latestCache) get(key string) ([]byte, bool) {
	if !cacheable(key) {
		return nil, false
	}
	return l.c.Get(key)
}

// read records the newest value of a key just read from Badger; nil
// means absent. It says whether the key is one the cache keeps.
func (l *latestCache) read(key string, v []byte) bool {
	if !cacheable(key) {
		return false
	}
	l.c.Add(key, v)
	return true
}

// wrote records a key's new value (nil: deleted) if the key is cached; a
// key not cached has no value to go stale.
func (l *latestCache) wrote(key string, v []byte) {
	// Most keys written are of kinds never cached: asking the LRU, which
	// locks and hashes, cost 6 % of the fold.
	if cacheable(key) && l.c.Contains(key) {
		l.c.Add(key, v)
	}
}

// purge forgets everything, when the cache may disagree with Badger.
func (l *latestCache) purge() { l.c.Purge() }

package seal

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Store keeps documents' keys. Package stream's Keys is the one Dossier
// runs on: a JetStream key-value bucket, replicated like the log.
type Store interface {
	// Get returns a document's key material, or an error matching
	// ErrErased when it was destroyed, or ErrNoKey when the document
	// never had one.
	Get(ctx context.Context, id string) ([]byte, error)
	// Create stores material as a document's key unless it has one
	// already, and returns the material that stands: material, or the
	// key another writer stored first. A destroyed key is never made
	// again: that is ErrErased.
	Create(ctx context.Context, id string, material []byte) ([]byte, error)
	// Destroy destroys a document's key so that its bytes are gone from
	// the store's disks, and marks the document erased so that no new key
	// is made for it. Destroying it again, or a document that never had
	// a key, is harmless.
	Destroy(ctx context.Context, id string) error
}

// KeyringConfig configures a Keyring.
type KeyringConfig struct {
	// Store keeps the keys. Required.
	Store Store
	// CacheEntries bounds how many documents' keys (or their absence)
	// are kept in memory. Default 10,000.
	CacheEntries int
}

// Keyring seals and opens documents' values with their keys, kept in a
// Store and cached in memory. Every instance evicts a destroyed key from
// its cache: Evict is called when the projector folds an erasure and
// when the key store says a key changed. It is safe for concurrent use.
type Keyring struct {
	store Store
	max   int

	mu    sync.Mutex
	cache map[string]cached
	// evictions counts Evict calls: a lookup that read the store while
	// one happened does not cache what it read, which may be a key
	// destroyed meanwhile.
	evictions uint64
}

// cached is what the keyring knows of one document: its key, or that it
// was erased, or that it has no key yet (key nil, erased false).
type cached struct {
	key    *Key
	erased bool
}

// NewKeyring checks the configuration.
func NewKeyring(cfg KeyringConfig) (*Keyring, error) {
	if cfg.Store == nil {
		return nil, errors.New("new keyring: KeyringConfig.Store is required")
	}
	if cfg.CacheEntries <= 0 {
		cfg.CacheEntries = 10000
	}
	return &Keyring{store: cfg.Store, max: cfg.CacheEntries, cache: map[string]cached{}}, nil
}

// Seal seals a value of a document, making the document's key if it has
// none. An empty value stays empty. It returns an error matching
// ErrErased for a document whose words were erased: nothing more may be
// recorded from it.
func (k *Keyring) Seal(ctx context.Context, doc, plaintext string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	key, err := k.keyFor(ctx, doc, true)
	if err != nil {
		return "", fmt.Errorf("seal a value of %s: %w", doc, err)
	}
	return key.Seal(plaintext), nil
}

// Open returns the plaintext of a document's value: a sealed value
// opened with its key, or a plaintext value (recorded before sealing) as
// it is, unless the document was erased. An erased document's values, or
// ones whose key is missing, give an error matching ErrErased or
// ErrNoKey.
func (k *Keyring) Open(ctx context.Context, doc, value string) (string, error) {
	if !IsSealed(value) {
		if value == "" || doc == "" {
			return value, nil
		}
		// Plaintext from before sealing: readable until its document
		// is erased (the log and the graph's history still hold it).
		c, err := k.lookup(ctx, doc)
		if err != nil {
			return "", err
		}
		if c.erased {
			return "", ErrErased
		}
		return value, nil
	}
	s, err := Parse(value)
	if err != nil {
		return "", err
	}
	key, err := k.keyFor(ctx, s.KeyID, false)
	if err != nil {
		return "", err
	}
	return key.Open(s)
}

// Erased says whether a document's words were erased.
func (k *Keyring) Erased(ctx context.Context, doc string) (bool, error) {
	c, err := k.lookup(ctx, doc)
	return c.erased, err
}

// Destroy destroys a document's key in the store and forgets it here.
func (k *Keyring) Destroy(ctx context.Context, doc string) error {
	k.Evict(doc)
	err := k.store.Destroy(ctx, doc)
	// Forget it again: a read racing the destruction may have cached
	// the key between the two.
	k.Evict(doc)
	if err != nil {
		return fmt.Errorf("destroy the key of %s: %w", doc, err)
	}
	return nil
}

// Evict forgets what the keyring knows of a document, so that the next
// use asks the store: called when its key is destroyed or made
// elsewhere.
func (k *Keyring) Evict(doc string) {
	k.mu.Lock()
	delete(k.cache, doc)
	k.evictions++
	k.mu.Unlock()
}

// EvictAll forgets every key: when changes made elsewhere may have been
// missed (the watch of the key store was interrupted).
func (k *Keyring) EvictAll() {
	k.mu.Lock()
	clear(k.cache)
	k.evictions++
	k.mu.Unlock()
}

// keyFor returns a document's key, making one when create is set and it
// has none.
func (k *Keyring) keyFor(ctx context.Context, doc string, create bool) (*Key, error) {
	c, err := k.lookup(ctx, doc)
	if err != nil {
		return nil, err
	}
	switch {
	case c.erased:
		return nil, ErrErased
	case c.key != nil:
		return c.key, nil
	}
	if !create {
		// The absence may be cached from before another instance made
		// the key: ask once more.
		k.Evict(doc)
		if c, err = k.lookup(ctx, doc); err != nil {
			return nil, err
		}
		if c.erased {
			return nil, ErrErased
		}
		if c.key == nil {
			return nil, ErrNoKey
		}
		return c.key, nil
	}
	fresh, err := NewKeyMaterial()
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	gen := k.evictions
	k.mu.Unlock()
	material, err := k.store.Create(ctx, doc, fresh)
	if errors.Is(err, ErrErased) {
		k.put(doc, cached{erased: true})
		return nil, ErrErased
	}
	if err != nil {
		return nil, err
	}
	key, err := NewKey(doc, material)
	if err != nil {
		return nil, err
	}
	k.putIf(doc, cached{key: key}, gen)
	return key, nil
}

// lookup is what the keyring knows of a document, asking the store on a
// miss.
func (k *Keyring) lookup(ctx context.Context, doc string) (cached, error) {
	k.mu.Lock()
	c, ok := k.cache[doc]
	gen := k.evictions
	k.mu.Unlock()
	if ok {
		return c, nil
	}
	material, err := k.store.Get(ctx, doc)
	switch {
	case errors.Is(err, ErrErased):
		c = cached{erased: true}
	case errors.Is(err, ErrNoKey):
		c = cached{}
	case err != nil:
		return c, fmt.Errorf("key of %s: %w", doc, err)
	default:
		key, err := NewKey(doc, material)
		if err != nil {
			return c, err
		}
		c = cached{key: key}
	}
	k.putIf(doc, c, gen)
	return c, nil
}

func (k *Keyring) put(doc string, c cached) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.putLocked(doc, c)
}

// putIf caches c unless the keyring evicted anything since gen.
func (k *Keyring) putIf(doc string, c cached, gen uint64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.evictions == gen {
		k.putLocked(doc, c)
	}
}

func (k *Keyring) putLocked(doc string, c cached) {
	if len(k.cache) >= k.max {
		// Forget an arbitrary tenth: a miss costs one read of the key
		// store, and an LRU's bookkeeping would cost every hit.
		n := k.max / 10
		for id := range k.cache {
			delete(k.cache, id)
			if n--; n <= 0 {
				break
			}
		}
	}
	k.cache[doc] = c
}

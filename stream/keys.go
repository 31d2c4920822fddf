package stream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/seal"
)

// KeysBucket is the key-value bucket of documents' keys (see package
// seal). It lives beside the log, not in it: erasing a document
// destroys its key there, which the immutable log could not do.
const KeysBucket = "DOSSIER_KEYS"

// KeysStream is the stream that holds KeysBucket, for backups and
// permissions.
const KeysStream = "KV_" + KeysBucket

// KeysConfig configures the key store.
type KeysConfig struct {
	// JetStream is the connection's JetStream context. Required.
	JetStream jetstream.JetStream
	// Bucket is the bucket's name. Default KeysBucket.
	Bucket string
	// Replicas is the bucket's replica count on a cluster, used when it
	// is created: the log's, since a key lost is its document's words
	// lost. Default 1.
	Replicas int
}

// Keys keeps documents' keys in a JetStream key-value bucket, one key
// per document under its id, with no history (a value replaces the one
// before it), in file storage. It is the seal.Store Dossier runs on.
type Keys struct {
	kv     jetstream.KeyValue
	stream jetstream.Stream
}

// Values under a document's id: its key (keyVersion, then the
// material), or erasedValue once the key was destroyed.
const keyVersion = 1

var erasedValue = []byte("erased")

// OpenKeys opens the bucket, creating it if it does not exist. An
// existing bucket's settings are left as they are.
func OpenKeys(ctx context.Context, cfg KeysConfig) (*Keys, error) {
	if cfg.JetStream == nil {
		return nil, errors.New("open key store: KeysConfig.JetStream is required")
	}
	if cfg.Bucket == "" {
		cfg.Bucket = KeysBucket
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	kv, err := cfg.JetStream.KeyValue(ctx, cfg.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		// The bucket's stream is made here rather than by
		// CreateKeyValue, which denies message deletes: a key is
		// destroyed by a secure delete of its message (see Destroy).
		// The rest is what CreateKeyValue sets for a bucket of history
		// 1, so the client's key-value calls work on it.
		_, err = cfg.JetStream.CreateStream(ctx, jetstream.StreamConfig{
			Name:              "KV_" + cfg.Bucket,
			Description:       "Dossier documents' keys: erasing a document destroys its key",
			Subjects:          []string{"$KV." + cfg.Bucket + ".>"},
			MaxMsgsPerSubject: 1,
			MaxBytes:          -1,
			MaxMsgSize:        -1,
			MaxMsgs:           -1,
			MaxConsumers:      -1,
			Storage:           jetstream.FileStorage,
			Replicas:          cfg.Replicas,
			AllowRollup:       true,
			Duplicates:        2 * time.Minute,
			AllowDirect:       true,
			Discard:           jetstream.DiscardNew,
		})
		if err == nil || errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			kv, err = cfg.JetStream.KeyValue(ctx, cfg.Bucket) // ours, or another instance's
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open key store %s: %w", cfg.Bucket, err)
	}
	s, err := cfg.JetStream.Stream(ctx, "KV_"+cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("open key store %s: %w", cfg.Bucket, err)
	}
	return &Keys{kv: kv, stream: s}, nil
}

// Get returns a document's key material, or an error matching
// seal.ErrErased or seal.ErrNoKey.
func (k *Keys) Get(ctx context.Context, id string) ([]byte, error) {
	e, err := k.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, seal.ErrNoKey
	}
	if err != nil {
		return nil, fmt.Errorf("key of %s: %w", id, err)
	}
	return material(id, e.Value())
}

func material(id string, v []byte) ([]byte, error) {
	switch {
	case bytes.Equal(v, erasedValue):
		return nil, seal.ErrErased
	case len(v) == 1+seal.KeySize && v[0] == keyVersion:
		return v[1:], nil
	}
	return nil, fmt.Errorf("key of %s: a value of %d bytes is neither a key nor an erasure", id, len(v))
}

// Create stores material as a document's key unless it has one, and
// returns the key that stands. A document whose key was destroyed gets
// none: seal.ErrErased.
func (k *Keys) Create(ctx context.Context, id string, m []byte) ([]byte, error) {
	if len(m) != seal.KeySize {
		return nil, fmt.Errorf("create the key of %s: %d bytes, not %d", id, len(m), seal.KeySize)
	}
	_, err := k.kv.Create(ctx, id, append([]byte{keyVersion}, m...))
	if err == nil {
		return m, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return nil, fmt.Errorf("create the key of %s: %w", id, err)
	}
	// Another writer was first, or the document was erased.
	return k.Get(ctx, id)
}

// Destroy destroys a document's key and leaves a mark that it was erased.
//
// A key-value delete or purge only marks the message deleted: its bytes
// stay in the stream's block files until the block is compacted, if ever,
// and so do the old revisions a new value replaces. So the key's message
// is first removed with JetStream's secure delete, which overwrites the
// record in the block file with random bytes (nats-server's
// fileStore.EraseMsg), and only then is the erasure mark written, into a
// subject that holds nothing any more. A key made by a racing writer in
// between is destroyed the same way.
func (k *Keys) Destroy(ctx context.Context, id string) error {
	for range 10 {
		e, err := k.kv.Get(ctx, id)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return fmt.Errorf("destroy the key of %s: %w", id, err)
		case bytes.Equal(e.Value(), erasedValue):
			return nil
		default:
			if err := k.stream.SecureDeleteMsg(ctx, e.Revision()); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
				// Deleted already by a racing destroy: look again.
				if _, gerr := k.stream.GetMsg(ctx, e.Revision()); !errors.Is(gerr, jetstream.ErrMsgNotFound) {
					return fmt.Errorf("destroy the key of %s: secure delete of revision %d: %w", id, e.Revision(), err)
				}
			}
		}
		_, err = k.kv.Create(ctx, id, erasedValue)
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return fmt.Errorf("destroy the key of %s: mark it erased: %w", id, err)
		}
		// A key or a mark was written meanwhile: look again.
	}
	return fmt.Errorf("destroy the key of %s: other writers kept making it", id)
}

// Watch calls changed with the id of every document whose key is made or
// destroyed, by any instance, until ctx ends: the keyring forgets what it
// cached of them. started, when set, is called once it watches: what
// changed before is not told. It returns once ctx ends, or with the
// watcher's error.
func (k *Keys) Watch(ctx context.Context, started func(), changed func(id string)) error {
	w, err := k.kv.WatchAll(ctx, jetstream.UpdatesOnly())
	if err != nil {
		return fmt.Errorf("watch the key store: %w", err)
	}
	defer w.Stop()
	if started != nil {
		started()
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return errors.New("watch the key store: the watcher stopped")
			}
			if e != nil {
				changed(e.Key())
			}
		}
	}
}

package node

import (
	"context"
	"errors"
	"time"

	"github.com/dossier-kg/dossier/api"
	"github.com/dossier-kg/dossier/seal"
	"github.com/dossier-kg/dossier/stream"
)

// Erasure, as this node runs it. Documents' words are sealed with their
// document's key before they reach the log, the document store or the
// graph (package seal); the keys live in a key-value bucket beside the
// log (stream.Keys), replicated like it, and each node caches them
// (seal.Keyring). Erasing a document appends DocumentErased, then
// destroys its key and deletes its text (eraseWords). Every node evicts
// the key from its cache when the bucket says it changed (watchKeys)
// and when it folds the erasure (erased), and destroys it then too, so
// an erasure whose appender died before destroying the key is finished
// by whichever node folds it next.

// erasePatience bounds how long the projector waits for a key to be
// destroyed when it folds an erasure.
const erasePatience = 10 * time.Second

// openKeys opens the key store and the keyring over it.
func (n *Node) openKeys(ctx context.Context) error {
	keys, err := whenReady(ctx, n.cfg.Logger, "open the key store", func() (*stream.Keys, error) {
		return stream.OpenKeys(ctx, stream.KeysConfig{JetStream: n.js, Replicas: n.cfg.NATS.Replicas})
	})
	if err != nil {
		return err
	}
	ring, err := seal.NewKeyring(seal.KeyringConfig{Store: keys})
	if err != nil {
		return err
	}
	n.keys, n.keyring = keys, ring
	return nil
}

// eraseWords destroys a document's key and deletes its text from the
// document store, overwriting their bytes. Doing it again is harmless.
func (n *Node) eraseWords(ctx context.Context, doc string) (api.ErasedWords, error) {
	// The API and the projector's hook both erase the same document at
	// about the same time: one at a time here.
	n.eraseMu.Lock()
	defer n.eraseMu.Unlock()
	var out api.ErasedWords
	if err := n.keyring.Destroy(ctx, doc); err != nil {
		return out, err
	}
	found, _, err := n.texts.EraseText(ctx, doc)
	if err != nil {
		return out, err
	}
	out.TextDeleted = found
	return out, nil
}

// erased is the projector's hook for a folded DocumentErased: forget the
// key, and make sure it is destroyed.
func (n *Node) erased(ctx context.Context, doc string) {
	n.keyring.Evict(doc)
	ctx, cancel := context.WithTimeout(ctx, erasePatience)
	defer cancel()
	if _, err := n.eraseWords(ctx, doc); err != nil && ctx.Err() == nil {
		// The erasure stands in the log and reads hide the words; the
		// next node to fold it, or eraseDocument called again, finishes.
		n.cfg.Logger.Error("erasure folded, but the document's key could not be destroyed; call eraseDocument again", "document", doc, "err", err)
	}
}

// watchKeys evicts from the keyring every key another node makes or
// destroys, until ctx ends, watching again after an error. What changed
// while it was not watching is unknown: it forgets every key each time
// it starts watching again.
func (n *Node) watchKeys(ctx context.Context) {
	backoff := time.Second
	for first := true; ; first = false {
		restarted := func() {
			if !first {
				n.keyring.EvictAll()
			}
		}
		err := n.keys.Watch(ctx, restarted, n.keyring.Evict)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("stopped")
		}
		n.cfg.Logger.Warn("watching the key store failed; watching again", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/events"
)

// ObjectStoreConfig configures the document store.
type ObjectStoreConfig struct {
	// JetStream is the connection's JetStream context. Required.
	JetStream jetstream.JetStream
	// Bucket is the object store's name. Default "DOSSIER_DOCUMENTS".
	Bucket string
	// Replicas is the bucket's replica count on a cluster, used when the
	// bucket is created. Default 1.
	Replicas int
	// Keys seals texts before they are stored and opens them when read
	// (package seal's Keyring). Optional: without it texts are stored
	// as written, as before sealing existed.
	Keys Keys
}

// Keys seals and opens a document's words with its key. Sealing fails,
// and opening too, with an error matching seal.ErrErased once the
// document was erased.
type Keys interface {
	Seal(ctx context.Context, doc, plaintext string) (string, error)
	Open(ctx context.Context, doc, value string) (string, error)
}

// ObjectStore keeps documents' texts in a NATS JetStream Object Store,
// one object per document named by its content id, in file storage,
// sealed with the document's key. Erasing a document destroys the key
// and deletes the object securely (EraseText).
type ObjectStore struct {
	bucket jetstream.ObjectStore
	stream jetstream.Stream
	name   string
	keys   Keys
}

// DefaultBucket is the object store bucket of document texts.
const DefaultBucket = "DOSSIER_DOCUMENTS"

// OpenObjectStore opens the bucket, creating it if it does not exist. An
// existing bucket's settings are left as they are.
func OpenObjectStore(ctx context.Context, cfg ObjectStoreConfig) (*ObjectStore, error) {
	if cfg.JetStream == nil {
		return nil, errors.New("open document store: ObjectStoreConfig.JetStream is required")
	}
	if cfg.Bucket == "" {
		cfg.Bucket = DefaultBucket
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	bucket, err := cfg.JetStream.ObjectStore(ctx, cfg.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		bucket, err = cfg.JetStream.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket:      cfg.Bucket,
			Description: "Dossier documents' texts, by content id",
			Storage:     jetstream.FileStorage,
			Replicas:    cfg.Replicas,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			// Another instance created it first.
			bucket, err = cfg.JetStream.ObjectStore(ctx, cfg.Bucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open document store %s: %w", cfg.Bucket, err)
	}
	st, err := cfg.JetStream.Stream(ctx, "OBJ_"+cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("open document store %s: %w", cfg.Bucket, err)
	}
	return &ObjectStore{bucket: bucket, stream: st, name: cfg.Bucket, keys: cfg.Keys}, nil
}

// PutText stores a text under its content id, sealed. A text already
// there is not written again: the id is its hash, so it is the same text
// (an object written before sealing stays as it is, until erased). A
// document that was erased is refused with an error matching
// seal.ErrErased: its words must not reach the disk again.
func (s *ObjectStore) PutText(ctx context.Context, id, text string) error {
	if id != events.DocumentID(text) {
		return fmt.Errorf("put text %s: the id is not the text's content id", id)
	}
	body := text
	if s.keys != nil {
		var err error
		if body, err = s.keys.Seal(ctx, id, text); err != nil {
			return fmt.Errorf("put text %s: %w", id, err)
		}
	}
	if _, err := s.bucket.GetInfo(ctx, id); err == nil {
		return nil
	} else if !errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("put text %s: %w", id, err)
	}
	meta := jetstream.ObjectMeta{Name: id, Metadata: map[string]string{"content-type": "text/plain; charset=utf-8"}}
	if s.keys != nil {
		meta.Metadata["content-encoding"] = "dossier-sealed"
	}
	if _, err := s.bucket.Put(ctx, meta, strings.NewReader(body)); err != nil {
		return fmt.Errorf("put text %s: %w", id, err)
	}
	return nil
}

// Text returns a document's text, or an error matching ErrTextNotFound,
// or seal.ErrErased once the document was erased.
func (s *ObjectStore) Text(ctx context.Context, id string) (string, error) {
	t, err := s.bucket.GetString(ctx, id)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return "", fmt.Errorf("text of %s: %w", id, ErrTextNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("text of %s: %w", id, err)
	}
	if s.keys != nil {
		if t, err = s.keys.Open(ctx, id, t); err != nil {
			return "", fmt.Errorf("text of %s: %w", id, err)
		}
	}
	return t, nil
}

// EraseText deletes a document's text so that its bytes are gone from
// the bucket's files: each chunk's message is removed with JetStream's
// secure delete, which overwrites it in the block file (an object
// store's own delete only marks the chunks deleted), then the object is
// deleted. A sealed text would be noise without its key anyway; a text
// stored before sealing is plaintext, and this is what removes it. It
// says whether the store held a text of the document (deleted now, by
// this call or an earlier one), and whether it was stored in the clear.
// Erasing again is harmless.
func (s *ObjectStore) EraseText(ctx context.Context, id string) (found, plaintext bool, err error) {
	info, err := s.bucket.GetInfo(ctx, id, jetstream.GetObjectInfoShowDeleted())
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("erase text %s: %w", id, err)
	}
	found = true
	plaintext = info.Metadata["content-encoding"] != "dossier-sealed"
	chunks := "$O." + s.name + ".C." + info.NUID
	for seq := uint64(1); ; {
		m, err := s.stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(chunks))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			break
		}
		if err != nil {
			return found, plaintext, fmt.Errorf("erase text %s: find its chunks: %w", id, err)
		}
		if err := s.stream.SecureDeleteMsg(ctx, m.Sequence); err != nil {
			// Erased meanwhile by another instance folding the same
			// erasure: then it is gone, which is what was asked.
			if _, gerr := s.stream.GetMsg(ctx, m.Sequence); !errors.Is(gerr, jetstream.ErrMsgNotFound) {
				return found, plaintext, fmt.Errorf("erase text %s: secure delete of chunk %d: %w", id, m.Sequence, err)
			}
		}
		seq = m.Sequence + 1
	}
	if !info.Deleted {
		if err := s.bucket.Delete(ctx, id); err != nil {
			return found, plaintext, fmt.Errorf("erase text %s: %w", id, err)
		}
	}
	return found, plaintext, nil
}

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
}

// ObjectStore keeps documents' texts in a NATS JetStream Object Store,
// one object per document named by its content id, in file storage.
// Unlike the log, a bucket allows deleting an object, which is how a
// document's words will be erased.
type ObjectStore struct {
	bucket jetstream.ObjectStore
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
	return &ObjectStore{bucket: bucket}, nil
}

// PutText stores a text under its content id. A text already there is
// not written again: the id is its hash, so it is the same text.
func (s *ObjectStore) PutText(ctx context.Context, id, text string) error {
	if id != events.DocumentID(text) {
		return fmt.Errorf("put text %s: the id is not the text's content id", id)
	}
	if info, err := s.bucket.GetInfo(ctx, id); err == nil && info.Size == uint64(len(text)) {
		return nil
	} else if err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("put text %s: %w", id, err)
	}
	meta := jetstream.ObjectMeta{Name: id, Metadata: map[string]string{"content-type": "text/plain; charset=utf-8"}}
	if _, err := s.bucket.Put(ctx, meta, strings.NewReader(text)); err != nil {
		return fmt.Errorf("put text %s: %w", id, err)
	}
	return nil
}

// Text returns a document's text, or an error matching ErrTextNotFound.
func (s *ObjectStore) Text(ctx context.Context, id string) (string, error) {
	t, err := s.bucket.GetString(ctx, id)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return "", fmt.Errorf("text of %s: %w", id, ErrTextNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("text of %s: %w", id, err)
	}
	return t, nil
}

package stream_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/internal/testenv"
	"github.com/dossier-kg/dossier/seal"
	"github.com/dossier-kg/dossier/stream"
)

// A destroyed key's bytes are gone from every file of the server, not
// only from what the bucket answers; the document can never have a key
// again; another document's key is untouched; watchers hear of both.
func TestKeysDestroyOverwritesTheBytes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := stream.StartServer(stream.ServerConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	nc, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	keys, err := stream.OpenKeys(ctx, stream.KeysConfig{JetStream: js})
	if err != nil {
		t.Fatal(err)
	}
	changed := make(chan string, 16)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go keys.Watch(wctx, nil, func(id string) { changed <- id })
	time.Sleep(100 * time.Millisecond) // the watcher subscribes

	erased, kept := strings.Repeat("a", 32), strings.Repeat("b", 32)
	if _, err := keys.Get(ctx, erased); !errors.Is(err, seal.ErrNoKey) {
		t.Fatalf("a new document's key: %v, want ErrNoKey", err)
	}
	var material [2][]byte
	for i, id := range []string{erased, kept} {
		m, _ := seal.NewKeyMaterial()
		got, err := keys.Create(ctx, id, m)
		if err != nil || string(got) != string(m) {
			t.Fatalf("create: %v", err)
		}
		// A second writer gets the first one's key.
		other, _ := seal.NewKeyMaterial()
		if got, err := keys.Create(ctx, id, other); err != nil || string(got) != string(m) {
			t.Fatalf("create again: %x, %v; want the first key", got, err)
		}
		material[i] = m
	}
	// The files are written through: both keys are on disk now, so the
	// search below can find one.
	nc.Flush()
	for i, m := range material {
		if files := testenv.FilesHolding(t, dir, m); len(files) == 0 {
			t.Fatalf("key %d is in no file under %s: the search cannot tell", i, dir)
		}
	}
	if err := keys.Destroy(ctx, erased); err != nil {
		t.Fatal(err)
	}
	if err := keys.Destroy(ctx, erased); err != nil {
		t.Fatalf("destroy again: %v", err)
	}
	if files := testenv.FilesHolding(t, dir, material[0]); len(files) > 0 {
		t.Errorf("the destroyed key is still in %v", files)
	}
	if files := testenv.FilesHolding(t, dir, material[1]); len(files) == 0 {
		t.Error("the other document's key is gone from disk")
	}
	if _, err := keys.Get(ctx, erased); !errors.Is(err, seal.ErrErased) {
		t.Errorf("get after destroy: %v, want ErrErased", err)
	}
	m, _ := seal.NewKeyMaterial()
	if _, err := keys.Create(ctx, erased, m); !errors.Is(err, seal.ErrErased) {
		t.Errorf("create after destroy: %v, want ErrErased", err)
	}
	if got, err := keys.Get(ctx, kept); err != nil || string(got) != string(material[1]) {
		t.Errorf("the other key: %v", err)
	}
	// A document that never had a key is marked erased all the same.
	never := strings.Repeat("c", 32)
	if err := keys.Destroy(ctx, never); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Get(ctx, never); !errors.Is(err, seal.ErrErased) {
		t.Errorf("a document destroyed before it had a key: %v", err)
	}
	// Once the server has shut down and written everything out: still
	// gone.
	nc.Close()
	srv.Shutdown()
	if files := testenv.FilesHolding(t, dir, material[0]); len(files) > 0 {
		t.Errorf("after shutdown the destroyed key is in %v", files)
	}
	heard := map[string]bool{}
	deadline := time.After(5 * time.Second)
	for !heard[erased] || !heard[kept] || !heard[never] {
		select {
		case id := <-changed:
			heard[id] = true
		case <-deadline:
			t.Fatalf("the watcher heard of %v only", heard)
		}
	}
}

package ingest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/ingest"
	"github.com/dossier-kg/dossier/internal/testenv"
	"github.com/dossier-kg/dossier/seal"
	"github.com/dossier-kg/dossier/stream"
)

// Texts are stored sealed and read back opened; erasing one overwrites
// its chunks' bytes, whether they were sealed or stored in the clear
// before sealing existed; an erased document's text is never stored
// again.
func TestObjectStoreSealsAndErases(t *testing.T) {
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
	ring, _ := seal.NewKeyring(seal.KeyringConfig{Store: keys})
	plainStore, err := ingest.OpenObjectStore(ctx, ingest.ObjectStoreConfig{JetStream: js}) // a build before sealing
	if err != nil {
		t.Fatal(err)
	}
	store, err := ingest.OpenObjectStore(ctx, ingest.ObjectStoreConfig{JetStream: js, Keys: ring})
	if err != nil {
		t.Fatal(err)
	}
	// Longer than one chunk (128 KiB), so erasure finds every chunk.
	sealedText := "The lighthouse keeper's saffron ledger was audited. " + strings.Repeat("Zapchat was banned in Chile after an audit. ", 4000)
	oldText := "The quince orchard memo predates sealing. " + strings.Repeat("Peru criticised Canada for the ban. ", 4000)
	sealedID, oldID := events.DocumentID(sealedText), events.DocumentID(oldText)
	if err := store.PutText(ctx, sealedID, sealedText); err != nil {
		t.Fatal(err)
	}
	if err := plainStore.PutText(ctx, oldID, oldText); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{sealedID: sealedText, oldID: oldText} {
		if got, err := store.Text(ctx, id); err != nil || got != want {
			t.Fatalf("text of %s: %.40q, %v", id, got, err)
		}
	}
	if found := testenv.FilesHolding(t, dir, []byte("saffron ledger")); len(found) > 0 {
		t.Errorf("a sealed text is in the clear in %v", found)
	}
	if found := testenv.FilesHolding(t, dir, []byte("quince orchard memo")); len(found) == 0 {
		t.Fatal("the text stored in the clear is in no file: the search cannot tell")
	}
	for _, id := range []string{sealedID, oldID} {
		if err := ring.Destroy(ctx, id); err != nil {
			t.Fatal(err)
		}
		found, plaintext, err := store.EraseText(ctx, id)
		if err != nil || !found || plaintext != (id == oldID) {
			t.Errorf("erase %s: found %v, plaintext %v, %v", id, found, plaintext, err)
		}
		if _, _, err := store.EraseText(ctx, id); err != nil {
			t.Errorf("erase %s again: %v", id, err)
		}
		if _, err := store.Text(ctx, id); !errors.Is(err, ingest.ErrTextNotFound) {
			t.Errorf("text of erased %s: %v", id, err)
		}
	}
	nc.Close()
	srv.Shutdown()
	for _, phrase := range []string{"quince orchard memo", "Peru criticised Canada for the ban."} {
		if found := testenv.FilesHolding(t, dir, []byte(phrase)); len(found) > 0 {
			t.Errorf("%q is still in %v after its erasure", phrase, found)
		}
	}
	// Restarted on the same files: an erased text is not stored again.
	srv, err = stream.StartServer(stream.ServerConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	nc, _ = srv.Connect()
	defer nc.Close()
	js, _ = jetstream.New(nc)
	keys, _ = stream.OpenKeys(ctx, stream.KeysConfig{JetStream: js})
	ring, _ = seal.NewKeyring(seal.KeyringConfig{Store: keys})
	store, _ = ingest.OpenObjectStore(ctx, ingest.ObjectStoreConfig{JetStream: js, Keys: ring})
	if err := store.PutText(ctx, oldID, oldText); !errors.Is(err, seal.ErrErased) {
		t.Errorf("storing an erased text again: %v", err)
	}
}

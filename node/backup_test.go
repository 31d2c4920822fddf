package node

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A backup taken while the server serves, restored into a fresh data
// directory, gives a server whose projection has the same digest at the
// same sequence, and the same document texts.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	a, err := Start(ctx, Config{DataDir: t.TempDir(), Instance: "a", NATS: NATSConfig{Listen: "127.0.0.1:-1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	post := func(n *Node, body string) string {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		n.Handler().ServeHTTP(rec, req)
		if rec.Code != 200 || strings.Contains(rec.Body.String(), `"errors"`) {
			t.Fatalf("%s: %d %s", body, rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	for i := range 3 {
		post(a, fmt.Sprintf(`{"query":"mutation { ingestDocument(input: {text: \"Country %d banned the messaging app Zapchat. Zapchat is owned by Holding %d.\", source: \"d%d\"}) { documentId } }"}`, i, i, i))
	}
	post(a, `{"query":"mutation { correctActor(actor: \"Zapchat\", type: \"PRODUCT\", reason: \"an app\") { sequence } }"}`)

	dir := filepath.Join(t.TempDir(), "backup")
	// While a serves, through its NATS port, as its admin.
	m, err := Backup(ctx, Config{DataDir: a.cfg.DataDir, NATS: NATSConfig{URL: a.NATSURL()}}, dir)
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	last := m.Streams["DOSSIER"].LastSeq
	if last == 0 || m.Streams["OBJ_DOSSIER_DOCUMENTS"].Messages == 0 {
		t.Fatalf("the backup holds %+v", m)
	}
	if _, err := Backup(ctx, Config{DataDir: a.cfg.DataDir, NATS: NATSConfig{URL: a.NATSURL()}}, dir); err == nil {
		t.Error("a second backup into the same directory was taken")
	}

	// A disk without room for the log and the graph beside the reserve:
	// refused before anything is written, as serve would refuse to start
	// on what it made.
	full := filepath.Join(t.TempDir(), "full")
	d := &fakeDisk{}
	d.free.Store(testReserve + int64(m.Streams["DOSSIER"].Bytes))
	_, err = Restore(ctx, Config{DataDir: full, DiskReserve: testReserve, FreeSpace: d.probe}, dir)
	if low := (*LowDiskError)(nil); !errors.As(err, &low) || low.Need < 2*int64(m.Streams["DOSSIER"].Bytes) {
		t.Fatalf("restore on a disk without room: %v, want a LowDiskError needing twice the log", err)
	}
	if _, err := os.Stat(full); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused restore made %s: %v", full, err)
	}

	fresh := t.TempDir()
	if _, err := Restore(ctx, Config{DataDir: fresh}, dir); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if _, err := Restore(ctx, Config{DataDir: fresh}, dir); err == nil {
		t.Error("a restore into a data directory that is not empty was done")
	}
	b, err := Start(ctx, Config{DataDir: fresh, Instance: "b"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := b.Store().WaitFor(wctx, last); err != nil {
		t.Fatalf("the restored log was not projected to %d: %v", last, err)
	}
	da, err := a.Store().DigestAt(last)
	if err != nil {
		t.Fatal(err)
	}
	db, err := b.Store().DigestAt(last)
	if err != nil {
		t.Fatal(err)
	}
	if da.Sum != db.Sum {
		t.Errorf("digest at %d: original %s, restored %s", last, da.Sum, db.Sum)
	}
	q := `{"query":"{ documents(first: 10) { edges { node { id text } } } }"}`
	if ta, tb := post(a, q), post(b, q); ta != tb || !strings.Contains(tb, "Zapchat") {
		t.Errorf("texts differ:\n%s\n%s", ta, tb)
	}
}

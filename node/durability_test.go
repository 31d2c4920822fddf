package node

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/stream"
)

// A strict node syncs every write of its embedded JetStream, and appends
// each write's events as one atomic batch, even on a log made before
// Dossier allowed batches (it allows them as the server's admin). A
// re-sent write appends nothing, as in the default mode.
func TestStrictDurability(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	streamWithoutBatches(t, dir)

	if _, err := ParseDurability("fsync"); err == nil {
		t.Error("ParseDurability took an unknown mode")
	}
	d, err := ParseDurability("strict")
	if err != nil {
		t.Fatal(err)
	}
	n, err := Start(ctx, Config{DataDir: dir, Instance: "t", Durability: d})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if !n.srv.SyncAlways() {
		t.Error("the embedded JetStream of a strict node does not sync every write")
	}
	if !n.log.AtomicBatches() {
		t.Fatal("a strict node does not append atomic batches")
	}

	// A document's events: one batch.
	var ing struct {
		IngestDocument struct {
			Sequence   uint64
			Assertions []struct{ Predicate string }
		}
	}
	durabilityGQL(t, n, `mutation { ingestDocument(input: {title: "Ban", text: "India banned TikTok in June. ByteDance owns TikTok, the app."}) { sequence assertions { predicate } } }`, &ing)
	last, err := n.log.LastSequence(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if last < 3 || len(ing.IngestDocument.Assertions) < 1 {
		t.Fatalf("ingested a document into %d events with %d assertions; want the document, its mentions and assertions", last, len(ing.IngestDocument.Assertions))
	}
	if ids := durabilityBatchIDs(t, n.js, 1, last); len(ids) != 1 || ids[0] == "" {
		t.Errorf("a document's %d events went in batches %q, want one", last, ids)
	}

	// A recordAssertions call: one batch; the same call again appends
	// nothing.
	const record = `mutation { recordAssertions(input: [
	  {subject: {name: "Acme"}, predicate: "OWNS", object: {name: "Widget"}, evidence: {document: "d", sentence: "Acme owns Widget."}},
	  {subject: {name: "Acme"}, predicate: "ACQUIRES", object: {name: "Gadget"}, evidence: {document: "d", sentence: "Acme bought Gadget."}},
	  {subject: {name: "Acme"}, predicate: "OWNS", object: {name: "Gizmo"}, evidence: {document: "d", sentence: "Acme owns Gizmo."}}]) {
	    lastSequence assertions { sequence duplicate } } }`
	var rec struct {
		RecordAssertions struct {
			LastSequence uint64
			Assertions   []struct {
				Sequence  uint64
				Duplicate bool
			}
		}
	}
	durabilityGQL(t, n, record, &rec)
	if got := rec.RecordAssertions.LastSequence; got != last+3 {
		t.Fatalf("three assertions end at %d, want %d", got, last+3)
	}
	if ids := durabilityBatchIDs(t, n.js, last+1, last+3); len(ids) != 1 || ids[0] == "" {
		t.Errorf("a call's three assertions went in batches %q, want one", ids)
	}
	durabilityGQL(t, n, record, &rec)
	for i, a := range rec.RecordAssertions.Assertions {
		if !a.Duplicate || a.Sequence != last+1+uint64(i) {
			t.Errorf("re-sent assertion %d: sequence %d, duplicate %v; want a duplicate of %d", i, a.Sequence, a.Duplicate, last+1+uint64(i))
		}
	}
	if got, _ := n.log.LastSequence(ctx); got != last+3 {
		t.Errorf("re-sending appended: the log ends at %d, want %d", got, last+3)
	}
}

// streamWithoutBatches makes the data directory's log as Dossier made it
// before it allowed atomic batches.
func streamWithoutBatches(t *testing.T, dir string) {
	t.Helper()
	creds, err := stream.LoadCredentials((&Node{cfg: Config{DataDir: dir}}).CredentialsFile())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := stream.StartServer(stream.ServerConfig{Dir: filepath.Join(dir, "nats"), Credentials: &creds})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	nc, err := srv.Connect(nats.UserInfo(stream.UserAdmin, creds.Passwords[stream.UserAdmin]))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: stream.DefaultStream, Subjects: []string{stream.SubjectAll},
		Storage: jetstream.FileStorage, DenyDelete: true, DenyPurge: true, AllowDirect: true}); err != nil {
		t.Fatal(err)
	}
}

// durabilityBatchIDs are the distinct Nats-Batch-Id headers of the log's events
// from..to, in order ("" for events sent on their own).
func durabilityBatchIDs(t *testing.T, js jetstream.JetStream, from, to uint64) []string {
	t.Helper()
	s, err := js.Stream(context.Background(), stream.DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for seq := from; seq <= to; seq++ {
		m, err := s.GetMsg(context.Background(), seq)
		if err != nil {
			t.Fatal(err)
		}
		if id := m.Header.Get("Nats-Batch-Id"); len(ids) == 0 || ids[len(ids)-1] != id {
			ids = append(ids, id)
		}
	}
	return ids
}

// durabilityGQL runs a GraphQL operation through the node's handler and decodes
// its data into out.
func durabilityGQL(t *testing.T, n *Node, query string, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	rec := httptest.NewRecorder()
	n.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body))))
	var r struct {
		Data   json.RawMessage
		Errors []any
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || rec.Code != 200 || len(r.Errors) > 0 {
		t.Fatalf("%.60s: %d %s", query, rec.Code, rec.Body.String())
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatal(err)
	}
}

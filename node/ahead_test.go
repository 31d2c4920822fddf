package node

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A store ahead of its log (the NATS data lost or replaced) is refused at
// start: serving it would acknowledge writes whose sequences count as
// applied already, so they would never be projected. Rebuild recovers,
// when told it may lose what the store holds.
func TestStoreAheadOfLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := Config{DataDir: dir, Instance: "t"}
	n, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"query":"mutation { recordAssertions(input: [{subject: {name: \"Acme\"}, predicate: \"OWNS\", object: {name: \"Widget\"}, evidence: {document: \"d\", sentence: \"Acme owns Widget.\"}}]) { lastSequence } }"}`
	rec := httptest.NewRecorder()
	n.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body)))
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "errors") {
		t.Fatalf("record: %d %s", rec.Code, rec.Body.String())
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "nats")); err != nil {
		t.Fatal(err)
	}

	_, err = Start(ctx, cfg)
	var ahead *StoreAheadError
	if !errors.As(err, &ahead) || ahead.Applied != 1 || ahead.LogLast != 0 {
		t.Fatalf("Start on a store ahead of its log = %v, want a StoreAheadError 1 > 0", err)
	}
	if !strings.Contains(err.Error(), "dossier restore") || !strings.Contains(err.Error(), "dossier rebuild --accept-log-loss") {
		t.Errorf("the error does not say what to do: %v", err)
	}

	// Rebuilding loses what the store holds: only when told to.
	if _, err := Rebuild(ctx, cfg); !errors.As(err, &ahead) {
		t.Fatalf("rebuild of a store ahead of its log = %v, want a StoreAheadError", err)
	}
	accept := cfg
	accept.AcceptLogLoss = true
	if _, err := Rebuild(ctx, accept); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	n, err = Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start after rebuild: %v", err)
	}
	defer n.Close()
	if got := n.Store().Applied(); got != 0 {
		t.Errorf("after rebuild the store has applied %d, want 0 (the log is empty)", got)
	}
}

package node

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// /readyz answers 503 while the projection has not reached what the log
// held at start, and 200 once it has; /healthz answers 200 throughout.
func TestReadyz(t *testing.T) {
	n, err := Start(context.Background(), Config{DataDir: t.TempDir(), Instance: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		n.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get("/readyz"); code != 200 {
		t.Fatalf("an empty log: /readyz %d %s", code, body)
	}
	// As if the log had held more at start than has been projected.
	n.startLast = n.store.Applied() + 10
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "catching up") {
		t.Errorf("behind: /readyz %d %s", code, body)
	}
	if code, body := get("/healthz"); code != 200 {
		t.Errorf("behind: /healthz %d %s", code, body)
	}
}

package node

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A server on loopback answers requests addressed to loopback names
// only: a page at http://rebound.example:8080 that the attacker's DNS
// points at 127.0.0.1 sends Host: rebound.example, and is refused.
func TestHostGuard(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := hostGuard([]string{"localhost", "127.0.0.1", "::1"}, ok)
	for host, want := range map[string]int{
		"127.0.0.1:8080": http.StatusNoContent, "localhost:8080": http.StatusNoContent, "LOCALHOST": http.StatusNoContent,
		"[::1]:8080": http.StatusNoContent, "rebound.example:8080": http.StatusMisdirectedRequest, "127.0.0.1.nip.io": http.StatusMisdirectedRequest,
	} {
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Host %s: %d, want %d", host, rec.Code, want)
		}
	}
	// With no names set (a server beyond loopback), any host passes.
	req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	req.Host = "rebound.example:8080"
	rec := httptest.NewRecorder()
	hostGuard(nil, ok).ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		t.Errorf("no names set: %d, want any host served", rec.Code)
	}
}

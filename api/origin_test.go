package api

import (
	"net/http/httptest"
	"testing"
)

// WebSocket upgrades: non-browser clients and the server's own pages are
// let in, other sites only when configured.
func TestCheckOrigin(t *testing.T) {
	c := Config{AllowedOrigins: []string{"https://explorer.example"}}
	for _, tc := range []struct {
		origin string
		want   bool
	}{
		{"", true},
		{"http://dossier.local:8080", true},
		{"https://explorer.example", true},
		{"https://evil.example", false},
		{"http://dossier.local:9090", false},
		{"::not a url", false},
	} {
		r := httptest.NewRequest("GET", "http://dossier.local:8080/graphql", nil)
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if got := c.checkOrigin(r); got != tc.want {
			t.Errorf("origin %q: %v, want %v", tc.origin, got, tc.want)
		}
	}
}

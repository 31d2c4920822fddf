package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A bad argument to a subscription over SSE is an error event, never a
// panic.
func TestSSEBadArgument(t *testing.T) {
	h := startNode(t)
	for _, q := range []string{
		`subscription { assertionRecorded(after: -1) { sequence } }`,
		`subscription { assertionRecorded(after: "x") { sequence } }`,
	} {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(gql(q, nil)))
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if body := rec.Body.String(); strings.Contains(body, "panic") || !strings.Contains(body, "errors") {
			t.Errorf("%s: %d %q", q, rec.Code, body)
		}
	}
}

// A subscription may wait for the first claim about an actor the graph
// does not know yet.
func TestSubscribeToActorNotYetKnown(t *testing.T) {
	srv := httptest.NewServer(startNode(t))
	defer srv.Close()
	q := `subscription { assertionRecorded(filter: {actor: "Zubrowka Republic"}) { subject { name } } }`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(gql(q, nil)))
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := make(chan string, 8)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				got <- string(buf[:n])
			}
			if err != nil {
				close(got)
				return
			}
		}
	}()
	post(t, srv.Config.Handler, gql(record, map[string]any{"in": []any{one("Zubrowka Republic", "BANS", "Zapchat", "Zubrowka banned Zapchat.")}}))
	deadline := time.After(5 * time.Second)
	for {
		select {
		case s, ok := <-got:
			if !ok {
				t.Fatal("the subscription ended")
			}
			if strings.Contains(s, "errors") {
				t.Fatalf("the subscription failed: %s", s)
			}
			if strings.Contains(s, "Zubrowka Republic") {
				return
			}
		case <-deadline:
			t.Fatal("no event for the actor once it appeared")
		}
	}
}

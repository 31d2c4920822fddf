package api_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/api"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/internal/testenv"
	"github.com/dossier-kg/dossier/stream"
)

// A client that announces a body and never sends it is answered and let
// go when the body timeout passes, not held forever.
func TestSlowBodyTimesOut(t *testing.T) {
	_, js := testenv.JetStream(t)
	log, err := stream.OpenLog(context.Background(), stream.LogConfig{JetStream: js})
	if err != nil {
		t.Fatal(err)
	}
	store, err := graph.Open(context.Background(), graph.Config{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	s, err := api.New(api.Config{Store: store, Log: log, BodyTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"query\":"))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a trickling body: %v", err)
	}
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
}

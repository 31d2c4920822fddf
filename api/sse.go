package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
)

// serveSSE answers a POST with Accept: text/event-stream in graphql-sse's
// distinct-connections mode: one "next" event per result, then
// "complete". A subscription streams until the client goes away; a query
// or mutation sends its one result. Comments keep idle streams open
// through proxies. run starts the operation and gives its results.
func (s *Server) serveSSE(ctx context.Context, w http.ResponseWriter, run func(context.Context) (<-chan any, error)) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		s.writeErrors(w, http.StatusInternalServerError, &Error{Code: CodeInternal, Message: "streaming unsupported"})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Connection", "keep-alive")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// Headers now: a quiet subscription must not look like a hung server.
	flusher.Flush()
	send := func(event string, data []byte) bool {
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data); err != nil {
			return false
		}
		flusher.Flush()
		return true
	}
	results, err := run(ctx)
	if err != nil {
		b, _ := json.Marshal(map[string]any{"errors": []map[string]any{{"message": err.Error(), "extensions": map[string]any{"code": CodeValidationFailed}}}})
		send("next", b)
		send("complete", nil)
		return
	}
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-keepAlive.C:
			if _, err := fmt.Fprint(w, ":\n\n"); err != nil {
				return
			}
			flusher.Flush()
		case r, more := <-results:
			if !more {
				send("complete", nil)
				return
			}
			if resp, ok := r.(*graphql.Response); ok {
				dropArgumentPanic(resp)
				s.codeErrors(resp.Errors)
			}
			b, err := json.Marshal(r)
			if err != nil || !send("next", b) {
				return
			}
		}
	}
}

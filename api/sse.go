package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
)

// serveSSE answers a POST with Accept: text/event-stream in graphql-sse's
// distinct-connections mode: one "next" event per result, then
// "complete". A subscription streams until the client goes away; a query
// or mutation sends its one result. Comments keep idle streams open
// through proxies.
func (s *Server) serveSSE(ctx context.Context, w http.ResponseWriter, req gqlRequest) {
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
	vars := numbersToFloat(req.Variables)
	if !isSubscription(req.Query, req.OperationName) {
		resp := s.schema.Exec(ctx, req.Query, req.OperationName, vars)
		s.codeErrors(resp.Errors)
		b, _ := json.Marshal(resp)
		send("next", b)
		send("complete", nil)
		return
	}
	results, err := s.schema.Subscribe(ctx, req.Query, req.OperationName, vars)
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

// isSubscription tells a subscription operation from a query or mutation
// without a full parse: the keyword before the operation's selection.
func isSubscription(query, operation string) bool {
	q := strings.TrimSpace(stripComments(query))
	for _, part := range splitOperations(q) {
		p := strings.TrimSpace(part)
		if operation != "" && !strings.Contains(p, operation) {
			continue
		}
		if strings.HasPrefix(p, "subscription") {
			return true
		}
		if operation == "" {
			return false
		}
	}
	return false
}

func stripComments(q string) string {
	var b strings.Builder
	for _, line := range strings.Split(q, "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// splitOperations splits a document at its top-level definitions.
func splitOperations(q string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range q {
		switch c {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				out = append(out, q[start:i+1])
				start = i + 1
			}
		}
	}
	return out
}

package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestServeVerify(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		name   string
		verify func(context.Context, func(uint64, uint64)) (any, error)
		status int
		body   string
	}{
		{"not configured", nil, http.StatusServiceUnavailable, `{"errors":[{"extensions":{"code":"UNAVAILABLE"},"message":"this server cannot verify its store"}]}`},
		{"equal", func(context.Context, func(uint64, uint64)) (any, error) {
			return map[string]any{"equal": true, "sequence": 7}, nil
		}, http.StatusOK, `{"equal":true,"sequence":7}`},
		{"failed", func(context.Context, func(uint64, uint64)) (any, error) { return nil, errors.New("disk on fire") }, http.StatusInternalServerError, `{"errors":[{"extensions":{"code":"INTERNAL"},"message":"verify: internal error"}]}`},
		{"gave up", func(context.Context, func(uint64, uint64)) (any, error) { return nil, context.Canceled }, http.StatusServiceUnavailable, `{"errors":[{"extensions":{"code":"UNAVAILABLE"},"message":"verify: cancelled"}]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &Server{cfg: Config{Verify: c.verify, Logger: quiet}}
			rec := httptest.NewRecorder()
			s.ServeVerify(rec, httptest.NewRequest(http.MethodPost, "/admin/verify", nil))
			var got, want any
			json.Unmarshal(rec.Body.Bytes(), &got)
			json.Unmarshal([]byte(c.body), &want)
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if rec.Code != c.status || string(gb) != string(wb) {
				t.Errorf("= %d %s, want %d %s", rec.Code, rec.Body, c.status, c.body)
			}
		})
	}
}

// Asked for progress, the answer is a stream of lines: progress as the
// verification reports it, then the report or the error.
func TestServeVerifyProgress(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		name   string
		verify func(context.Context, func(uint64, uint64)) (any, error)
		want   string
	}{
		{"report", func(_ context.Context, progress func(uint64, uint64)) (any, error) {
			progress(5, 10)
			progress(10, 10)
			return map[string]any{"equal": true}, nil
		}, `{"progress":{"folded":0,"of":0}}
{"progress":{"folded":5,"of":10}}
{"progress":{"folded":10,"of":10}}
{"report":{"equal":true}}
`},
		{"stalled", func(_ context.Context, progress func(uint64, uint64)) (any, error) {
			progress(3, 10)
			return nil, &Error{Code: CodeTimeout, Message: "verify: the log delivered nothing"}
		}, `{"progress":{"folded":0,"of":0}}
{"progress":{"folded":3,"of":10}}
{"errors":[{"extensions":{"code":"TIMEOUT"},"message":"verify: the log delivered nothing"}]}
`},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &Server{cfg: Config{Verify: c.verify, Logger: quiet}}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/admin/verify", nil)
			req.Header.Set("Accept", "application/x-ndjson")
			s.ServeVerify(rec, req)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/x-ndjson" || rec.Body.String() != c.want {
				t.Errorf("= %d %s %q, want 200 %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body, c.want)
			}
		})
	}
}

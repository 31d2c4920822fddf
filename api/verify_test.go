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
		verify func(context.Context) (any, error)
		status int
		body   string
	}{
		{"not configured", nil, http.StatusServiceUnavailable, `{"errors":[{"extensions":{"code":"UNAVAILABLE"},"message":"this server cannot verify its store"}]}`},
		{"equal", func(context.Context) (any, error) { return map[string]any{"equal": true, "sequence": 7}, nil }, http.StatusOK, `{"equal":true,"sequence":7}`},
		{"failed", func(context.Context) (any, error) { return nil, errors.New("disk on fire") }, http.StatusInternalServerError, `{"errors":[{"extensions":{"code":"INTERNAL"},"message":"verify: internal error"}]}`},
		{"gave up", func(ctx context.Context) (any, error) { return nil, context.Canceled }, http.StatusServiceUnavailable, `{"errors":[{"extensions":{"code":"UNAVAILABLE"},"message":"verify: cancelled"}]}`},
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

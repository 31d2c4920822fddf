package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// ServeVerify answers POST /admin/verify: it re-projects the log into a
// scratch store, compares it with the live one at the applied sequence,
// and returns the report as JSON, status 200 whether or not they agree
// ("equal" says). It is as costly as a rebuild, in memory; without
// Config.Verify it answers 503.
//
// A client that accepts application/x-ndjson is told the progress as it
// goes: status 200 at once, then a line {"progress":{"folded":K,"of":N}}
// about every second, and last {"report":{…}} or {"errors":[…]}, the
// error as the plain answer would carry it.
func (s *Server) ServeVerify(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Verify == nil {
		s.writeErrors(w, http.StatusServiceUnavailable, &Error{Code: CodeUnavailable, Message: "this server cannot verify its store"})
		return
	}
	if strings.Contains(r.Header.Get("Accept"), ndjson) {
		s.streamVerify(w, r)
		return
	}
	report, err := s.cfg.Verify(r.Context(), nil)
	if err != nil {
		e := s.verifyError(err)
		s.writeErrors(w, verifyStatus(e), e)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if err := json.NewEncoder(w).Encode(report); err != nil {
		s.cfg.Logger.Debug("write response", "err", err)
	}
}

const ndjson = "application/x-ndjson"

// VerifyProgress is a line of POST /admin/verify's progress stream.
type VerifyProgress struct {
	Folded uint64 `json:"folded"`
	Of     uint64 `json:"of"`
}

func (s *Server) streamVerify(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", ndjson)
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	var mu sync.Mutex
	send := func(v any) {
		mu.Lock()
		defer mu.Unlock()
		if err := enc.Encode(v); err == nil {
			rc.Flush()
		}
	}
	send(map[string]any{"progress": VerifyProgress{}})
	report, err := s.cfg.Verify(r.Context(), func(folded, of uint64) {
		send(map[string]any{"progress": VerifyProgress{Folded: folded, Of: of}})
	})
	if err != nil {
		e := s.verifyError(err)
		send(map[string]any{"errors": []map[string]any{{"message": e.Message, "extensions": e.Extensions()}}})
		return
	}
	send(map[string]any{"report": report})
}

// verifyError logs a failed verification and says it to the client.
func (s *Server) verifyError(err error) *Error {
	e := userError("verify", err)
	if e.Code == CodeUnavailable {
		// The client gave up, or the server is stopping.
		s.cfg.Logger.Warn("verify", "err", err)
	} else {
		s.cfg.Logger.Error("verify", "err", err)
	}
	return e
}

func verifyStatus(e *Error) int {
	switch e.Code {
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	case CodeTimeout:
		return http.StatusGatewayTimeout
	case CodeConflict:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// serveReextract answers POST /admin/reextract?extractor=NAME: it re-runs
// an extractor over every stored document and appends the difference.
func (s *Server) serveReextract(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Reextract == nil {
		s.writeErrors(w, http.StatusServiceUnavailable, &Error{Code: CodeUnavailable, Message: "this server cannot re-extract"})
		return
	}
	principal := strings.TrimSpace(r.Header.Get(PrincipalHeader))
	if principal == "" {
		principal = "anonymous"
	}
	report, err := s.cfg.Reextract(r.Context(), r.URL.Query().Get("extractor"), principal)
	if err != nil {
		e := userError("re-extract", err)
		status := http.StatusInternalServerError
		if e.Code == CodeInvalidInput {
			status = http.StatusBadRequest
		} else {
			s.cfg.Logger.Error("re-extract", "err", err)
		}
		s.writeErrors(w, status, e)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(report); err != nil {
		s.cfg.Logger.Debug("write response", "err", err)
	}
}

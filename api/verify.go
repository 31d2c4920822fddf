package api

import (
	"encoding/json"
	"net/http"
	"strings"
)

// ServeVerify answers POST /admin/verify: it re-projects the log into a
// scratch store, compares it with the live one at the applied sequence,
// and returns the report as JSON, status 200 whether or not they agree
// ("equal" says). It is as costly as a rebuild, in memory; without
// Config.Verify it answers 503.
func (s *Server) ServeVerify(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Verify == nil {
		s.writeErrors(w, http.StatusServiceUnavailable, &Error{Code: CodeUnavailable, Message: "this server cannot verify its store"})
		return
	}
	report, err := s.cfg.Verify(r.Context())
	if err != nil {
		e := userError("verify", err)
		status := http.StatusInternalServerError
		if e.Code == CodeUnavailable {
			// The client gave up, or the server is stopping.
			status = http.StatusServiceUnavailable
			s.cfg.Logger.Warn("verify", "err", err)
		} else {
			s.cfg.Logger.Error("verify", "err", err)
		}
		s.writeErrors(w, status, e)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if err := json.NewEncoder(w).Encode(report); err != nil {
		s.cfg.Logger.Debug("write response", "err", err)
	}
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

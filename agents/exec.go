package agents

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Executor runs one GraphQL operation against Dossier's API and decodes
// its data into out. What the API refuses, or answers with errors, is an
// *Error. The tools read and write only through it, so that an agent gets
// exactly what a GraphQL client would: nothing is read around the API.
type Executor interface {
	Exec(ctx context.Context, query string, vars map[string]any, out any) error
}

// Error is an operation the API refused or answered with errors: the
// first error's extensions.code and every message.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string {
	if e.Code == "" {
		return e.Message
	}
	return e.Code + ": " + e.Message
}

// principalHeader is the API's PrincipalHeader (TestPrincipalHeader holds
// them equal): this package does not import the API server, as no package
// but node does.
const principalHeader = "Dossier-Principal"

// maxAnswerBytes bounds what is read of an answer: the API's own bound on
// one (Limits.MaxResponseBytes, 32 MiB by default) with room to spare.
const maxAnswerBytes = 64 << 20

// Remote reaches a running Dossier over HTTP, as `dossier mcp` does.
type Remote struct {
	// URL of the server, such as http://127.0.0.1:8080. Required.
	URL string
	// Token, when set, is sent as Authorization: Bearer.
	Token string
	// Principal names who acts on a server without tokens; a server with
	// tokens takes the token's subject instead.
	Principal string
	// Client defaults to http.DefaultClient, which has no time limit.
	Client *http.Client
}

// Exec implements Executor.
func (r *Remote) Exec(ctx context.Context, query string, vars map[string]any, out any) error {
	endpoint := strings.TrimRight(r.URL, "/") + "/graphql"
	req, err := newRequest(ctx, endpoint, query, vars)
	if err != nil {
		return err
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	if r.Principal != "" {
		req.Header.Set(principalHeader, r.Principal)
	}
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach Dossier at %s (is `dossier serve` running?): %w", r.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return fmt.Errorf("read Dossier's answer: %w", err)
	}
	return decode(resp.StatusCode, body, out)
}

// InProcess runs operations through the API's own HTTP handler, in this
// process, on behalf of the caller of /mcp: each request carries the
// caller's Authorization and principal headers, so authentication, roles,
// cost and rate limits, time limits and error codes are the API's, as
// they would be over HTTP.
type InProcess struct {
	// API serves Dossier's GraphQL at /graphql (api.Server.Handler).
	API http.Handler
}

// Exec implements Executor. The caller is the one the context carries
// (withCaller); without one the request is anonymous.
func (p *InProcess) Exec(ctx context.Context, query string, vars map[string]any, out any) error {
	req, err := newRequest(ctx, "/graphql", query, vars)
	if err != nil {
		return err
	}
	c := callerFrom(ctx)
	for _, h := range []string{"Authorization", principalHeader} {
		if v := c.header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	// A server without tokens names the caller by this header, or
	// records "anonymous": "mcp" says which door the change came in by.
	if req.Header.Get(principalHeader) == "" {
		req.Header.Set(principalHeader, "mcp")
	}
	// Without tokens the API limits rates per address.
	req.RemoteAddr, req.Host = c.remoteAddr, c.host
	w := &recorder{header: http.Header{}, status: http.StatusOK}
	p.API.ServeHTTP(w, req)
	return decode(w.status, w.body.Bytes(), out)
}

func newRequest(ctx context.Context, url, query string, vars map[string]any) (*http.Request, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, fmt.Errorf("encode GraphQL request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("GraphQL request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// decode reads a GraphQL answer. The API answers refusals (401, 403, 429,
// 413…) with a GraphQL body too, which carries the code to pass on.
func decode(status int, body []byte, out any) error {
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string `json:"message"`
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("Dossier answered %d, not GraphQL: %.200s", status, body)
	}
	if len(r.Errors) > 0 {
		msgs := make([]string, len(r.Errors))
		for i, e := range r.Errors {
			msgs[i] = e.Message
		}
		return &Error{Code: r.Errors[0].Extensions.Code, Message: strings.Join(msgs, "; ")}
	}
	if status != http.StatusOK {
		return fmt.Errorf("Dossier answered %d: %.200s", status, body)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		return fmt.Errorf("decode Dossier's answer: %w", err)
	}
	return nil
}

// recorder is the ResponseWriter of an in-process request: the API
// writes one JSON answer, which is kept whole.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	w.wrote = true
	return w.body.Write(b)
}

// caller is who called a tool over /mcp.
type caller struct {
	header           http.Header
	remoteAddr, host string
}

type callerKey struct{}

func withCaller(ctx context.Context, c caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

func callerFrom(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	return c
}

package agents

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dossier-kg/dossier/ingest"
)

// HandlerConfig configures Handler.
type HandlerConfig struct {
	// API serves Dossier's GraphQL at /graphql (api.Server.Handler): the
	// tools run their operations through it. Required.
	API http.Handler
	// AllowedOrigins are the browser origins allowed besides the server's
	// own, as the API's (api.Config.AllowedOrigins).
	AllowedOrigins []string
	// MaxDocumentBytes is the server's bound on an ingested document; a
	// request carrying one that size, JSON-escaped, is accepted, and the
	// API decides. Default ingest.DefaultMaxBytes.
	MaxDocumentBytes int64
	// Logger is where the MCP SDK reports what goes wrong. Default: none.
	Logger *slog.Logger
}

// Handler serves the tools over MCP's streamable HTTP transport, running
// each call through the API's handler with the caller's Authorization
// header: a reader may read, a writer may also ingest, and a server with
// tokens refuses a call without one, as /graphql does.
//
// It is stateless: every request stands alone, so no session outlives
// its request, and a replica behind a load balancer can answer any
// request of an agent's.
func Handler(cfg HandlerConfig) http.Handler {
	srv := NewServer(&InProcess{API: cfg.API})
	if cfg.MaxDocumentBytes <= 0 {
		cfg.MaxDocumentBytes = ingest.DefaultMaxBytes
	}
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, &mcp.StreamableHTTPOptions{
		Stateless:    true,
		JSONResponse: true,
		Logger:       cfg.Logger,
		// Escaping can double a text's size (quotes, line ends).
		MaxRequestBodyBytes: 2*cfg.MaxDocumentBytes + 1<<20,
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A web page the user has open could otherwise call the tools from
		// the user's machine and network (DNS rebinding, which MCP's
		// specification warns of); agents send no Origin.
		if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(origin, r.Host) && !slices.Contains(cfg.AllowedOrigins, origin) {
			http.Error(w, fmt.Sprintf("a request from the web page at %s is refused; a server that should answer it lists it in its allowed origins", origin), http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r.WithContext(withCaller(r.Context(), caller{remoteAddr: r.RemoteAddr, host: r.Host})))
	})
}

func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, host)
}

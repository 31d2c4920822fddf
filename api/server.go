// Package api is Dossier's HTTP API: the GraphQL endpoint (graph-gophers/
// graphql-go over schema.graphql), the GraphiQL page, the health check
// and the store's verification against the log (POST /admin/verify).
//
// Each request reads one consistent view of the graph, opened lazily by
// the first resolver that needs it and closed when the response is
// written. Errors reach clients with a code in extensions.code and a
// message meant for them; causes go to the server log.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	graphql "github.com/graph-gophers/graphql-go"
	gqlerrors "github.com/graph-gophers/graphql-go/errors"
	graphqlws "github.com/graph-gophers/graphql-transport-ws"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dossier-kg/dossier"
	"github.com/dossier-kg/dossier/auth"
	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/ingest"
	"github.com/dossier-kg/dossier/record"
	"github.com/dossier-kg/dossier/stream"
	"github.com/dossier-kg/dossier/web"
)

// Config configures the API server.
type Config struct {
	// Store is the projection queries read. Required.
	Store *graph.Store
	// Log is where mutations append. Required.
	Log *stream.Log
	// Ontology validates assertions. Default events.DefaultOntology().
	Ontology *events.Ontology
	// Health reports why the server cannot serve current data (a stopped
	// projector, a lost NATS connection); nil means healthy. Optional.
	Health func() error
	// Ready reports why the server should not take traffic yet (for
	// GET /readyz), such as a projection still catching up; nil means
	// ready. Optional: without it, ready is healthy.
	Ready func() error
	// Ingester turns documents into events for ingestDocument. Optional:
	// without it ingestDocument answers UNAVAILABLE.
	Ingester *ingest.Ingester
	// Texts reads the texts of documents kept outside the graph (the
	// document store). Optional: without it Document.text is null for them.
	Texts TextReader
	// Keys open the sealed words queries read and seal the words
	// mutations append (package seal's Keyring). Optional: without it
	// sealed words read as UNAVAILABLE and mutations append words as
	// written.
	Keys Keys
	// Erase destroys an erased document's key and deletes its text from
	// the document store, for eraseDocument once the erasure is in the
	// log. Optional: without it eraseDocument answers UNAVAILABLE.
	Erase func(ctx context.Context, documentID string) (ErasedWords, error)
	// Verify compares the live store with a fresh projection of the log
	// and returns a JSON-encodable report with an "equal" field, for
	// POST /admin/verify. Optional: without it that answers 503. It tells
	// progress, about once a second, how many events of how many it has
	// projected so far.
	Verify func(ctx context.Context, progress func(folded, of uint64)) (any, error)
	// Reextract re-runs an extractor ("rules", "llm", "" for the
	// server's own) over the stored documents, for POST
	// /admin/reextract?extractor=NAME. Optional.
	Reextract func(ctx context.Context, extractor, principal string) (any, error)
	// Room, when set, is asked before every mutation (and re-extraction)
	// for room on the server's disks for a write whose request has size
	// bytes. An error refuses it with UNAVAILABLE (an *Error as it is,
	// anything else with its message), and reads go on: a full disk must
	// not take queries down with it. release ends the write's claim once
	// it is done. Optional.
	Room func(size int64) (release func(), err error)
	// MaxBodyBytes bounds a request body. Default: the ingester's limit on
	// a document (ingest.DefaultMaxBytes without one) plus 1 MiB for the
	// JSON around it.
	MaxBodyBytes int64
	// Tokens, when set, authenticate every request (Authorization:
	// Bearer <secret>) and give it its principal and role; without them
	// every caller is an admin and names itself (PrincipalHeader), as on
	// a developer's machine.
	Tokens *auth.Tokens
	// BodyTimeout bounds reading a request's body (default 30 s): a
	// client trickling bytes must not hold a connection and a goroutine
	// open. Streams (SSE, WebSocket) are not bounded by it once they run.
	BodyTimeout time.Duration
	// AllowedOrigins are the browser origins ("https://explorer.example")
	// allowed to open WebSocket subscriptions besides the server's own.
	AllowedOrigins []string
	// Limits bound what one request and one principal may cost: query
	// cost, time, response size, request rate, open subscriptions.
	Limits Limits
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Metrics is where the API registers its Prometheus metrics
	// (requests, errors by code, subscriptions). Optional.
	Metrics prometheus.Registerer
}

func (c *Config) setDefaults() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("Config.Store is required"))
	}
	if c.Log == nil {
		errs = append(errs, errors.New("Config.Log is required"))
	}
	if c.Ontology == nil {
		c.Ontology = events.DefaultOntology()
	}
	if c.BodyTimeout <= 0 {
		c.BodyTimeout = 30 * time.Second
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = ingest.DefaultMaxBytes + 1<<20
		if c.Ingester != nil {
			c.MaxBodyBytes = c.Ingester.MaxBytes() + 1<<20
		}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.Limits.setDefaults()
	return errors.Join(errs...)
}

// TextReader reads a document's text by id. It returns an error matching
// ingest.ErrTextNotFound when it does not hold the text (never stored, or
// erased).
type TextReader interface {
	Text(ctx context.Context, id string) (string, error)
}

// Limits on a query, against hostile or runaway clients.
const (
	maxQueryLength = 64 << 10
	maxDepth       = 24
	maxParallelism = 8
)

// Server serves the API.
type Server struct {
	cfg    Config
	schema *graphql.Schema
	mux    *http.ServeMux
	feed   *feed
	m      *metrics
	writer *record.Writer // every mutation appends through it
	cost   *costModel
	rate   *rateLimiter
	subs   *subscriptionSlots
}

// New parses the schema against the resolvers; a mismatch between
// schema.graphql and the code fails here, at start.
func New(cfg Config) (*Server, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, fmt.Errorf("new api server: %w", err)
	}
	var sealer record.Sealer
	if cfg.Keys != nil {
		sealer = cfg.Keys
	}
	w, err := record.New(record.Config{Log: cfg.Log, Store: cfg.Store, Sealer: sealer})
	if err != nil {
		return nil, fmt.Errorf("new api server: %w", err)
	}
	cost, err := newCostModel(cfg.Limits.MaxQueryCost)
	if err != nil {
		return nil, fmt.Errorf("new api server: %w", err)
	}
	s := &Server{cfg: cfg, m: newMetrics(cfg.Metrics), writer: w, cost: cost,
		rate: newRateLimiter(cfg.Limits), subs: newSubscriptionSlots(cfg.Limits)}
	s.feed = newFeed(cfg.Store, cfg.Logger, s.m.feed)
	schema, err := graphql.ParseSchema(dossier.Schema, &root{s: s},
		graphql.UseStringDescriptions(),
		graphql.UseFieldResolvers(),
		graphql.MaxDepth(maxDepth),
		graphql.MaxQueryLength(maxQueryLength),
		graphql.MaxParallelism(maxParallelism),
		// Subscription events wait for a slow transport rather than being
		// dropped after graphql-go's default second; falling behind is
		// handled by the feed (SLOW_CONSUMER), never silently.
		graphql.SubscribeResolverTimeout(time.Minute),
		graphql.Logger(panicLogger{cfg.Logger}),
	)
	if err != nil {
		return nil, fmt.Errorf("parse schema: %w", err)
	}
	s.schema = schema
	s.mux = http.NewServeMux()
	// One URL: a WebSocket upgrade with subprotocol graphql-transport-ws
	// gets subscriptions over WebSocket; a POST with Accept:
	// text/event-stream gets them over SSE; anything else is a plain
	// GraphQL request.
	s.mux.Handle("/graphql", s.m.instrument("graphql", s.websocketGate(graphqlws.NewHandlerFunc(codedSubscriber{s}, http.HandlerFunc(s.serveGraphQL),
		graphqlws.WithCheckOrigin(cfg.checkOrigin),
		graphqlws.WithMaxSubscriptions(MaxSubscriptionsPerConnection),
		graphqlws.WithReadLimit(1<<20),
		graphqlws.WithWriteTimeout(10*time.Second),
		graphqlws.WithContextGenerator(graphqlws.ContextGeneratorFunc(func(ctx context.Context, r *http.Request) (context.Context, error) {
			p, e := s.authorize(r, auth.Reader)
			if e != nil {
				return nil, e
			}
			return context.WithValue(ctx, requestKey{}, &requestState{principal: p.Subject, role: p.Role, rateKey: s.rateKey(r, p)}), nil
		})),
	))))
	s.mux.Handle("GET /healthz", s.m.instrument("healthz", s.healthHandler(cfg.Health)))
	s.mux.Handle("GET /readyz", s.m.instrument("readyz", s.healthHandler(cmpOr(cfg.Ready, cfg.Health))))
	s.mux.Handle("POST /admin/verify", s.m.instrument("verify", s.adminOnly(http.HandlerFunc(s.ServeVerify))))
	s.mux.Handle("POST /admin/reextract", s.m.instrument("reextract", s.adminOnly(s.needsRoom(http.HandlerFunc(s.serveReextract)))))
	g := web.GraphiQL()
	s.mux.Handle("/graphiql", g)
	s.mux.Handle("/graphiql/", g)
	e := web.Explorer()
	s.mux.Handle("GET /{$}", e)
	s.mux.Handle("GET /explorer/", e)
	return s, nil
}

// Close stops the live feed; subscriptions still open end. The HTTP
// server in front should be shut down first.
func (s *Server) Close() { s.feed.close() }

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

type requestKey struct{}

// requestState is what one request's resolvers share.
type requestState struct {
	once      sync.Once
	r         *reader
	err       error
	principal string
	role      auth.Role
	rateKey   string // whose rate and subscription limits apply

	mu    sync.Mutex
	fresh []*graph.View
}

func (st *requestState) reader(s *Server) (*reader, error) {
	st.once.Do(func() {
		v, err := s.cfg.Store.View(0)
		st.r, st.err = s.newReader(v), err
	})
	return st.r, st.err
}

// freshReader opens a view at the latest applied sequence for a mutation
// to report what it changed; the request's shared view may predate it.
// It is closed with the request.
func (st *requestState) freshReader(s *Server) (*reader, error) {
	return st.readerAt(s, 0)
}

// readerAt opens a view as of a sequence (0: the latest), closed with the
// request.
func (st *requestState) readerAt(s *Server, seq uint64) (*reader, error) {
	v, err := s.cfg.Store.View(seq)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	st.fresh = append(st.fresh, v)
	st.mu.Unlock()
	return s.newReader(v), nil
}

func (st *requestState) close() {
	if st.r != nil && st.r.v != nil {
		st.r.v.Close()
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, v := range st.fresh {
		v.Close()
	}
}

// authenticate is who a request acts for, and what it may do.
func (s *Server) authenticate(r *http.Request) (auth.Principal, *Error) {
	if s.cfg.Tokens == nil {
		p := principalOf(r)
		if p != "" {
			if err := auth.CheckSubject(p); err != nil {
				return auth.Principal{}, &Error{Code: CodeBadRequest, Message: PrincipalHeader + ": " + err.Error()}
			}
		}
		return auth.Principal{Subject: p, Role: auth.Admin}, nil
	}
	secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || secret == "" {
		return auth.Principal{}, &Error{Code: CodeUnauthenticated, Message: "this server needs a token: send Authorization: Bearer <token>"}
	}
	p, ok := s.cfg.Tokens.Check(strings.TrimSpace(secret))
	if !ok {
		return auth.Principal{}, &Error{Code: CodeUnauthenticated, Message: "the token is not one this server issued"}
	}
	return p, nil
}

// authorize authenticates r and refuses it below role.
func (s *Server) authorize(r *http.Request, role auth.Role) (auth.Principal, *Error) {
	p, e := s.authenticate(r)
	if e == nil && p.Role < role {
		e = &Error{Code: CodeForbidden, Message: fmt.Sprintf("this needs the %s role; the token is a %s's", role, p.Role)}
	}
	return p, e
}

// need refuses a resolver's work to a request whose role is below role.
func need(ctx context.Context, role auth.Role) error {
	st, ok := ctx.Value(requestKey{}).(*requestState)
	if ok && st.role >= role {
		return nil
	}
	have := auth.None
	if ok {
		have = st.role
	}
	return &Error{Code: CodeForbidden, Message: fmt.Sprintf("this needs the %s role; the token is a %s's", role, have)}
}

func principalFrom(ctx context.Context) string {
	if st, ok := ctx.Value(requestKey{}).(*requestState); ok && st.principal != "" {
		return st.principal
	}
	return "anonymous"
}

// PrincipalHeader names who is acting on a server without tokens, where
// it is taken on trust and recorded in every event the request causes;
// with tokens, the token's subject is the principal and the header is
// ignored.
const PrincipalHeader = "Dossier-Principal"

type gqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    struct {
		// AtLeast asks to wait until this server's projection has
		// applied the sequence (read-your-writes); the header
		// Dossier-At-Least does the same.
		AtLeast *uint64 `json:"atLeast"`
	} `json:"extensions"`
}

// AtLeastHeader asks a request to wait until the projection has applied
// a sequence, as returned by a mutation: read-your-writes.
const AtLeastHeader = "Dossier-At-Least"

// MaxAtLeastWait bounds how long a request waits for the projection.
const MaxAtLeastWait = 10 * time.Second

// MaxSubscriptionsPerConnection bounds the subscriptions one WebSocket
// may hold.
const MaxSubscriptionsPerConnection = 100

// panicLogger logs a panic graphql-go recovered from as one line, its
// stack at debug level: a client can cause one (an argument graphql-go
// cannot coerce, see dropArgumentPanic), and must not be able to fill the
// log with stacks.
type panicLogger struct{ l *slog.Logger }

func (p panicLogger) LogPanic(ctx context.Context, value any) {
	p.l.WarnContext(ctx, "graphql recovered from a panic", "panic", fmt.Sprint(value))
	p.l.DebugContext(ctx, "graphql panic stack", "stack", string(debug.Stack()))
}

// codedSubscriber gives WebSocket results the same extensions.code as
// every other transport.
type codedSubscriber struct{ s *Server }

// dropArgumentPanic removes the "panic occurred" error graphql-go adds
// after an argument it cannot coerce (assertionRecorded(after: -1)): the
// argument's own error says what is wrong, and a panic message must not
// reach a client.
func dropArgumentPanic(r *graphql.Response) {
	if len(r.Errors) < 2 {
		return
	}
	r.Errors = slices.DeleteFunc(r.Errors, func(e *gqlerrors.QueryError) bool { return strings.HasPrefix(e.Message, "panic occurred") })
}

func (c codedSubscriber) Subscribe(ctx context.Context, doc, op string, vars map[string]any) (<-chan any, error) {
	st, _ := ctx.Value(requestKey{}).(*requestState)
	if st == nil {
		return nil, &Error{Code: CodeInternal, Message: "internal error"}
	}
	if e := c.s.rateLimited(st.rateKey, "this connection's client"); e != nil {
		return nil, e
	}
	// A WebSocket message is at most 1 MiB (WithReadLimit): what its
	// write may take is bounded by that.
	pl, release, e := c.s.admit(st.rateKey, doc, op, vars, 1<<20)
	if e != nil {
		// As graphql-go answers an invalid subscription: one result
		// with the errors, then the end.
		return oneResult(e.response()), nil
	}
	ctx, cancel := c.s.withDeadline(ctx, pl)
	in, err := c.s.schema.Subscribe(ctx, doc, op, vars)
	if err != nil {
		cancel()
		release()
		var qe *gqlerrors.QueryError
		if errors.As(err, &qe) {
			c.s.codeErrors([]*gqlerrors.QueryError{qe})
			return nil, &Error{Code: fmt.Sprint(qe.Extensions["code"]), Message: qe.Message, Err: err}
		}
		return nil, err
	}
	out := make(chan any)
	// Owned by the subscription: it ends when graphql-go closes in,
	// which it does when ctx ends.
	go func() {
		defer close(out)
		defer cancel()
		defer release()
		for r := range in {
			if resp, ok := r.(*graphql.Response); ok {
				dropArgumentPanic(resp)
				c.s.codeErrors(resp.Errors)
			}
			select {
			case out <- r:
			case <-ctx.Done():
				for range in {
				}
				return
			}
		}
	}()
	return out, nil
}

// admit decides whether an operation may run: it must be valid, within
// the cost budget, for a mutation of size bytes within the room on the
// server's disks (Config.Room), and for a subscription within the
// open-subscription limits (release gives the room or the slot back; it
// is a no-op otherwise).
func (s *Server) admit(key, query, operationName string, vars map[string]any, size int64) (plan, func(), *Error) {
	pl, e := s.cost.estimate(query, operationName, vars)
	if e != nil && e.Code == CodeValidationFailed {
		// graphql-go's own message, where it has one, is the one
		// clients already know; a query only the cost model cannot
		// read is refused all the same, as it cannot be costed.
		if errs := s.schema.ValidateWithVariables(query, vars); len(errs) > 0 {
			e.Message = errs[0].Message
		}
	}
	if e != nil {
		s.m.errors.WithLabelValues(e.Code).Inc()
		return pl, nil, e
	}
	if pl.operation == "mutation" {
		release, e := s.room(size)
		if e != nil {
			s.m.errors.WithLabelValues(e.Code).Inc()
			return pl, nil, e
		}
		return pl, release, nil
	}
	if pl.operation != "subscription" {
		return pl, func() {}, nil
	}
	release, e := s.subs.take(key)
	if e != nil {
		s.m.errors.WithLabelValues(e.Code).Inc()
		return pl, nil, e
	}
	return pl, release, nil
}

// room asks Config.Room for room for a write of size bytes.
func (s *Server) room(size int64) (func(), *Error) {
	if s.cfg.Room == nil {
		return func() {}, nil
	}
	release, err := s.cfg.Room(size)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Code: CodeUnavailable, Message: err.Error(), Err: err}
		}
		return nil, e
	}
	return release, nil
}

// needsRoom refuses a request that writes (re-extraction) while the
// server's disks have no room, before h runs.
func (s *Server) needsRoom(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		release, e := s.room(0)
		if e != nil {
			s.m.errors.WithLabelValues(e.Code).Inc()
			s.writeErrors(w, statusOf(e.Code), e)
			return
		}
		release()
		h.ServeHTTP(w, r)
	})
}

// principalOf is who a request says it acts for.
func principalOf(r *http.Request) string {
	p := strings.TrimSpace(r.Header.Get(PrincipalHeader))
	if u, _, ok := r.BasicAuth(); ok && p == "" {
		p = u
	}
	return p
}

// checkOrigin accepts WebSocket upgrades from non-browser clients (no
// Origin), from the server's own origin, and from Config.AllowedOrigins;
// the library's default would accept any site.
func (c *Config) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err == nil && strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return slices.Contains(c.AllowedOrigins, origin)
}

// crossSite refuses what a web page in the user's browser could send to a
// Dossier it can reach (CSRF): a request from another origin than the
// server's own and Config.AllowedOrigins, and the body types an HTML form
// or a no-CORS fetch may send (form data, text/plain). Scripts and curl
// send no Origin; they send application/json, application/graphql, or
// no Content-Type.
func (s *Server) crossSite(r *http.Request) (int, *Error) {
	if !s.cfg.checkOrigin(r) {
		return http.StatusForbidden, &Error{Code: CodeForbidden, Message: fmt.Sprintf("a request from the web page at %s is refused; a server that should answer it lists it in its allowed origins", r.Header.Get("Origin"))}
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		switch {
		case err != nil:
			return http.StatusUnsupportedMediaType, &Error{Code: CodeBadRequest, Message: fmt.Sprintf("Content-Type %q is not a media type", ct)}
		case mt == "application/x-www-form-urlencoded", mt == "multipart/form-data", mt == "text/plain":
			return http.StatusUnsupportedMediaType, &Error{Code: CodeBadRequest, Message: fmt.Sprintf("a body of type %s is refused (a web form could send it): send Content-Type: application/json", mt)}
		}
	}
	return 0, nil
}

// websocketGate answers a WebSocket upgrade that cannot succeed before
// the upgrade, with a status and a JSON error a client can show: the
// library would switch protocols and then drop a connection that offers
// no subprotocol it speaks, and refuse a missing token with a bare 403.
func (s *Server) websocketGate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			h.ServeHTTP(w, r)
			return
		}
		offered := strings.Split(r.Header.Get("Sec-WebSocket-Protocol"), ",")
		if !slices.ContainsFunc(offered, func(p string) bool { return strings.TrimSpace(p) == graphqlws.ProtocolGraphQLTransportWS }) {
			s.writeErrors(w, http.StatusBadRequest, &Error{Code: CodeBadRequest,
				Message: "WebSocket subscriptions speak the " + graphqlws.ProtocolGraphQLTransportWS + " subprotocol (Sec-WebSocket-Protocol: " + graphqlws.ProtocolGraphQLTransportWS + "); SSE needs none"})
			return
		}
		if !s.cfg.checkOrigin(r) {
			s.writeErrors(w, http.StatusForbidden, &Error{Code: CodeForbidden, Message: fmt.Sprintf("a WebSocket from the web page at %s is refused; a server that should answer it lists it in its allowed origins", r.Header.Get("Origin"))})
			return
		}
		if _, e := s.authorize(r, auth.Reader); e != nil {
			s.writeErrors(w, statusOf(e.Code), e)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// adminOnly refuses cross-site requests (crossSite) and any but an
// admin's before h sees them.
func (s *Server) adminOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status, e := s.crossSite(r); e != nil {
			s.writeErrors(w, status, e)
			return
		}
		if _, e := s.authorize(r, auth.Admin); e != nil {
			s.writeErrors(w, statusOf(e.Code), e)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// waitAtLeast holds a request until the projection has applied seq.
func (s *Server) waitAtLeast(ctx context.Context, seq uint64) *Error {
	if seq == 0 || s.cfg.Store.Applied() >= seq {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, MaxAtLeastWait)
	defer cancel()
	if err := s.cfg.Store.WaitFor(wctx, seq); err != nil {
		return &Error{Code: CodeNotReady, Message: fmt.Sprintf("the projection has not reached sequence %d within %s (it is at %d); retry", seq, MaxAtLeastWait, s.cfg.Store.Applied()),
			Details: map[string]any{"applied": s.cfg.Store.Applied()}}
	}
	return nil
}

func (s *Server) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
			http.Redirect(w, r, "/graphiql", http.StatusFound)
			return
		}
		w.Header().Set("Allow", "POST")
		s.writeErrors(w, http.StatusMethodNotAllowed, &Error{Code: CodeBadRequest, Message: "use POST with a JSON body {\"query\": …}"})
		return
	}
	if status, e := s.crossSite(r); e != nil {
		s.writeErrors(w, status, e)
		return
	}
	var req gqlRequest
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout)) // unsupported by test recorders: then unbounded
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		// The deadline stays: the server's drain of an unread body
		// must not wait on the trickle either.
		s.badBody(w, err)
		return
	}
	rc.SetReadDeadline(time.Time{}) // a stream (SSE) runs unbounded
	// Decoding would turn invalid UTF-8 into U+FFFD and store that.
	if !utf8.Valid(b) {
		s.writeErrors(w, http.StatusBadRequest, &Error{Code: CodeBadRequest, Message: "the body is not valid UTF-8"})
		return
	}
	switch ct := r.Header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "application/graphql"):
		req.Query = string(b)
	default:
		// JSON is the default, so a script may leave Content-Type out.
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&req); err != nil {
			s.badBody(w, err)
			return
		}
	}
	if strings.TrimSpace(req.Query) == "" {
		s.writeErrors(w, http.StatusBadRequest, &Error{Code: CodeBadRequest, Message: "the request has no query"})
		return
	}
	atLeast := uint64(0)
	if req.Extensions.AtLeast != nil {
		atLeast = *req.Extensions.AtLeast
	}
	if h := r.Header.Get(AtLeastHeader); h != "" {
		n, err := strconv.ParseUint(strings.TrimSpace(h), 10, 64)
		if err != nil {
			s.writeErrors(w, http.StatusBadRequest, &Error{Code: CodeBadRequest, Message: AtLeastHeader + " must be a sequence number"})
			return
		}
		atLeast = max(atLeast, n)
	}
	p, e := s.authenticate(r)
	if e != nil {
		s.writeErrors(w, statusOf(e.Code), e)
		return
	}
	key := s.rateKey(r, p)
	if e := s.rateLimited(key, whoFor(p)); e != nil {
		w.Header().Set("Retry-After", fmt.Sprint(e.Details["retryAfter"]))
		s.writeErrors(w, http.StatusTooManyRequests, e)
		return
	}
	vars := numbersToFloat(req.Variables)
	stream := strings.Contains(r.Header.Get("Accept"), "text/event-stream")
	pl, release, e := s.admit(key, req.Query, req.OperationName, vars, int64(len(b)))
	if e != nil {
		if stream {
			// The GraphQL-over-SSE protocol reports what refuses an
			// operation before it runs in the accepted stream.
			s.serveSSE(r.Context(), w, func(context.Context) (<-chan any, error) { return oneResult(e.response()), nil })
			return
		}
		s.writeErrors(w, statusOf(e.Code), e)
		return
	}
	defer release()
	pl.size = int64(len(b))
	if e := s.waitAtLeast(r.Context(), atLeast); e != nil {
		s.writeErrors(w, http.StatusServiceUnavailable, e)
		return
	}
	st := &requestState{principal: p.Subject, role: p.Role, rateKey: key}
	defer st.close()
	ctx, cancel := s.withDeadline(context.WithValue(r.Context(), requestKey{}, st), pl)
	defer cancel()
	if stream {
		s.serveSSE(ctx, w, func(ctx context.Context) (<-chan any, error) {
			if pl.operation != "subscription" {
				return oneResult(s.exec(ctx, req.Query, req.OperationName, vars, pl)), nil
			}
			return s.schema.Subscribe(ctx, req.Query, req.OperationName, vars)
		})
		return
	}
	resp := s.exec(ctx, req.Query, req.OperationName, vars, pl)
	w.Header().Set("Content-Type", "application/json")
	status := http.StatusOK
	if resp.Data == nil && len(resp.Errors) > 0 {
		status = statusOf(fmt.Sprint(resp.Errors[0].Extensions["code"]))
	}
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(resp); err != nil {
		s.cfg.Logger.Debug("write response", "err", err)
	}
}

// exec runs a query or mutation and codes its errors; a query's answer
// over the response cap is replaced by COST_LIMIT, as it would take the
// client (and the server, writing it) too much memory.
func (s *Server) exec(ctx context.Context, query, operationName string, vars map[string]any, pl plan) *graphql.Response {
	resp := s.schema.Exec(ctx, query, operationName, vars)
	if pl.operation == "query" && len(resp.Data) > s.cfg.Limits.MaxResponseBytes {
		resp.Data = nil
		resp.Errors = append(resp.Errors, &gqlerrors.QueryError{
			Message:    fmt.Sprintf("the answer is over this server's limit of %d bytes: ask for smaller pages (first) or fewer fields", s.cfg.Limits.MaxResponseBytes),
			Extensions: map[string]any{"code": CodeCostLimit, "limit": s.cfg.Limits.MaxResponseBytes},
		})
	}
	s.codeErrors(resp.Errors)
	return resp
}

// statusOf is the HTTP status of a request refused as a whole.
func statusOf(code string) int {
	switch code {
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	case CodeRateLimited:
		return http.StatusTooManyRequests
	case CodeTimeout:
		return http.StatusGatewayTimeout
	case CodeUnauthenticated:
		return http.StatusUnauthorized
	case CodeForbidden:
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// numbersToFloat turns json.Number variables into the float64 or int
// graphql-go expects; UseNumber keeps large integers exact until here.
func numbersToFloat(v map[string]any) map[string]any {
	var conv func(any) any
	conv = func(x any) any {
		switch t := x.(type) {
		case json.Number:
			if i, err := t.Int64(); err == nil && i >= -1<<31 && i < 1<<31 {
				return float64(i)
			}
			f, _ := t.Float64()
			return f
		case map[string]any:
			for k, e := range t {
				t[k] = conv(e)
			}
		case []any:
			for i, e := range t {
				t[i] = conv(e)
			}
		}
		return x
	}
	for k, e := range v {
		v[k] = conv(e)
	}
	return v
}

func (s *Server) badBody(w http.ResponseWriter, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		s.writeErrors(w, http.StatusRequestEntityTooLarge, &Error{Code: CodeTooLarge, Message: fmt.Sprintf("request body is over %d bytes", tooBig.Limit)})
		return
	}
	s.writeErrors(w, http.StatusBadRequest, &Error{Code: CodeBadRequest, Message: "request body is not a JSON GraphQL request: " + err.Error()})
}

// codeErrors gives every error a code: resolver errors carry their own,
// errors graphql-go raised before running anything are validation
// failures, and anything else (a panic, a bug) is internal and logged.
func (s *Server) codeErrors(errs []*gqlerrors.QueryError) {
	defer func() {
		for _, e := range errs {
			s.m.errors.WithLabelValues(fmt.Sprint(e.Extensions["code"])).Inc()
		}
	}()
	for _, e := range errs {
		var apiErr *Error
		switch {
		case errors.As(e.Err, &apiErr) || errors.As(e.ResolverError, &apiErr):
			if apiErr.Code == CodeInternal {
				s.cfg.Logger.Error("graphql resolver", "path", e.Path, "err", apiErr.Err)
			}
			if e.Extensions == nil {
				e.Extensions = apiErr.Extensions()
			}
		case e.ResolverError != nil:
			s.cfg.Logger.Error("graphql resolver", "path", e.Path, "err", e.ResolverError)
			e.Message = "internal error"
			e.Extensions = map[string]any{"code": CodeInternal}
		case e.Extensions == nil && e.Message == context.DeadlineExceeded.Error():
			// graphql-go answers a request whose context ended with the
			// bare context error. A mutation may have been recorded:
			// retrying is safe.
			e.Message = "the request ran over this server's time limit: narrow it (smaller pages, depth or fewer fields); a mutation already recorded is recognised if retried, not recorded twice"
			e.Extensions = map[string]any{"code": CodeTimeout}
		case e.Extensions == nil && e.Message == context.Canceled.Error():
			e.Message = "the request was cancelled; retry it (a mutation already recorded is recognised, not recorded twice)"
			e.Extensions = map[string]any{"code": CodeUnavailable}
		case e.Extensions == nil || e.Extensions["code"] == nil:
			if e.Extensions == nil {
				e.Extensions = map[string]any{}
			}
			e.Extensions["code"] = CodeValidationFailed
		}
	}
}

func (s *Server) writeErrors(w http.ResponseWriter, status int, e *Error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": e.Message, "extensions": e.Extensions()}}})
}

type health struct {
	Status  string `json:"status"`
	Applied uint64 `json:"applied"`
	Error   string `json:"error,omitempty"`
	Time    string `json:"time"`
}

// healthHandler answers 200 with the applied sequence when check passes
// (or there is none), 503 with its reason when not: /healthz (alive and
// connected) and /readyz (and caught up).
func (s *Server) healthHandler(check func() error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := health{Status: "ok", Applied: s.cfg.Store.Applied(), Time: time.Now().UTC().Format(time.RFC3339)}
		status := http.StatusOK
		if check != nil {
			if err := check(); err != nil {
				h.Status, h.Error, status = "unhealthy", err.Error(), http.StatusServiceUnavailable
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(h)
	})
}

func cmpOr(fs ...func() error) func() error {
	for _, f := range fs {
		if f != nil {
			return f
		}
	}
	return nil
}

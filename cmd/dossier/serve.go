package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/netutil"

	"github.com/dossier-kg/dossier/api"
	"github.com/dossier-kg/dossier/auth"
	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract/llm"
	"github.com/dossier-kg/dossier/names"
	"github.com/dossier-kg/dossier/node"
)

type natsFlags struct {
	NATS       string `name:"nats" help:"URL of a NATS server or cluster to use instead of the embedded one." env:"DOSSIER_NATS" placeholder:"URL"`
	NATSListen string `name:"nats-listen" help:"Where the embedded NATS server accepts clients (empty: in-process only)." default:"127.0.0.1:4222" env:"DOSSIER_NATS_LISTEN"`
	Replicas   int    `help:"Stream replicas on a NATS cluster, when the stream is created (an existing stream keeps its own: nats stream edit DOSSIER --replicas N)." default:"1" env:"DOSSIER_REPLICAS"`
	NATSUser   string `name:"nats-user" help:"NATS user name." env:"DOSSIER_NATS_USER"`
	NATSPass   string `name:"nats-password" help:"NATS password." env:"DOSSIER_NATS_PASSWORD"`
	NATSToken  string `name:"nats-token" help:"NATS token." env:"DOSSIER_NATS_TOKEN"`
	NATSCreds  string `name:"nats-creds" help:"NATS credentials file." env:"DOSSIER_NATS_CREDS" type:"existingfile"`
	NATSCA     string `name:"nats-ca" help:"CA certificate to trust for NATS TLS." env:"DOSSIER_NATS_CA" type:"existingfile"`
	NATSCert   string `name:"nats-cert" help:"Client certificate for NATS TLS." env:"DOSSIER_NATS_CERT" type:"existingfile"`
	NATSKey    string `name:"nats-key" help:"Client key for NATS TLS." env:"DOSSIER_NATS_KEY" type:"existingfile"`
}

func (f natsFlags) config() node.NATSConfig {
	return node.NATSConfig{
		URL: f.NATS, Listen: f.NATSListen, Replicas: f.Replicas,
		User: f.NATSUser, Password: f.NATSPass, Token: f.NATSToken, CredsFile: f.NATSCreds,
		CAFile: f.NATSCA, CertFile: f.NATSCert, KeyFile: f.NATSKey,
	}
}

type storeFlags struct {
	Data     string `help:"Data directory: the projection, and the embedded NATS server's files." default:"./data" env:"DOSSIER_DATA" type:"path"`
	Ontology string `help:"Extra predicates and actor types (JSON), added to the built-in ontology." env:"DOSSIER_ONTOLOGY" type:"existingfile"`
	Lexicon  string `help:"Extra name variants (JSON), merged over the built-in lexicon." env:"DOSSIER_LEXICON" type:"existingfile"`
	natsFlags
}

func (f storeFlags) config() (node.Config, error) {
	cfg := node.Config{DataDir: f.Data, NATS: f.natsFlags.config()}
	if f.Ontology != "" {
		o, err := events.LoadOntology(f.Ontology)
		if err != nil {
			return cfg, &exitError{exitInvalid, err}
		}
		cfg.Ontology = o
	}
	if f.Lexicon != "" {
		l, err := names.LoadLexicon(f.Lexicon)
		if err != nil {
			return cfg, &exitError{exitInvalid, err}
		}
		cfg.Lexicon = l
	}
	return cfg, nil
}

type serveCmd struct {
	Listen           string   `help:"HTTP address of the GraphQL API." default:"127.0.0.1:8080" env:"DOSSIER_LISTEN"`
	Load             string   `help:"Once up, record the assertions of this JSON-lines file, as 'dossier load' would." env:"DOSSIER_LOAD" placeholder:"FILE"`
	Ingest           []string `help:"Once up, ingest these documents (globs allowed), as 'dossier ingest' would." env:"DOSSIER_INGEST" placeholder:"FILE"`
	Extractor        string   `help:"How documents are read: rules (offline, the default) or llm (an OpenAI-compatible endpoint from DOSSIER_LLM_URL, DOSSIER_LLM_MODEL, DOSSIER_LLM_KEY)." enum:"rules,llm" default:"rules" env:"DOSSIER_EXTRACTOR"`
	AllowedOrigin    []string `name:"allowed-origin" help:"A browser origin (https://host[:port]) allowed to open WebSocket subscriptions besides the server's own; repeatable." env:"DOSSIER_ALLOWED_ORIGINS" placeholder:"ORIGIN"`
	AllowedHost      []string `name:"allowed-host" help:"A host name requests may be addressed to; repeatable. On loopback, localhost, 127.0.0.1 and ::1 are allowed and no other (a guard against DNS rebinding); elsewhere any, unless this names some." env:"DOSSIER_ALLOWED_HOSTS" placeholder:"HOST"`
	MaxDocumentBytes int64    `help:"Largest document accepted for ingestion, in bytes." default:"10485760" env:"DOSSIER_MAX_DOCUMENT_BYTES"`
	Instance         string   `help:"Name of this instance's projection consumer (default: from host name and data directory)." env:"DOSSIER_INSTANCE"`
	AcceptLogLoss    bool     `name:"accept-log-loss" help:"Start on a log that has lost events (its files damaged), keeping what the store holds; the loss is recorded in the data directory, so later starts accept it and refuse any new one. Without it such a log is refused (exit 6)." env:"DOSSIER_ACCEPT_LOG_LOSS"`
	Tokens           string   `help:"File of issued tokens ('dossier token add' writes it): every request then needs one, and acts as its subject and role." env:"DOSSIER_TOKENS" placeholder:"FILE"`
	Insecure         bool     `help:"Listen beyond loopback without tokens: anyone who reaches the port may write and correct." env:"DOSSIER_INSECURE"`
	MetricsToken     string   `help:"Bearer token a Prometheus scraper sends for /metrics; without it /metrics answers this machine only." env:"DOSSIER_METRICS_TOKEN" placeholder:"TOKEN"`
	TLSCert          string   `name:"tls-cert" help:"Certificate file (PEM, chain included): serve HTTPS." env:"DOSSIER_TLS_CERT" type:"existingfile" and:"tls-key" placeholder:"FILE"`
	TLSKey           string   `name:"tls-key" help:"Private key file (PEM) of --tls-cert." env:"DOSSIER_TLS_KEY" type:"existingfile" and:"tls-cert" placeholder:"FILE"`
	Durability       string   `help:"When a write is acknowledged. default: the libraries' defaults (in the page cache, synced within minutes: survives the process being killed). strict: the embedded JetStream and Badger fsync first, and each write's events go as one atomic batch (also survives a power failure; with --nats the servers need sync_interval: always)." enum:"default,strict" default:"default" env:"DOSSIER_DURABILITY"`
	limitFlags
	diskFlags
	memoryFlags
	storeFlags
}

// limitFlags bound what one request and one client may cost the server.
type limitFlags struct {
	MaxQueryCost     int           `help:"Budget of a query's estimated cost (about one unit per field resolved, multiplied by the page sizes above it)." default:"100000" env:"DOSSIER_MAX_QUERY_COST"`
	QueryTimeout     time.Duration `help:"Longest a query may run before it is answered TIMEOUT." default:"10s" env:"DOSSIER_QUERY_TIMEOUT"`
	MutationTimeout  time.Duration `help:"Longest a mutation (ingestion included) may run." default:"2m" env:"DOSSIER_MUTATION_TIMEOUT"`
	MaxResponseBytes int           `help:"Largest answer to a query, in bytes." default:"33554432" env:"DOSSIER_MAX_RESPONSE_BYTES"`
	RateLimit        float64       `help:"Requests a second one client (a token's subject; without tokens, an address) may make; negative: no limit." default:"200" env:"DOSSIER_RATE_LIMIT"`
	MaxSubscriptions int           `help:"Subscriptions open at once on the server; one client may hold 200 of them." default:"5000" env:"DOSSIER_MAX_SUBSCRIPTIONS"`
	MaxConnections   int           `help:"HTTP connections open at once; more wait to be accepted." default:"2000" env:"DOSSIER_MAX_CONNECTIONS"`
}

// diskFlags is --disk-reserve, for every command that writes a store
// under the data directory.
type diskFlags struct {
	DiskReserve string `help:"Free space to keep on the data directory's disks (1GiB, 512MiB; 0: none): below it serve does not start (exit 5) and writes answer UNAVAILABLE, below half of it the projection pauses; rebuild and replay do not start without about the log's size free beside it, and stop below half of it (exit 5). On a full disk Badger dies of SIGBUS, so keep it above what Badger may still write." default:"1GiB" env:"DOSSIER_DISK_RESERVE" placeholder:"SIZE"`
}

// apply sets the node's reserve from the flag.
func (f diskFlags) apply(cfg *node.Config) error {
	var err error
	if cfg.DiskReserve, err = diskReserve(f.DiskReserve); err != nil {
		return &exitError{exitInvalid, fmt.Errorf("--disk-reserve: %w", err)}
	}
	return nil
}

func (f limitFlags) limits() api.Limits {
	return api.Limits{MaxQueryCost: f.MaxQueryCost, QueryTimeout: f.QueryTimeout, MutationTimeout: f.MutationTimeout,
		MaxResponseBytes: f.MaxResponseBytes, Rate: f.RateLimit, MaxSubscriptions: f.MaxSubscriptions}
}

func (c *serveCmd) Run(ctx context.Context) error {
	cfg, err := c.config()
	if err != nil {
		return err
	}
	cfg.Instance = c.Instance
	cfg.AcceptLogLoss = c.AcceptLogLoss
	cfg.MaxDocumentBytes = c.MaxDocumentBytes
	cfg.AllowedOrigins = c.AllowedOrigin
	cfg.AllowedHosts = c.AllowedHost
	if loopback(c.Listen) {
		cfg.AllowedHosts = append([]string{"localhost", "127.0.0.1", "::1"}, c.AllowedHost...)
	}
	cfg.Limits = c.limits()
	if err := c.memoryFlags.apply(); err != nil {
		return err
	}
	cfg.MetricsToken = c.MetricsToken
	if err := c.diskFlags.apply(&cfg); err != nil {
		return err
	}
	if cfg.Durability, err = node.ParseDurability(c.Durability); err != nil {
		return &exitError{exitInvalid, err}
	}
	if c.Tokens != "" {
		if cfg.Tokens, err = auth.Load(c.Tokens); err != nil {
			return &exitError{exitInvalid, err}
		}
	} else if !c.Insecure && !loopback(c.Listen) {
		return &exitError{exitInvalid, fmt.Errorf("--listen %s reaches beyond this machine and no --tokens are set: anyone who reaches it could write and correct; issue tokens ('dossier token add') or say --insecure", c.Listen)}
	}
	if c.Extractor == "llm" {
		x, err := llm.New(llm.ConfigFromEnv())
		if err != nil {
			return &exitError{exitInvalid, fmt.Errorf("--extractor llm: %w", err)}
		}
		cfg.Extractor = x
	}
	n, err := node.Start(ctx, cfg)
	if err != nil {
		return classifyStart(err)
	}
	defer n.Close()
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return &exitError{exitFailure, fmt.Errorf("listen on %s: %w", c.Listen, err)}
	}
	if c.MaxConnections > 0 {
		ln = netutil.LimitListener(ln, c.MaxConnections)
	}
	srv := &http.Server{Handler: n.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(slog.Default().Handler(), slog.LevelDebug)}
	scheme := "http"
	errc := make(chan error, 1)
	if c.TLSCert != "" {
		scheme = "https"
		go func() { errc <- srv.ServeTLS(ln, c.TLSCert, c.TLSKey) }()
	} else {
		go func() { errc <- srv.Serve(ln) }()
	}
	base := scheme + "://" + ln.Addr().String()
	slog.Info("dossier serving", "graphql", base+"/graphql",
		"graphiql", base+"/graphiql", "metrics", base+"/metrics", "nats", n.NATSURL(), "data", c.Data,
		"applied", n.Store().Applied(), "durability", cfg.Durability)
	if c.Load != "" {
		// The same path as 'dossier load': validated, then recorded
		// through the API, so nothing skips the checks.
		l := &loadCmd{File: c.Load, BatchSize: 500, clientFlags: clientFlags{Server: base, Timeout: time.Minute}}
		if err := l.Run(ctx); err != nil {
			return err
		}
	}
	if len(c.Ingest) > 0 {
		var files []string
		for _, g := range c.Ingest {
			m, err := filepath.Glob(g)
			if err != nil || len(m) == 0 {
				m = []string{g} // not a pattern: let ingest report it
			}
			files = append(files, m...)
		}
		in := &ingestCmd{Files: files, clientFlags: clientFlags{Server: base, Timeout: 10 * time.Minute}}
		if err := in.ingestAll(ctx, os.Stdout, os.Stderr); err != nil {
			return err
		}
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	}
	slog.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return n.Close()
}

// diskReserve reads --disk-reserve: a size, 0 for no reserve (which
// node.Config says with a negative number), or nothing for the node's
// default.
func diskReserve(s string) (int64, error) {
	switch strings.TrimSpace(s) {
	case "":
		return 0, nil
	case "0":
		return -1, nil
	}
	return parseSize(s)
}

// classifyStart gives start-up failures the exit code scripts branch on.
func classifyStart(err error) error {
	var netErr *net.OpError
	if errors.As(err, &netErr) {
		return &exitError{exitUnreachable, err}
	}
	return err
}

// parseSize reads a size as GOMEMLIMIT writes it: a number of bytes with
// an optional B, KiB, MiB, GiB or TiB suffix.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}
	shift := uint(0)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, shift = strings.TrimSpace(rest), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("%q is not a size such as 1GiB or 512MiB", s)
	}
	return n << shift, nil
}

// loopback: the address only listens on this machine.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Package node assembles one Dossier instance: the log (an embedded NATS
// server, or a connection to a cluster), the document store (a JetStream
// Object Store beside the log), the documents' keys (a key-value bucket
// beside it, see erasure.go), this instance's projection in Badger with
// the projector that keeps it current, document ingestion with its
// extractor, and the API.
//
// On one machine everything is embedded under the data directory. Beyond
// one machine every instance points at the same NATS cluster and keeps its
// own projection as a read replica, with its own durable consumer.
package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dossier-kg/dossier/agents"
	"github.com/dossier-kg/dossier/api"
	"github.com/dossier-kg/dossier/auth"
	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/ingest"
	"github.com/dossier-kg/dossier/names"
	"github.com/dossier-kg/dossier/projections"
	"github.com/dossier-kg/dossier/record"
	"github.com/dossier-kg/dossier/seal"
	"github.com/dossier-kg/dossier/stream"
)

// Config configures a node.
type Config struct {
	// DataDir holds the projection (DataDir/graph) and, when embedded,
	// JetStream's files (DataDir/nats). Required.
	DataDir string
	// NATS is how to reach the log. Zero means an embedded server.
	NATS NATSConfig
	// Instance names this node's projector consumer. Default: derived
	// from the host name and the data directory, so that two instances
	// never share a consumer by accident.
	Instance string
	// Ontology and Lexicon default to the built-in ones.
	Ontology *events.Ontology
	Lexicon  *names.Lexicon
	// BatchSize is the projector's batch size. Default 1000.
	BatchSize int
	// Extractor reads ingested documents. Default: the built-in one
	// (newDefaultExtractor); without any, ingestDocument answers
	// UNAVAILABLE and everything else works.
	Extractor extract.Extractor
	// AllowedOrigins: see api.Config.
	AllowedOrigins []string
	// AllowedHosts, when set, are the only host names requests may be
	// addressed to (the Host header, port aside). A server on loopback
	// sets localhost, 127.0.0.1 and ::1: a web page whose own name the
	// attacker makes resolve to 127.0.0.1 (DNS rebinding) sends its own
	// name as Host and its own origin as Origin, so only the Host header
	// tells such a request from the user's own.
	AllowedHosts []string
	// Tokens: see api.Config. Nil: every caller is an admin.
	Tokens *auth.Tokens
	// Limits: see api.Config.
	Limits api.Limits
	// MetricsToken, when set, is the bearer token /metrics asks for;
	// without it /metrics answers loopback clients only. Metrics are no
	// secret a reader's token should open, nor a writer's, and a
	// scraper should hold no more than it needs.
	MetricsToken string
	// MaxDocumentBytes bounds an ingested document. Default
	// ingest.DefaultMaxBytes.
	MaxDocumentBytes int64
	// DiskReserve is the free space kept on the disks of the data
	// directory: below it the node does not start and refuses writes
	// (UNAVAILABLE), below half of it the projector pauses until the
	// whole reserve is free again. Default DefaultDiskReserve; negative:
	// nothing is checked.
	DiskReserve int64
	// FreeSpace measures the free bytes of a directory's disk. Default:
	// statfs, as df does; tests simulate a full disk with it.
	FreeSpace func(dir string) (int64, error)
	// Durability is when a write is acknowledged (see Durability).
	// Default DurabilityDefault.
	Durability Durability
	// AcceptLogLoss starts the node on a log that has lost events (see
	// LogDamageError), recording the loss in the data directory so that
	// later starts accept it and refuse any new one.
	AcceptLogLoss bool
	Logger        *slog.Logger

	// diskPoll is how often the projector's disk is measured (tests).
	diskPoll time.Duration
}

// NATSConfig says where the log is.
type NATSConfig struct {
	// URL of a NATS server or cluster ("nats://a:4222,nats://b:4222").
	// Empty runs an embedded server.
	URL string
	// Listen is where the embedded server accepts NATS clients, so that
	// other programs can subscribe to Dossier's subjects. Empty: none.
	Listen string
	// Replicas of the stream on a cluster. Default 1.
	Replicas int
	// Credentials for URL, each optional.
	User, Password, Token, CredsFile string
	// TLS for URL: a CA to trust, and a client certificate and key.
	CAFile, CertFile, KeyFile string
}

func (c *Config) setDefaults() error {
	if c.DataDir == "" {
		return errors.New("Config.DataDir is required")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Ontology == nil {
		c.Ontology = events.DefaultOntology()
	}
	if c.Lexicon == nil {
		c.Lexicon = names.DefaultLexicon()
	}
	if c.DiskReserve == 0 {
		c.DiskReserve = DefaultDiskReserve
	}
	if c.Instance == "" {
		host, _ := os.Hostname()
		abs, _ := filepath.Abs(c.DataDir)
		sum := sha256.Sum256([]byte(host + "\x00" + abs))
		c.Instance = names.Token(names.Slug(host)) + "-" + hex.EncodeToString(sum[:4])
	}
	return nil
}

// Node is a running Dossier instance.
type Node struct {
	cfg Config
	srv *stream.Server // nil when using an external NATS
	nc  *nats.Conn
	js  jetstream.JetStream
	log *stream.Log
	// writer appends for ingest and re-extraction; the API has its own
	// over the same log and store.
	writer *record.Writer
	texts  *ingest.ObjectStore
	// keys holds documents' keys (a bucket beside the log); keyring
	// caches them and seals and opens documents' words.
	keys    *stream.Keys
	keyring *seal.Keyring
	eraseMu sync.Mutex // one eraseWords at a time
	store   *graph.Store
	api     *api.Server
	// metrics holds everything /metrics serves; projMetrics outlive the
	// projectors project restarts.
	metrics     *prometheus.Registry
	projMetrics *projections.Metrics
	handler     http.Handler

	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	projErr   error
	closeOnce sync.Once

	// startLast is the log's last sequence when the node started: it is
	// ready to serve once it has projected that far.
	startLast uint64

	// verifying holds a token while Verify runs: one at a time.
	verifying chan struct{}

	// disk admits writes while its disks have room, and pauses the
	// projector when they have not.
	disk *disk

	// checked is set once the log passed the start-up integrity check:
	// only then are its files recorded as whole when the node stops.
	checked atomic.Bool
}

// Start opens the log and the store and starts the projector. The caller
// serves Handler and must Close the node.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, fmt.Errorf("start node: %w", err)
	}
	n := &Node{cfg: cfg, verifying: make(chan struct{}, 1), disk: newDisk(cfg)}
	// Before Badger is opened: on a full disk opening it may fault.
	if err := n.disk.startable(); err != nil {
		return nil, fmt.Errorf("not starting: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			n.Close()
		}
	}()
	// The store first: its directory lock keeps a second instance on the
	// same data directory from starting an embedded NATS server there.
	store, err := graph.Open(ctx, graph.Config{Dir: filepath.Join(cfg.DataDir, "graph"), Lexicon: cfg.Lexicon, Logger: cfg.Logger,
		SyncWrites: cfg.Durability.strict()})
	if err != nil {
		return nil, err
	}
	n.store = store
	if err := n.connect(ctx); err != nil {
		return nil, err
	}
	if _, err := whenReady(ctx, cfg.Logger, "read the log's end", func() (struct{}, error) {
		return struct{}{}, n.checkStart(ctx)
	}); err != nil {
		return nil, err
	}
	if err := n.openKeys(ctx); err != nil {
		return nil, err
	}
	n.texts, err = whenReady(ctx, cfg.Logger, "open the document store", func() (*ingest.ObjectStore, error) {
		return ingest.OpenObjectStore(ctx, ingest.ObjectStoreConfig{JetStream: n.js, Replicas: cfg.NATS.Replicas, Keys: n.keyring})
	})
	if err != nil {
		return nil, err
	}
	if n.writer, err = record.New(record.Config{Log: n.log, Store: store, Sealer: n.keyring}); err != nil {
		return nil, err
	}
	ing, err := n.ingester()
	if err != nil {
		return nil, err
	}
	n.metrics = newRegistry(n)
	n.metrics.MustRegister(diskCollector{n.disk})
	n.projMetrics = projections.NewMetrics(n.metrics)
	n.api, err = api.New(api.Config{Store: store, Log: n.log, Ontology: cfg.Ontology, Health: n.health, Ready: n.ready, Logger: cfg.Logger, Metrics: n.metrics,
		Ingester: ing, Texts: n.texts, Keys: n.keyring, Erase: n.eraseWords, AllowedOrigins: cfg.AllowedOrigins, Tokens: cfg.Tokens, Limits: cfg.Limits, Room: n.room,
		Verify: n.serveVerify,
		Reextract: func(ctx context.Context, name, principal string) (any, error) {
			x, err := n.ExtractorNamed(name)
			if err != nil {
				return nil, &events.ValidationError{Problems: []string{err.Error()}}
			}
			return n.Reextract(ctx, x, principal)
		}})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metricsGuard(cfg.MetricsToken, promhttp.HandlerFor(n.metrics, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)})))
	mux.Handle("/mcp", agents.Handler(agents.HandlerConfig{API: n.api.Handler(), AllowedOrigins: cfg.AllowedOrigins, MaxDocumentBytes: cfg.MaxDocumentBytes, Logger: cfg.Logger}))
	mux.Handle("/", n.api.Handler())
	n.handler = hostGuard(cfg.AllowedHosts, mux)
	pctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	n.wg.Add(3)
	go func() {
		defer n.wg.Done()
		n.disk.watch(pctx)
	}()
	go func() {
		defer n.wg.Done()
		n.watchKeys(pctx)
	}()
	go func() {
		defer n.wg.Done()
		n.project(pctx)
	}()
	ok = true
	return n, nil
}

// ingester assembles document ingestion: the document store, the
// extractor, and the projection to tell the extractor about known actors.
// It is nil when there is no extractor.
func (n *Node) ingester() (*ingest.Ingester, error) {
	x := n.cfg.Extractor
	if x == nil {
		var err error
		if x, err = newDefaultExtractor(); err != nil {
			n.cfg.Logger.Warn("document ingestion is off: no extractor", "err", err)
			return nil, nil
		}
	}
	return ingest.New(ingest.Config{
		Log: n.log, Writer: n.writer, Texts: n.texts, Extractor: x, Known: graphKnown{n.store},
		Ontology: n.cfg.Ontology, MaxBytes: n.cfg.MaxDocumentBytes, Logger: n.cfg.Logger,
	})
}

// connect starts or reaches NATS and opens the stream.
func (n *Node) connect(ctx context.Context) error {
	var err error
	if n.cfg.NATS.URL == "" {
		creds, err := stream.LoadCredentials(n.CredentialsFile())
		if err != nil {
			return err
		}
		n.srv, err = stream.StartServer(stream.ServerConfig{Dir: filepath.Join(n.cfg.DataDir, "nats"), Listen: n.cfg.NATS.Listen,
			Credentials: &creds, Protected: []string{stream.DefaultStream}, Guarded: []string{"OBJ_" + ingest.DefaultBucket, stream.KeysStream},
			Secret:     []string{stream.KeysStream},
			SyncAlways: n.cfg.Durability.strict()})
		if err != nil {
			return err
		}
		n.nc, err = n.srv.Connect()
	} else {
		n.nc, err = dial(n.cfg.NATS, n.cfg.Logger)
	}
	if err != nil {
		return err
	}
	// A publish whose ack never comes (a cluster losing its leader with
	// the ack in flight) fails after this instead of waiting for ever.
	if n.js, err = jetstream.New(n.nc, jetstream.WithPublishAsyncTimeout(10*time.Second)); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	n.log, err = whenReady(ctx, n.cfg.Logger, "open the log", func() (*stream.Log, error) {
		return stream.OpenLog(ctx, n.logConfig())
	})
	if err != nil {
		return err
	}
	return n.strictLog(ctx)
}

// setupPatience bounds how long start-up waits for NATS to answer its
// JetStream calls.
const setupPatience = time.Minute

// whenReady runs a start-up call to JetStream, again while it times out:
// a cluster that has just formed, or is electing a leader, does not
// answer at once (each call is bounded by the client's 5 s), and a node
// started beside it (docker compose up) should wait rather than fail.
// Other errors are returned at once.
func whenReady[T any](ctx context.Context, logger *slog.Logger, what string, call func() (T, error)) (T, error) {
	deadline := time.Now().Add(setupPatience)
	backoff := 250 * time.Millisecond
	for {
		v, err := call()
		retry := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders) ||
			errors.Is(err, jetstream.ErrJetStreamNotEnabled)
		if err == nil || !retry || ctx.Err() != nil || time.Now().After(deadline) {
			return v, err
		}
		logger.Warn("NATS not ready; retrying", "call", what, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func dial(c NATSConfig, logger *slog.Logger) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name("dossier"),
		nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if nc.IsClosed() {
				return // closed on purpose
			}
			logger.Warn("nats disconnected", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { logger.Info("nats reconnected", "url", nc.ConnectedUrl()) }),
	}
	if c.User != "" {
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	}
	if c.Token != "" {
		opts = append(opts, nats.Token(c.Token))
	}
	if c.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(c.CredsFile))
	}
	if c.CAFile != "" {
		opts = append(opts, nats.RootCAs(c.CAFile))
	}
	if c.CertFile != "" || c.KeyFile != "" {
		opts = append(opts, nats.ClientCert(c.CertFile, c.KeyFile))
	}
	nc, err := nats.Connect(c.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats %s: %w", c.URL, err)
	}
	return nc, nil
}

// project runs the projector until ctx ends, restarting it with backoff
// when it stops on an error (a lost connection, a consumer reset), and
// stopping it while the disk is short (see disk): events from any writer
// of the log would otherwise be folded into a full disk.
func (n *Node) project(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for {
		if !n.disk.waitRoom(ctx) {
			return
		}
		rctx, stop := n.disk.untilPaused(ctx)
		p, err := projections.New(projections.Config{
			Store: n.store, JetStream: n.js, Stream: n.log.Stream(),
			Durable: "projector-" + n.cfg.Instance, BatchSize: n.cfg.BatchSize, Logger: n.cfg.Logger, Metrics: n.projMetrics,
			Running: func() { n.setProjErr(nil) },
			Erased:  n.erased,
		})
		if err == nil {
			err = p.Run(rctx)
		}
		paused := rctx.Err() != nil
		stop()
		if ctx.Err() != nil {
			return
		}
		if paused {
			continue // stopped for the disk: wait until it has room
		}
		if gap := (*projections.GapError)(nil); errors.As(err, &gap) {
			// Expected after a NATS leader change: the projector stopped
			// before the gap to be fed again from its store. The node
			// stays healthy, and the backoff does not grow.
			n.cfg.Logger.Warn("projector restarting after a gap in deliveries", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		n.setProjErr(err)
		if err != nil {
			n.cfg.Logger.Error("projector stopped; restarting", "err", err, "in", backoff)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (n *Node) setProjErr(err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.projErr = err
}

func (n *Node) health() error {
	if n.nc != nil && !n.nc.IsConnected() {
		return fmt.Errorf("not connected to NATS (%s)", n.nc.Status())
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.projErr != nil {
		return fmt.Errorf("projector: %w", n.projErr)
	}
	return nil
}

// ready says why the node should not take traffic yet: unhealthy, or
// still projecting what the log held when it started (a replica behind
// a load balancer would answer with a graph from the past).
func (n *Node) ready() error {
	if err := n.health(); err != nil {
		return err
	}
	if applied := n.store.Applied(); applied < n.startLast {
		return fmt.Errorf("catching up with the log: applied %d of the %d events it held at start", applied, n.startLast)
	}
	return nil
}

// Handler serves the API, and its Prometheus metrics at /metrics.
func (n *Node) Handler() http.Handler { return n.handler }

// Store is the node's projection.
func (n *Node) Store() *graph.Store { return n.store }

// Log is the node's event log.
func (n *Node) Log() *stream.Log { return n.log }

// Texts is the node's document store.
func (n *Node) Texts() *ingest.ObjectStore { return n.texts }

// CredentialsFile holds the passwords of the embedded NATS server's
// users (stream.UserService, UserAdmin, UserReader), made at first start.
func (n *Node) CredentialsFile() string {
	return filepath.Join(n.cfg.DataDir, "nats-credentials.json")
}

// NATSURL is where NATS clients reach the embedded server, if it listens.
func (n *Node) NATSURL() string {
	if n.srv != nil {
		return n.srv.ClientURL()
	}
	return n.cfg.NATS.URL
}

// Close stops the projector and closes everything, in reverse order of
// opening.
func (n *Node) Close() error {
	var errs []error
	n.closeOnce.Do(func() {
		if n.api != nil {
			n.api.Close()
		}
		if n.cancel != nil {
			n.cancel()
		}
		n.wg.Wait()
		if err := n.disk.closable(); err != nil {
			// Badger flushes its memtable into a new table when closed,
			// through mmap: on a full disk, a SIGBUS. Its log is intact
			// and replayed at the next start, as after a crash.
			n.cfg.Logger.Warn("not flushing the graph store: the disk is too full for it; its write-ahead log is replayed at the next start", "err", err)
		} else if n.store != nil {
			errs = append(errs, n.store.Close())
		}
		if n.nc != nil {
			n.nc.Close()
		}
		if n.srv != nil {
			n.srv.Shutdown()
			if n.checked.Load() {
				errs = append(errs, n.recordBlocks())
			}
		}
	})
	return errors.Join(errs...)
}

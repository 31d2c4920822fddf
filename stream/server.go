package stream

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// ServerConfig configures an embedded NATS server, the one-machine default.
type ServerConfig struct {
	// Dir holds JetStream's files (Dir/jetstream). Required.
	Dir string
	// Listen is host:port for NATS clients ("127.0.0.1:4222"). Empty means
	// in-process only: no port is opened.
	Listen string
	// MaxPayload bounds one message. Default 16 MiB.
	MaxPayload int32
	// Credentials, when set, are the only way in (see UserService,
	// UserAdmin, UserReader); Connect uses the service user. Protected
	// streams may not be deleted, purged or reconfigured but by the
	// admin; Guarded ones not deleted or reconfigured; Secret ones not
	// read by the reader. Nil: anyone may connect and do anything, as in
	// tests of the log alone.
	Credentials *Credentials
	Protected   []string
	Guarded     []string
	Secret      []string
	// SyncAlways makes JetStream fsync every write before acknowledging
	// it (sync_interval: always), for every stream of the server. By
	// default it syncs every 2 minutes and acknowledges writes still in
	// the page cache: they survive the process being killed, not the
	// machine losing power or the kernel crashing.
	SyncAlways bool
}

// Server is an embedded nats-server with JetStream.
type Server struct {
	ns    *server.Server
	creds *Credentials
}

// StartServer starts an embedded NATS server with JetStream and waits
// until it accepts connections.
func StartServer(cfg ServerConfig) (*Server, error) {
	if cfg.Dir == "" {
		return nil, errors.New("start nats: ServerConfig.Dir is required")
	}
	if cfg.MaxPayload == 0 {
		cfg.MaxPayload = 16 << 20
	}
	opts := &server.Options{
		ServerName: "dossier",
		JetStream:  true,
		StoreDir:   filepath.Join(cfg.Dir),
		MaxPayload: cfg.MaxPayload,
		NoSigs:     true,
		NoLog:      true,
		DontListen: cfg.Listen == "",
		SyncAlways: cfg.SyncAlways,
	}
	if cfg.Credentials != nil {
		opts.Users = cfg.Credentials.Users(cfg.Protected, cfg.Guarded, cfg.Secret)
	}
	if cfg.Listen != "" {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("start nats: listen address %q: %w", cfg.Listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("start nats: listen port %q: %w", port, err)
		}
		opts.Host, opts.Port = host, p
		// nats-server only notices a taken port after its start-up
		// timeout; find out now and say so plainly.
		if p != 0 && p != -1 {
			ln, err := net.Listen("tcp", cfg.Listen)
			if err != nil {
				return nil, fmt.Errorf("start nats: cannot listen on %s (another NATS or Dossier running? set another address, or none): %w", cfg.Listen, err)
			}
			ln.Close()
		}
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("start nats: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("start nats in %s: not ready after 10s (is %s in use?)", cfg.Dir, cfg.Listen)
	}
	return &Server{ns: ns, creds: cfg.Credentials}, nil
}

// Connect opens an in-process client connection, as the service user
// when the server has credentials.
func (s *Server) Connect(opts ...nats.Option) (*nats.Conn, error) {
	base := []nats.Option{nats.InProcessServer(s.ns), nats.Name("dossier")}
	if s.creds != nil {
		base = append(base, nats.UserInfo(UserService, s.creds.Passwords[UserService]))
	}
	opts = append(base, opts...)
	nc, err := nats.Connect("", opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to embedded nats: %w", err)
	}
	return nc, nil
}

// ClientURL is the address external NATS clients use, empty when the
// server does not listen.
func (s *Server) ClientURL() string {
	if s.ns.Addr() == nil {
		return ""
	}
	return s.ns.ClientURL()
}

// SyncAlways says whether JetStream fsyncs every write before it
// acknowledges it (ServerConfig.SyncAlways).
func (s *Server) SyncAlways() bool {
	c := s.ns.JetStreamConfig()
	return c != nil && c.SyncAlways
}

// Shutdown stops the server and waits for it.
func (s *Server) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}

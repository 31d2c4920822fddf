package node

import (
	"context"
	"fmt"
	"os"

	"github.com/dossier-kg/dossier/stream"
)

// Tools that read the log beside a running server, or without one
// (replay, backup), connect the same way.

// openLogOnly connects to NATS for a tool that reads the log beside or
// without a running server (replay, backup): an embedded server on the
// data directory, which must then be free, or cfg.NATS.URL, as user
// when the data directory holds the credentials of its embedded server.
func openLogOnly(ctx context.Context, cfg Config, user string) (*Node, func(), error) {
	unlock := func() error { return nil }
	if cfg.NATS.URL == "" {
		var err error
		if _, unlock, err = lockLive(ctx, cfg); err != nil {
			return nil, nil, fmt.Errorf("the data directory %s is in use by a running server (or unreadable); pass --nats with that server's NATS client URL (its embedded server listens on nats://127.0.0.1:4222 unless --nats-listen said otherwise), or stop it: %w", cfg.DataDir, err)
		}
	}
	cfg.NATS.Listen = "" // it serves nobody
	useLocalCredentials(&cfg, user)
	n := &Node{cfg: cfg}
	if err := n.connect(ctx); err != nil {
		n.Close()
		unlock()
		return nil, nil, err
	}
	return n, func() { n.Close(); unlock() }, nil
}

// useLocalCredentials: a tool pointed at the server running on its data
// directory connects as that server's user, unless told whom to connect
// as.
func useLocalCredentials(cfg *Config, user string) {
	c := &cfg.NATS
	if c.URL == "" || c.User != "" || c.Token != "" || c.CredsFile != "" {
		return
	}
	path := (&Node{cfg: *cfg}).CredentialsFile()
	if _, err := os.Stat(path); err != nil {
		return
	}
	if creds, err := stream.LoadCredentials(path); err == nil {
		c.User, c.Password = user, creds.Passwords[user]
	}
}

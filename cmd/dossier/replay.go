package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/node"
)

type replayCmd struct {
	Until uint64 `help:"Last event to project (0: the log's last)." default:"0" placeholder:"SEQ"`
	Out   string `required:"" type:"path" help:"Directory for the new store; it must not exist or be empty." placeholder:"DIR"`
	diskFlags
	memoryFlags
	storeFlags
}

// Run projects events 1..until into a fresh store, the graph as it was at
// that sequence, and prints its digest. With a server running on the
// data directory, --nats must name its NATS client URL.
func (c *replayCmd) Run(ctx context.Context) error {
	return c.run(ctx, os.Stdout)
}

func (c *replayCmd) run(ctx context.Context, w io.Writer) error {
	cfg, err := c.config()
	if err != nil {
		return err
	}
	if err := c.diskFlags.apply(&cfg); err != nil {
		return err
	}
	if err := c.memoryFlags.apply(); err != nil {
		return err
	}
	until, err := node.Replay(ctx, cfg, c.Until, c.Out)
	if err != nil {
		return classifyStart(err)
	}
	s, err := graph.Open(ctx, graph.Config{Dir: c.Out, Lexicon: cfg.Lexicon})
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := s.DigestAt(until)
	if err != nil {
		return err
	}
	if until == 0 {
		fmt.Fprintf(w, "the log is empty: %s holds an empty store (digest %s)\n", c.Out, d.Sum)
		return nil
	}
	fmt.Fprintf(w, "replayed events 1..%d into %s (digest %s, %d keys)\n", until, c.Out, d.Sum, d.Keys)
	return nil
}

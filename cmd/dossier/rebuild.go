package main

import (
	"context"
	"fmt"

	"github.com/dossier-kg/dossier/node"
)

type rebuildCmd struct {
	AcceptLogLoss bool `name:"accept-log-loss" help:"Rebuild even from a log that has lost events, or that the store is ahead of or was not built from: what the store holds and the log does not is lost. The loss is recorded in the data directory." env:"DOSSIER_ACCEPT_LOG_LOSS"`
	diskFlags
	memoryFlags
	storeFlags
}

func (c *rebuildCmd) Run(ctx context.Context) error {
	cfg, err := c.config()
	if err != nil {
		return err
	}
	// The embedded server need not listen for others during a rebuild.
	cfg.NATS.Listen = ""
	cfg.AcceptLogLoss = c.AcceptLogLoss
	if err := c.diskFlags.apply(&cfg); err != nil {
		return err
	}
	if err := c.memoryFlags.apply(); err != nil {
		return err
	}
	last, err := node.Rebuild(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Printf("rebuilt %s/graph from the log's events 1..%d\n", c.Data, last)
	return nil
}

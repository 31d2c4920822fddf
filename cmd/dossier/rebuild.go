package main

import (
	"context"
	"fmt"

	"github.com/dossier-kg/dossier/node"
)

type rebuildCmd struct {
	storeFlags
}

func (c *rebuildCmd) Run(ctx context.Context) error {
	cfg, err := c.config()
	if err != nil {
		return err
	}
	// The embedded server need not listen for others during a rebuild.
	cfg.NATS.Listen = ""
	last, err := node.Rebuild(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Printf("rebuilt %s/graph from %d events\n", c.Data, last)
	return nil
}

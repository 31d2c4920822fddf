package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/dossier-kg/dossier/node"
)

type reextractCmd struct {
	Extractor string        `help:"rules or llm; empty: the server's own extractor." enum:",rules,llm" default:""`
	Server    string        `help:"URL of the Dossier server." default:"http://127.0.0.1:8080" env:"DOSSIER_SERVER"`
	Timeout   time.Duration `help:"Time limit for the whole re-extraction." default:"2h" env:"DOSSIER_REEXTRACT_TIMEOUT"`
}

// Run asks the server to re-run an extractor over every stored document
// and append the difference, so history shows what a new extractor (or
// version) changed.
func (c *reextractCmd) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	var r node.ReextractReport
	if _, err := adminPost(ctx, c.Server, "/admin/reextract?extractor="+url.QueryEscape(c.Extractor), &r); err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "re-extracted %d documents with %s (%d without text skipped): %d assertions recorded, %d retracted; last sequence %d\n",
		r.Documents, r.Extractor, r.Skipped, r.Recorded, r.Retracted, r.LastSequence)
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/dossier-kg/dossier/node"
)

type backupCmd struct {
	Dir string `arg:"" type:"path" help:"Directory for the backup; it must not exist or be empty." placeholder:"DIR"`
	storeFlags
}

// Run snapshots the log and the document texts into a directory: with a
// server running on --data, through its NATS (--nats, as its admin);
// otherwise from the data directory's own files.
func (c *backupCmd) Run(ctx context.Context) error { return c.run(ctx, os.Stdout) }

func (c *backupCmd) run(ctx context.Context, w io.Writer) error {
	cfg, err := c.config()
	if err != nil {
		return err
	}
	m, err := node.Backup(ctx, cfg, c.Dir)
	if err != nil {
		return classifyStart(err)
	}
	fmt.Fprintf(w, "backed up %s into %s\n", describeStreams(m), c.Dir)
	return nil
}

type restoreCmd struct {
	Dir string `arg:"" type:"existingdir" help:"A directory 'dossier backup' wrote." placeholder:"DIR"`
	diskFlags
	storeFlags
}

// Run puts a backup into a new data directory; 'dossier serve --data'
// on it then projects the graph from the restored log.
func (c *restoreCmd) Run(ctx context.Context) error { return c.run(ctx, os.Stdout) }

func (c *restoreCmd) run(ctx context.Context, w io.Writer) error {
	cfg, err := c.config()
	if err != nil {
		return err
	}
	if err := c.diskFlags.apply(&cfg); err != nil {
		return err
	}
	m, err := node.Restore(ctx, cfg, c.Dir)
	if low := (*node.LowDiskError)(nil); errors.As(err, &low) {
		return err // exit 5, as serve on that disk
	}
	if err != nil {
		return &exitError{exitInvalid, err}
	}
	fmt.Fprintf(w, "restored %s into %s; start it with: dossier serve --data %s\n", describeStreams(m), c.Data, c.Data)
	return nil
}

func describeStreams(m node.Manifest) string {
	names := make([]string, 0, len(m.Streams))
	for name := range m.Streams {
		names = append(names, name)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, name := range names {
		s := m.Streams[name]
		parts[i] = fmt.Sprintf("%s (%d messages, last sequence %d)", name, s.Messages, s.LastSeq)
	}
	return strings.Join(parts, " and ")
}

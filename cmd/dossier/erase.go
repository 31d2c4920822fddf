package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

type eraseCmd struct {
	Document string `arg:"" help:"The document's id: document:<id>, or its 32 hex digits (dossier query '{ documents { edges { node { id source } } } }' lists them)."`
	Reason   string `help:"Why (a court order, a retracted article): kept in the audit trail with who erased it and when." required:""`
	Retract  bool   `help:"Retract the document and its assertions too; without it their structure stays (actors, predicate, polarity, offsets), without their words."`
	EventID  string `name:"event-id" help:"The erasure's event id (cor-…), to retry an erasure that failed half way without recording it twice."`
	clientFlags
}

const eraseMutation = `mutation($id: ID!, $reason: String!, $retract: Boolean, $eventId: String) {
  eraseDocument(id: $id, reason: $reason, retract: $retract, eventId: $eventId) {
    eventId sequence projected summary textDeleted plaintextRemains
  }
}`

// Run erases a document's words through a running server (an admin's
// token on a server with tokens).
func (c *eraseCmd) Run(ctx context.Context) error {
	return c.run(ctx, os.Stdout)
}

func (c *eraseCmd) run(ctx context.Context, w io.Writer) error {
	id := c.Document
	if !strings.HasPrefix(id, "document:") {
		id = "document:" + id
	}
	vars := map[string]any{"id": id, "reason": c.Reason, "retract": c.Retract}
	if c.EventID != "" {
		vars["eventId"] = c.EventID
	}
	var out struct {
		EraseDocument struct {
			EventID          string
			Sequence         uint64
			Projected        bool
			Summary          *string
			TextDeleted      bool
			PlaintextRemains bool
		}
	}
	if err := c.client().do(ctx, eraseMutation, vars, &out); err != nil {
		return err
	}
	e := out.EraseDocument
	fmt.Fprintf(w, "erased %s at sequence %d (event %s)", strings.TrimPrefix(id, "document:"), e.Sequence, e.EventID)
	if e.Summary != nil {
		fmt.Fprintf(w, ": %s", *e.Summary)
	}
	fmt.Fprintln(w)
	if e.TextDeleted {
		fmt.Fprintln(w, "its text is deleted from the document store")
	}
	if e.PlaintextRemains {
		fmt.Fprintln(w, "warning: some of its words were recorded before this server sealed words; they stay in the log and in the graph's history, hidden from reads (README, \"Erasing a document\")")
	}
	fmt.Fprintln(w, "backups taken before now still hold its key: erase it again after restoring one")
	return nil
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

type historyCmd struct {
	Actor        string `help:"An actor, by id or any of its names." xor:"target"`
	Assertion    string `help:"An assertion id." xor:"target"`
	Document     string `help:"A document id." xor:"target"`
	Relationship string `help:"A relationship id (relationship:<subject>:<PREDICATE>:<object>)." xor:"target"`
	AsOf         uint64 `name:"as-of" help:"Show the history as it was known after this sequence."`
	First        int    `help:"Most events to show." default:"200"`
	JSON         bool   `name:"json" help:"Print JSON lines, one event a line, for scripts."`
	clientFlags
}

const historyQuery = `query($actor: String, $assertion: ID, $document: ID, $relationship: ID, $first: Int, $after: String) {
  history(actor: $actor, assertion: $assertion, document: $document, relationship: $relationship, first: $first, after: $after) {
    edges { node { sequence time type eventId principal reason summary entities } }
    pageInfo { hasNextPage endCursor }
  }
}`

const historyAsOfQuery = `query($seq: Sequence, $actor: String, $assertion: ID, $document: ID, $relationship: ID, $first: Int, $after: String) {
  asOf(sequence: $seq) { history(actor: $actor, assertion: $assertion, document: $document, relationship: $relationship, first: $first, after: $after) {
    edges { node { sequence time type eventId principal reason summary entities } }
    pageInfo { hasNextPage endCursor }
  } }
}`

type historyEvent struct {
	Sequence  uint64    `json:"sequence"`
	Time      time.Time `json:"time"`
	Type      string    `json:"type"`
	EventID   string    `json:"eventId"`
	Principal *string   `json:"principal"`
	Reason    *string   `json:"reason"`
	Summary   string    `json:"summary"`
	Entities  []string  `json:"entities"`
}

func (c *historyCmd) Run(ctx context.Context) error {
	return c.run(ctx, os.Stdout, time.Now())
}

func (c *historyCmd) run(ctx context.Context, w io.Writer, now time.Time) error {
	vars := map[string]any{"first": min(max(c.First, 1), 1000)}
	n := 0
	for k, v := range map[string]string{"actor": c.Actor, "assertion": c.Assertion, "document": c.Document, "relationship": c.Relationship} {
		if v != "" {
			vars[k] = v
			n++
		}
	}
	if n != 1 {
		return &exitError{exitInvalid, fmt.Errorf("name one of --actor, --assertion, --document, --relationship")}
	}
	q := historyQuery
	if c.AsOf > 0 {
		q, vars["seq"] = historyAsOfQuery, c.AsOf
	}
	var evs []historyEvent
	for len(evs) < c.First {
		var out struct {
			History *historyPage
			AsOf    *struct{ History historyPage }
		}
		if err := c.client().do(ctx, q, vars, &out); err != nil {
			return err
		}
		page := out.History
		if out.AsOf != nil {
			page = &out.AsOf.History
		}
		for _, e := range page.Edges {
			evs = append(evs, e.Node)
		}
		if !page.PageInfo.HasNextPage {
			break
		}
		vars["after"] = page.PageInfo.EndCursor
	}
	if c.JSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, e := range evs {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	}
	return writeHistory(w, evs, now)
}

type historyPage struct {
	Edges []struct {
		Node historyEvent
	}
	PageInfo struct {
		HasNextPage bool
		EndCursor   string
	}
}

// writeHistory prints the audit trail as aligned columns: sequence, how
// long ago, when, what kind of event, who, what it did and why.
func writeHistory(w io.Writer, evs []historyEvent, now time.Time) error {
	if len(evs) == 0 {
		_, err := fmt.Fprintln(w, "no events")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tWHEN\tTIME (UTC)\tEVENT\tBY\tWHAT\tWHY")
	for _, e := range evs {
		by, why := "-", ""
		if e.Principal != nil {
			by = *e.Principal
		}
		if e.Reason != nil {
			why = *e.Reason
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Sequence, ago(now.Sub(e.Time)), e.Time.UTC().Format("2006-01-02 15:04:05"),
			e.Type, by, oneLine(e.Summary, 90), oneLine(why, 60))
	}
	return tw.Flush()
}

// ago says a duration the way people read it: "just now", "5m ago".
func ago(d time.Duration) string {
	switch {
	case d < 0:
		return "in the future"
	case d < 10*time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	case d < 60*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d.Hours()/24))
	}
	return fmt.Sprintf("%dy ago", int(d.Hours()/24/365))
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

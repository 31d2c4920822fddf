package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/dossier-kg/dossier/ingest"
)

type ingestCmd struct {
	Files       []string `arg:"" help:"Documents to ingest (.txt, .html, .md), or - for standard input."`
	Title       string   `help:"The document's title (one file only; default: the HTML <title> or first markdown heading)."`
	URL         string   `name:"url" help:"Where the document was published, an http or https URL (one file only)."`
	Published   string   `help:"When it was published: YYYY-MM-DD or RFC 3339 (one file only)."`
	Source      string   `help:"The name the document is known by (one file only; default: the file's name without its extension)."`
	ContentType string   `help:"text/plain, text/html or text/markdown (default: from each file's extension, then its first bytes)." env:"DOSSIER_CONTENT_TYPE"`
	Parallel    int      `help:"Documents sent at once; the server reads them on as many cores. Above 1, which names the graph already knows when a document is read depends on which lands first, so the result may differ from run to run." default:"1" env:"DOSSIER_INGEST_PARALLEL"`
	clientFlags
}

// maxFileBytes bounds what the client reads of one file; the server's
// limit (10 MiB by default) is usually lower and says so itself.
const maxFileBytes = 64 << 20

const ingestMutation = `mutation($input: DocumentInput!) {
  ingestDocument(input: $input) { documentId recorded dropped sequence duplicate projected }
}`

type ingested struct {
	DocumentID string
	Recorded   int
	Dropped    int
	Sequence   uint64
	Duplicate  bool
	Projected  bool
}

func (c *ingestCmd) Run(ctx context.Context) error {
	if len(c.Files) > 1 && (c.Title != "" || c.URL != "" || c.Published != "" || c.Source != "") {
		return &exitError{exitInvalid, errors.New("--title, --url, --published and --source describe one document: give one file")}
	}
	if c.Published != "" {
		if _, err := parsePublished(c.Published); err != nil {
			return &exitError{exitInvalid, err}
		}
	}
	stdin := 0
	for _, f := range c.Files {
		if f == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return &exitError{exitInvalid, errors.New("standard input (-) can be read once")}
	}
	return c.ingestAll(ctx, os.Stdout, os.Stderr)
}

func parsePublished(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, fmt.Errorf("--published %q is not YYYY-MM-DD or RFC 3339", s)
	}
	return t, nil
}

// ingestAll sends the files one after another. A file that fails is
// reported and the others still go in; the exit code says the worst.
func (c *ingestCmd) ingestAll(ctx context.Context, out, errOut io.Writer) error {
	cl := c.client()
	bar := progressbar.NewOptions(len(c.Files),
		progressbar.OptionSetWriter(errOut),
		progressbar.OptionSetDescription("ingesting"),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetVisibility(len(c.Files) > 1 && isTerminal(errOut)),
	)
	var done, dups, assertions, invalid, failed int
	for r := range c.sendAll(ctx, cl) {
		name, res, err := c.Files[r.i], r.res, r.err
		bar.Clear()
		var ee *exitError
		switch {
		case err == nil:
			done++
			assertions += res.Recorded
			if res.Duplicate {
				dups++
			}
			fmt.Fprintf(out, "%s: %d assertions, doc %s, sequence %d%s\n", label(name), res.Recorded, strings.TrimPrefix(res.DocumentID, "document:"), res.Sequence, notes(res))
		case errors.As(err, &ee) && ee.code == exitUnreachable:
			bar.Exit()
			return fmt.Errorf("%s: %w", name, err)
		case errors.As(err, &ee) && ee.code == exitInvalid:
			invalid++
			fmt.Fprintf(errOut, "%s: %v\n", label(name), err)
		default:
			failed++
			fmt.Fprintf(errOut, "%s: %v\n", label(name), err)
		}
		bar.Add(1)
	}
	bar.Finish()
	summary := fmt.Sprintf("ingested %d of %d documents (%d already in the log), %d assertions", done, len(c.Files), dups, assertions)
	if invalid+failed > 0 {
		summary += fmt.Sprintf("; %d refused as invalid, %d failed", invalid, failed)
	}
	fmt.Fprintln(out, summary)
	switch {
	case invalid > 0:
		return &exitError{exitInvalid, fmt.Errorf("%d of %d documents were refused as invalid", invalid, len(c.Files))}
	case failed > 0:
		return &exitError{exitFailure, fmt.Errorf("%d of %d documents failed", failed, len(c.Files))}
	}
	return nil
}

type sent struct {
	i   int
	res ingested
	err error
}

// sendAll ingests the files, up to Parallel at once, and yields their
// outcomes in the order of the files. It stops sending when the caller
// stops reading.
func (c *ingestCmd) sendAll(ctx context.Context, cl *client) iter.Seq[sent] {
	return func(yield func(sent) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		results := make([]chan sent, len(c.Files))
		for i := range results {
			results[i] = make(chan sent, 1)
		}
		slots := make(chan struct{}, max(c.Parallel, 1))
		go func() { // owned by sendAll: it ends when every file is sent or ctx ends
			for i, name := range c.Files {
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					results[i] <- sent{i: i, err: ctx.Err()}
					continue
				}
				go func() {
					defer func() { <-slots }()
					res, err := c.ingestFile(ctx, cl, name)
					results[i] <- sent{i: i, res: res, err: err}
				}()
			}
		}()
		for _, r := range results {
			if !yield(<-r) {
				return
			}
		}
	}
}

func notes(r ingested) string {
	var n []string
	if r.Dropped > 0 {
		n = append(n, fmt.Sprintf("%d dropped for bad evidence", r.Dropped))
	}
	if r.Duplicate {
		n = append(n, "already in the log")
	}
	if !r.Projected {
		n = append(n, "not yet projected")
	}
	if len(n) == 0 {
		return ""
	}
	return " (" + strings.Join(n, ", ") + ")"
}

// ingestFile reads one file, checks it is text, and sends it.
func (c *ingestCmd) ingestFile(ctx context.Context, cl *client, name string) (ingested, error) {
	var res ingested
	body, err := readDocument(name)
	if err != nil {
		return res, err
	}
	// JSON would silently replace bytes that are not UTF-8: refuse them
	// here, as the server would.
	if e := ingest.Check(body, 0); e != nil {
		return res, &exitError{exitInvalid, e}
	}
	source, ct := c.Source, c.ContentType
	if name != "-" {
		base := filepath.Base(name)
		if source == "" {
			source = strings.TrimSuffix(base, filepath.Ext(base))
		}
		if ct == "" {
			ct = ingest.GuessContentType(base, body)
		}
	}
	input := map[string]any{"text": string(body)}
	for k, v := range map[string]string{"source": source, "contentType": ct, "title": c.Title, "url": c.URL, "published": c.Published} {
		if v != "" {
			input[k] = v
		}
	}
	// The server's deadline grows with the document; so does ours.
	within := *cl
	if cl.http.Timeout > 0 {
		within.http = &http.Client{Timeout: cl.http.Timeout + ingest.Allowance(len(body))}
	}
	var data struct{ IngestDocument ingested }
	if err := within.do(ctx, ingestMutation, map[string]any{"input": input}, &data); err != nil {
		return res, err
	}
	return data.IngestDocument, nil
}

func readDocument(name string) ([]byte, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, &exitError{exitInvalid, err}
		}
		defer f.Close()
		r = f
	}
	body, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, &exitError{exitInvalid, fmt.Errorf("read: %w", err)}
	}
	if len(body) > maxFileBytes {
		return nil, &exitError{exitInvalid, fmt.Errorf("over %d MiB; split it", maxFileBytes>>20)}
	}
	return body, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// label names a file in the output.
func label(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}

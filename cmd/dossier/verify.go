package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dossier-kg/dossier/api"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/node"
)

type verifyCmd struct {
	Server string `help:"URL of the Dossier server." default:"http://127.0.0.1:8080" env:"DOSSIER_SERVER"`
	// A verification re-projects the whole log: the usual request time
	// limit is too short for it.
	Timeout time.Duration `help:"Time limit for the verification, which re-projects the whole log on the server." default:"30m" env:"DOSSIER_VERIFY_TIMEOUT"`
	JSON    bool          `name:"json" help:"Print the report as JSON."`
}

// Run asks the running server to re-project its log into a scratch store
// and compare it with its live store (POST /admin/verify). It fails (exit
// 1) when they differ.
func (c *verifyCmd) Run(ctx context.Context) error {
	return c.run(ctx, os.Stdout)
}

func (c *verifyCmd) run(ctx context.Context, w io.Writer) error {
	r, raw, err := c.verify(ctx)
	if err != nil {
		return err
	}
	if c.JSON {
		if _, err := w.Write(raw); err != nil {
			return err
		}
	} else {
		writeVerifyReport(w, r)
	}
	if !r.Equal {
		return &exitError{exitFailure, fmt.Errorf("at sequence %d the live store differs from a fresh projection of the log", r.Sequence)}
	}
	return nil
}

func (c *verifyCmd) verify(ctx context.Context) (node.VerifyReport, []byte, error) {
	var r node.VerifyReport
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	raw, err := adminPost(ctx, c.Server, "/admin/verify", &r)
	return r, raw, err
}

// adminPost calls one of the server's /admin endpoints and decodes its
// JSON answer into out; errors come back as the API's coded errors.
func adminPost(ctx context.Context, server, path string, out any) ([]byte, error) {
	url := strings.TrimRight(server, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return nil, &exitError{exitInvalid, fmt.Errorf("server URL: %w", err)}
	}
	req.Header.Set(api.PrincipalHeader, cliPrincipal())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, unreachable(url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &exitError{exitUnreachable, fmt.Errorf("read response: %w", err)}
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Errors []gqlError }
		if json.Unmarshal(raw, &e) != nil || len(e.Errors) == 0 {
			return nil, fmt.Errorf("server answered %s: %.200s", resp.Status, raw)
		}
		re := &responseError{Errors: e.Errors}
		switch re.code() {
		case api.CodeUnavailable:
			return nil, &exitError{exitUnreachable, re}
		case api.CodeInvalidInput:
			return nil, &exitError{exitInvalid, re}
		}
		return nil, re
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, fmt.Errorf("server answered %s with unexpected JSON: %.200s", resp.Status, raw)
	}
	return raw, nil
}

func writeVerifyReport(w io.Writer, r node.VerifyReport) {
	if r.Equal {
		fmt.Fprintf(w, "verified at sequence %d: live and rebuilt stores agree (digest %s, %d keys)\n", r.Sequence, r.Live.Sum, r.Live.Keys)
		return
	}
	fmt.Fprintf(w, "verified at sequence %d: live and rebuilt stores DIFFER\n", r.Sequence)
	fmt.Fprintf(w, "  live:    digest %s, %d keys\n", r.Live.Sum, r.Live.Keys)
	fmt.Fprintf(w, "  rebuilt: digest %s, %d keys\n", r.Rebuilt.Sum, r.Rebuilt.Keys)
	var kinds []string
	for k := range r.Live.Kinds {
		kinds = append(kinds, k)
	}
	for k := range r.Rebuilt.Kinds {
		if _, ok := r.Live.Kinds[k]; !ok {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		if a, b := r.Live.Kinds[k], r.Rebuilt.Kinds[k]; a != b {
			fmt.Fprintf(w, "  %s keys: %d live, %d rebuilt\n", k, a, b)
		}
	}
	fmt.Fprintf(w, "first %d differences:\n", len(r.Diffs))
	for _, d := range r.Diffs {
		switch d.Kind {
		case graph.DiffMissingInA:
			fmt.Fprintf(w, "  only rebuilt  %s\n    rebuilt: %s\n", d.Key, printable(d.B))
		case graph.DiffMissingInB:
			fmt.Fprintf(w, "  only live     %s\n    live:    %s\n", d.Key, printable(d.A))
		default:
			fmt.Fprintf(w, "  differs       %s\n    live:    %s\n    rebuilt: %s\n", d.Key, printable(d.A), printable(d.B))
		}
	}
}

// printable shows a value as text when it is (JSON, names, ids), and in
// hex when it is not (meta:applied), cut short as the server cut it.
func printable(b []byte) string {
	s := string(b)
	if len(b) == 0 {
		return "(empty)"
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) >= 0 {
		s = fmt.Sprintf("%x", b)
	}
	if len(b) >= graph.MaxDiffValue {
		s += "…"
	}
	return s
}

// unreachable classifies a failed request: a network error means no
// server is there.
func unreachable(url string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &exitError{exitUnreachable, fmt.Errorf("no answer from %s in time: %w", url, err)}
	}
	return &exitError{exitUnreachable, fmt.Errorf("cannot reach the server at %s (is `dossier serve` running?): %w", url, err)}
}

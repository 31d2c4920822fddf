package main

import (
	"bufio"
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
// 1) when they differ, and with exit 6 when the log has lost events the
// store folded. On a terminal it shows the projection's progress.
func (c *verifyCmd) Run(ctx context.Context) error {
	var progress io.Writer
	if isTerminal(os.Stderr) {
		progress = os.Stderr
	}
	return c.run(ctx, os.Stdout, progress)
}

func (c *verifyCmd) run(ctx context.Context, w, progress io.Writer) error {
	r, raw, err := c.verify(ctx, progress)
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
	switch {
	case r.Damage != nil:
		return &exitError{exitDamaged, fmt.Errorf("at sequence %d the log no longer holds %d events the store folded", r.Sequence, r.Damage.Folded)}
	case !r.Equal:
		return &exitError{exitFailure, fmt.Errorf("at sequence %d the live store differs from a fresh projection of the log", r.Sequence)}
	}
	return nil
}

// verify asks for the verification as a stream of progress lines, shown
// on progress (when not nil) as they come, then the report.
func (c *verifyCmd) verify(ctx context.Context, progress io.Writer) (node.VerifyReport, []byte, error) {
	var r node.VerifyReport
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	url := strings.TrimRight(c.Server, "/") + "/admin/verify"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return r, nil, &exitError{exitInvalid, fmt.Errorf("server URL: %w", err)}
	}
	req.Header.Set(api.PrincipalHeader, cliPrincipal())
	req.Header.Set("Accept", "application/x-ndjson, application/json;q=0.5")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return r, nil, unreachable(url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-ndjson") {
		// An error, or a server that does not stream.
		raw, err := readAdminAnswer(resp, &r)
		return r, raw, err
	}
	var last api.VerifyProgress
	defer func() {
		if progress != nil && last.Of > 0 {
			fmt.Fprintln(progress)
		}
	}()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var line struct {
			Progress *api.VerifyProgress `json:"progress"`
			Report   json.RawMessage     `json:"report"`
			Errors   []gqlError          `json:"errors"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return r, nil, fmt.Errorf("server answered with unexpected JSON: %.200s", sc.Bytes())
		}
		switch {
		case line.Progress != nil:
			last = *line.Progress
			if progress != nil && last.Of > 0 {
				fmt.Fprintf(progress, "\rverifying: %d of %d events projected", last.Folded, last.Of)
			}
		case len(line.Errors) > 0:
			return r, nil, adminError(&responseError{Errors: line.Errors})
		case line.Report != nil:
			if err := json.Unmarshal(line.Report, &r); err != nil {
				return r, nil, fmt.Errorf("server answered with an unexpected report: %.200s", line.Report)
			}
			return r, append(line.Report, '\n'), nil
		}
	}
	err = sc.Err()
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	if ctx.Err() != nil {
		return r, nil, &exitError{exitUnreachable, fmt.Errorf("verify: no report within --timeout %s (%d of %d events projected): %w", c.Timeout, last.Folded, last.Of, ctx.Err())}
	}
	return r, nil, &exitError{exitUnreachable, fmt.Errorf("verify: the answer ended without a report (%d of %d events projected): %w", last.Folded, last.Of, err)}
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
	return readAdminAnswer(resp, out)
}

// readAdminAnswer decodes an /admin endpoint's JSON answer into out, or
// its error.
func readAdminAnswer(resp *http.Response, out any) ([]byte, error) {
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &exitError{exitUnreachable, fmt.Errorf("read response: %w", err)}
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Errors []gqlError }
		if json.Unmarshal(raw, &e) != nil || len(e.Errors) == 0 {
			return nil, fmt.Errorf("server answered %s: %.200s", resp.Status, raw)
		}
		return nil, adminError(&responseError{Errors: e.Errors})
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, fmt.Errorf("server answered %s with unexpected JSON: %.200s", resp.Status, raw)
	}
	return raw, nil
}

// adminError gives an /admin endpoint's coded error its exit code.
func adminError(re *responseError) error {
	switch re.code() {
	case api.CodeUnavailable:
		return &exitError{exitUnreachable, re}
	case api.CodeInvalidInput:
		return &exitError{exitInvalid, re}
	}
	return re
}

func writeVerifyReport(w io.Writer, r node.VerifyReport) {
	if r.Equal {
		fmt.Fprintf(w, "verified at sequence %d: live and rebuilt stores agree (digest %s, %d keys)\n", r.Sequence, r.Live.Sum, r.Live.Keys)
		return
	}
	if d := r.Damage; d != nil {
		fmt.Fprintf(w, "verified at sequence %d: the log is SHORTER than the store: it no longer holds %d events the store folded (sequences %s; the log ends at %d)\n",
			r.Sequence, d.Folded, d.Missing, d.LogLast)
		fmt.Fprintf(w, "  live: digest %s, %d keys; nothing was projected: the log cannot make this store again\n", r.Live.Sum, r.Live.Keys)
		fmt.Fprintf(w, "  %s\n", d.Message)
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
// hex when it is not (a count of 8 bytes), cut short as the server cut it.
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

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/dossier-kg/dossier/auth"
)

type tokenCmd struct {
	Add tokenAddCmd `cmd:"" help:"Issue a token: print its secret once, keep only its hash in the tokens file."`
}

type tokenAddCmd struct {
	Tokens  string `help:"The tokens file 'serve --tokens' reads (created 0600 if absent)." required:"" env:"DOSSIER_TOKENS" placeholder:"FILE"`
	Subject string `help:"Who the token acts for: the principal recorded in every event it causes." required:""`
	Role    string `help:"reader (queries, subscriptions), writer (also records and ingests) or admin (also corrects, /admin/*)." enum:"reader,writer,admin" default:"reader"`
}

func (c *tokenAddCmd) Run(ctx context.Context) error { return c.run(os.Stdout) }

func (c *tokenAddCmd) run(w io.Writer) error {
	if err := auth.CheckSubject(c.Subject); err != nil {
		return &exitError{exitInvalid, err}
	}
	var f auth.File
	b, err := os.ReadFile(c.Tokens)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return &exitError{exitFailure, fmt.Errorf("read %s: %w", c.Tokens, err)}
	default:
		if err := json.Unmarshal(b, &f); err != nil {
			return &exitError{exitInvalid, fmt.Errorf("read %s: %w", c.Tokens, err)}
		}
	}
	secret, hash := auth.NewSecret()
	f.Tokens = append(f.Tokens, auth.Token{Subject: c.Subject, Role: c.Role, SHA256: hash})
	if _, err := auth.New(f); err != nil {
		return &exitError{exitInvalid, fmt.Errorf("%s: %w", c.Tokens, err)}
	}
	out, _ := json.MarshalIndent(f, "", "  ")
	tmp := c.Tokens + ".tmp"
	if err := os.WriteFile(tmp, append(out, '\n'), 0o600); err != nil {
		return &exitError{exitFailure, err}
	}
	if err := os.Rename(tmp, c.Tokens); err != nil {
		return &exitError{exitFailure, err}
	}
	fmt.Fprintf(w, "%s\n", secret)
	fmt.Fprintf(os.Stderr, "issued a %s token for %s; it is shown once (the file keeps its hash): pass it as --token or DOSSIER_TOKEN\n", c.Role, c.Subject)
	return nil
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/user"
	"strings"
	"time"

	"github.com/dossier-kg/dossier/api"
)

type clientFlags struct {
	Server  string        `help:"URL of the Dossier server." default:"http://127.0.0.1:8080" env:"DOSSIER_SERVER"`
	Timeout time.Duration `help:"Time limit for each request." default:"60s" env:"DOSSIER_TIMEOUT"`
	Token   string        `help:"Token for a server that needs one ('dossier token add' issues them)." env:"DOSSIER_TOKEN"`
}

// client is a minimal GraphQL client of the server's /graphql endpoint.
type client struct {
	url       string
	http      *http.Client
	principal string
	token     string
}

func (f clientFlags) client() *client {
	return &client{url: strings.TrimRight(f.Server, "/") + "/graphql", http: &http.Client{Timeout: f.Timeout}, principal: cliPrincipal(), token: f.Token}
}

// cliPrincipal names who acts through this command: "cli:" and the user.
func cliPrincipal() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

// gqlError is one error of a GraphQL response.
type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// responseError is a GraphQL response that carried errors.
type responseError struct{ Errors []gqlError }

func (e *responseError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, g := range e.Errors {
		msgs[i] = g.Message
		if c, ok := g.Extensions["code"].(string); ok {
			msgs[i] += " [" + c + "]"
		}
	}
	return strings.Join(msgs, "; ")
}

func (e *responseError) code() string {
	if len(e.Errors) == 0 {
		return ""
	}
	c, _ := e.Errors[0].Extensions["code"].(string)
	return c
}

// do runs a GraphQL operation and decodes data into out.
func (c *client) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return &exitError{exitInvalid, fmt.Errorf("server URL: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(api.PrincipalHeader, c.principal)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var netErr net.Error
		if errors.As(err, &netErr) || strings.Contains(err.Error(), "connection refused") {
			return &exitError{exitUnreachable, fmt.Errorf("cannot reach the server at %s (is `dossier serve` running?): %w", c.url, err)}
		}
		return &exitError{exitUnreachable, err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return &exitError{exitUnreachable, fmt.Errorf("read response: %w", err)}
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("server answered %s, not GraphQL: %.200s", resp.Status, raw)
	}
	if len(r.Errors) > 0 {
		re := &responseError{Errors: r.Errors}
		switch re.code() {
		case api.CodeInvalidInput, api.CodeValidationFailed, api.CodeBadRequest, api.CodeTooLarge:
			return &exitError{exitInvalid, re}
		case api.CodeUnavailable:
			return &exitError{exitUnreachable, re}
		}
		return re
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(r.Data, out)
}

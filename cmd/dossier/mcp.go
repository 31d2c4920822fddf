package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dossier-kg/dossier/agents"
)

// mcpCmd serves Dossier's tools to an LLM agent over stdio: the agent's
// MCP client (Claude Desktop, an IDE, an agent framework) starts it as a
// child process and speaks MCP on its stdin and stdout. Each tool call is
// a GraphQL request to a running server, with --token, so the token's
// role decides what the agent may do. A server answers MCP itself at /mcp.
type mcpCmd struct {
	clientFlags
}

func (c *mcpCmd) Run(ctx context.Context) error {
	return c.serve(ctx, &mcp.StdioTransport{})
}

// serve runs the tools on t until the client hangs up or ctx ends.
func (c *mcpCmd) serve(ctx context.Context, t mcp.Transport) error {
	x := c.executor()
	// A server that is down now may be up by the first call: say so on
	// stderr (stdout is the protocol's), and serve anyway. The client
	// waits for the session meanwhile, so not for long.
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	var refused *agents.Error
	switch err := x.Exec(pctx, `{ stats { sequence } }`, nil, nil); {
	case errors.As(err, &refused):
		slog.Warn("Dossier refuses this command's requests; tool calls will fail alike", "server", c.Server, "err", err)
	case err != nil:
		slog.Warn("Dossier does not answer yet; tool calls will fail until it does", "server", c.Server, "err", err)
	}
	cancel()
	// The client hanging up (stdin's end) ends the session without error.
	if err := agents.NewServer(x).Run(ctx, t); err != nil && ctx.Err() == nil {
		return fmt.Errorf("serve MCP on stdio: %w", err)
	}
	return nil
}

func (c *mcpCmd) executor() *agents.Remote {
	// The CLI's principal, marked as an agent's: "mcp:<user>".
	principal := "mcp"
	if u, ok := strings.CutPrefix(cliPrincipal(), "cli:"); ok {
		principal += ":" + u
	}
	return &agents.Remote{URL: c.Server, Token: c.Token, Principal: principal, Client: &http.Client{Timeout: c.Timeout}}
}

// Command dossier runs and talks to a Dossier server.
//
//	dossier serve                  embedded NATS + Badger under ./data, GraphQL on 127.0.0.1:8080
//	dossier load FILE|-            record assertions (JSON lines) through a running server
//	dossier ingest FILE...|-       record documents (.txt, .html, .md) through a running server, which extracts their assertions
//	dossier query '{ … }'          a GraphQL query's answer as a table (or --format json)
//	dossier export                 print the graph as JSON lines in the gold files' format
//	dossier eval --gold DIR        score the graph against answer keys, document by document
//	dossier rebuild                re-project the log into a fresh store (server stopped)
//	dossier replay --out DIR       project events 1..--until into a new store: the graph as it was then
//	dossier backup DIR             snapshot the log and the texts (JetStream's own snapshots)
//	dossier restore DIR --data NEW put a backup into a new data directory
//	dossier verify                 compare a running server's store with a fresh projection of its log
//	dossier history --actor X      the audit trail of an actor, assertion, document or relationship
//	dossier reextract              re-run an extractor over stored documents, appending the difference
//	dossier erase DOC --reason R   erase a document's words for good, keeping the audit trail
//	dossier mcp                    Dossier's tools for an LLM agent, over MCP on stdin/stdout
//	dossier health [--ready]       exit 0 if a running server is healthy (or ready)
//	dossier completion             shell completions: eval "$(dossier completion)"
//	dossier version
//
// Every flag can also be set from a DOSSIER_* environment variable, named
// in each command's --help.
//
// Exit codes: 0 success; 1 failure; 2 invalid input or usage; 3 the server
// or NATS cannot be reached; 4 the store needs `dossier rebuild`; 5 the
// data directory's disk has less free space than `serve --disk-reserve`;
// 6 the log or the store is damaged, or they do not match (the log lost
// events, ends before the store, is another log; a store file is
// corrupt): the message says what to do.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
	"github.com/posener/complete"
	"github.com/willabides/kongplete"

	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/node"
)

// Exit codes, for scripts.
const (
	exitFailure     = 1
	exitInvalid     = 2
	exitUnreachable = 3
	exitRebuild     = 4
	exitDiskFull    = 5
	exitDamaged     = 6

	exitKongUsage = 80 // what kong exits with on a usage error
)

// exitError carries an exit code to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

type cli struct {
	LogLevel    slog.Level  `help:"Log level: debug, info, warn, error." default:"info" env:"DOSSIER_LOG_LEVEL"`
	ShowVersion versionFlag `help:"Print the version and exit." name:"version"`

	Serve      serveCmd                     `cmd:"" help:"Run a Dossier server: NATS (embedded or --nats), the projection and the GraphQL API."`
	Load       loadCmd                      `cmd:"" help:"Record assertions from a JSON-lines file (or - for stdin) through a running server."`
	Ingest     ingestCmd                    `cmd:"" help:"Record documents (plain text, HTML, markdown) through a running server, which extracts their actors and assertions."`
	Query      queryCmd                     `cmd:"" help:"Send a GraphQL query or mutation to a running server and print the answer as a table or JSON."`
	Export     exportCmd                    `cmd:"" help:"Print the current graph: what load reads back (the default), or for eval (gold), spreadsheets (csv) or Gephi (graphml)."`
	Eval       evalCmd                      `cmd:"" help:"Score what the server's graph holds against answer keys (gold files), document by document."`
	Rebuild    rebuildCmd                   `cmd:"" help:"Re-project the whole log into a fresh store and swap it in. Stop the server first."`
	History    historyCmd                   `cmd:"" help:"Show the audit trail of an actor, assertion, document or relationship: who changed it, when, why."`
	Replay     replayCmd                    `cmd:"" help:"Project the log's events 1..--until into a new store directory: the graph as it was at that sequence. With a server running, pass --nats with its NATS client URL."`
	Backup     backupCmd                    `cmd:"" help:"Snapshot the log and the document texts into a directory (JetStream's own snapshots). With a server running, pass --nats with its NATS client URL."`
	Restore    restoreCmd                   `cmd:"" help:"Put a backup into a new, empty data directory (--data); serve on it then projects the graph from the restored log."`
	Verify     verifyCmd                    `cmd:"" help:"Ask a running server to re-project its log into a scratch store and compare it with its live store; exit 1 if they differ, 6 if the log no longer holds events the store folded."`
	Reextract  reextractCmd                 `cmd:"" help:"Ask a running server to re-run an extractor over its stored documents and append the difference (new assertions recorded, vanished ones retracted)."`
	Erase      eraseCmd                     `cmd:"" help:"Erase a document's words (text, title, evidence sentences) through a running server, keeping the audit trail: who, when, why, and its assertions' structure. Admin only."`
	Mcp        mcpCmd                       `cmd:"" help:"Serve Dossier's tools to an LLM agent over MCP on stdin and stdout (Claude Desktop and other MCP clients start it), through a running server: --server, --token."`
	Health     healthCmd                    `cmd:"" help:"Ask a running server whether it is healthy (or, with --ready, ready for traffic); exit 0 if so: a container healthcheck."`
	Version    versionCmd                   `cmd:"" help:"Print the version."`
	Completion kongplete.InstallCompletions `cmd:"" help:"Print shell completions for your login shell (bash, zsh or fish): add eval \"$(dossier completion)\" to its startup file."`
	Token      tokenCmd                     `cmd:"" help:"Issue tokens for a server's --tokens file."`
}

func main() {
	var c cli
	parser := kong.Must(&c,
		kong.Name("dossier"),
		kong.Description("Dossier turns documents into an auditable knowledge graph."),
		kong.UsageOnError(),
		// Usage errors exit 2, as documented for invalid input; kong's
		// own code for them is 80.
		kong.Exit(func(code int) {
			if code == exitKongUsage {
				code = exitInvalid
			}
			os.Exit(code)
		}),
	)
	// A shell asking for completions (COMP_LINE set) is answered here,
	// before anything else runs.
	kongplete.Complete(parser, kongplete.WithPredictor("file", complete.PredictFiles("*")))
	kctx, err := parser.Parse(os.Args[1:])
	parser.FatalIfErrorf(err)
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: c.LogLevel})))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	if err = kctx.Run(); err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "dossier:", err)
	os.Exit(exitCode(err))
}

func exitCode(err error) int {
	var ee *exitError
	var layout *graph.LayoutError
	var low *node.LowDiskError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case node.Damaged(err):
		return exitDamaged
	case errors.As(err, &layout):
		return exitRebuild
	case errors.As(err, &low):
		return exitDiskFull
	}
	return exitFailure
}

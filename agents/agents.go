// Package agents serves Dossier to LLM agents over the Model Context
// Protocol (MCP): tools to search actors, read relationships with their
// evidence, ask what the graph held at a point of its history and who
// changed it, and, for writers, ingest a document.
//
// It exists so that an agent can use Dossier as a tool rather than write
// GraphQL. It adds no way in of its own: every tool runs one GraphQL
// operation through an Executor, either over HTTP to a running Dossier
// (Remote, for `dossier mcp` on stdio) or through the API's own handler in
// the server's process (InProcess, for /mcp), with the caller's token, so
// roles, limits and error codes are the API's. The package is not named
// mcp so as not to shadow the SDK's package of that name.
package agents

import (
	"context"
	"runtime/debug"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const instructions = `Dossier is a knowledge graph built from documents (news articles, reports). ` +
	`Its actors are people, companies, governments, organizations, products, laws and places; ` +
	`its relationships are claims documents make about them: OWNS, OPERATES, BANS, SANCTIONS, ACQUIRES, ACCUSES, ` +
	`SHARES_DATA_WITH, CENSORS, SURVEILS, COOPERATES_WITH, MEETS, LEADS, FOUNDED, MEMBER_OF, LOCATED_IN, ` +
	`COMPETES_WITH, CRITICIZES, TARGETS, INVESTIGATES (subject PREDICATE object). ` +
	`Every relationship keeps its evidence: the sentence, the document, and who made the claim. ` +
	`Any name or alias of an actor works wherever a tool asks for an actor ("the U.S." is the United States). ` +
	`Start with search_actors or get_actor; quote relationship_evidence when you answer. ` +
	`The graph knows only what its documents say: a missing relationship is no evidence that it does not hold. ` +
	`A refused call says why, with a code: NOT_FOUND, INVALID_INPUT, FORBIDDEN, UNAUTHENTICATED, COST_LIMIT, RATE_LIMITED, TIMEOUT.`

// NewServer returns an MCP server whose tools run their operations
// through x. Connect it to a transport (Server.Run with
// mcp.StdioTransport), or serve it over HTTP (Handler).
func NewServer(x Executor) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "dossier", Title: "Dossier knowledge graph", Version: moduleVersion()},
		&mcp.ServerOptions{Instructions: instructions})
	addTools(s, x)
	return s
}

// addTool binds a tool to run, passing it the identity of the HTTP
// request that carried the call, when one did: the SDK hands each call
// the headers of its own request.
func addTool[In, Out any](s *mcp.Server, t *mcp.Tool, run func(context.Context, In) (Out, error)) {
	mcp.AddTool(s, t, func(ctx context.Context, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, Out, error) {
		if req.Extra != nil && req.Extra.Header != nil {
			c := callerFrom(ctx)
			c.header = req.Extra.Header
			ctx = withCaller(ctx, c)
		}
		out, err := run(ctx, in)
		return nil, out, err
	})
}

func moduleVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

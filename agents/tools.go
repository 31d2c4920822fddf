package agents

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Caps on what one answer lists: an agent reads every token it is given,
// and a hub actor or a long document can have thousands of entries. Where
// the API counts them (support, total, recorded), the answer says how many
// there were, so the agent knows what it was not shown.
const (
	maxEvidence      = 50 // assertions of a relationship
	defaultEvidence  = 20
	maxContestedSide = 10  // assertions of a contested relationship
	maxNeighbors     = 200 // neighbors listed
	maxIngested      = 50  // assertions and actors of an ingested document
)

func addTools(s *mcp.Server, x Executor) {
	read := &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: new(false)}
	addTool(s, &mcp.Tool{Name: "search_actors", Annotations: read,
		Description: "Find actors (people, companies, governments, organizations, products, laws, places) whose name or any alias starts with search, ignoring case. " +
			"Use it to learn how Dossier names someone before asking about their relationships. Returns ids, names, types, aliases and how many assertions mention each.",
		InputSchema: schemaFor[searchIn](map[string]bound{"first": {1, 50, 10}}),
	}, func(ctx context.Context, in searchIn) (searchOut, error) { return searchActors(ctx, x, in) })
	addTool(s, &mcp.Tool{Name: "get_actor", Annotations: read,
		Description: "One actor by any of its names or aliases, or by id (actor:…): its type, aliases, and its relationships, most supported first. " +
			"Each relationship gives the predicate, the direction (OUT: this actor is the subject, \"<actor> PREDICATE <other>\"; IN: it is the object), the other actor, and support (how many assertions make the claim). " +
			"Follow with relationship_evidence to read what the documents say.",
		InputSchema: schemaFor[getActorIn](map[string]bound{"first": {1, 100, 30}}),
	}, func(ctx context.Context, in getActorIn) (getActorOut, error) { return getActor(ctx, x, in) })
	addTool(s, &mcp.Tool{Name: "relationship_evidence", Annotations: read,
		Description: "The evidence for one relationship, subject PREDICATE object: its first assertions, oldest first (support says how many there are in all), each with its sentence, its document (title, source, url, publication date), " +
			"who made the claim (attributedTo; empty when the document says it in its own voice), polarity (AFFIRMED or NEGATED) and modality (ACTUAL, POSSIBLE, INTENDED). " +
			"Both directions are looked up, so a relationship recorded the other way round is found too; check subject and object in the answer.",
		InputSchema: schemaFor[evidenceIn](map[string]bound{"first": {1, maxEvidence, defaultEvidence}}),
	}, func(ctx context.Context, in evidenceIn) (evidenceOut, error) { return relationshipEvidence(ctx, x, in) })
	addTool(s, &mcp.Tool{Name: "neighbors", Annotations: read,
		Description: "The actors within depth hops (1 or 2) of an actor, in either direction, nearest first, each with the edge that reached it: " +
			"from, predicate, direction (OUT: \"<from> PREDICATE <actor>\"; IN: \"<actor> PREDICATE <from>\") and support. Optionally only through some predicates. " +
			"From each actor only its maxPerActor (default 25) most supported relationships are followed: a hub is named with thousands.",
		InputSchema: schemaFor[neighborsIn](map[string]bound{"depth": {1, 2, 1}, "first": {1, maxNeighbors, 50}, "maxPerActor": {1, 1000, 25}}),
	}, func(ctx context.Context, in neighborsIn) (neighborsOut, error) { return neighbors(ctx, x, in) })
	addTool(s, &mcp.Tool{Name: "path", Annotations: read,
		Description: "How two actors are connected: a shortest chain of relationships between them, in either direction, of at most maxDepth hops (1 to 4). " +
			"found is false when there is none that short. From each actor only its maxPerActor (default 100) most supported relationships are followed, " +
			"so through a hub the answer is the shortest path among its strongest links.",
		InputSchema: schemaFor[pathIn](map[string]bound{"maxDepth": {1, 4, 4}, "maxPerActor": {1, 1000, 100}}),
	}, func(ctx context.Context, in pathIn) (pathOut, error) { return path(ctx, x, in) })
	addTool(s, &mcp.Tool{Name: "history", Annotations: read,
		Description: "The audit trail of one actor, document, relationship or assertion, oldest first: each event's sequence (its position in the log), time, type, " +
			"who caused it (principal), why (reason, for corrections) and a one-line summary. Name exactly one of actor, document, relationship, assertion; " +
			"page on with after when more is true.",
		InputSchema: schemaFor[historyIn](map[string]bound{"first": {1, 50, 20}}),
	}, func(ctx context.Context, in historyIn) (historyOut, error) { return history(ctx, x, in) })
	addTool(s, &mcp.Tool{Name: "as_of", Annotations: read,
		Description: "The graph as it was at a point of its history: after a sequence (a position in the log, as history shows), or at a time (RFC 3339). " +
			"Gives that point's sequence and counts, and with actor, that actor's relationships as they were then. Compare with get_actor to see what changed.",
		InputSchema: schemaFor[asOfIn](map[string]bound{"first": {1, 100, 30}}),
	}, func(ctx context.Context, in asOfIn) (asOfOut, error) { return asOf(ctx, x, in) })
	addTool(s, &mcp.Tool{Name: "contested", Annotations: read,
		Description: "Relationships that documents both affirm and deny, with both sides' evidence: the sentence, the document and who said it. " +
			"Use it to find disputed claims before stating one as fact.",
		InputSchema: schemaFor[contestedIn](map[string]bound{"first": {1, 20, 10}}),
	}, func(ctx context.Context, in contestedIn) (contestedOut, error) { return contested(ctx, x, in) })
	addTool(s, &mcp.Tool{Name: "ingest_document",
		Annotations: &mcp.ToolAnnotations{IdempotentHint: true, DestructiveHint: new(false), OpenWorldHint: new(false)},
		Description: "Add a document (plain text, HTML or markdown) to the graph: Dossier keeps its text, finds the actors it names and the claims it makes, " +
			"and records each with its sentence as evidence. Ingesting the same text again records nothing (duplicate is true). " +
			"Needs a writer's token: otherwise the call fails with FORBIDDEN (or UNAUTHENTICATED without a token), and nothing is recorded.",
		InputSchema: schemaFor[ingestIn](nil),
	}, func(ctx context.Context, in ingestIn) (ingestOut, error) { return ingestDocument(ctx, x, in) })
}

// bound is the range and default of an integer input.
type bound struct{ min, max, def int }

// schemaFor infers In's input schema and bounds its integer inputs, so
// that the agent sees the limits and the SDK refuses, before the tool
// runs, what is outside them.
func schemaFor[In any](bounds map[string]bound) *jsonschema.Schema {
	s, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("input schema of %T: %v", *new(In), err))
	}
	for name, b := range bounds {
		p := s.Properties[name]
		if p == nil {
			panic(fmt.Sprintf("input schema of %T has no %q", *new(In), name))
		}
		p.Minimum, p.Maximum = new(float64(b.min)), new(float64(b.max))
		p.Default = json.RawMessage(strconv.Itoa(b.def))
	}
	return s
}

// perActor passes a traversal's maxPerActor when the agent gave one; left
// out, the schema's default applies.
func perActor(vars map[string]any, n int) {
	if n > 0 {
		vars["maxPerActor"] = n
	}
}

// actorArgs says whether an actor argument is an id or a name: Query.actor
// takes either, in two arguments.
func actorArgs(ref string, vars map[string]any) {
	ref = strings.TrimSpace(ref)
	if strings.HasPrefix(ref, "actor:") {
		vars["id"] = ref
	} else {
		vars["name"] = ref
	}
}

// invalid is an input the API would refuse: refused alike, before asking.
func invalid(format string, args ...any) error {
	return &Error{Code: "INVALID_INPUT", Message: fmt.Sprintf(format, args...)}
}

// Shapes of the API's answers.
type (
	named struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
	}
	gqlEdge struct {
		Predicate    string `json:"predicate"`
		Direction    string `json:"direction"`
		Support      int    `json:"support"`
		Other        named  `json:"other"`
		Relationship struct {
			ID string `json:"id"`
		} `json:"relationship"`
	}
	gqlAssertion struct {
		ID           string  `json:"id"`
		Polarity     string  `json:"polarity"`
		Modality     string  `json:"modality"`
		Confidence   float64 `json:"confidence"`
		ValidFrom    string  `json:"validFrom"`
		ValidTo      string  `json:"validTo"`
		AttributedTo *named  `json:"attributedTo"`
		Evidence     struct {
			Sentence string   `json:"sentence"`
			Document document `json:"document"`
		} `json:"evidence"`
	}
	gqlRelationship struct {
		ID        string         `json:"id"`
		Subject   named          `json:"subject"`
		Predicate string         `json:"predicate"`
		Object    named          `json:"object"`
		Support   int            `json:"support"`
		Affirmed  int            `json:"affirmed"`
		Negated   int            `json:"negated"`
		Actual    int            `json:"actual"`
		Sources   []struct{}     `json:"sources"`
		Asserted  []gqlAssertion `json:"assertions"`
		// Evidence is a page of Asserted, for the tools that need not
		// read all of a relationship's assertions.
		Evidence struct {
			Edges []struct{ Node gqlAssertion } `json:"edges"`
		} `json:"evidence"`
	}
	pageInfo struct {
		HasNextPage bool   `json:"hasNextPage"`
		EndCursor   string `json:"endCursor"`
	}
)

// evidence is the page of assertions a query read with evidence(first).
func (r gqlRelationship) evidence() []gqlAssertion {
	out := make([]gqlAssertion, len(r.Evidence.Edges))
	for i, e := range r.Evidence.Edges {
		out[i] = e.Node
	}
	return out
}

const assertionFields = `id polarity modality confidence validFrom validTo attributedTo { id name }
  evidence { sentence document { id title source url published } }`

// edge is a relationship seen from one of its ends.
type edge struct {
	Predicate    string `json:"predicate"`
	Direction    string `json:"direction" jsonschema:"OUT: the actor is the subject, IN: the object"`
	Other        string `json:"other" jsonschema:"the actor at the other end"`
	OtherID      string `json:"otherId"`
	Support      int    `json:"support" jsonschema:"how many assertions make the claim"`
	Relationship string `json:"relationship" jsonschema:"the relationship's id, for history"`
}

func edges(in []gqlEdge) []edge {
	out := make([]edge, len(in))
	for i, e := range in {
		out[i] = edge{Predicate: e.Predicate, Direction: e.Direction, Other: e.Other.Name, OtherID: e.Other.ID, Support: e.Support, Relationship: e.Relationship.ID}
	}
	return out
}

// document is where evidence comes from.
type document struct {
	ID        string `json:"id"`
	Title     string `json:"title,omitempty"`
	Source    string `json:"source,omitempty"`
	URL       string `json:"url,omitempty"`
	Published string `json:"published,omitempty"`
}

// assertion is one claim of one document.
type assertion struct {
	ID           string   `json:"id"`
	Sentence     string   `json:"sentence"`
	Document     document `json:"document"`
	AttributedTo string   `json:"attributedTo,omitempty" jsonschema:"whose claim the document reports; empty when it says it in its own voice"`
	Polarity     string   `json:"polarity" jsonschema:"AFFIRMED or NEGATED (the document says it does not hold)"`
	Modality     string   `json:"modality" jsonschema:"ACTUAL, POSSIBLE or INTENDED"`
	Confidence   float64  `json:"confidence"`
	ValidFrom    string   `json:"validFrom,omitempty" jsonschema:"when the claim holds in the world, as the text says"`
	ValidTo      string   `json:"validTo,omitempty"`
}

func assertions(in []gqlAssertion, limit int) []assertion {
	out := make([]assertion, 0, min(len(in), limit))
	for _, a := range in[:min(len(in), limit)] {
		x := assertion{ID: a.ID, Sentence: a.Evidence.Sentence, Document: a.Evidence.Document, Polarity: a.Polarity, Modality: a.Modality,
			Confidence: a.Confidence, ValidFrom: a.ValidFrom, ValidTo: a.ValidTo}
		if a.AttributedTo != nil {
			x.AttributedTo = a.AttributedTo.Name
		}
		out = append(out, x)
	}
	return out
}

// search_actors

type searchIn struct {
	Search string `json:"search" jsonschema:"the start of a name or alias, any case: \"byte\" finds ByteDance"`
	Type   string `json:"type,omitempty" jsonschema:"only actors of this type: PERSON, COMPANY, GOVERNMENT, ORGANIZATION, PRODUCT, LAW or PLACE"`
	First  int    `json:"first,omitempty" jsonschema:"how many actors to return"`
}

// actorSummary is an actor as a search lists it.
type actorSummary struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Type     string   `json:"type,omitempty"`
	Aliases  []string `json:"aliases"`
	Mentions int      `json:"mentions" jsonschema:"how many assertions name the actor"`
}

type searchOut struct {
	Actors []actorSummary `json:"actors"`
	More   bool           `json:"more" jsonschema:"more actors match: search more precisely, or ask for more with first"`
}

const searchQuery = `query($search: String, $type: String, $first: Int) {
  actors(search: $search, type: $type, first: $first) { edges { node { id name type aliases mentions } } pageInfo { hasNextPage } }
}`

func searchActors(ctx context.Context, x Executor, in searchIn) (searchOut, error) {
	if strings.TrimSpace(in.Search) == "" {
		return searchOut{}, invalid("search needs the start of a name")
	}
	vars := map[string]any{"search": in.Search, "first": in.First}
	if in.Type != "" {
		vars["type"] = strings.ToUpper(strings.TrimSpace(in.Type))
	}
	var r struct {
		Actors struct {
			Edges    []struct{ Node actorSummary } `json:"edges"`
			PageInfo pageInfo                      `json:"pageInfo"`
		} `json:"actors"`
	}
	if err := x.Exec(ctx, searchQuery, vars, &r); err != nil {
		return searchOut{}, fmt.Errorf("search actors: %w", err)
	}
	out := searchOut{Actors: make([]actorSummary, len(r.Actors.Edges)), More: r.Actors.PageInfo.HasNextPage}
	for i, e := range r.Actors.Edges {
		out.Actors[i] = e.Node
	}
	return out, nil
}

// get_actor

type getActorIn struct {
	Actor      string   `json:"actor" jsonschema:"a name or alias in any case (\"the U.S.\", \"tiktok\"), or an id (actor:…)"`
	Predicates []string `json:"predicates,omitempty" jsonschema:"only relationships with these predicates, such as OWNS or BANS"`
	First      int      `json:"first,omitempty" jsonschema:"at most this many relationships, the most supported first"`
}

type getActorOut struct {
	actorSummary
	FirstSeen     string `json:"firstSeen"`
	LastSeen      string `json:"lastSeen"`
	MergedInto    string `json:"mergedInto,omitempty" jsonschema:"set while this actor is merged into another"`
	Relationships []edge `json:"relationships"`
}

const actorQuery = `query($id: ID, $name: String, $first: Int, $predicates: [String!]) {
  actor(id: $id, name: $name) {
    id name type aliases mentions firstSeen lastSeen mergedInto { name }
    relationships(first: $first, predicates: $predicates) { predicate direction support other { id name } relationship { id } }
  }
}`

func getActor(ctx context.Context, x Executor, in getActorIn) (getActorOut, error) {
	if strings.TrimSpace(in.Actor) == "" {
		return getActorOut{}, invalid("actor needs a name or an id")
	}
	vars := map[string]any{"first": in.First}
	actorArgs(in.Actor, vars)
	if len(in.Predicates) > 0 {
		vars["predicates"] = upper(in.Predicates)
	}
	var r struct {
		Actor *struct {
			actorSummary
			FirstSeen     string    `json:"firstSeen"`
			LastSeen      string    `json:"lastSeen"`
			MergedInto    *named    `json:"mergedInto"`
			Relationships []gqlEdge `json:"relationships"`
		} `json:"actor"`
	}
	if err := x.Exec(ctx, actorQuery, vars, &r); err != nil {
		return getActorOut{}, fmt.Errorf("get actor: %w", err)
	}
	if r.Actor == nil {
		return getActorOut{}, &Error{Code: "NOT_FOUND", Message: fmt.Sprintf("no actor is named %q: search_actors finds names by their start", in.Actor)}
	}
	a := r.Actor
	out := getActorOut{actorSummary: a.actorSummary, FirstSeen: a.FirstSeen, LastSeen: a.LastSeen, Relationships: edges(a.Relationships)}
	if a.MergedInto != nil {
		out.MergedInto = a.MergedInto.Name
	}
	return out, nil
}

// relationship_evidence

type evidenceIn struct {
	Subject   string `json:"subject" jsonschema:"the actor the claim is about, by name, alias or id"`
	Predicate string `json:"predicate" jsonschema:"such as OWNS, BANS, ACCUSES"`
	Object    string `json:"object" jsonschema:"the other actor, by name, alias or id"`
	First     int    `json:"first,omitempty" jsonschema:"at most this many assertions of each relationship, oldest first"`
}

// withAssertions is the relationship as a tool answers it, with the
// assertions it shows.
func (r gqlRelationship) withAssertions(as []assertion) relEvidence {
	return relEvidence{ID: r.ID, Subject: r.Subject.Name, Predicate: r.Predicate, Object: r.Object.Name,
		Support: r.Support, Affirmed: r.Affirmed, Negated: r.Negated, Actual: r.Actual, Documents: len(r.Sources), Assertions: as}
}

// relEvidence is one relationship with its assertions.
type relEvidence struct {
	ID         string      `json:"id"`
	Subject    string      `json:"subject"`
	Predicate  string      `json:"predicate"`
	Object     string      `json:"object"`
	Support    int         `json:"support" jsonschema:"how many assertions make the claim: affirmed plus negated"`
	Affirmed   int         `json:"affirmed"`
	Negated    int         `json:"negated"`
	Actual     int         `json:"actual" jsonschema:"how many state it as fact; the rest say it is possible or intended"`
	Documents  int         `json:"documents" jsonschema:"how many distinct documents make it"`
	Assertions []assertion `json:"assertions"`
}

type evidenceOut struct {
	Relationships []relEvidence `json:"relationships" jsonschema:"the relationship as asked, and the reverse one if that exists too"`
}

// evidenceQuery reads a page of each relationship's evidence: a
// relationship asserted thousands of times is not read whole for the
// first few the agent is shown.
const evidenceQuery = `query($s: String!, $p: String!, $o: String!, $first: Int!) {
  forward: relationships(subject: $s, predicate: $p, object: $o, first: 1) { edges { node { ...evidence } } }
  reverse: relationships(subject: $o, predicate: $p, object: $s, first: 1) { edges { node { ...evidence } } }
}
fragment evidence on Relationship {
  id subject { name } predicate object { name } support affirmed negated actual sources { id }
  evidence(first: $first) { edges { node { ` + assertionFields + ` } } }
}`

func relationshipEvidence(ctx context.Context, x Executor, in evidenceIn) (evidenceOut, error) {
	in.Predicate = strings.ToUpper(strings.TrimSpace(in.Predicate))
	if strings.TrimSpace(in.Subject) == "" || strings.TrimSpace(in.Object) == "" || in.Predicate == "" {
		return evidenceOut{}, invalid("name a subject, a predicate and an object")
	}
	type conn struct {
		Edges []struct{ Node gqlRelationship } `json:"edges"`
	}
	var r struct{ Forward, Reverse conn }
	if in.First <= 0 {
		in.First = defaultEvidence
	}
	vars := map[string]any{"s": in.Subject, "p": in.Predicate, "o": in.Object, "first": min(in.First, maxEvidence)}
	if err := x.Exec(ctx, evidenceQuery, vars, &r); err != nil {
		return evidenceOut{}, fmt.Errorf("relationship evidence: %w", err)
	}
	out := evidenceOut{Relationships: []relEvidence{}}
	for _, e := range append(r.Forward.Edges, r.Reverse.Edges...) {
		rel := e.Node
		if len(out.Relationships) == 1 && out.Relationships[0].ID == rel.ID {
			continue // a relationship of an actor with itself is both
		}
		out.Relationships = append(out.Relationships, rel.withAssertions(assertions(rel.evidence(), in.First)))
	}
	if len(out.Relationships) == 0 {
		return out, &Error{Code: "NOT_FOUND", Message: fmt.Sprintf("no document says %s %s %s, nor the reverse: get_actor lists %s's relationships",
			in.Subject, in.Predicate, in.Object, in.Subject)}
	}
	return out, nil
}

// neighbors

type neighborsIn struct {
	Actor       string   `json:"actor" jsonschema:"the actor to start from, by name, alias or id"`
	Depth       int      `json:"depth,omitempty" jsonschema:"how many hops away"`
	Predicates  []string `json:"predicates,omitempty" jsonschema:"only through relationships with these predicates"`
	First       int      `json:"first,omitempty" jsonschema:"at most this many neighbors, nearest first"`
	MaxPerActor int      `json:"maxPerActor,omitempty" jsonschema:"follow only each actor's this many most supported relationships"`
}

// neighbor is an actor near another, with how it was reached.
type neighbor struct {
	Name      string `json:"name"`
	ID        string `json:"id"`
	Type      string `json:"type,omitempty"`
	Depth     int    `json:"depth"`
	From      string `json:"from" jsonschema:"the actor one hop closer to the start"`
	Predicate string `json:"predicate"`
	Direction string `json:"direction" jsonschema:"OUT: from is the subject; IN: this actor is"`
	Support   int    `json:"support"`
}

type neighborsOut struct {
	Neighbors []neighbor `json:"neighbors"`
	Total     int        `json:"total" jsonschema:"how many neighbors there are; more than listed when over first"`
}

const neighborsQuery = `query($actor: String!, $depth: Int, $predicates: [String!], $maxPerActor: Int) {
  neighbors(actor: $actor, depth: $depth, predicates: $predicates, maxPerActor: $maxPerActor) { depth actor { id name type } from { name } via { predicate direction support } }
}`

func neighbors(ctx context.Context, x Executor, in neighborsIn) (neighborsOut, error) {
	vars := map[string]any{"actor": in.Actor, "depth": in.Depth}
	perActor(vars, in.MaxPerActor)
	if len(in.Predicates) > 0 {
		vars["predicates"] = upper(in.Predicates)
	}
	var r struct {
		Neighbors []struct {
			Depth int   `json:"depth"`
			Actor named `json:"actor"`
			From  named `json:"from"`
			Via   struct {
				Predicate string `json:"predicate"`
				Direction string `json:"direction"`
				Support   int    `json:"support"`
			} `json:"via"`
		} `json:"neighbors"`
	}
	if err := x.Exec(ctx, neighborsQuery, vars, &r); err != nil {
		return neighborsOut{}, fmt.Errorf("neighbors: %w", err)
	}
	out := neighborsOut{Neighbors: []neighbor{}, Total: len(r.Neighbors)}
	for _, n := range r.Neighbors[:min(len(r.Neighbors), in.First)] {
		out.Neighbors = append(out.Neighbors, neighbor{Name: n.Actor.Name, ID: n.Actor.ID, Type: n.Actor.Type, Depth: n.Depth, From: n.From.Name,
			Predicate: n.Via.Predicate, Direction: n.Via.Direction, Support: n.Via.Support})
	}
	return out, nil
}

// path

type pathIn struct {
	From        string   `json:"from" jsonschema:"one actor, by name, alias or id"`
	To          string   `json:"to" jsonschema:"the other actor"`
	MaxDepth    int      `json:"maxDepth,omitempty" jsonschema:"the longest chain to look for, in hops"`
	Predicates  []string `json:"predicates,omitempty" jsonschema:"only through relationships with these predicates"`
	MaxPerActor int      `json:"maxPerActor,omitempty" jsonschema:"follow only each actor's this many most supported relationships"`
}

// step is one hop of a path.
type step struct {
	From         string `json:"from"`
	Predicate    string `json:"predicate"`
	Direction    string `json:"direction" jsonschema:"OUT: \"<from> PREDICATE <to>\"; IN: \"<to> PREDICATE <from>\""`
	To           string `json:"to"`
	Support      int    `json:"support"`
	Relationship string `json:"relationship" jsonschema:"the relationship's id"`
}

type pathOut struct {
	Found  bool   `json:"found"`
	Length int    `json:"length"`
	Steps  []step `json:"steps"`
}

const pathQuery = `query($from: String!, $to: String!, $maxDepth: Int, $predicates: [String!], $maxPerActor: Int) {
  path(from: $from, to: $to, maxDepth: $maxDepth, predicates: $predicates, maxPerActor: $maxPerActor) {
    length steps { from { name } predicate direction to { name } relationship { id support } }
  }
}`

func path(ctx context.Context, x Executor, in pathIn) (pathOut, error) {
	vars := map[string]any{"from": in.From, "to": in.To, "maxDepth": in.MaxDepth}
	perActor(vars, in.MaxPerActor)
	if len(in.Predicates) > 0 {
		vars["predicates"] = upper(in.Predicates)
	}
	var r struct {
		Path *struct {
			Length int `json:"length"`
			Steps  []struct {
				From         named  `json:"from"`
				Predicate    string `json:"predicate"`
				Direction    string `json:"direction"`
				To           named  `json:"to"`
				Relationship struct {
					ID      string `json:"id"`
					Support int    `json:"support"`
				} `json:"relationship"`
			} `json:"steps"`
		} `json:"path"`
	}
	if err := x.Exec(ctx, pathQuery, vars, &r); err != nil {
		return pathOut{}, fmt.Errorf("path: %w", err)
	}
	out := pathOut{Steps: []step{}}
	if r.Path == nil {
		return out, nil
	}
	out.Found, out.Length = true, r.Path.Length
	for _, s := range r.Path.Steps {
		out.Steps = append(out.Steps, step{From: s.From.Name, Predicate: s.Predicate, Direction: s.Direction, To: s.To.Name,
			Support: s.Relationship.Support, Relationship: s.Relationship.ID})
	}
	return out, nil
}

// history

type historyIn struct {
	Actor        string `json:"actor,omitempty" jsonschema:"an actor, by name, alias or id"`
	Document     string `json:"document,omitempty" jsonschema:"a document id (document:…)"`
	Relationship string `json:"relationship,omitempty" jsonschema:"a relationship id (relationship:<subject>:<PREDICATE>:<object>), as get_actor gives"`
	Assertion    string `json:"assertion,omitempty" jsonschema:"an assertion id (assertion:…)"`
	First        int    `json:"first,omitempty" jsonschema:"at most this many events"`
	After        string `json:"after,omitempty" jsonschema:"the cursor of a previous answer, to read on"`
}

// event is one entry of the audit trail.
type event struct {
	Sequence  uint64 `json:"sequence" jsonschema:"the event's position in the log; as_of reads the graph as it was after it"`
	Time      string `json:"time"`
	Type      string `json:"type"`
	Principal string `json:"principal,omitempty" jsonschema:"who caused it"`
	Reason    string `json:"reason,omitempty" jsonschema:"why, for corrections"`
	Outcome   string `json:"outcome" jsonschema:"recorded, duplicate, changed or skipped"`
	Summary   string `json:"summary"`
}

type historyOut struct {
	Events []event `json:"events"`
	More   bool    `json:"more"`
	After  string  `json:"after,omitempty" jsonschema:"pass as after to read on"`
}

const historyQuery = `query($actor: String, $document: ID, $relationship: ID, $assertion: ID, $first: Int, $after: String) {
  history(actor: $actor, document: $document, relationship: $relationship, assertion: $assertion, first: $first, after: $after) {
    edges { node { sequence time type principal reason outcome summary } } pageInfo { hasNextPage endCursor }
  }
}`

func history(ctx context.Context, x Executor, in historyIn) (historyOut, error) {
	vars := map[string]any{"first": in.First}
	if in.After != "" {
		vars["after"] = in.After
	}
	n := 0
	for k, v := range map[string]string{"actor": in.Actor, "document": in.Document, "relationship": in.Relationship, "assertion": in.Assertion} {
		if strings.TrimSpace(v) != "" {
			vars[k] = v
			n++
		}
	}
	if n != 1 {
		return historyOut{}, invalid("name exactly one of actor, document, relationship, assertion")
	}
	var r struct {
		History struct {
			Edges    []struct{ Node event } `json:"edges"`
			PageInfo pageInfo               `json:"pageInfo"`
		} `json:"history"`
	}
	if err := x.Exec(ctx, historyQuery, vars, &r); err != nil {
		return historyOut{}, fmt.Errorf("history: %w", err)
	}
	out := historyOut{Events: make([]event, len(r.History.Edges)), More: r.History.PageInfo.HasNextPage}
	for i, e := range r.History.Edges {
		out.Events[i] = e.Node
	}
	if out.More {
		out.After = r.History.PageInfo.EndCursor
	}
	return out, nil
}

// as_of

type asOfIn struct {
	Sequence uint64 `json:"sequence,omitempty" jsonschema:"read the graph as it was after this sequence (history gives events' sequences)"`
	Time     string `json:"time,omitempty" jsonschema:"or as it was at this time, RFC 3339 (2020-07-01T00:00:00Z)"`
	Actor    string `json:"actor,omitempty" jsonschema:"an actor whose relationships to show as they were then"`
	First    int    `json:"first,omitempty" jsonschema:"at most this many of the actor's relationships, the most supported first"`
}

// stats counts what the graph held.
type stats struct {
	Actors        int `json:"actors"`
	Relationships int `json:"relationships"`
	Assertions    int `json:"assertions"`
	Documents     int `json:"documents"`
}

// actorThen is an actor as it was at a point of the graph's history.
type actorThen struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Type          string `json:"type,omitempty"`
	Relationships []edge `json:"relationships"`
}

type asOfOut struct {
	Sequence uint64     `json:"sequence" jsonschema:"the point read: the last event at or before the time asked"`
	Stats    stats      `json:"stats"`
	Actor    *actorThen `json:"actor,omitempty"`
	Note     string     `json:"note,omitempty"`
}

const asOfQuery = `query($seq: Sequence, $time: Time, $id: ID, $name: String, $withActor: Boolean!, $first: Int) {
  asOf(sequence: $seq, time: $time) {
    sequence stats { actors relationships assertions documents }
    actor(id: $id, name: $name) @include(if: $withActor) {
      id name type relationships(first: $first) { predicate direction support other { id name } relationship { id } }
    }
  }
}`

func asOf(ctx context.Context, x Executor, in asOfIn) (asOfOut, error) {
	if (in.Sequence == 0) == (strings.TrimSpace(in.Time) == "") {
		return asOfOut{}, invalid("name one of sequence and time")
	}
	vars := map[string]any{"withActor": in.Actor != "", "first": in.First}
	if in.Sequence > 0 {
		vars["seq"] = in.Sequence
	} else {
		vars["time"] = strings.TrimSpace(in.Time)
	}
	if in.Actor != "" {
		actorArgs(in.Actor, vars)
	}
	var r struct {
		AsOf struct {
			Sequence uint64 `json:"sequence"`
			Stats    stats  `json:"stats"`
			Actor    *struct {
				named
				Relationships []gqlEdge `json:"relationships"`
			} `json:"actor"`
		} `json:"asOf"`
	}
	if err := x.Exec(ctx, asOfQuery, vars, &r); err != nil {
		return asOfOut{}, fmt.Errorf("as of: %w", err)
	}
	out := asOfOut{Sequence: r.AsOf.Sequence, Stats: r.AsOf.Stats}
	switch a := r.AsOf.Actor; {
	case a != nil:
		out.Actor = &actorThen{ID: a.ID, Name: a.Name, Type: a.Type, Relationships: edges(a.Relationships)}
	case in.Actor != "":
		out.Note = fmt.Sprintf("no actor was named %q at sequence %d", in.Actor, out.Sequence)
	}
	return out, nil
}

// contested

type contestedIn struct {
	First int `json:"first,omitempty" jsonschema:"at most this many relationships"`
}

type contestedOut struct {
	Relationships []relEvidence `json:"relationships" jsonschema:"each with both sides' assertions (at most 10)"`
	More          bool          `json:"more"`
}

const contestedQuery = `query($first: Int) {
  contested(first: $first) {
    edges { node { id subject { name } predicate object { name } support affirmed negated actual sources { id } assertions { ` + assertionFields + ` } } }
    pageInfo { hasNextPage }
  }
}`

func contested(ctx context.Context, x Executor, in contestedIn) (contestedOut, error) {
	var r struct {
		Contested struct {
			Edges    []struct{ Node gqlRelationship } `json:"edges"`
			PageInfo pageInfo                         `json:"pageInfo"`
		} `json:"contested"`
	}
	if err := x.Exec(ctx, contestedQuery, map[string]any{"first": in.First}, &r); err != nil {
		return contestedOut{}, fmt.Errorf("contested: %w", err)
	}
	out := contestedOut{Relationships: []relEvidence{}, More: r.Contested.PageInfo.HasNextPage}
	for _, e := range r.Contested.Edges {
		rel := e.Node
		out.Relationships = append(out.Relationships, rel.withAssertions(bothSides(rel.Asserted, maxContestedSide)))
	}
	return out, nil
}

// bothSides picks at most limit assertions, as many denials as fit
// beside the affirmations: oldest first, the denials would be cut off
// when the affirmations are many.
func bothSides(in []gqlAssertion, limit int) []assertion {
	var aff, neg []gqlAssertion
	for _, a := range in {
		if a.Polarity == "NEGATED" {
			neg = append(neg, a)
		} else {
			aff = append(aff, a)
		}
	}
	nn := min(len(neg), max(limit/2, limit-len(aff)))
	return append(assertions(aff, limit-nn), assertions(neg, nn)...)
}

// ingest_document

type ingestIn struct {
	Text      string `json:"text" jsonschema:"the document as written: plain text, HTML or markdown"`
	Title     string `json:"title,omitempty"`
	URL       string `json:"url,omitempty" jsonschema:"where it was published: an http or https URL"`
	Source    string `json:"source,omitempty" jsonschema:"a short name for it, such as a file's base name"`
	Published string `json:"published,omitempty" jsonschema:"its publication date: YYYY-MM-DD or RFC 3339"`
}

// ingested is a claim read from an ingested document.
type ingested struct {
	Subject   string `json:"subject"`
	Predicate string `json:"predicate"`
	Object    string `json:"object"`
	Polarity  string `json:"polarity"`
	Sentence  string `json:"sentence"`
}

type ingestOut struct {
	DocumentID string     `json:"documentId"`
	Duplicate  bool       `json:"duplicate" jsonschema:"the graph already held this text: nothing new was recorded"`
	Recorded   int        `json:"recorded" jsonschema:"how many assertions the extractor found and recorded"`
	Dropped    int        `json:"dropped"`
	Sequence   uint64     `json:"sequence"`
	Projected  bool       `json:"projected" jsonschema:"whether the graph shows it yet; when false, retry reads in a moment"`
	Actors     []named    `json:"actors" jsonschema:"the actors the document names (at most 50)"`
	Assertions []ingested `json:"assertions" jsonschema:"what it claims (at most 50)"`
}

const ingestMutation = `mutation($input: DocumentInput!) {
  ingestDocument(input: $input) {
    documentId duplicate recorded dropped sequence projected
    document { actors { id name type } }
    assertions { subject { name } predicate object { name } polarity evidence { sentence } }
  }
}`

func ingestDocument(ctx context.Context, x Executor, in ingestIn) (ingestOut, error) {
	input := map[string]any{"text": in.Text}
	for k, v := range map[string]string{"title": in.Title, "url": in.URL, "source": in.Source, "published": in.Published} {
		if v != "" {
			input[k] = v
		}
	}
	var r struct {
		Ingest struct {
			DocumentID string `json:"documentId"`
			Duplicate  bool   `json:"duplicate"`
			Recorded   int    `json:"recorded"`
			Dropped    int    `json:"dropped"`
			Sequence   uint64 `json:"sequence"`
			Projected  bool   `json:"projected"`
			Document   *struct {
				Actors []named `json:"actors"`
			} `json:"document"`
			Assertions []struct {
				Subject   named  `json:"subject"`
				Predicate string `json:"predicate"`
				Object    named  `json:"object"`
				Polarity  string `json:"polarity"`
				Evidence  struct {
					Sentence string `json:"sentence"`
				} `json:"evidence"`
			} `json:"assertions"`
		} `json:"ingestDocument"`
	}
	if err := x.Exec(ctx, ingestMutation, map[string]any{"input": input}, &r); err != nil {
		return ingestOut{}, fmt.Errorf("ingest document: %w", err)
	}
	g := r.Ingest
	out := ingestOut{DocumentID: g.DocumentID, Duplicate: g.Duplicate, Recorded: g.Recorded, Dropped: g.Dropped, Sequence: g.Sequence, Projected: g.Projected,
		Actors: []named{}, Assertions: []ingested{}}
	if g.Document != nil {
		out.Actors = g.Document.Actors[:min(len(g.Document.Actors), maxIngested)]
	}
	for _, a := range g.Assertions[:min(len(g.Assertions), maxIngested)] {
		out.Assertions = append(out.Assertions, ingested{Subject: a.Subject.Name, Predicate: a.Predicate, Object: a.Object.Name, Polarity: a.Polarity, Sentence: a.Evidence.Sentence})
	}
	return out, nil
}

func upper(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToUpper(strings.TrimSpace(s))
	}
	return out
}

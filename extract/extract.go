// Package extract turns a document's text into assertion events: who did
// what to whom, with the sentence as evidence.
//
// An Extractor reads one Document and returns a Result: the actors the
// document names and the assertions it makes, each with verbatim evidence
// and character offsets into the text. Extractors are deterministic where
// they can be, and say who they are (Name, Version) so that every
// assertion records its producer and a later re-extraction can show what
// a new version changed.
//
// The default extractor (Rules) is pure Go, offline and driven by a
// lexicon held as data; extract/llm asks an OpenAI-compatible model.
package extract

import (
	"context"
	"time"

	"github.com/dossier-kg/dossier/events"
)

// Document is what an extractor reads.
type Document struct {
	// ID is the document's content id (events.DocumentID of Text).
	ID string
	// Source is the short name the document is known by (a file's base
	// name); it goes into every assertion's evidence.
	Source string
	Title  string
	// Published anchors relative time expressions ("last year").
	Published *time.Time
	Text      string
}

// Mention is an actor the document names.
type Mention struct {
	// Name is the name as the document writes it (the fullest form).
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
	// Count is how many times the document names it.
	Count int `json:"count"`
}

// Result is what an extractor found in one document.
type Result struct {
	Mentions   []Mention
	Assertions []events.AssertionRecorded
	// Dropped counts candidate assertions the extractor discarded, by
	// reason, for diagnostics (an LLM naming actors not in the text,
	// evidence not in the document, unknown predicates).
	Dropped map[string]int
}

// Known answers what the graph already knows about a name, so that an
// extractor can resolve "the company" or a surname to an actor seen in an
// earlier document. The caller implements it over its graph view.
type Known interface {
	// Lookup returns the canonical name and type of the actor a name
	// refers to, if the graph has one.
	Lookup(name string) (canonical, typ string, ok bool)
}

// Extractor reads documents.
type Extractor interface {
	Name() string
	Version() string
	Extract(ctx context.Context, doc Document, known Known) (Result, error)
}

// Producer is the producer stamp of an extractor.
func Producer(x Extractor) events.Producer {
	return events.Producer{Name: x.Name(), Version: x.Version()}
}

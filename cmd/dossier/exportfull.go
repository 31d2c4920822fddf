package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/dossier-kg/dossier/events"
)

// The full export: everything `dossier load` reads back. Each document
// whose text the server holds is a line {"document": {…}} with its text
// and metadata; each live assertion a line in the load format (an
// AssertionRecorded: names as the document wrote them, so that ids come
// out the same, with confidence, offsets, valid time, attribution and
// producer). What shaped the graph but is not its content — retracted
// assertions, merges, renames, the audit trail — is in the log, which
// `dossier backup` keeps.
//
// An erased document is exported as erased: its document line has no
// text and no title but the erasure (who, when, why), and each of its
// live assertions has "erased": true and an empty sentence, so the
// export says what the graph knew without holding the words. `dossier
// load` reads such lines and records none of them: the words are gone.

const fullExportQuery = `query($after: String) {
  documents(first: 20, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id source title url published size
      erased erasure { sequence time principal reason retracted }
      assertions {
        id predicate polarity modality confidence subjectText objectText
        subject { name type } object { name type } attributedTo { name }
        evidence { sentence erased start end }
        producer { name version }
        validFrom validTo
      }
    } }
  }
}`

type fullDoc struct {
	ID         string
	Source     *string
	Title      *string
	URL        *string
	Published  *string
	Size       *int
	Erased     bool
	Erasure    *exportedErasure
	Assertions []fullAssertion
}

// exportedErasure is who erased a document's words, when and why.
type exportedErasure struct {
	Sequence  uint64 `json:"sequence"`
	Time      string `json:"time"`
	Principal string `json:"principal,omitempty"`
	Reason    string `json:"reason"`
	Retracted bool   `json:"retracted,omitempty"`
}

type fullAssertion struct {
	ID, Predicate, Polarity, Modality string
	Confidence                        float64
	SubjectText, ObjectText           string
	Subject, Object                   struct{ Name, Type *string }
	AttributedTo                      *struct{ Name string }
	Evidence                          struct {
		Sentence   *string
		Erased     bool
		Start, End *int
	}
	Producer           struct{ Name, Version *string }
	ValidFrom, ValidTo *string
}

// documentLine is a document of the full export.
type documentLine struct {
	Document *exportedDocument `json:"document"`
}

type exportedDocument struct {
	ID        string `json:"id"`
	Source    string `json:"source,omitempty"`
	Title     string `json:"title,omitempty"`
	URL       string `json:"url,omitempty"`
	Published string `json:"published,omitempty"`
	Text      string `json:"text,omitempty"`
	// Erased is set, and Text and Title are empty, once the document's
	// words were erased.
	Erased *exportedErasure `json:"erased,omitempty"`
}

// erasedAssertionLine is an assertion of an erased document: its
// structure, without its sentence.
type erasedAssertionLine struct {
	events.AssertionRecorded
	Erased bool `json:"erased"`
}

// eachDocument pages through the server's documents.
func eachDocument(ctx context.Context, cl *client, f func(fullDoc) error) error {
	return eachPage(ctx, cl, fullExportQuery, func(page connection[fullDoc]) error {
		for _, e := range page.Documents.Edges {
			if err := f(e.Node); err != nil {
				return err
			}
		}
		return nil
	})
}

// exportFull writes the full export.
func exportFull(ctx context.Context, cl *client, out io.Writer) error {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	return eachDocument(ctx, cl, func(d fullDoc) error {
		local := strings.TrimPrefix(d.ID, "document:")
		if d.Erased {
			return exportErased(enc, local, d)
		}
		hasText := false
		if d.Size != nil && *d.Size > 0 {
			// One document's text at a time: a page of texts could
			// be over the server's response limit.
			var one struct{ Document struct{ Text *string } }
			if err := cl.do(ctx, `query($id: ID!) { document(id: $id) { text } }`, map[string]any{"id": d.ID}, &one); err != nil {
				return fmt.Errorf("read the text of %s: %w", d.ID, err)
			}
			if t := one.Document.Text; t != nil {
				hasText = true
				if err := enc.Encode(documentLine{&exportedDocument{ID: local, Source: deref(d.Source), Title: deref(d.Title),
					URL: deref(d.URL), Published: deref(d.Published), Text: *t}}); err != nil {
					return err
				}
			}
		}
		for _, a := range d.Assertions {
			if err := enc.Encode(a.recorded(local, deref(d.Source), hasText)); err != nil {
				return err
			}
		}
		return nil
	})
}

// exportErased writes an erased document: its metadata and erasure, and
// its assertions' structure.
func exportErased(enc *json.Encoder, local string, d fullDoc) error {
	e := d.Erasure
	if e == nil {
		e = &exportedErasure{} // erased since the read's point in history
	}
	if err := enc.Encode(documentLine{&exportedDocument{ID: local, Source: deref(d.Source), URL: deref(d.URL),
		Published: deref(d.Published), Erased: e}}); err != nil {
		return err
	}
	for _, a := range d.Assertions {
		r := a.recorded(local, deref(d.Source), true)
		r.Evidence.Sentence = ""
		if err := enc.Encode(erasedAssertionLine{AssertionRecorded: r, Erased: true}); err != nil {
			return err
		}
	}
	return nil
}

// recorded is the assertion as the load format writes it. A document
// known only by its source name is named so again, as it was loaded.
func (a fullAssertion) recorded(docID, source string, hasText bool) events.AssertionRecorded {
	r := events.AssertionRecorded{
		Subject:   events.ActorRef{Name: a.SubjectText, Type: deref(a.Subject.Type)},
		Predicate: a.Predicate,
		Object:    events.ActorRef{Name: a.ObjectText, Type: deref(a.Object.Type)},
		Polarity:  strings.ToLower(a.Polarity),
		Modality:  strings.ToLower(a.Modality),
		Evidence:  events.Evidence{Document: source, Sentence: deref(a.Evidence.Sentence), Start: a.Evidence.Start, End: a.Evidence.End},
		Producer:  events.Producer{Name: deref(a.Producer.Name), Version: deref(a.Producer.Version)},
	}
	if hasText {
		r.Evidence.DocumentID = docID
	}
	if a.AttributedTo != nil {
		name := a.AttributedTo.Name
		r.AttributedTo = &name
	}
	c := a.Confidence
	r.Confidence = &c
	if a.ValidFrom != nil || a.ValidTo != nil {
		r.Valid = &events.Interval{From: deref(a.ValidFrom), To: deref(a.ValidTo)}
	}
	return r
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// exportCSV writes one row per live assertion, with its evidence: for
// spreadsheets and pandas.read_csv.
func exportCSV(ctx context.Context, cl *client, out io.Writer) error {
	w := csv.NewWriter(out)
	w.Write([]string{"assertion_id", "subject", "subject_type", "predicate", "object", "object_type", "polarity", "modality",
		"attributed_to", "confidence", "valid_from", "valid_to", "document_id", "document_source", "document_title", "sentence", "start", "end", "erased"})
	err := eachDocument(ctx, cl, func(d fullDoc) error {
		for _, a := range d.Assertions {
			attributed := ""
			if a.AttributedTo != nil {
				attributed = a.AttributedTo.Name
			}
			w.Write([]string{strings.TrimPrefix(a.ID, "assertion:"), deref(a.Subject.Name), deref(a.Subject.Type), a.Predicate,
				deref(a.Object.Name), deref(a.Object.Type), a.Polarity, a.Modality, attributed, strconv.FormatFloat(a.Confidence, 'f', -1, 64),
				deref(a.ValidFrom), deref(a.ValidTo), strings.TrimPrefix(d.ID, "document:"), deref(d.Source), deref(d.Title),
				deref(a.Evidence.Sentence), intString(a.Evidence.Start), intString(a.Evidence.End), strconv.FormatBool(a.Evidence.Erased)})
		}
		return w.Error()
	})
	if err != nil {
		return err
	}
	w.Flush()
	return w.Error()
}

func intString(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

const graphExportQuery = `query($after: String) {
  relationships(first: 500, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id predicate support affirmed negated
      subject { id name type } object { id name type } } }
  }
}`

// exportGraphML writes actors as nodes and relationships as edges, for
// Gephi and Cytoscape desktop.
func exportGraphML(ctx context.Context, cl *client, out io.Writer) error {
	type actor struct {
		ID, Name string
		Type     *string
	}
	type rel struct {
		ID, Predicate              string
		Support, Affirmed, Negated int
		Subject, Object            actor
	}
	var rels []rel
	err := eachPage(ctx, cl, graphExportQuery, func(page connection[rel]) error {
		for _, e := range page.Relationships.Edges {
			rels = append(rels, e.Node)
		}
		return nil
	})
	if err != nil {
		return err
	}
	g := graphML{XMLNS: "http://graphml.graphdrawing.org/xmlns", Keys: []graphMLKey{
		{ID: "name", For: "node", Name: "name", Type: "string"}, {ID: "type", For: "node", Name: "type", Type: "string"},
		{ID: "predicate", For: "edge", Name: "predicate", Type: "string"}, {ID: "support", For: "edge", Name: "support", Type: "int"},
		{ID: "affirmed", For: "edge", Name: "affirmed", Type: "int"}, {ID: "negated", For: "edge", Name: "negated", Type: "int"},
	}, Graph: graphMLGraph{ID: "dossier", EdgeDefault: "directed"}}
	seen := map[string]bool{}
	node := func(a actor) {
		if seen[a.ID] {
			return
		}
		seen[a.ID] = true
		g.Graph.Nodes = append(g.Graph.Nodes, graphMLNode{ID: a.ID, Data: []graphMLData{{Key: "name", Value: a.Name}, {Key: "type", Value: deref(a.Type)}}})
	}
	for _, r := range rels {
		node(r.Subject)
		node(r.Object)
		g.Graph.Edges = append(g.Graph.Edges, graphMLEdge{ID: r.ID, Source: r.Subject.ID, Target: r.Object.ID, Data: []graphMLData{
			{Key: "predicate", Value: r.Predicate}, {Key: "support", Value: strconv.Itoa(r.Support)},
			{Key: "affirmed", Value: strconv.Itoa(r.Affirmed)}, {Key: "negated", Value: strconv.Itoa(r.Negated)},
		}})
	}
	if _, err := io.WriteString(out, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(out)
	enc.Indent("", "  ")
	if err := enc.Encode(g); err != nil {
		return err
	}
	_, err = io.WriteString(out, "\n")
	return err
}

type graphML struct {
	XMLName xml.Name     `xml:"graphml"`
	XMLNS   string       `xml:"xmlns,attr"`
	Keys    []graphMLKey `xml:"key"`
	Graph   graphMLGraph `xml:"graph"`
}

type graphMLKey struct {
	ID   string `xml:"id,attr"`
	For  string `xml:"for,attr"`
	Name string `xml:"attr.name,attr"`
	Type string `xml:"attr.type,attr"`
}

type graphMLGraph struct {
	ID          string        `xml:"id,attr"`
	EdgeDefault string        `xml:"edgedefault,attr"`
	Nodes       []graphMLNode `xml:"node"`
	Edges       []graphMLEdge `xml:"edge"`
}

type graphMLNode struct {
	ID   string        `xml:"id,attr"`
	Data []graphMLData `xml:"data"`
}

type graphMLEdge struct {
	ID     string        `xml:"id,attr"`
	Source string        `xml:"source,attr"`
	Target string        `xml:"target,attr"`
	Data   []graphMLData `xml:"data"`
}

type graphMLData struct {
	Key   string `xml:"key,attr"`
	Value string `xml:",chardata"`
}

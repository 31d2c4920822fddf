package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
)

type exportCmd struct {
	Format string `help:"jsonl: everything 'dossier load' reads back (documents with their text, assertions with every field); gold: the answer keys' format, for eval; csv: one row per assertion with its evidence; graphml: actors and relationships, for Gephi or Cytoscape." enum:"jsonl,gold,csv,graphml" default:"jsonl" env:"DOSSIER_EXPORT_FORMAT"`
	clientFlags
}

const exportQuery = `query($after: String) {
  documents(first: 20, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id source
      namedActors { type actor { name type } }
      assertions {
        predicate polarity modality
        subject { name type } object { name type } attributedTo { name type }
        evidence { sentence erased }
      }
    } }
  }
}`

type exportActor struct {
	Name string  `json:"name"`
	Type *string `json:"type"`
}

type exportDoc struct {
	ID          string
	Source      string
	NamedActors []struct {
		Type  *string
		Actor exportActor
	}
	Assertions []struct {
		Predicate, Polarity, Modality string
		Subject, Object               exportActor
		AttributedTo                  *exportActor
		Evidence                      struct {
			Sentence *string
			Erased   bool
		}
	}
}

// Lines of the export, in the gold files' format plus a document field.
type actorLine struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Document string `json:"document"`
}

type assertionLine struct {
	Kind         string  `json:"kind"`
	Subject      string  `json:"subject"`
	Predicate    string  `json:"predicate"`
	Object       string  `json:"object"`
	Polarity     string  `json:"polarity"`
	Modality     string  `json:"modality"`
	AttributedTo *string `json:"attributed_to"`
	Evidence     string  `json:"evidence"`
	Document     string  `json:"document"`
	// Erased says the evidence sentence was erased with its document's
	// words: Evidence is then empty.
	Erased bool `json:"erased,omitempty"`
}

func (c *exportCmd) Run(ctx context.Context) error {
	w := bufio.NewWriter(os.Stdout)
	if err := c.write(ctx, w); err != nil {
		return err
	}
	return w.Flush()
}

func (c *exportCmd) write(ctx context.Context, w io.Writer) error {
	switch c.Format {
	case "gold":
		return export(ctx, c.client(), w)
	case "csv":
		return exportCSV(ctx, c.client(), w)
	case "graphml":
		return exportGraphML(ctx, c.client(), w)
	}
	return exportFull(ctx, c.client(), w)
}

// export pages through documents and writes, per document, an actor line
// for each actor it names (those of its assertions first, in order, then
// the others it mentions) and an assertion line for each assertion, with
// canonical actor names.
func export(ctx context.Context, cl *client, out io.Writer) error {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	return eachPage(ctx, cl, exportQuery, func(page connection[exportDoc]) error {
		for _, e := range page.Documents.Edges {
			if err := exportDocument(enc, e.Node); err != nil {
				return err
			}
		}
		return nil
	})
}

// connection is a page of a query whose answer is one connection,
// under whichever of these fields the query asks for.
type connection[T any] struct {
	Documents, Relationships struct {
		PageInfo pageInfo
		Edges    []struct{ Node T }
	}
}

type pageInfo struct {
	HasNextPage bool
	EndCursor   *string
}

func (c connection[T]) next() pageInfo {
	if c.Documents.PageInfo.HasNextPage {
		return c.Documents.PageInfo
	}
	return c.Relationships.PageInfo
}

// eachPage runs a query taking $after page by page, handing each page to
// f, until the connection has no next page.
func eachPage[P interface{ next() pageInfo }](ctx context.Context, cl *client, query string, f func(P) error) error {
	var after *string
	for {
		var page P
		if err := cl.do(ctx, query, map[string]any{"after": after}, &page); err != nil {
			return err
		}
		if err := f(page); err != nil {
			return err
		}
		info := page.next()
		if !info.HasNextPage {
			return nil
		}
		after = info.EndCursor
	}
}

func exportDocument(enc *json.Encoder, d exportDoc) error {
	source := d.Source
	if source == "" {
		source = strings.TrimPrefix(d.ID, "document:")
	}
	// An actor's type here is the one this document gives it (a state
	// it only locates things in is a PLACE here), else its own.
	inDoc := map[string]string{}
	for _, n := range d.NamedActors {
		if n.Type != nil {
			inDoc[n.Actor.Name] = *n.Type
		}
	}
	seen := map[string]bool{}
	var actors []actorLine
	note := func(a *exportActor) {
		if a == nil || seen[a.Name] {
			return
		}
		seen[a.Name] = true
		t := inDoc[a.Name]
		if t == "" && a.Type != nil {
			t = *a.Type
		}
		actors = append(actors, actorLine{Kind: "actor", Name: a.Name, Type: t, Document: source})
	}
	for _, a := range d.Assertions {
		note(&a.Subject)
		note(&a.Object)
		note(a.AttributedTo)
	}
	// Then the actors the document names outside its assertions.
	for i := range d.NamedActors {
		note(&d.NamedActors[i].Actor)
	}
	for _, a := range actors {
		if err := enc.Encode(a); err != nil {
			return err
		}
	}
	for _, a := range d.Assertions {
		l := assertionLine{
			Kind: "assertion", Subject: a.Subject.Name, Predicate: a.Predicate, Object: a.Object.Name,
			Polarity: strings.ToLower(a.Polarity), Modality: strings.ToLower(a.Modality),
			Evidence: deref(a.Evidence.Sentence), Document: source, Erased: a.Evidence.Erased,
		}
		if a.AttributedTo != nil {
			l.AttributedTo = &a.AttributedTo.Name
		}
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	return nil
}

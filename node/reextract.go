package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract"
	"github.com/dossier-kg/dossier/extract/llm"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/ingest"
)

// ReextractReport says what a re-extraction changed.
type ReextractReport struct {
	Extractor string `json:"extractor"`
	Documents int    `json:"documents"`
	// Skipped are documents whose text Dossier does not hold (loaded as
	// assertions only), or that were retracted or erased.
	Skipped      int    `json:"skipped"`
	Recorded     int    `json:"recorded"`
	Retracted    int    `json:"retracted"`
	LastSequence uint64 `json:"last_sequence"`
}

// Reextract runs an extractor over every stored document and appends the
// difference: assertions it finds that the graph lacks are recorded, and
// live assertions an extractor of the same name made that it no longer
// finds are retracted with the reason "re-extracted by <name@version>".
// History then shows exactly what a new extractor version changed.
func (n *Node) Reextract(ctx context.Context, x extract.Extractor, principal string) (ReextractReport, error) {
	rep := ReextractReport{Extractor: extract.Producer(x).String()}
	ing, err := n.ingester()
	if err != nil {
		return rep, err
	}
	var docs []graph.Document
	v, err := n.store.View(0)
	if err != nil {
		return rep, err
	}
	for after := ""; ; {
		page, err := v.Documents(1000, after)
		if err != nil {
			v.Close()
			return rep, err
		}
		docs = append(docs, page.Items...)
		if !page.HasNext {
			break
		}
		after = page.Cursors[len(page.Cursors)-1]
	}
	v.Close()
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		// A long run stops, with what it did so far, once the disk is
		// short: its next document is a write like any other.
		if err := n.roomFor(0); err != nil {
			return rep, err
		}
		if d.Retracted != nil || d.Erased != nil || !d.HasText {
			rep.Skipped++
			continue
		}
		if err := n.reextractOne(ctx, ing, x, principal, d, &rep); err != nil {
			return rep, fmt.Errorf("re-extract %s: %w", docName(d), err)
		}
		rep.Documents++
	}
	return rep, nil
}

func docName(d graph.Document) string {
	if d.Source != "" {
		return d.Source
	}
	return d.ID
}

func (n *Node) reextractOne(ctx context.Context, ing *ingest.Ingester, x extract.Extractor, principal string, d graph.Document, rep *ReextractReport) error {
	text, err := n.documentText(ctx, d)
	if err != nil {
		return err
	}
	// The graph holds the title sealed; the ingester seals it again.
	title, err := n.keyring.Open(ctx, d.ID, string(d.Title))
	if err != nil {
		return err
	}
	res, err := ing.Ingest(ctx, ingest.Input{Source: d.Source, Title: title, URL: d.URL, Published: d.Published,
		ContentType: "text/plain", Body: []byte(text), Principal: principal, Extractor: x, Wait: true})
	if err != nil {
		return err
	}
	if res.Document.ID != d.ID {
		return fmt.Errorf("the stored text no longer hashes to its id (%s)", res.Document.ID)
	}
	// Appended ends with the assertions, after the document and mentions.
	for _, a := range res.Appended[len(res.Appended)-len(res.Assertions):] {
		if !a.Duplicate {
			rep.Recorded++
		}
	}
	if !res.Projected {
		if err := n.waitProjected(ctx, res.LastSequence); err != nil {
			return err
		}
	}
	found := map[string]bool{}
	for _, a := range res.Assertions {
		found[a.ID] = true
	}
	v, err := n.store.View(0)
	if err != nil {
		return err
	}
	live, err := v.DocumentAssertions(d.ID)
	v.Close()
	if err != nil {
		return err
	}
	reason := "re-extracted by " + extract.Producer(x).String()
	var evs []events.Envelope
	for _, a := range live {
		if a.Producer != x.Name() || found[a.ID] {
			continue
		}
		r := &events.AssertionRetracted{Correction: events.Correction{EventID: events.NewCorrectionID(), Reason: reason}, AssertionID: a.ID}
		ev, err := n.writer.Envelope(ctx, r, events.Meta{Principal: principal, CorrelationID: "reextract-" + d.ID})
		if err != nil {
			return err
		}
		evs = append(evs, ev)
	}
	rep.LastSequence = max(rep.LastSequence, res.LastSequence)
	if len(evs) == 0 {
		return nil
	}
	written, err := n.writer.Write(ctx, evs, false)
	rep.Retracted += len(written.Appended)
	rep.LastSequence = max(rep.LastSequence, written.Last)
	return err
}

func (n *Node) documentText(ctx context.Context, d graph.Document) (string, error) {
	if d.TextStored {
		return n.texts.Text(ctx, d.ID)
	}
	v, err := n.store.View(0)
	if err != nil {
		return "", err
	}
	defer v.Close()
	t, err := v.DocumentText(d.ID)
	if errors.Is(err, graph.ErrNotFound) {
		return "", fmt.Errorf("text of %s is not held", d.ID)
	}
	if err != nil {
		return "", err
	}
	return n.keyring.Open(ctx, d.ID, t)
}

func (n *Node) waitProjected(ctx context.Context, seq uint64) error {
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return n.store.WaitFor(wctx, seq)
}

// ExtractorNamed makes an extractor by name for re-extraction: "rules",
// "llm" (configured from DOSSIER_LLM_*), or "" for the node's own.
func (n *Node) ExtractorNamed(name string) (extract.Extractor, error) {
	switch name {
	case "":
		if n.cfg.Extractor != nil {
			return n.cfg.Extractor, nil
		}
		return newDefaultExtractor()
	case "rules":
		return extract.NewRules(extract.RulesConfig{Ontology: n.cfg.Ontology})
	case "llm":
		return llm.New(llm.ConfigFromEnv())
	}
	return nil, fmt.Errorf("unknown extractor %q (rules or llm)", name)
}

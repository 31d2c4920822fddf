package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/dossier-kg/dossier/eval"
)

type evalCmd struct {
	Gold    string `required:"" type:"existingdir" help:"Directory of answer keys: one <source>.jsonl per document, and aliases.json." env:"DOSSIER_GOLD" placeholder:"DIR"`
	Verbose bool   `help:"List every missed and every false assertion and actor."`
	JSON    bool   `name:"json" help:"Print the report as JSON."`
	clientFlags
}

// Run scores what the server's graph holds, document by document (by
// source name), against the answer keys.
func (c *evalCmd) Run(ctx context.Context) error {
	return c.run(ctx, os.Stdout)
}

func (c *evalCmd) run(ctx context.Context, w io.Writer) error {
	gold, aliases, err := eval.LoadGold(c.Gold)
	if err != nil {
		return &exitError{exitInvalid, err}
	}
	var buf bytes.Buffer
	if err := export(ctx, c.client(), &buf); err != nil {
		return err
	}
	lines, err := eval.ReadLines(&buf)
	if err != nil {
		return fmt.Errorf("read the export: %w", err)
	}
	r := eval.Evaluate(gold, eval.GroupByDocument(lines), aliases)
	if c.JSON {
		return writeReportJSON(w, r, c.Verbose)
	}
	return r.WriteText(w, c.Verbose)
}

type scoreJSON struct {
	Matched   int     `json:"matched"`
	Predicted int     `json:"predicted"`
	Gold      int     `json:"gold"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

func score(s eval.Score) scoreJSON {
	return scoreJSON{s.Matched, s.Predicted, s.Gold, s.Precision(), s.Recall(), s.F1()}
}

type docJSON struct {
	Assertions    scoreJSON `json:"assertions"`
	Actors        scoreJSON `json:"actors"`
	ActorsUntyped scoreJSON `json:"actors_untyped"`
	Unpredicted   bool      `json:"unpredicted,omitempty"`
}

type reportJSON struct {
	Assertions          scoreJSON            `json:"assertions"`
	Actors              scoreJSON            `json:"actors"`
	ActorsUntyped       scoreJSON            `json:"actors_untyped"`
	ModalityAccuracy    float64              `json:"modality_accuracy"`
	AttributionAccuracy float64              `json:"attribution_accuracy"`
	PerPredicate        map[string]scoreJSON `json:"per_predicate"`
	PerDocument         map[string]docJSON   `json:"per_document"`
	IgnoredDocuments    []string             `json:"ignored_documents,omitempty"`
	Misses              []eval.Miss          `json:"misses,omitempty"`
	FalseHits           []eval.Miss          `json:"false_hits,omitempty"`
	ActorMisses         []eval.Miss          `json:"actor_misses,omitempty"`
	ActorFalseHits      []eval.Miss          `json:"actor_false_hits,omitempty"`
}

func writeReportJSON(w io.Writer, r eval.Report, verbose bool) error {
	out := reportJSON{
		Assertions: score(r.Assertions), Actors: score(r.Actors), ActorsUntyped: score(r.ActorsUntyped),
		ModalityAccuracy: r.ModalityAccuracy, AttributionAccuracy: r.AttributionAccuracy,
		PerPredicate: map[string]scoreJSON{}, PerDocument: map[string]docJSON{},
		IgnoredDocuments: r.IgnoredDocuments,
	}
	for p, s := range r.PerPredicate {
		out.PerPredicate[p] = score(s)
	}
	for d, s := range r.PerDocument {
		out.PerDocument[d] = docJSON{score(s.Assertions), score(s.Actors), score(s.ActorsUntyped), s.Unpredicted}
	}
	if verbose {
		out.Misses, out.FalseHits, out.ActorMisses, out.ActorFalseHits = r.Misses, r.FalseHits, r.ActorMisses, r.ActorFalseHits
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

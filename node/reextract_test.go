package node

import (
	"context"
	"os"
	"testing"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/ingest"
)

// halfRules is a "new version" of the rules that keeps the first half of
// what they find and reads one claim with the opposite polarity.
type halfRules struct{ r *extract.Rules }

func (halfRules) Name() string    { return "rules" }
func (halfRules) Version() string { return "test" }
func (h halfRules) Extract(ctx context.Context, doc extract.Document, k extract.Known) (extract.Result, error) {
	res, err := h.r.Extract(ctx, doc, k)
	if err != nil || len(res.Assertions) < 2 {
		return res, err
	}
	res.Assertions = res.Assertions[:len(res.Assertions)/2]
	flipped := res.Assertions[0]
	flipped.ID, flipped.Polarity = "", events.Negated
	flipped.Normalize(nil)
	res.Assertions = append(res.Assertions, flipped)
	return res, nil
}

func TestReextract(t *testing.T) {
	ctx := context.Background()
	n, err := Start(ctx, Config{DataDir: t.TempDir(), Instance: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	text, err := os.ReadFile("../examples/corpus/000_8a48f4ee827dbde4.txt")
	if err != nil {
		t.Fatal(err)
	}
	ing, err := n.ingester()
	if err != nil {
		t.Fatal(err)
	}
	res, err := ing.Ingest(ctx, ingest.Input{Source: "000", Body: text, Principal: "first"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.waitProjected(ctx, res.LastSequence); err != nil {
		t.Fatal(err)
	}
	before := len(res.Assertions)
	rules, _ := extract.NewRules(extract.RulesConfig{})
	rep, err := n.Reextract(ctx, halfRules{rules}, "auditor")
	if err != nil {
		t.Fatal(err)
	}
	kept := before / 2
	if rep.Documents != 1 || rep.Recorded != 1 || rep.Retracted != before-kept {
		t.Fatalf("report %+v, want 1 document, 1 recorded, %d retracted", rep, before-kept)
	}
	if err := n.waitProjected(ctx, rep.LastSequence); err != nil {
		t.Fatal(err)
	}
	v, _ := n.store.View(0)
	defer v.Close()
	live, _ := v.DocumentAssertions(res.Document.ID)
	if len(live) != kept+1 {
		t.Errorf("%d live assertions, want %d", len(live), kept+1)
	}
	gone := res.Assertions[len(res.Assertions)-1]
	page, err := v.History(graph.AssertionEntity(gone.ID), 10, "")
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("history of a vanished assertion: %+v %v", page.Items, err)
	}
	if e := page.Items[1]; e.Type != string(events.TypeAssertionRetracted) || e.Reason != "re-extracted by rules@test" || e.Principal != "auditor" {
		t.Errorf("retraction record %+v", e)
	}
}

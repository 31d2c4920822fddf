package api_test

import (
	"fmt"
	"slices"
	"testing"
)

// A relationship's evidence is read a page at a time, in the order it was
// recorded, whatever the assertions' ids: every assertion once across the
// pages, a retracted one gone, an earlier sequence showing the evidence
// as it was, and a cursor it did not issue refused.
func TestRelationshipEvidencePages(t *testing.T) {
	h := startNode(t)
	var recorded []string // ids, in the order recorded
	var seqs []float64
	for i := range 7 {
		a := one("Acme Corp", "OWNS", "Widget Inc", fmt.Sprintf("Acme Corp owns Widget Inc, filing %d says.", i))
		_, r := post(t, h, gql(`mutation($in: [AssertionInput!]!) { recordAssertions(input: $in, wait: true) { lastSequence assertions { id } } }`,
			map[string]any{"in": []any{a}}))
		if len(r.Errors) > 0 {
			t.Fatalf("record %d: %v", i, r.Errors)
		}
		rec := r.Data["recordAssertions"].(map[string]any)
		recorded = append(recorded, rec["assertions"].([]any)[0].(map[string]any)["id"].(string))
		seqs = append(seqs, rec["lastSequence"].(float64))
	}
	if slices.IsSorted(recorded) {
		t.Log("the ids happen to sort in recording order: the order checked below is weaker")
	}

	// pages reads every page of first items, as of seq (0: now).
	pages := func(first int, seq float64) (ids []string, sizes []int) {
		t.Helper()
		after := ""
		for range 20 {
			args := fmt.Sprintf("first: %d", first)
			if after != "" {
				args += fmt.Sprintf(", after: %q", after)
			}
			q := fmt.Sprintf(`relationships(predicate: "OWNS") { edges { node { evidence(%s) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } } }`, args)
			if seq > 0 {
				q = fmt.Sprintf(`asOf(sequence: %d) { %s }`, int(seq), q)
			}
			_, r := post(t, h, gql("{ "+q+" }", nil))
			if len(r.Errors) > 0 {
				t.Fatalf("%s: %v", q, r.Errors)
			}
			data := r.Data
			if seq > 0 {
				data = data["asOf"].(map[string]any)
			}
			node := data["relationships"].(map[string]any)["edges"].([]any)[0].(map[string]any)["node"].(map[string]any)
			ev := node["evidence"].(map[string]any)
			edges := ev["edges"].([]any)
			sizes = append(sizes, len(edges))
			for _, e := range edges {
				ids = append(ids, e.(map[string]any)["node"].(map[string]any)["id"].(string))
			}
			info := ev["pageInfo"].(map[string]any)
			if info["hasNextPage"] != true {
				return ids, sizes
			}
			after = info["endCursor"].(string)
		}
		t.Fatal("more than 20 pages")
		return nil, nil
	}
	gid := func(ids []string) []string { return ids } // recordAssertions answers with the same ids

	if ids, sizes := pages(3, 0); !slices.Equal(ids, gid(recorded)) || !slices.Equal(sizes, []int{3, 3, 1}) {
		t.Errorf("pages of 3: %v in pages of %v; want %v, recorded order, in pages of 3, 3, 1", ids, sizes, gid(recorded))
	}
	if ids, _ := pages(50, seqs[3]); !slices.Equal(ids, gid(recorded[:4])) {
		t.Errorf("as of the fourth: %v, want %v", ids, gid(recorded[:4]))
	}
	_, r := post(t, h, gql(fmt.Sprintf(`mutation { retractAssertion(id: %q, reason: "misread") { sequence } }`, recorded[2]), nil))
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	want := gid(slices.Delete(slices.Clone(recorded), 2, 3))
	if ids, _ := pages(2, 0); !slices.Equal(ids, want) {
		t.Errorf("after a retraction: %v, want %v", ids, want)
	}

	for bad, code := range map[string]string{`after: "not-a-cursor"`: "BAD_CURSOR", `first: 0`: "INVALID_INPUT", `first: 5000`: "INVALID_INPUT"} {
		_, r := post(t, h, gql(`{ relationships(predicate: "OWNS") { edges { node { evidence(`+bad+`) { edges { cursor } } } } } }`, nil))
		if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != code {
			t.Errorf("evidence(%s): %+v, want %s", bad, r.Errors, code)
		}
	}
}

package api_test

import (
	"fmt"
	"slices"
	"testing"
)

// A relationship's sources are the documents with live assertions of it:
// a second assertion from the same document adds none, a retraction
// removes a document only with its last assertion, and validAt narrows
// them to the assertions holding on that day.
func TestRelationshipSources(t *testing.T) {
	h := startNode(t)
	from := func(doc, sentence string) map[string]any {
		a := one("Acme Corp", "OWNS", "Widget Inc", sentence)
		a["evidence"].(map[string]any)["document"] = doc
		return a
	}
	_, r := post(t, h, gql(`mutation($in: [AssertionInput!]!) { recordAssertions(input: $in, wait: true) { assertions { id } } }`,
		map[string]any{"in": []any{
			from("a.txt", "Acme Corp owns Widget Inc."),
			from("a.txt", "Widget Inc is owned by Acme Corp."),
			from("b.txt", "Acme owns Widget Inc, a filing shows."),
		}}))
	if len(r.Errors) > 0 {
		t.Fatalf("record: %v", r.Errors)
	}
	var ids []string
	for _, a := range r.Data["recordAssertions"].(map[string]any)["assertions"].([]any) {
		ids = append(ids, a.(map[string]any)["id"].(string))
	}

	sources := func(validAt string) (support float64, docs []string) {
		t.Helper()
		args := ""
		if validAt != "" {
			args = fmt.Sprintf(", validAt: %q", validAt)
		}
		_, r := post(t, h, gql(`{ relationships(predicate: "OWNS"`+args+`) { edges { node { support sources { source } } } } }`, nil))
		if len(r.Errors) > 0 {
			t.Fatalf("relationships: %v", r.Errors)
		}
		edges := r.Data["relationships"].(map[string]any)["edges"].([]any)
		if len(edges) == 0 {
			return 0, nil
		}
		node := edges[0].(map[string]any)["node"].(map[string]any)
		for _, s := range node["sources"].([]any) {
			docs = append(docs, s.(map[string]any)["source"].(string))
		}
		return node["support"].(float64), docs
	}
	mutate := func(q string) {
		t.Helper()
		_, r := post(t, h, gql(q, nil))
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %v", q, r.Errors)
		}
	}
	check := func(stage, validAt string, wantSupport float64, wantDocs ...string) {
		t.Helper()
		support, docs := sources(validAt)
		if support != wantSupport || !slices.Equal(docs, wantDocs) {
			t.Errorf("%s: support %v, sources %v; want %v, %v", stage, support, docs, wantSupport, wantDocs)
		}
	}

	check("recorded", "", 3, "a.txt", "b.txt")
	// b.txt's assertion held only in 2019; a.txt's from 2021 on.
	mutate(fmt.Sprintf(`mutation { correctValidTime(assertion: %q, from: "2019-01-01", to: "2019-12-31", reason: "filing dates") { sequence } }`, ids[2]))
	mutate(fmt.Sprintf(`mutation { correctValidTime(assertion: %q, from: "2021-01-01", reason: "filing dates") { sequence } }`, ids[0]))
	mutate(fmt.Sprintf(`mutation { correctValidTime(assertion: %q, from: "2021-06-01", reason: "filing dates") { sequence } }`, ids[1]))
	check("valid in 2019", "2019-06-01", 1, "b.txt")
	check("valid in 2022", "2022-01-01", 2, "a.txt")
	check("valid in 2020", "2020-06-01", 0)
	// One of a.txt's two assertions retracted: a.txt stays a source.
	mutate(fmt.Sprintf(`mutation { retractAssertion(id: %q, reason: "misread") { sequence } }`, ids[0]))
	check("one of a.txt's retracted", "", 2, "a.txt", "b.txt")
	mutate(fmt.Sprintf(`mutation { retractAssertion(id: %q, reason: "misread") { sequence } }`, ids[1]))
	check("both of a.txt's retracted", "", 1, "b.txt")
}

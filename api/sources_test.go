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

// A relationship counts its assertions by modality, so that a reader (the
// explorer, drawing an edge) tells one only said to be possible from one
// stated as fact without reading its assertions: the counts follow
// retractions, as-of reads and validAt.
func TestRelationshipModalities(t *testing.T) {
	h := startNode(t)
	say := func(doc, modality, sentence string) map[string]any {
		a := one("Acme Corp", "OWNS", "Widget Inc", sentence)
		a["evidence"].(map[string]any)["document"] = doc
		a["modality"] = modality
		return a
	}
	_, r := post(t, h, gql(`mutation($in: [AssertionInput!]!) { recordAssertions(input: $in, wait: true) { assertions { id sequence } } }`,
		map[string]any{"in": []any{
			say("a.txt", "ACTUAL", "Acme Corp owns Widget Inc."),
			say("b.txt", "POSSIBLE", "Acme Corp may own Widget Inc."),
			say("c.txt", "INTENDED", "Acme Corp plans to buy Widget Inc."),
		}}))
	if len(r.Errors) > 0 {
		t.Fatalf("record: %v", r.Errors)
	}
	recorded := r.Data["recordAssertions"].(map[string]any)["assertions"].([]any)
	actualID := recorded[0].(map[string]any)["id"].(string)
	possibleID := recorded[1].(map[string]any)["id"].(string)

	// counts reads the relationship's counts; asOf, when not 0, reads them
	// at that sequence.
	counts := func(args string, asOf int) []float64 {
		t.Helper()
		q := `relationships(predicate: "OWNS"` + args + `) { edges { node { support actual possible intended } } }`
		if asOf > 0 {
			q = fmt.Sprintf(`asOf(sequence: %d) { %s }`, asOf, q)
		}
		_, r := post(t, h, gql(`{ `+q+` }`, nil))
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %v", q, r.Errors)
		}
		data := r.Data
		if asOf > 0 {
			data = data["asOf"].(map[string]any)
		}
		edges := data["relationships"].(map[string]any)["edges"].([]any)
		if len(edges) != 1 {
			t.Fatalf("%s: %d edges", q, len(edges))
		}
		n := edges[0].(map[string]any)["node"].(map[string]any)
		return []float64{n["support"].(float64), n["actual"].(float64), n["possible"].(float64), n["intended"].(float64)}
	}
	mutate := func(q string) float64 {
		t.Helper()
		_, r := post(t, h, gql(q, nil))
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %v", q, r.Errors)
		}
		for _, v := range r.Data {
			return v.(map[string]any)["sequence"].(float64)
		}
		return 0
	}
	check := func(stage, args string, asOf int, want ...float64) {
		t.Helper()
		if got := counts(args, asOf); !slices.Equal(got, want) {
			t.Errorf("%s: support, actual, possible, intended = %v, want %v", stage, got, want)
		}
	}

	check("recorded", "", 0, 3, 1, 1, 1)
	seq := mutate(fmt.Sprintf(`mutation { correctValidTime(assertion: %q, from: "2019-01-01", to: "2019-12-31", reason: "dates") { sequence } }`, possibleID))
	check("valid in 2022", `, validAt: "2022-01-01"`, 0, 2, 1, 0, 1)
	mutate(fmt.Sprintf(`mutation { retractAssertion(id: %q, reason: "misread") { sequence } }`, actualID))
	check("the fact retracted", "", 0, 2, 0, 1, 1)
	check("as of before the retraction", "", int(seq), 3, 1, 1, 1)
}

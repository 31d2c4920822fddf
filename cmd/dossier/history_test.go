package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A retracted assertion is gone now, present as of before, and its
// history says who retracted it and why.
func TestRetractionAuditTrail(t *testing.T) {
	ts := startServer(t, t.TempDir())
	if err := load(t, ts, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatal(err)
	}
	var found struct {
		Relationships struct {
			Edges []struct {
				Node struct {
					ID         string
					Support    int
					Assertions []struct {
						ID       string
						Sequence uint64
						Evidence struct{ Sentence string }
					}
				}
			}
		}
	}
	q := `{ relationships(subject: "ByteDance", predicate: "OWNS", object: "TikTok") { edges { node { id support assertions { id sequence evidence { sentence } } } } } }`
	if err := ts.flags().client().do(context.Background(), q, nil, &found); err != nil {
		t.Fatal(err)
	}
	rel := found.Relationships.Edges[0].Node
	target := rel.Assertions[0]
	before := ts.query(`{ stats { sequence } }`, nil)
	var seqBefore struct{ Stats struct{ Sequence uint64 } }
	json.Unmarshal([]byte(before), &seqBefore)

	got := ts.query(`mutation($id: ID!) { retractAssertion(id: $id, reason: "misread sentence") { sequence projected summary } }`, map[string]any{"id": target.ID})
	if !strings.Contains(got, `"projected": true`) || !strings.Contains(got, "retracted ByteDance OWNS TikTok") {
		t.Fatalf("retraction: %s", got)
	}

	// Gone now: no longer among the relationship's evidence, support down.
	now := ts.query(`query($id: ID!) { assertion(id: $id) { retracted { principal reason sequence } }
	  relationships(subject: "ByteDance", predicate: "OWNS", object: "TikTok") { edges { node { support assertions { id } } } } }`, map[string]any{"id": target.ID})
	if strings.Contains(strings.SplitN(now, "relationships", 2)[1], target.ID) {
		t.Errorf("retracted assertion still supports the relationship: %s", now)
	}
	if !strings.Contains(now, `"reason": "misread sentence"`) || !strings.Contains(now, `"principal": "cli:`) {
		t.Errorf("assertion does not say who retracted it and why: %s", now)
	}
	if !strings.Contains(now, `"support": `+jsonInt(rel.Support-1)) {
		t.Errorf("support not %d after the retraction: %s", rel.Support-1, now)
	}

	// Present as of before.
	then := ts.query(`query($s: Sequence, $id: ID!) { asOf(sequence: $s) { sequence assertion(id: $id) { id retracted { reason } }
	  relationships(subject: "ByteDance", predicate: "OWNS", object: "TikTok") { edges { node { support } } } } }`,
		map[string]any{"s": seqBefore.Stats.Sequence, "id": target.ID})
	if !strings.Contains(then, `"retracted": null`) || !strings.Contains(then, `"support": `+jsonInt(rel.Support)) {
		t.Errorf("as of %d the assertion is not there as it was: %s", seqBefore.Stats.Sequence, then)
	}
	// As of a time: a second from now is the last event.
	var seqNow struct{ Stats struct{ Sequence uint64 } }
	json.Unmarshal([]byte(ts.query(`{ stats { sequence } }`, nil)), &seqNow)
	at := ts.query(`query($t: Time!) { asOf(time: $t) { sequence } }`, map[string]any{"t": time.Now().Add(time.Second).UTC().Format(time.RFC3339)})
	if !strings.Contains(at, `"sequence": `+jsonInt(int(seqNow.Stats.Sequence))) {
		t.Errorf("as of now: %s, want sequence %d", at, seqNow.Stats.Sequence)
	}

	// History: recorded, then retracted, with principal and reason.
	var out bytes.Buffer
	h := &historyCmd{Assertion: target.ID, First: 50, clientFlags: ts.flags()}
	if err := h.run(context.Background(), &out, time.Now().Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"SEQ", "AssertionRecorded", "AssertionRetracted", "misread sentence", "cli:", "2h ago", "recorded ByteDance OWNS TikTok"} {
		if !strings.Contains(text, want) {
			t.Errorf("history lacks %q:\n%s", want, text)
		}
	}
	out.Reset()
	h.JSON = true
	if err := h.run(context.Background(), &out, time.Now()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("history --json: %d lines, want 2:\n%s", len(lines), out.String())
	}
	var last historyEvent
	if err := json.Unmarshal([]byte(lines[1]), &last); err != nil || last.Type != "AssertionRetracted" || last.Reason == nil || *last.Reason != "misread sentence" {
		t.Errorf("last history line %q (%v)", lines[1], err)
	}
}

// A merge moves an actor's relationships to the survivor, an unmerge
// gives them back, and contested/changes/events see it all.
func TestMergeAndUnmerge(t *testing.T) {
	ts := startServer(t, t.TempDir())
	if err := load(t, ts, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatal(err)
	}
	// The corpus spells ByteDance "Bytedence" once.
	before := ts.query(`{ a: actor(name: "Bytedence") { id relationships { predicate other { name } } } b: actor(name: "ByteDance") { id relationships { support } } stats { sequence actors } }`, nil)
	if !strings.Contains(before, `"id": "actor:bytedence"`) {
		t.Fatalf("no Bytedence actor to merge: %s", before)
	}
	var st struct {
		Stats struct{ Sequence, Actors uint64 }
	}
	if err := json.Unmarshal([]byte(ts.query(`{ stats { sequence actors } }`, nil)), &st); err != nil {
		t.Fatal(err)
	}

	merged := ts.query(`mutation { mergeActors(from: "Bytedence", into: "ByteDance", reason: "spelling") { sequence projected summary } }`, nil)
	if !strings.Contains(merged, "merged Bytedence into ByteDance") {
		t.Fatalf("merge: %s", merged)
	}
	after := ts.query(`{ a: actor(name: "Bytedence") { id name aliases } b: actor(id: "actor:bytedence") { mergedInto { name } } stats { actors } }`, nil)
	if !strings.Contains(after, `"id": "actor:bytedance"`) || !strings.Contains(after, `"Bytedence"`) || !strings.Contains(after, `"mergedInto": {`) {
		t.Errorf("after the merge, Bytedence should lead to ByteDance: %s", after)
	}
	if !strings.Contains(after, `"actors": `+jsonInt(int(st.Stats.Actors)-1)) {
		t.Errorf("actor count not one less than %d: %s", st.Stats.Actors, after)
	}
	changes := ts.query(`query($f: Sequence!) { changes(from: $f) { added { subject { name } predicate object { name } } removed { subject { name } } } }`, map[string]any{"f": st.Stats.Sequence})
	if !strings.Contains(changes, `"removed": [`) || strings.Contains(changes, `"removed": []`) {
		t.Errorf("changes since the merge list nothing removed: %s", changes)
	}

	unmerged := ts.query(`mutation { unmergeActors(from: "actor:bytedence", into: "ByteDance", reason: "not the same after all") { summary } }`, nil)
	if !strings.Contains(unmerged, "unmerged Bytedence from ByteDance") {
		t.Fatalf("unmerge: %s", unmerged)
	}
	again := ts.query(`{ a: actor(name: "Bytedence") { id relationships { predicate other { name } } } b: actor(name: "ByteDance") { id relationships { support } } stats { actors } }`, nil)
	if strip(again, "stats") != strip(before, "stats") {
		t.Errorf("the unmerge did not restore the graph:\nbefore %s\nafter  %s", before, again)
	}
	hist := ts.query(`{ history(actor: "ByteDance") { edges { node { type reason principal } } } }`, nil)
	for _, want := range []string{"ActorsMerged", "ActorsUnmerged", `"reason": "spelling"`, `"reason": "not the same after all"`} {
		if !strings.Contains(hist, want) {
			t.Errorf("ByteDance's history lacks %s: %s", want, hist)
		}
	}
}

func strip(s, from string) string { return strings.SplitN(s, `"`+from+`"`, 2)[0] }

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }

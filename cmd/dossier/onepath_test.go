package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/dossier-kg/dossier/extract"
	"github.com/dossier-kg/dossier/node"
	"github.com/dossier-kg/dossier/stream"
)

// One relationship, recorded after its object was renamed, through every
// entry point: recordAssertions, ingestDocument, load and re-extraction.
// A NATS subscriber sees it on one subject (the actors' ids), and the
// graph holds one relationship.
func TestOneWriteAfterRename(t *testing.T) {
	ts := startServerWith(t, node.Config{DataDir: t.TempDir(), Instance: "test", NATS: node.NATSConfig{Listen: "127.0.0.1:-1"}})
	ingestDoc := func(text string) {
		t.Helper()
		ts.query(`mutation($in: DocumentInput!) { ingestDocument(input: $in, wait: true) { sequence } }`,
			map[string]any{"in": map[string]any{"text": text, "source": strings.Fields(text)[0] + "-" + strings.Fields(text)[2]}})
	}
	ingestDoc("Canada banned the messaging app Zapchat.")
	ts.query(`mutation { correctActor(actor: "Zapchat", name: "Zapchat Messenger", reason: "its full name") { projected } }`, nil)

	creds, err := stream.LoadCredentials(ts.node.CredentialsFile())
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(ts.node.NATSURL(), nats.UserInfo(stream.UserReader, creds.Passwords[stream.UserReader]))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	got := make(chan *nats.Msg, 64)
	sub, err := nc.ChanSubscribe("dossier.assertion.BANS.>", got)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	nc.Flush()

	// recordAssertions, by the old name and by the new one.
	for _, name := range []string{"Zapchat", "Zapchat Messenger"} {
		ts.query(`mutation($o: String!) { recordAssertions(input: [{subject: {name: "Canada"}, predicate: "BANS", object: {name: $o},
			evidence: {document: "manual", sentence: "Canada bans it."}}], wait: true) { lastSequence } }`, map[string]any{"o": name})
	}
	// ingestDocument: another article.
	ingestDoc("Canada has banned Zapchat again.")
	// load: a file of assertions.
	file := filepath.Join(t.TempDir(), "a.jsonl")
	line := `{"subject":{"name":"Canada"},"predicate":"BANS","object":{"name":"Zapchat"},"evidence":{"document":"loaded","sentence":"Canada banned Zapchat."}}`
	if err := os.WriteFile(file, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := load(t, ts, file, false); err != nil {
		t.Fatal(err)
	}
	// re-extraction of every document.
	x, err := extract.NewRules(extract.RulesConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.node.Reextract(context.Background(), x, "test"); err != nil {
		t.Fatal(err)
	}

	subjects := map[string]int{}
	for done := false; !done; {
		select {
		case m := <-got:
			subjects[m.Subject]++
		case <-time.After(time.Second):
			done = true
		}
	}
	if len(subjects) != 1 || subjects["dossier.assertion.BANS.canada.zapchat"] == 0 {
		t.Errorf("the relationship went out on %v, want only dossier.assertion.BANS.canada.zapchat", subjects)
	}
	out := ts.query(`{ actor(name: "Canada") { relationships { predicate other { id name } } } }`, nil)
	if n := strings.Count(out, `"predicate": "BANS"`); n != 1 || !strings.Contains(out, `"name": "Zapchat Messenger"`) {
		t.Errorf("Canada's relationships (%d BANS):\n%s", n, out)
	}
}

// Re-ingesting the corpus after merges, renames and unmerges records
// nothing new: the same sentences, read again under the graph's new
// names, are the claims already counted.
func TestReingestAfterCorrections(t *testing.T) {
	ts := startServerWith(t, node.Config{DataDir: t.TempDir(), Instance: "test"})
	corpus, _ := filepath.Glob("../../examples/corpus/*.txt")
	reingest := func() {
		t.Helper()
		if _, stderr, err := ts.ingest(corpus...); err != nil {
			t.Fatalf("ingest: %v\n%s", err, stderr)
		}
		// ingest does not wait; a query at the log's end does.
		ts.query(`mutation { recordAssertions(input: [{subject: {name: "Sync"}, predicate: "MEETS", object: {name: "Point"},
			evidence: {document: "sync", sentence: "Sync met Point."}}], wait: true) { lastSequence } }`, nil)
	}
	support := func() map[string]string {
		t.Helper()
		out := ts.query(`{ relationships(first: 1000) { edges { node { subject { id } predicate object { id } support affirmed negated } } } }`, nil)
		var r struct {
			Relationships struct {
				Edges []struct {
					Node struct {
						Subject, Object            struct{ ID string }
						Predicate                  string
						Support, Affirmed, Negated int
					}
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, e := range r.Relationships.Edges {
			n := e.Node
			m[n.Subject.ID+" "+n.Predicate+" "+n.Object.ID] = fmt.Sprintf("%d (+%d -%d)", n.Support, n.Affirmed, n.Negated)
		}
		return m
	}
	reingest()
	for _, step := range []struct{ name, mutation string }{
		{"merge", `mutation { mergeActors(from: "TikTok", into: "ByteDance", reason: "test") { projected } }`},
		{"rename", `mutation { correctActor(actor: "China", name: "People's Republic of China", reason: "test") { projected } }`},
		{"unmerge", `mutation { unmergeActors(from: "tiktok", into: "bytedance", reason: "test") { projected } }`},
	} {
		ts.query(step.mutation, nil)
		before := support()
		reingest()
		after := support()
		for k, v := range after {
			if before[k] != v {
				t.Errorf("after %s, re-ingesting changed %s: %q -> %q", step.name, k, before[k], v)
			}
		}
		if len(after) != len(before) {
			t.Errorf("after %s, re-ingesting changed the number of relationships: %d -> %d", step.name, len(before), len(after))
		}
	}
}

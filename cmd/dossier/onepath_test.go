package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/dossier-kg/dossier/extract"
	"github.com/dossier-kg/dossier/node"
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

	nc, err := nats.Connect(ts.node.NATSURL())
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

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/internal/testenv"
	"github.com/dossier-kg/dossier/node"
	"github.com/dossier-kg/dossier/stream"
)

// The erased article of the corpus: the European Parliament's TikTok ban.
const erasedFile = "../../examples/corpus/002_798c95abcf78d1c7.txt"

// Erasure through the real server, checked on the disk: the corpus is
// ingested (with a writer's token), one article is erased (an admin's;
// a writer is refused and nothing changes), and then no file under the
// data directory (NATS blocks and indexes, the keys' and texts' buckets,
// Badger's .sst, .vlog and .mem files) holds any of its sentences, any
// long phrase of its text, or its key; while a sentence recorded in the
// clear (as before sealing existed) is found there, and its key was
// found there before the erasure, so the search could fail. The trail
// stays (history shows who, when, why), verify passes, the export says
// what was erased, a new server loads that export, and all of it holds
// after a restart.
func TestEraseOnDisk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tokens, secrets := testenv.Tokens(t)
	cfg := node.Config{DataDir: dir, Instance: "erase", Tokens: tokens, NATS: node.NATSConfig{Listen: "127.0.0.1:-1"}}
	ts := startServerWith(t, cfg)
	as := func(role string) clientFlags {
		f := ts.flags()
		f.Token = secrets[role]
		return f
	}
	files, _ := filepath.Glob("../../examples/corpus/*.txt")
	var out, errOut bytes.Buffer
	if err := (&ingestCmd{Files: files, clientFlags: as("writer")}).ingestAll(ctx, &out, &errOut); err != nil {
		t.Fatalf("ingest: %v\n%s", err, errOut.String())
	}
	raw, _ := os.ReadFile(erasedFile)
	text := string(raw)
	doc := events.DocumentID(text)
	// A claim recorded in the clear, as every sentence was before
	// sealing existed: appended to the log as such a build did.
	const plain = "The quince orchard ledger shows Canada banned Zapchat."
	legacy := events.AssertionRecorded{Subject: events.ActorRef{Name: "Canada"}, Predicate: "BANS", Object: events.ActorRef{Name: "Zapchat"},
		Evidence: events.Evidence{Document: "old-notes", Sentence: plain}}
	legacy.Normalize(nil)
	ev, _ := events.New(&legacy, events.Meta{Principal: "old-build"})
	appended, err := ts.node.Log().Append(ctx, []events.Envelope{ev}, stream.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	last := appended[0].Sequence
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := ts.node.Store().WaitFor(wctx, last); err != nil {
		t.Fatal(err)
	}

	query := func(role, q string, vars map[string]any, into any) {
		t.Helper()
		var data json.RawMessage
		if err := as(role).client().do(ctx, q, vars, &data); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
		if err := json.Unmarshal(data, into); err != nil {
			t.Fatal(err)
		}
	}
	type evidence struct {
		Sentence *string
		Erased   bool
	}
	var d struct {
		Document struct {
			Erased     bool
			Text       *string
			Assertions []struct{ Evidence evidence }
		}
	}
	const readDoc = `query($id: ID!) { document(id: $id) { erased text assertions { evidence { sentence erased } } } }`
	query("reader", readDoc, map[string]any{"id": "document:" + doc}, &d)
	if d.Document.Text == nil || *d.Document.Text != text || len(d.Document.Assertions) == 0 {
		t.Fatalf("before the erasure the article reads %d assertions, text %v", len(d.Document.Assertions), d.Document.Text != nil)
	}
	nAssertions := len(d.Document.Assertions)
	// What must be gone: every sentence, every paragraph, and windows
	// of its text that no other document has.
	var needles []string
	for _, a := range d.Document.Assertions {
		needles = append(needles, *a.Evidence.Sentence)
	}
	others := ""
	for _, f := range files {
		if f != erasedFile {
			b, _ := os.ReadFile(f)
			others += string(b)
		}
	}
	for _, para := range strings.Split(text, "\n") {
		if len(para) >= 40 {
			needles = append(needles, para)
		}
	}
	for i := 0; i+40 < len(text); i += 97 {
		if w := text[i : i+40]; !strings.Contains(others, w) {
			needles = append(needles, w)
		}
	}
	key := documentKey(t, ts, doc)
	keyForms := [][]byte{key, []byte(hex.EncodeToString(key)), []byte(base64.StdEncoding.EncodeToString(key)), []byte(base64.RawURLEncoding.EncodeToString(key))}

	// Sealed from the start: no plaintext of it anywhere, while the
	// sentence recorded in the clear and the article's key are there.
	if found := testenv.FilesHolding(t, dir, []byte(plain)); len(found) < 2 || !anyUnder(found, "graph") || !anyUnder(found, "nats") {
		t.Fatalf("a sentence recorded in the clear is in %v: the search must find it in the log's and the graph's files", found)
	}
	if found := testenv.FilesHolding(t, dir, key); len(found) == 0 {
		t.Fatal("the article's key is in no file: the search cannot tell it is gone")
	}
	var all [][]byte
	for _, n := range needles {
		all = append(all, []byte(n))
	}
	for i, found := range testenv.Holding(t, dir, all) {
		if len(found) > 0 {
			t.Errorf("before the erasure, %.50q is in the clear in %v", needles[i], found)
		}
	}

	// A writer may not erase: refused, and nothing changes.
	erase := &eraseCmd{Document: doc, Reason: "court order 2024/17", clientFlags: as("writer")}
	if err := erase.run(ctx, &out); err == nil || !strings.Contains(err.Error(), "FORBIDDEN") {
		t.Errorf("a writer's erasure: %v", err)
	}
	var after struct{ Stats struct{ Sequence uint64 } }
	query("reader", `{ stats { sequence } }`, nil, &after)
	if after.Stats.Sequence != last || len(testenv.FilesHolding(t, dir, key)) == 0 {
		t.Errorf("a refused erasure changed something: sequence %d, was %d", after.Stats.Sequence, last)
	}

	// The admin erases it.
	out.Reset()
	erase.clientFlags = as("admin")
	if err := erase.run(ctx, &out); err != nil || !strings.Contains(out.String(), "erased the words of document 002_798c95abcf78d1c7") ||
		!strings.Contains(out.String(), "text is deleted") || strings.Contains(out.String(), "warning") {
		t.Fatalf("erase: %v\n%s", err, out.String())
	}

	// Served: the words are null, marked erased; another document's
	// words are read as before.
	query("reader", readDoc, map[string]any{"id": "document:" + doc}, &d)
	if !d.Document.Erased || d.Document.Text != nil || len(d.Document.Assertions) != nAssertions {
		t.Errorf("after the erasure: erased %v, text %v, %d assertions", d.Document.Erased, d.Document.Text, len(d.Document.Assertions))
	}
	for _, a := range d.Document.Assertions {
		if a.Evidence.Sentence != nil || !a.Evidence.Erased {
			t.Errorf("an erased sentence reads %q", *a.Evidence.Sentence)
		}
	}
	kept := "document:" + events.DocumentID(mustRead(t, files[0]))
	query("reader", readDoc, map[string]any{"id": kept}, &d)
	if d.Document.Erased || d.Document.Text == nil || len(d.Document.Assertions) == 0 || d.Document.Assertions[0].Evidence.Sentence == nil {
		t.Errorf("another document after the erasure: erased %v, text %v", d.Document.Erased, d.Document.Text != nil)
	}

	// On disk: none of it, nor its key; the cleartext sentence still.
	checkGone := func(when string) {
		t.Helper()
		all := [][]byte{[]byte(plain)}
		for _, n := range needles {
			all = append(all, []byte(n))
		}
		all = append(all, keyForms...)
		found := testenv.Holding(t, dir, all)
		if len(found[0]) == 0 {
			t.Errorf("%s: the sentence recorded in the clear is gone too: the search finds nothing", when)
		}
		for i, files := range found[1:] {
			if len(files) == 0 {
				continue
			}
			if i < len(needles) {
				t.Errorf("%s: %.50q is in %v", when, needles[i], files)
			} else {
				t.Errorf("%s: the erased article's key (%.12s…) is in %v", when, all[i+1], files)
			}
		}
	}
	checkGone("while serving")

	// The trail: who, when, why.
	out.Reset()
	if err := (&historyCmd{Document: doc, First: 50, clientFlags: as("reader")}).run(ctx, &out, time.Now()); err != nil {
		t.Fatal(err)
	}
	if h := out.String(); !strings.Contains(h, "DocumentErased") || !strings.Contains(h, "admin@newsroom") || !strings.Contains(h, "court order 2024/17") {
		t.Errorf("history of the erased document:\n%s", h)
	}
	// verify: the live store is the fold of the log.
	req := httptest.NewRequest(http.MethodPost, "/admin/verify", nil)
	req.Header.Set("Authorization", "Bearer "+secrets["admin"])
	rec := httptest.NewRecorder()
	ts.node.Handler().ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `"equal":true`) {
		t.Errorf("verify after the erasure: %d %.300s", rec.Code, rec.Body.String())
	}
	// The export says what was erased, in every format, and holds none
	// of its words.
	exports := map[string]string{}
	for _, format := range []string{"jsonl", "gold", "csv", "graphml"} {
		var buf bytes.Buffer
		if err := (&exportCmd{Format: format, clientFlags: as("reader")}).write(ctx, &buf); err != nil {
			t.Fatalf("export --format %s: %v", format, err)
		}
		exports[format] = buf.String()
		for _, n := range needles {
			if strings.Contains(buf.String(), n) {
				t.Errorf("export --format %s holds %.50q", format, n)
			}
		}
	}
	if j := exports["jsonl"]; !strings.Contains(j, `"reason":"court order 2024/17"`) || !strings.Contains(j, `"erased":true`) {
		t.Errorf("the jsonl export does not show the erasure")
	}
	if !strings.Contains(exports["gold"], `"erased":true`) || !strings.Contains(exports["csv"], ",true\n") {
		t.Errorf("the gold or csv export does not show the erasure")
	}
	// Loaded into a new server: everything but the erased document (the
	// three other articles, and the one the cleartext claim names).
	export := filepath.Join(t.TempDir(), "graph.jsonl")
	os.WriteFile(export, []byte(exports["jsonl"]), 0o600)
	fresh := startServer(t, t.TempDir())
	if err := load(t, fresh, export, false); err != nil {
		t.Fatalf("load of an export with an erasure: %v", err)
	}
	var n struct{ Stats struct{ Documents int } }
	if err := json.Unmarshal([]byte(fresh.query(`{ stats { documents } }`, nil)), &n); err != nil || n.Stats.Documents != len(files) {
		t.Errorf("the loaded export has %d documents, want the %d others (%v)", n.Stats.Documents, len(files), err)
	}

	// Stopped (everything written out) and started again: the same.
	ts.stop()
	checkGone("after the server stopped")
	// Badger compresses its tables (Snappy), which can split a phrase
	// in the file: read every version of every key too.
	db, err := badger.OpenManaged(badger.DefaultOptions(filepath.Join(dir, "graph")).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	seenPlain := false
	txn := db.NewTransactionAt(math.MaxUint64, false)
	it := txn.NewIterator(badger.IteratorOptions{AllVersions: true})
	for it.Rewind(); it.Valid(); it.Next() {
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			t.Fatal(err)
		}
		seenPlain = seenPlain || bytes.Contains(v, []byte(plain))
		for _, n := range needles {
			if bytes.Contains(v, []byte(n)) || bytes.Contains(it.Item().Key(), []byte(n)) {
				t.Errorf("the graph holds %.50q under %q at version %d", n, it.Item().Key(), it.Item().Version())
			}
		}
	}
	it.Close()
	txn.Discard()
	db.Close()
	if !seenPlain {
		t.Error("no version of any key holds the sentence recorded in the clear: the reading finds nothing")
	}
	ts = startServerWith(t, cfg)
	query("reader", readDoc, map[string]any{"id": "document:" + doc}, &d)
	if !d.Document.Erased || len(d.Document.Assertions) == 0 || d.Document.Assertions[0].Evidence.Sentence != nil {
		t.Errorf("after a restart: erased %v", d.Document.Erased)
	}
}

func anyUnder(paths []string, dir string) bool {
	for _, p := range paths {
		if strings.HasPrefix(p, dir+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// documentKey reads a document's key from the server's key bucket, as
// NATS's admin (the reader may not: it is checked too).
func documentKey(t *testing.T, ts *testServer, doc string) []byte {
	t.Helper()
	ctx := context.Background()
	creds, err := stream.LoadCredentials(ts.node.CredentialsFile())
	if err != nil {
		t.Fatal(err)
	}
	get := func(user string) ([]byte, error) {
		nc, err := nats.Connect(ts.node.NATSURL(), nats.UserInfo(user, creds.Passwords[user]),
			nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})) // the reader's refusal is expected
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		js, _ := jetstream.New(nc)
		kv, err := js.KeyValue(ctx, stream.KeysBucket)
		if err != nil {
			return nil, err
		}
		e, err := kv.Get(ctx, doc)
		if err != nil {
			return nil, err
		}
		return e.Value(), nil
	}
	if v, err := get(stream.UserReader); err == nil {
		t.Errorf("NATS's reader read a document's key: %x", v)
	}
	v, err := get(stream.UserAdmin)
	if err != nil || len(v) != 33 {
		t.Fatalf("the article's key: %x, %v", v, err)
	}
	return v[1:]
}

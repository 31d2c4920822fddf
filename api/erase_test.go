package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/events"
)

// Erasure through the API: the erased document's words read as null with
// erased: true, now, as of before, and in a replayed subscription; its
// trail and structure stay; another document is untouched; it cannot come
// back by ingesting or recording; verify agrees with the log; retract:
// true withdraws the assertions too.
func TestEraseDocument(t *testing.T) {
	h := startNode(t)
	must := func(q string, vars map[string]any) map[string]any {
		t.Helper()
		_, r := post(t, h, gql(q, vars))
		if len(r.Errors) > 0 {
			t.Fatalf("%.60s: %v", q, r.Errors)
		}
		return r.Data
	}
	doc, before, text := eraseOne(t, must)
	checkErasedReads(t, must, doc, before)
	checkNoComeback(t, h, doc, text)
	checkReplayedSubscription(t, h)
	checkEraseAndRetract(t, h, must)
}

type mustFunc func(q string, vars map[string]any) map[string]any

// eraseOne ingests a document and another, and erases the first.
func eraseOne(t *testing.T, must mustFunc) (doc string, before float64, text string) {
	t.Helper()
	text = "# Zapchat banned\n\nCanada banned Zapchat in June. Peru criticised Canada for the ban."
	ing := must(`mutation($t: String!) { ingestDocument(input: {text: $t, source: "zap.md", contentType: "text/markdown"}) { documentId sequence assertions { id } } }`,
		map[string]any{"t": text})["ingestDocument"].(map[string]any)
	doc = ing["documentId"].(string)
	if n := len(ing["assertions"].([]any)); n == 0 {
		t.Fatal("the extractor found nothing to erase")
	}
	before = ing["sequence"].(float64)
	other := one("Chile", "BANS", "Zapchat", "Chile banned Zapchat too.")
	other["evidence"].(map[string]any)["document"] = "chile-notes"
	must(record, map[string]any{"in": []any{other}})

	const read = `query($id: ID!) { document(id: $id) { title text erased erasure { principal reason retracted } assertions { evidence { sentence erased } } } }`
	got := must(read, map[string]any{"id": doc})["document"].(map[string]any)
	if got["title"] != "Zapchat banned" || got["erased"] != false || !strings.Contains(fmt.Sprint(got["assertions"]), "Canada banned Zapchat in June.") {
		t.Fatalf("before the erasure: %v", got)
	}
	// Only an admin erases; without tokens every caller is one (the
	// role matrix checks the others are refused).
	er := must(`mutation($id: ID!) { eraseDocument(id: $id, reason: "court order 2024/17") { sequence projected summary textDeleted plaintextRemains } }`,
		map[string]any{"id": doc})["eraseDocument"].(map[string]any)
	if er["projected"] != true || er["textDeleted"] != true || er["plaintextRemains"] != false || !strings.Contains(er["summary"].(string), "erased the words of document zap.md") {
		t.Errorf("eraseDocument: %v", er)
	}
	return doc, before, text
}

// checkErasedReads reads the erased document now and as of before its
// erasure, the other document, and the trail.
func checkErasedReads(t *testing.T, must mustFunc, doc string, before float64) {
	t.Helper()
	const read = `query($id: ID!) { document(id: $id) { title text erased erasure { principal reason retracted } assertions { evidence { sentence erased } } } }`
	got := must(read, map[string]any{"id": doc})["document"].(map[string]any)
	erasure, _ := got["erasure"].(map[string]any)
	if got["title"] != nil || got["text"] != nil || got["erased"] != true || erasure["reason"] != "court order 2024/17" || erasure["retracted"] != false {
		t.Errorf("after the erasure: %v", got)
	}
	as := got["assertions"].([]any)
	if len(as) == 0 {
		t.Error("the erased document's assertions are gone; only their words should be")
	}
	for _, a := range as {
		ev := a.(map[string]any)["evidence"].(map[string]any)
		if ev["sentence"] != nil || ev["erased"] != true {
			t.Errorf("an erased sentence reads %v", ev)
		}
	}
	// As of before the erasure: the words are gone there too.
	past := must(`query($id: ID!, $at: Sequence!) { asOf(sequence: $at) { document(id: $id) { title erased erasure { reason } assertions { evidence { sentence erased } } } } }`,
		map[string]any{"id": doc, "at": before})["asOf"].(map[string]any)["document"].(map[string]any)
	if past["title"] != nil || past["erased"] != true || past["erasure"] != nil || strings.Contains(fmt.Sprint(past), "Canada banned") {
		t.Errorf("as of %v: %v", before, past)
	}
	// The other document is untouched.
	if s := fmt.Sprint(must(`{ relationships(subject: "Chile") { edges { node { assertions { evidence { sentence erased } } } } } }`, nil)); !strings.Contains(s, "Chile banned Zapchat too.") {
		t.Errorf("the other document: %s", s)
	}
	// The trail: who, why.
	hist := fmt.Sprint(must(`query($id: ID!) { history(document: $id) { edges { node { type principal reason summary } } } }`, map[string]any{"id": doc}))
	if !strings.Contains(hist, "DocumentErased") || !strings.Contains(hist, "court order 2024/17") {
		t.Errorf("history: %s", hist)
	}
}

// checkNoComeback tries to bring the erased words back.
func checkNoComeback(t *testing.T, h http.Handler, doc, text string) {
	t.Helper()
	_, r := post(t, h, gql(`mutation($t: String!) { ingestDocument(input: {text: $t, source: "zap.md", contentType: "text/markdown"}) { documentId } }`, map[string]any{"t": text}))
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "CONFLICT" {
		t.Errorf("ingesting the erased document again: %+v", r.Errors)
	}
	again := one("Canada", "BANS", "Zapchat", "Canada banned Zapchat in June.")
	again["evidence"].(map[string]any)["documentId"] = strings.TrimPrefix(doc, "document:")
	_, r = post(t, h, gql(record, map[string]any{"in": []any{again}}))
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "INVALID_INPUT" || !strings.Contains(r.Errors[0].Message, "erased") {
		t.Errorf("recording from the erased document: %+v", r.Errors)
	}
}

// checkReplayedSubscription replays the assertions from the start: the
// erased words read as they are now, and the store is still the fold of
// its log.
func checkReplayedSubscription(t *testing.T, h http.Handler) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/graphql",
		strings.NewReader(`{"query":"subscription { assertionRecorded(after: 0) { sequence evidence { sentence erased document { source } } } }"}`))
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	seen := map[string]bool{}
	for sc.Scan() && !(seen["zap.md"] && seen["chile-notes"]) {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var m struct {
			Data struct {
				AssertionRecorded struct {
					Evidence struct {
						Sentence *string
						Erased   bool
						Document struct{ Source string }
					}
				}
			}
		}
		json.Unmarshal([]byte(data), &m)
		ev := m.Data.AssertionRecorded.Evidence
		seen[ev.Document.Source] = true
		if erased := ev.Document.Source == "zap.md"; ev.Erased != erased || (ev.Sentence == nil) != erased {
			t.Errorf("subscription: %s", data)
		}
	}
	resp.Body.Close()
	if !seen["zap.md"] || !seen["chile-notes"] {
		t.Errorf("the subscription replayed %v", seen)
	}
	// The store is still the fold of its log.
	req = httptest.NewRequest(http.MethodPost, "/admin/verify", strings.NewReader("{}"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `"equal":true`) {
		t.Errorf("verify after an erasure: %d %.300s", rec.Code, rec.Body.String())
	}
}

// checkEraseAndRetract erases the other document with retract: true,
// which withdraws its assertions too.
func checkEraseAndRetract(t *testing.T, h http.Handler, must mustFunc) {
	t.Helper()
	must(`mutation($id: ID!) { eraseDocument(id: $id, reason: "withdrawn article", retract: true) { sequence } }`,
		map[string]any{"id": "document:" + events.SourceDocumentID("chile-notes")})
	res := fmt.Sprint(must(`{ relationships(subject: "Chile") { edges { node { support } } } stats { documents } }`, nil))
	if strings.Contains(res, "support") {
		t.Errorf("after erasing with retract, Chile's relationship stands: %s", res)
	}
	got := must(`query($id: ID!) { document(id: $id) { erased retracted { reason } erasure { retracted } } }`,
		map[string]any{"id": "document:" + events.SourceDocumentID("chile-notes")})["document"].(map[string]any)
	if got["erased"] != true || got["retracted"] == nil || got["erasure"].(map[string]any)["retracted"] != true {
		t.Errorf("erased with retract: %v", got)
	}
}

package node

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/internal/testenv"
)

func recordThroughAPI(t *testing.T, h http.Handler, sentences ...[3]string) {
	t.Helper()
	var in []map[string]any
	for _, s := range sentences {
		in = append(in, map[string]any{
			"subject": map[string]any{"name": s[0]}, "predicate": s[1], "object": map[string]any{"name": s[2]},
			"evidence": map[string]any{"document": "notes", "sentence": s[0] + " " + s[1] + " " + s[2] + "."},
		})
	}
	body, _ := json.Marshal(map[string]any{
		"query":     `mutation($in: [AssertionInput!]!) { recordAssertions(input: $in, wait: true) { projected } }`,
		"variables": map[string]any{"in": in},
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body))))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"projected":true`) {
		t.Fatalf("record: %d %s", rec.Code, rec.Body)
	}
}

// A store folded from the log agrees with the log; one that has drifted
// from it is caught, key by key.
func TestVerify(t *testing.T) {
	ctx := context.Background()
	n, err := Start(ctx, Config{DataDir: t.TempDir(), Instance: "verify-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()

	if r, err := n.Verify(ctx); err != nil || !r.Equal || r.Sequence != 0 || r.Live.Keys != 0 {
		t.Errorf("Verify of an empty store = %+v, %v", r, err)
	}
	recordThroughAPI(t, n.Handler(),
		[3]string{"ByteDance", "OWNS", "TikTok"}, [3]string{"the U.S.", "BANS", "TikTok"}, [3]string{"Donald Trump", "TARGETS", "TikTok"})
	recordThroughAPI(t, n.Handler(), [3]string{"Trump", "TARGETS", "ByteDance"}, [3]string{"India", "BANS", "TikTok"})

	r, err := n.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Equal || r.Sequence != 5 || r.Live.Sum != r.Rebuilt.Sum || r.Live.Keys != r.Rebuilt.Keys || len(r.Diffs) != 0 {
		t.Errorf("Verify = %+v, want equal at 5", r)
	}
	if r.Live.Kinds["asr"] != 5 {
		t.Errorf("live digest counts %d assertions, want 5", r.Live.Kinds["asr"])
	}

	// Through the API.
	rec := httptest.NewRecorder()
	n.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/admin/verify", nil))
	var got VerifyReport
	if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != http.StatusOK || err != nil || !got.Equal || got.Live.Sum != r.Live.Sum {
		t.Errorf("POST /admin/verify = %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	n.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin/verify", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /admin/verify = %d, want 405", rec.Code)
	}

	// Drift: the live store takes a change no event made, at the
	// sequence the next event will have, so the projector skips that
	// event as already applied.
	seq, asr := testenv.Drift(t, n.Store(), n.Log())
	if seq != 6 {
		t.Fatalf("drift at sequence %d, want 6", seq)
	}

	r, err = n.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Equal || r.Sequence != 6 || r.Live.Sum == r.Rebuilt.Sum {
		t.Fatalf("Verify after drift = %+v, want a difference at 6", r)
	}
	kinds := map[string]string{}
	for _, d := range r.Diffs {
		kinds[d.Key] = d.Kind
	}
	for key, kind := range map[string]string{
		"act:stray":     graph.DiffMissingInB,
		"act:microsoft": graph.DiffMissingInA,
		"asr:" + asr:    graph.DiffMissingInA,
	} {
		if kinds[key] != kind {
			t.Errorf("%s: %q, want %q (all: %v)", key, kinds[key], kind, kinds)
		}
	}
	// The audit record at 6 carries the counts, which differ.
	if _, ok := kinds[fmt.Sprintf("ev:%016x", 6)]; !ok {
		t.Errorf("the audit record of 6 does not differ, but the live store lacks an assertion (all: %v)", kinds)
	}
	if r.Live.Kinds["asr"] != 5 || r.Rebuilt.Kinds["asr"] != 6 {
		t.Errorf("assertions: %d live, %d rebuilt; want 5 and 6", r.Live.Kinds["asr"], r.Rebuilt.Kinds["asr"])
	}
}

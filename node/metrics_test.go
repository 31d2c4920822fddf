package node

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// /metrics tells an operator what the node does: how far the projection
// is behind the log, what was folded, what the API answered, how many
// subscribers are open.
func TestMetrics(t *testing.T) {
	n, err := Start(context.Background(), Config{DataDir: t.TempDir(), Instance: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	srv := httptest.NewServer(n.Handler())
	defer srv.Close()

	post := func(body string) string {
		t.Helper()
		resp, err := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			b.WriteString(sc.Text())
		}
		return b.String()
	}
	// An open subscription, over SSE.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/graphql",
		strings.NewReader(`{"query":"subscription { assertionRecorded { sequence } }"}`))
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()

	for i := range 3 {
		out := post(fmt.Sprintf(`{"query":"mutation { recordAssertions(input: [{subject: {name: \"Acme %d\"}, predicate: \"OWNS\", object: {name: \"Widget\"}, evidence: {document: \"d\", sentence: \"Acme %d owns Widget.\"}}]) { lastSequence } }"}`, i, i))
		if strings.Contains(out, "errors") {
			t.Fatalf("record: %s", out)
		}
	}
	post(`{"query":"{ nosuchfield }"}`) // a VALIDATION_FAILED error

	// The open SSE response is counted when it ends (below).
	want := map[string]float64{
		`dossier_projection_applied_sequence`:                                     3,
		`dossier_log_last_sequence`:                                               3,
		`dossier_projection_lag_events`:                                           0,
		`dossier_healthy`:                                                         1,
		`dossier_projector_events_total{type="AssertionRecorded"}`:                3,
		`dossier_http_requests_total{code="200",handler="graphql",method="post"}`: 3,
		`dossier_http_requests_total{code="400",handler="graphql",method="post"}`: 1,
		`dossier_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"}`:          1,
		`dossier_subscriptions{field="assertionRecorded"}`:                        1,
		`dossier_live_feed_sequence`:                                              3,
	}
	got := scrapeUntil(t, srv.URL+"/metrics", want)
	for _, k := range []string{`dossier_graph_bytes{part="lsm"}`, `go_goroutines`, `process_resident_memory_bytes`, `dossier_projector_batch_seconds_count`, `dossier_http_request_duration_seconds_count{code="200",handler="graphql",method="post"}`} {
		if _, ok := got[k]; !ok {
			t.Errorf("%s is missing", k)
		}
	}

	// The subscriber leaves: the gauge goes down, the stream is counted.
	cancel()
	scrapeUntil(t, srv.URL+"/metrics", map[string]float64{
		`dossier_subscriptions{field="assertionRecorded"}`:                        0,
		`dossier_http_requests_total{code="200",handler="graphql",method="post"}`: 4,
	})
}

// scrapeUntil scrapes until every metric in want has its value (they
// move asynchronously: the feed, the subscriptions), at most 5 s, and
// reports those that did not.
func scrapeUntil(t *testing.T, url string, want map[string]float64) map[string]float64 {
	t.Helper()
	var got map[string]float64
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got = scrape(t, url)
		ok := true
		for k, v := range want {
			if g, present := got[k]; !present || g != v {
				ok = false
			}
		}
		if ok {
			return got
		}
		if time.Now().After(deadline) {
			break
		}
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present: %v), want %v", k, g, ok, v)
		}
	}
	return got
}

// scrape reads a Prometheus text exposition into "name{labels}" → value.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	out := map[string]float64{}
	for name, f := range families {
		for _, m := range f.Metric {
			var labels []string
			for _, l := range m.Label {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			key := name
			if len(labels) > 0 {
				key += "{" + strings.Join(labels, ",") + "}"
			}
			switch {
			case m.Counter != nil:
				out[key] = m.Counter.GetValue()
			case m.Gauge != nil:
				out[key] = m.Gauge.GetValue()
			case m.Histogram != nil:
				out[strings.Replace(key, name, name+"_count", 1)] = float64(m.Histogram.GetSampleCount())
			case m.Untyped != nil:
				out[key] = m.Untyped.GetValue()
			}
		}
	}
	return out
}

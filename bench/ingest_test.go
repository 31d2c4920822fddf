package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/api"
	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract"
	"github.com/dossier-kg/dossier/node"
)

var (
	ingestMB   = flag.Int("ingest-mb", 50, "the size of BenchmarkIngest's large document, in MiB")
	ingestDocs = flag.Int("ingest-docs", 10_000, "how many small documents BenchmarkIngest sends")
)

// BenchmarkIngest measures ingestion end to end through a real node's
// HTTP handler, as `dossier ingest` does it: one large document
// (-ingest-mb, default 50 MiB, the news corpus repeated), then
// -ingest-docs small ones (about 5 KB each, default 10,000) sent by as
// many clients as the machine has cores. For each it reports MB/s until
// the log holds every assertion (the mutation's answer with wait: false)
// and until the graph has projected them, beside the rule extractor
// alone on the same text in the same run. It runs once whatever b.N.
func BenchmarkIngest(b *testing.B) {
	corpus := corpusText(b)
	big := strings.Repeat(corpus, 1+(*ingestMB<<20)/len(corpus))[:*ingestMB<<20]
	big = big[:strings.LastIndex(big, "\n")+1] // whole lines, whole UTF-8
	dataDir := b.TempDir()
	n, err := node.Start(context.Background(), node.Config{
		DataDir: dataDir, Instance: "bench-ingest",
		MaxDocumentBytes: int64(len(big)) + 1<<20,
		Limits:           api.Limits{Rate: -1},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	srv := httptest.NewServer(n.Handler())
	defer srv.Close()
	post := func(source, text string) uint64 {
		body, _ := json.Marshal(map[string]any{
			"query":     `mutation($in: DocumentInput!) { ingestDocument(input: $in, wait: false) { recorded sequence } }`,
			"variables": map[string]any{"in": map[string]any{"source": source, "text": text, "contentType": "text/plain"}},
		})
		resp, err := srv.Client().Post(srv.URL+"/graphql", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatalf("ingest %s: %v", source, err)
		}
		defer resp.Body.Close()
		var out struct {
			Data struct {
				IngestDocument struct {
					Recorded int
					Sequence uint64
				}
			}
			Errors []json.RawMessage
		}
		raw, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(raw, &out); err != nil || len(out.Errors) > 0 {
			b.Fatalf("ingest %s: %d %.300s", source, resp.StatusCode, raw)
		}
		return out.Data.IngestDocument.Sequence
	}
	projected := func(seq uint64) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		if err := n.Store().WaitFor(ctx, seq); err != nil {
			b.Fatalf("projection to %d: %v", seq, err)
		}
	}
	b.ResetTimer()

	// The extractor alone, on the same text: the floor under ingestion.
	x, err := extract.NewRules(extract.RulesConfig{})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := x.Extract(context.Background(), extract.Document{ID: events.DocumentID(big), Source: "floor", Text: big}, nil); err != nil {
		b.Fatal(err)
	}
	floor := time.Since(start)
	mb := float64(len(big)) / 1e6
	b.Logf("extractor alone, %.1f MB in one document: %s, %.2f MB/s", mb, floor.Round(time.Millisecond), mb/floor.Seconds())

	start = time.Now()
	last := post("big", big)
	logged := time.Since(start)
	projected(last)
	all := time.Since(start)
	ingestReport(b, "one document", mb, logged, all, floor)

	docs := make([]string, *ingestDocs)
	var size int
	for i := range docs {
		at := (i * 4099) % (len(corpus) - 6000)
		at += strings.IndexByte(corpus[at:], '\n') + 1
		docs[i] = corpus[at:at+5000] + fmt.Sprintf("\n\nReport %d.\n", i)
		docs[i] = docs[i][:strings.LastIndex(docs[i], "\n")+1]
		size += len(docs[i])
	}
	var next atomic.Int64
	var mu sync.Mutex
	var maxSeq uint64
	var wg sync.WaitGroup
	start = time.Now()
	for range max(2, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(docs); i = int(next.Add(1)) - 1 {
				seq := post(fmt.Sprintf("doc-%05d", i), docs[i])
				mu.Lock()
				maxSeq = max(maxSeq, seq)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	logged = time.Since(start)
	projected(maxSeq)
	all = time.Since(start)
	ingestReport(b, fmt.Sprintf("%d documents", len(docs)), float64(size)/1e6, logged, all, 0)
	// What a store of real documents costs: sentences as news writes them,
	// sealed, which BenchmarkMillion's synthetic ones are not.
	v, err := n.Store().View(0)
	if err != nil {
		b.Fatal(err)
	}
	st, err := v.Stats()
	v.Close()
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("the store holds %d assertions, %d documents", st.Assertions, st.Documents)
	logDisk(b, filepath.Join(dataDir, "graph"), st.Assertions)
	logEntries(b, n.Store(), st.Assertions)
	b.ReportMetric(0, "ns/op")
}

func ingestReport(b *testing.B, what string, mb float64, logged, all, floor time.Duration) {
	verdict := func(d time.Duration) string {
		return map[bool]string{true: "met", false: "missed"}[mb/d.Seconds() >= 2]
	}
	b.Logf("%-16s %.1f MB: in the log after %s (%.2f MB/s, target ≥ 2: %s), projected after %s (%.2f MB/s)",
		what, mb, logged.Round(time.Millisecond), mb/logged.Seconds(), verdict(logged), all.Round(time.Millisecond), mb/all.Seconds())
	if floor > 0 {
		b.Logf("%-16s ratio to the extractor alone: %.2f", "", floor.Seconds()/logged.Seconds())
	}
	key := strings.ReplaceAll(strings.Fields(what)[1], "document", "doc")
	b.ReportMetric(mb/logged.Seconds(), key+"-logged-MB/s")
	b.ReportMetric(mb/all.Seconds(), key+"-projected-MB/s")
}

// corpusText is the repository's news corpus, the articles one after
// another.
func corpusText(b *testing.B) string {
	files, _ := filepath.Glob("../examples/corpus/*.txt")
	if len(files) == 0 {
		b.Fatal("no corpus under ../examples/corpus")
	}
	var sb strings.Builder
	for _, f := range files {
		t, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		sb.Write(t)
		sb.WriteString("\n\n")
	}
	return sb.String()
}

package graph

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/ristretto/v2/z"
)

// builderAllocators counts the table builders' allocators that exist:
// Badger registers every allocator it makes until it is released.
func builderAllocators() int {
	m := regexp.MustCompile(`Tag: Builder Num: (\d+)`).FindStringSubmatch(z.Allocators())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestTableBuildersReleaseTheirBuffers keeps third_party/badger's patch
// honest: once a memtable is flushed, the buffers its table was built in
// are released. Upstream returns them to a pool of up to eight, each
// grown to the largest table it built and kept for seconds after the
// last build; at a million assertions that pool held 500-800 MB of a
// 1 GiB budget (BENCHMARKS.md, "What stands in the way").
func TestTableBuildersReleaseTheirBuffers(t *testing.T) {
	opts := badger.DefaultOptions(t.TempDir()).WithLogger(nil).
		WithMemTableSize(1 << 20).WithValueThreshold(1 << 10).
		// No compaction: the flushes are the only builds.
		WithNumCompactors(0)
	db, err := badger.OpenManaged(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	val := make([]byte, 200)
	for i := range 120 {
		wb := db.NewWriteBatchAt(uint64(i + 1))
		for k := range 100 {
			if err := wb.Set(fmt.Appendf(nil, "k:%08d", i*100+k), val); err != nil {
				t.Fatal(err)
			}
		}
		if err := wb.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	// About 2.6 MB through 1 MB memtables: at least two flushes.
	deadline := time.Now().Add(10 * time.Second)
	for len(db.Tables()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d tables after 10 s; want 2 flushed memtables", len(db.Tables()))
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A table is listed a moment before its builder closes. Upstream's
	// pool keeps a returned allocator until it has seen two seconds
	// without a build, so one second tells the two apart.
	deadline = time.Now().Add(time.Second)
	for builderAllocators() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("table builders still hold %d allocators a second after the flushes: %s", builderAllocators(), z.Allocators())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

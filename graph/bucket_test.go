package graph

import "testing"

// Buckets keep supports in order, each support in the range its bucket
// says, exact up to exactBuckets and never wider than an eighth above.
func TestSupportBuckets(t *testing.T) {
	prev := supportBucket(0)
	for s := 1; s <= 1<<20; s++ {
		b := supportBucket(s)
		if b < prev || b > prev+1 {
			t.Fatalf("support %d: bucket %d after %d", s, b, prev)
		}
		lo, hi := bucketRange(b)
		if s < lo || s > hi {
			t.Fatalf("support %d in bucket %d, which holds %d..%d", s, b, lo, hi)
		}
		if s <= exactBuckets && lo != hi {
			t.Fatalf("support %d has a bucket of its own no more", s)
		}
		if float64(hi-lo+1) > float64(lo)/8+1 {
			t.Fatalf("bucket %d holds %d..%d: too wide", b, lo, hi)
		}
		prev = b
	}
	if n := supportBucket(5000); n > 90 {
		t.Errorf("an edge with 5,000 assertions has moved %d times", n)
	}
}

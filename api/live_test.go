package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Subscriptions join the live feed while events keep coming: each one,
// whatever its after and whenever it joins, receives every later event
// exactly once and in order. Replay from the store and the server's one
// live feed meet at a sequence compared under the feed's lock; this
// makes the seam happen at many different points.
func TestLiveFeedSeam(t *testing.T) {
	srv := httptest.NewServer(startNode(t))
	defer srv.Close()
	const writers, perWriter, subscribers = 2, 60, 16

	record := func(w, i int) {
		body := gql(record, map[string]any{"in": []any{one(fmt.Sprintf("Writer %d", w), "MEETS", fmt.Sprintf("Guest %d", i), fmt.Sprintf("Writer %d met guest %d.", w, i))}})
		resp, err := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(body))
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}
	for i := range 10 { // history for the first subscribers to replay
		record(0, 1000+i)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type feed struct {
		after uint64 // 0: none given, the feed starts at the current sequence
		mu    sync.Mutex
		got   []uint64
	}
	feeds := make([]*feed, subscribers)
	var started sync.WaitGroup
	rng := rand.New(rand.NewPCG(1, 2))
	var wg sync.WaitGroup
	// Writers and subscribers start together; subscribers join at
	// staggered times with after anywhere in what exists so far.
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				record(w+1, i)
			}
		})
	}
	for k := range feeds {
		// A quarter give no after: they start wherever the projection
		// is, which may be ahead of the live feed.
		f := &feed{after: uint64(1 + rng.IntN(10+k*3))}
		if k%4 == 0 {
			f.after = 0
		}
		feeds[k] = f
		started.Add(1)
		delay := time.Duration(rng.IntN(150)) * time.Millisecond
		go func() {
			time.Sleep(delay)
			q := fmt.Sprintf(`{"query":"subscription { assertionRecorded(after: %d) { sequence } }"}`, f.after)
			if f.after == 0 {
				q = `{"query":"subscription { assertionRecorded { sequence } }"}`
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/graphql", strings.NewReader(q))
			req.Header.Set("Accept", "text/event-stream")
			resp, err := http.DefaultClient.Do(req)
			started.Done()
			if err != nil {
				if ctx.Err() == nil {
					t.Error(err)
				}
				return
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				data, ok := strings.CutPrefix(sc.Text(), "data: ")
				if !ok {
					continue
				}
				var m struct {
					Data struct{ AssertionRecorded struct{ Sequence uint64 } }
				}
				if err := json.Unmarshal([]byte(data), &m); err != nil {
					t.Errorf("event %s: %v", data, err)
					return
				}
				f.mu.Lock()
				f.got = append(f.got, m.Data.AssertionRecorded.Sequence)
				f.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	started.Wait()
	// More, one at a time, until every subscriber has received one: each
	// then has something to check, however late it joined.
	last := uint64(10 + writers*perWriter)
	for sentinel := 0; ; sentinel++ {
		record(0, 2000+sentinel)
		last++
		time.Sleep(20 * time.Millisecond)
		all := true
		for _, f := range feeds {
			f.mu.Lock()
			all = all && len(f.got) > 0
			f.mu.Unlock()
		}
		if all || sentinel == 100 {
			break
		}
	}

	deadline := time.Now().Add(10 * time.Second)
	for _, f := range feeds {
		// Every sequence after the first one received, in order, once, up
		// to the last; and with after, the first is after+1.
		for {
			f.mu.Lock()
			done := len(f.got) > 0 && f.got[len(f.got)-1] >= last
			f.mu.Unlock()
			if done || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // a duplicate after the last would show
		f.mu.Lock()
		first := f.after + 1
		if f.after == 0 && len(f.got) > 0 {
			first = f.got[0]
		}
		for i, seq := range f.got {
			if want := first + uint64(i); seq != want {
				t.Errorf("subscriber after %d: event %d is sequence %d, want %d (got %v)", f.after, i, seq, want, f.got)
				break
			}
		}
		if n := uint64(len(f.got)); n == 0 || first+n-1 != last {
			t.Errorf("subscriber after %d received %d events from %d, want every one up to %d", f.after, n, first, last)
		}
		f.mu.Unlock()
	}
}

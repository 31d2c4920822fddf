package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Losing the NATS server that leads the stream loses nothing: with the
// log replicated three ways, appends resume once the cluster has elected
// a new leader, retried appends are not stored twice, and two Dossier
// nodes fold the same events into identical projections.
//
// Three in-process nats-servers form a JetStream cluster; nodes a and b
// share it (Replicas: 3), each with its own projection. 50 assertions go
// through a's API on a healthy cluster, then 50 more from five writers
// while the stream's leader is shut down under them, so that appends and
// deliveries are in flight when it goes. Then: the log holds 100 events,
// each once; both projections are at its last sequence with 100
// assertions and every event of the log folded; their digests are equal;
// and a's store equals a fresh fold of the log (Verify).
func TestClusterNodeLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-server NATS cluster and kills one")
	}
	start := time.Now()
	ctx := context.Background()

	// The servers' and nodes' logs are shown when the test fails; the
	// nodes' warnings and errors always.
	logs := &clusterLogBuffer{start: start}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
			return
		}
		for l := range strings.Lines(logs.String()) {
			if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
				t.Log(strings.TrimSpace(l))
			}
		}
	})
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	cl := startNATSCluster(t, 3, logs)
	t.Logf("NATS cluster up in %v", time.Since(start).Round(time.Millisecond))

	// A client of our own, to ask the cluster where the stream lives.
	nc, err := nats.Connect(cl.urls(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	deliveries := clusterWatchDeliveries(t, nc)

	startNode := func(name string) *Node {
		t.Helper()
		cfg := Config{
			DataDir:  t.TempDir(),
			Instance: name,
			NATS:     NATSConfig{URL: cl.urls(), Replicas: 3},
			Logger:   logger.With("node", name),
		}
		// Start retries its JetStream set-up calls while a cluster that
		// has just formed does not answer them (whenReady).
		n, err := Start(ctx, cfg)
		if err != nil {
			t.Fatalf("start node %s: %v", name, err)
		}
		// Registered after the NATS servers' cleanups, so run before them.
		t.Cleanup(func() {
			if err := n.Close(); err != nil {
				t.Errorf("close node %s: %v", name, err)
			}
		})
		return n
	}
	a, b := startNode("a"), startNode("b")

	const perPhase = 50
	ids := map[string]int{} // assertion id → index of the input that recorded it
	keep := func(i int, r clusterRecord) {
		t.Helper()
		if prev, ok := ids[r.id]; ok {
			t.Fatalf("assertion %d got the id of assertion %d: %s", i, prev, r.id)
		}
		ids[r.id] = i
	}

	// Phase 1: a healthy cluster.
	for i := range perPhase {
		r, err := clusterRecordRetry(a.Handler(), i, 30*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if r.duplicate || r.attempts != 1 {
			t.Fatalf("assertion %d on a healthy cluster: duplicate %v after %d attempts", i, r.duplicate, r.attempts)
		}
		keep(i, r)
	}
	last := clusterLastSeq(t, js)
	if last != perPhase {
		t.Fatalf("the log's last sequence is %d after %d assertions", last, perPhase)
	}
	clusterWaitApplied(t, js, last, a, b)
	for name, n := range map[string]*Node{"a": a, "b": b} {
		if s := clusterStats(t, n.Handler()); s.Assertions != perPhase || s.Sequence != last {
			t.Errorf("node %s before the loss: stats %+v, want %d assertions at %d", name, s, perPhase, last)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Phase 2: the stream's leader goes away while writers keep
	// recording through a: some appends are in flight when it goes, the
	// rest come after. Each writer re-sends a failed call until it is
	// answered, as a client would.
	leader := clusterStreamLeader(t, js)
	victim := cl.byName(leader)
	if victim == nil {
		t.Fatalf("stream leader %q is none of the cluster's servers", leader)
	}
	for name, n := range map[string]*Node{"a": a, "b": b} {
		t.Logf("node %s connected to %s; consumer %s", name, n.nc.ConnectedServerName(), clusterConsumerState(js, "projector-"+name))
	}
	const writers = 5
	type result struct {
		i   int
		r   clusterRecord
		err error
		at  time.Time
	}
	results := make(chan result, perPhase)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := perPhase + w; i < 2*perPhase; i += writers {
				r, err := clusterRecordRetry(a.Handler(), i, 30*time.Second)
				results <- result{i, r, err, time.Now()}
				if err != nil {
					return
				}
				time.Sleep(10 * time.Millisecond) // spread the writes over the loss
			}
		})
	}
	go func() { wg.Wait(); close(results) }()
	var got []result
	for len(got) < writers*2 {
		r, ok := <-results
		if !ok {
			break
		}
		got = append(got, r)
	}
	killed := time.Now()
	victim.Shutdown()
	victim.WaitForShutdown()
	t.Logf("shut down %s, the stream's leader, after %d of the %d assertions (%v)", leader, len(got), perPhase, time.Since(killed).Round(time.Millisecond))
	for r := range results {
		got = append(got, r)
	}
	retried, dups, after := 0, 0, 0
	for _, r := range got {
		if r.err != nil {
			t.Fatal(r.err)
		}
		keep(r.i, r.r)
		retried += r.r.attempts - 1
		if r.r.transient != "" {
			t.Logf("assertion %d answered after %d attempts; first answer: %s", r.i, r.r.attempts, strings.TrimSpace(r.r.transient))
		}
		if r.r.duplicate {
			dups++
		}
		if r.at.After(killed) {
			after++
		}
	}
	if len(got) != perPhase {
		t.Fatalf("%d of %d assertions answered", len(got), perPhase)
	}
	t.Logf("%d more assertions recorded, %d answered after the loss began; %d retries; %d answered as duplicates of an earlier attempt",
		perPhase, after, retried, dups)
	if newLeader := clusterStreamLeader(t, js); newLeader == leader {
		t.Errorf("the stream is still led by %s, which is shut down", leader)
	} else {
		t.Logf("stream now led by %s", newLeader)
	}

	// Nothing lost, nothing stored twice.
	if len(ids) != 2*perPhase {
		t.Fatalf("%d distinct assertion ids recorded, want %d", len(ids), 2*perPhase)
	}
	last = clusterLastSeq(t, js)
	clusterCheckLog(t, js, last, 2*perPhase)
	applied := time.Now()
	clusterWaitApplied(t, js, last, a, b)
	t.Logf("both projections at %d %v after the last append (%v after the loss)",
		last, time.Since(applied).Round(time.Millisecond), time.Since(killed).Round(time.Millisecond))
	for name, n := range map[string]*Node{"a": a, "b": b} {
		if s := clusterStats(t, n.Handler()); s.Assertions != 2*perPhase || s.Sequence != last {
			t.Errorf("node %s after the loss: stats %+v, want %d assertions at %d", name, s, 2*perPhase, last)
		}
	}

	// A projection at last must hold every event 1..last.
	for name, n := range map[string]*Node{"a": a, "b": b} {
		if missing := clusterMissing(clusterFolded(t, n.Handler()), last); len(missing) > 0 {
			t.Errorf("node %s has applied %d but folded no event at %v; its consumer: %s; deliveries seen (stream/consumer seq(delivery count)): %s",
				name, n.Store().Applied(), missing, clusterConsumerState(js, "projector-"+name), deliveries.String("projector-"+name))
		}
	}
	// The two read replicas are the same fold of the same log.
	da, err := a.Store().DigestAt(last)
	if err != nil {
		t.Fatal(err)
	}
	db, err := b.Store().DigestAt(last)
	if err != nil {
		t.Fatal(err)
	}
	if da.Sum != db.Sum || da.Keys != db.Keys {
		t.Errorf("projections differ at %d:\n a: %s %d keys %v\n b: %s %d keys %v", last, da.Sum, da.Keys, da.Kinds, db.Sum, db.Keys, db.Kinds)
	}
	if da.Kinds["asr"] != 2*perPhase {
		t.Errorf("digest of a counts %d assertions, want %d", da.Kinds["asr"], 2*perPhase)
	}
	// And a fresh fold of the log, read from the surviving servers, agrees.
	vctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if r, err := a.Verify(vctx); err != nil {
		t.Errorf("verify a: %v", err)
	} else if !r.Equal || r.Sequence < last {
		var diffs []string
		for _, d := range r.Diffs {
			diffs = append(diffs, d.Key+" ("+d.Kind+")")
		}
		t.Errorf("verify a at %d: live store %s (%d keys), fresh fold of the log %s (%d keys); first differences: %s",
			r.Sequence, r.Live.Sum, r.Live.Keys, r.Rebuilt.Sum, r.Rebuilt.Keys, strings.Join(diffs, ", "))
	}
	t.Logf("total %v", time.Since(start).Round(time.Millisecond))
}

// clusterNATS is a JetStream cluster of in-process nats-servers.
type clusterNATS struct {
	servers []*server.Server
}

// startNATSCluster starts size servers routed to each other, and waits
// until JetStream has a meta leader that knows every server.
func startNATSCluster(t *testing.T, size int, logs *clusterLogBuffer) *clusterNATS {
	t.Helper()
	var cl *clusterNATS
	var started time.Time
	for attempt := 1; ; attempt++ {
		started = time.Now()
		var err error
		if cl, err = tryStartNATSCluster(t.TempDir(), size, logs); err == nil {
			break
		}
		// A port chosen free was taken before its server listened.
		if attempt == 3 {
			t.Fatal(err)
		}
		t.Logf("starting the NATS cluster again: %v", err)
	}
	// Registered before the nodes' and clients' cleanups, so run after them.
	t.Cleanup(cl.shutdown)
	deadline := time.Now().Add(30 * time.Second)
	// Routes settle first. A server that dialled a peer before the peer
	// listened dials again a second later (nats-server's route connect
	// delay), and the duplicate routes that makes are closed; meanwhile
	// the pool of routes between two servers may be incomplete, and
	// messages are lost: JetStream API calls in node.Start timed out, and
	// a projector waited 30 s for its first events. So wait
	// until past that retry, with every server holding the same number of
	// routes for a while.
	var prev []int
	var stable time.Time
	for {
		counts := make([]int, len(cl.servers))
		same := true
		for i, s := range cl.servers {
			counts[i] = s.NumRoutes()
			same = same && counts[i] > 0 && counts[i] == counts[0]
		}
		switch {
		case !same || !slices.Equal(counts, prev):
			prev, stable = counts, time.Time{}
		case stable.IsZero():
			stable = time.Now()
		}
		if !stable.IsZero() && time.Since(started) > 1500*time.Millisecond && time.Since(stable) >= 300*time.Millisecond {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("routes never settled: %v", counts)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for {
		if l := cl.metaLeader(); l != nil && len(l.JetStreamClusterPeers()) == size && cl.allCurrent() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no JetStream meta leader knowing every server after 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// And a client sees JetStream.
	nc, err := nats.Connect(cl.urls())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for {
		actx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := js.AccountInfo(actx)
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("JetStream account info: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cl
}

// tryStartNATSCluster starts the servers and waits until they listen;
// on failure it shuts down what it started.
func tryStartNATSCluster(dir string, size int, logs *clusterLogBuffer) (*clusterNATS, error) {
	// Every server's routes name the others' cluster ports, so they are
	// chosen before any server starts; the client ports with them, so that
	// no server's listener takes a port meant for another.
	ports, err := clusterFreePorts(2 * size)
	if err != nil {
		return nil, err
	}
	clientPorts, routePorts := ports[:size], ports[size:]
	cl := &clusterNATS{}
	for i := range size {
		var routes []string
		for j, p := range routePorts {
			if j != i {
				routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
			}
		}
		name := fmt.Sprintf("n%d", i+1)
		s, err := server.NewServer(&server.Options{
			ServerName: name,
			Host:       "127.0.0.1",
			Port:       clientPorts[i],
			JetStream:  true,
			StoreDir:   filepath.Join(dir, name),
			Cluster: server.ClusterOpts{
				Name: "dossier-test",
				Host: "127.0.0.1",
				Port: routePorts[i],
			},
			Routes: server.RoutesFromStr(strings.Join(routes, ",")),
			NoSigs: true,
			NoLog:  true,
		})
		if err != nil {
			cl.shutdown()
			return nil, fmt.Errorf("nats server %s: %w", name, err)
		}
		s.SetLogger(clusterServerLogger{name, logs}, false, false)
		go s.Start()
		cl.servers = append(cl.servers, s)
	}
	for _, s := range cl.servers {
		if !s.ReadyForConnections(5 * time.Second) {
			cl.shutdown()
			return nil, fmt.Errorf("nats server %s not ready after 5s", s.Name())
		}
	}
	return cl, nil
}

func (c *clusterNATS) shutdown() {
	for _, s := range c.servers {
		s.Shutdown()
		s.WaitForShutdown()
	}
}

func (c *clusterNATS) metaLeader() *server.Server {
	for _, s := range c.servers {
		if s.Running() && s.JetStreamIsLeader() {
			return s
		}
	}
	return nil
}

func (c *clusterNATS) allCurrent() bool {
	for _, s := range c.servers {
		if !s.JetStreamIsCurrent() {
			return false
		}
	}
	return true
}

// urls is every server's client URL, as NATSConfig.URL takes them.
func (c *clusterNATS) urls() string {
	var u []string
	for _, s := range c.servers {
		u = append(u, s.ClientURL())
	}
	return strings.Join(u, ",")
}

func (c *clusterNATS) byName(name string) *server.Server {
	for _, s := range c.servers {
		if s.Name() == name {
			return s
		}
	}
	return nil
}

// clusterFreePorts finds n ports nothing listens on, holding them all at
// once so that they differ.
func clusterFreePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// clusterStreamLeader is the name of the server leading the DOSSIER stream,
// asked until the stream has one.
func clusterStreamLeader(t *testing.T, js jetstream.JetStream) string {
	t.Helper()
	var last error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		info, err := clusterStreamInfo(js)
		if err != nil {
			last = err
			continue
		}
		if info.Cluster != nil && info.Cluster.Leader != "" {
			return info.Cluster.Leader
		}
		last = fmt.Errorf("no leader in %+v", info.Cluster)
	}
	t.Fatalf("stream leader: %v", last)
	return ""
}

func clusterStreamInfo(js jetstream.JetStream) (*jetstream.StreamInfo, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, "DOSSIER")
	if err != nil {
		return nil, err
	}
	return s.Info(ctx)
}

// clusterLastSeq is the stream's last sequence, asked until the cluster
// answers.
func clusterLastSeq(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	var last error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		info, err := clusterStreamInfo(js)
		if err == nil {
			return info.State.LastSeq
		}
		last = err
	}
	t.Fatalf("stream info: %v", last)
	return 0
}

// clusterCheckLog reads the whole stream, event by event, and checks it
// holds want events, each once: a re-sent append the duplicate window
// should have caught would show as a second message with the same id.
func clusterCheckLog(t *testing.T, js jetstream.JetStream, last uint64, want int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	get := func(seq uint64) (*jetstream.RawStreamMsg, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s, err := js.Stream(ctx, "DOSSIER")
		if err != nil {
			return nil, err
		}
		return s.GetMsg(ctx, seq)
	}
	seen := map[string]uint64{}
	for seq := uint64(1); seq <= last; seq++ {
		m, err := get(seq)
		for err != nil && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			m, err = get(seq)
		}
		if err != nil {
			t.Fatalf("read event %d: %v", seq, err)
		}
		id := m.Header.Get(jetstream.MsgIDHeader)
		if prev, ok := seen[id]; ok {
			t.Errorf("event %s stored twice: at %d and %d", id, prev, seq)
		}
		seen[id] = seq
	}
	if int(last) != want || len(seen) != want {
		t.Errorf("the log holds %d events with %d ids, want %d", last, len(seen), want)
	}
}

// clusterWaitApplied waits until every node has applied seq, and says
// where each projector's consumer stands if one does not.
//
// A projector whose pull request is lost (seen right after start: its
// consumer had delivered nothing and no request waiting) hears nothing
// until the client library misses two heartbeats, 30 s with the
// defaults the projector uses. That is slow but loses nothing, so it is
// logged and waited out, not failed.
func clusterWaitApplied(t *testing.T, js jetstream.JetStream, seq uint64, nodes ...*Node) {
	t.Helper()
	start := time.Now()
	for _, n := range nodes {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := n.Store().WaitFor(ctx, seq)
		cancel()
		if err == nil {
			continue
		}
		t.Logf("node %s slow to apply %d (applied %d); consumer: %s", n.cfg.Instance, seq, n.Store().Applied(), clusterConsumerState(js, "projector-"+n.cfg.Instance))
		ctx, cancel = context.WithTimeout(context.Background(), 45*time.Second-time.Since(start))
		err = n.Store().WaitFor(ctx, seq)
		cancel()
		if err != nil {
			for _, m := range nodes {
				t.Logf("node %s: applied %d; consumer: %s", m.cfg.Instance, m.Store().Applied(), clusterConsumerState(js, "projector-"+m.cfg.Instance))
			}
			t.Fatalf("node %s: %v", n.cfg.Instance, err)
		}
		t.Logf("node %s applied %d after %v", n.cfg.Instance, seq, time.Since(start).Round(time.Millisecond))
	}
}

// clusterConsumerState describes a consumer, for failure messages.
func clusterConsumerState(js jetstream.JetStream, name string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := js.Consumer(ctx, "DOSSIER", name)
	if err != nil {
		return err.Error()
	}
	i := c.CachedInfo()
	leader := ""
	if i.Cluster != nil {
		leader = i.Cluster.Leader
	}
	return fmt.Sprintf("leader %q delivered %d/%d ack floor %d/%d pending %d ack pending %d waiting %d redelivered %d",
		leader, i.Delivered.Stream, i.Delivered.Consumer, i.AckFloor.Stream, i.AckFloor.Consumer, i.NumPending, i.NumAckPending, i.NumWaiting, i.NumRedelivered)
}

// clusterFolded is the sequences of the events a node's graph holds, from
// its audit trail.
func clusterFolded(t *testing.T, h http.Handler) []uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, r, raw := clusterPost(ctx, h, `{ events(first: 1000) { edges { node { sequence } } } }`, nil)
	var out struct {
		Events struct {
			Edges []struct {
				Node struct {
					Sequence json.Number `json:"sequence"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"events"`
	}
	if code != http.StatusOK || len(r.Errors) > 0 || json.Unmarshal(r.Data, &out) != nil {
		t.Fatalf("events: %d %s", code, raw)
	}
	var seqs []uint64
	for _, e := range out.Events.Edges {
		seq, err := clusterParseSeq(e.Node.Sequence)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	return seqs
}

// clusterMissing is the sequences in 1..last that seqs lacks.
func clusterMissing(seqs []uint64, last uint64) []uint64 {
	have := map[uint64]bool{}
	for _, s := range seqs {
		have[s] = true
	}
	var missing []uint64
	for s := uint64(1); s <= last; s++ {
		if !have[s] {
			missing = append(missing, s)
		}
	}
	return missing
}

// clusterDeliveries records, from the wire, which stream sequences each
// projector's consumer delivered, to tell a consumer that skipped
// messages from a projector that dropped them.
type clusterDeliveries struct {
	mu  sync.Mutex
	got map[string][]string // consumer → "stream seq/consumer seq(delivery count)"
}

func clusterWatchDeliveries(t *testing.T, nc *nats.Conn) *clusterDeliveries {
	t.Helper()
	d := &clusterDeliveries{got: map[string][]string{}}
	sub, err := nc.Subscribe("_INBOX.>", func(m *nats.Msg) {
		md, err := m.Metadata()
		if err != nil || md.Stream != "DOSSIER" {
			return
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		d.got[md.Consumer] = append(d.got[md.Consumer], fmt.Sprintf("%d/%d(%d)", md.Sequence.Stream, md.Sequence.Consumer, md.NumDelivered))
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *clusterDeliveries) String(consumer string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return strings.Join(d.got[consumer], " ")
}

type clusterRecord struct {
	id        string
	seq       uint64
	duplicate bool
	attempts  int
	// transient is the first answer that made the writer re-send.
	transient string
}

// clusterGQLAnswer is a GraphQL answer with its errors' codes.
type clusterGQLAnswer struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code string `json:"code"`
		} `json:"extensions"`
	} `json:"errors"`
}

func clusterPost(ctx context.Context, h http.Handler, query string, vars map[string]any) (int, clusterGQLAnswer, string) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var r clusterGQLAnswer
	_ = json.Unmarshal(rec.Body.Bytes(), &r)
	return rec.Code, r, rec.Body.String()
}

// clusterRecordRetry records assertion i (one per call, with a sentence
// of its own) and re-sends the call while the log is unavailable, for at
// most d. Each attempt gets its own deadline: an append whose ack the lost
// server took with it would otherwise wait forever. It runs on writers'
// goroutines, so it returns errors rather than failing the test.
func clusterRecordRetry(h http.Handler, i int, d time.Duration) (clusterRecord, error) {
	in := []map[string]any{{
		"subject":   map[string]any{"name": fmt.Sprintf("Holding %d", i)},
		"predicate": "OWNS",
		"object":    map[string]any{"name": fmt.Sprintf("Unit %d", i)},
		"evidence":  map[string]any{"document": "cluster-test", "sentence": fmt.Sprintf("Holding %d owns Unit %d.", i, i)},
	}}
	const q = `mutation($in: [AssertionInput!]!) { recordAssertions(input: $in, wait: false) { assertions { id sequence duplicate } lastSequence } }`
	deadline := time.Now().Add(d)
	var transient string
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), clusterAttemptTimeout)
		code, r, raw := clusterPost(ctx, h, q, map[string]any{"in": in})
		expired := ctx.Err() != nil
		cancel()
		if code == http.StatusOK && len(r.Errors) == 0 {
			var out struct {
				RecordAssertions struct {
					Assertions []struct {
						ID        string      `json:"id"`
						Sequence  json.Number `json:"sequence"`
						Duplicate bool        `json:"duplicate"`
					} `json:"assertions"`
				} `json:"recordAssertions"`
			}
			if err := json.Unmarshal(r.Data, &out); err != nil || len(out.RecordAssertions.Assertions) != 1 {
				return clusterRecord{}, fmt.Errorf("assertion %d: unexpected answer %s (%v)", i, raw, err)
			}
			got := out.RecordAssertions.Assertions[0]
			seq, err := clusterParseSeq(got.Sequence)
			if err != nil {
				return clusterRecord{}, fmt.Errorf("assertion %d: sequence %q: %v", i, got.Sequence, err)
			}
			return clusterRecord{id: got.ID, seq: seq, duplicate: got.Duplicate, attempts: attempt, transient: transient}, nil
		}
		// Only an unavailable log, or a request that ran out of time
		// (it may or may not have been appended), is worth a retry;
		// anything else is a bug in the test or the API.
		retry := len(r.Errors) > 0
		for _, e := range r.Errors {
			retry = retry && (e.Extensions.Code == "UNAVAILABLE" || e.Extensions.Code == "NOT_READY" || e.Extensions.Code == "TIMEOUT")
		}
		// An append whose ack went down with the leader waits until the
		// request's context ends (the log's JetStream context has no
		// publish timeout). graphql-go then drops the resolver's own
		// UNAVAILABLE error for a bare "context deadline exceeded", which
		// the API answers as 400 GRAPHQL_VALIDATION_FAILED. The call may
		// or may not have been appended: re-sending it is what tells.
		if expired && len(r.Errors) == 1 && r.Errors[0].Message == context.DeadlineExceeded.Error() {
			retry = true
		}
		if !retry {
			return clusterRecord{}, fmt.Errorf("assertion %d, attempt %d: %d %s", i, attempt, code, raw)
		}
		if transient == "" {
			transient = raw
		}
		if time.Now().After(deadline) {
			return clusterRecord{}, fmt.Errorf("assertion %d not recorded after %v (%d attempts); last answer: %d %s", i, d, attempt, code, raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clusterAttemptTimeout bounds one recordAssertions call.
const clusterAttemptTimeout = 5 * time.Second

// clusterParseSeq reads a Sequence scalar, which may be a number or a string.
func clusterParseSeq(n json.Number) (uint64, error) {
	var s uint64
	_, err := fmt.Sscan(strings.Trim(string(n), `"`), &s)
	return s, err
}

// clusterStatsAnswer is what { stats } says.
type clusterStatsAnswer struct {
	Assertions int
	Sequence   uint64
}

func clusterStats(t *testing.T, h http.Handler) clusterStatsAnswer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, r, raw := clusterPost(ctx, h, `{ stats { assertions sequence } }`, nil)
	var out struct {
		Stats struct {
			Assertions int         `json:"assertions"`
			Sequence   json.Number `json:"sequence"`
		} `json:"stats"`
	}
	if code != http.StatusOK || len(r.Errors) > 0 || json.Unmarshal(r.Data, &out) != nil {
		t.Fatalf("stats: %d %s", code, raw)
	}
	seq, err := clusterParseSeq(out.Stats.Sequence)
	if err != nil {
		t.Fatalf("stats sequence %q: %v", out.Stats.Sequence, err)
	}
	return clusterStatsAnswer{out.Stats.Assertions, seq}
}

// clusterLogBuffer is a bytes.Buffer safe for the loggers of several goroutines.
type clusterLogBuffer struct {
	start time.Time
	mu    sync.Mutex
	b     bytes.Buffer
}

// clusterServerLogger writes a nats-server's log to the buffer.
type clusterServerLogger struct {
	name string
	logs *clusterLogBuffer
}

func (l clusterServerLogger) logf(level, format string, v ...any) {
	fmt.Fprintf(l.logs, "%8.3fs nats %s [%s] %s\n", time.Since(l.logs.start).Seconds(), l.name, level, fmt.Sprintf(format, v...))
}

func (l clusterServerLogger) Noticef(format string, v ...any) { l.logf("INF", format, v...) }
func (l clusterServerLogger) Warnf(format string, v ...any)   { l.logf("WRN", format, v...) }
func (l clusterServerLogger) Fatalf(format string, v ...any)  { l.logf("FTL", format, v...) }
func (l clusterServerLogger) Errorf(format string, v ...any)  { l.logf("ERR", format, v...) }
func (l clusterServerLogger) Debugf(format string, v ...any)  { l.logf("DBG", format, v...) }
func (l clusterServerLogger) Tracef(format string, v ...any)  { l.logf("TRC", format, v...) }

func (s *clusterLogBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *clusterLogBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

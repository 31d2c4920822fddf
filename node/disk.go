package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dossier-kg/dossier/api"
)

// DefaultDiskReserve is the free space a node keeps on the disks of its
// data directory: below it, writes are refused and the node does not
// start; below half of it, the projector pauses.
//
// Why so much: Badger writes its memtable's write-ahead log and every
// table it flushes or compacts through mmap, into files truncated to
// their full size, which allocates no blocks (badger v4.9.6: a 128 MiB
// .mem file filled up to MemTableSize, 64 MiB; a table made at its final
// size, then copied into; a 2 GiB value log). On a full disk such a write
// is not an error Badger could return but a SIGBUS that kills the
// process, and on tmpfs even reading the unwritten end of the log when
// it is replayed at start-up faults. The lower half is for what Badger does on
// its own once the projector has stopped writing: flushing up to five
// memtables (64 MiB each) and compacting level 0, which writes a copy of
// up to five such tables before it deletes them. The upper half is for
// projecting what the log acknowledged before writes were refused: the
// projection takes about ten times the log's bytes (3,500 assertions:
// 3.5 MB of log, 37 MB of Badger log).
const DefaultDiskReserve = 1 << 30

// writeFootprint is how many bytes of disk a write is assumed to take per
// byte of its request while it runs: the log's events (2.6 times an
// assertion's JSON, envelope and JetStream's own records included), a
// document's text in the document store, and margin. The projection's share is the projector's to keep
// within the reserve.
const writeFootprint = 4

// defaultDiskPoll is how often the free space is measured for the
// projector and the metrics; a projector writes a few tens of MB a
// second at most, far less than half the reserve in this time.
const defaultDiskPoll = 250 * time.Millisecond

// LowDiskError says a disk of the data directory has less free space than
// the reserve: the node refuses to start, and a running node refuses
// writes.
type LowDiskError struct {
	// Dir is the directory whose disk is short.
	Dir string
	// Free is what that disk has free (statfs: available to any user,
	// as df says); Claimed is what writes in progress may still take of
	// it, and Need what the refused write would have taken.
	Free, Claimed, Need int64
	// Reserve is the free space kept (--disk-reserve).
	Reserve int64
}

func (e *LowDiskError) Error() string {
	return fmt.Sprintf("the disk holding %s has %s free%s: less than the %s kept free (--disk-reserve) for the log and the graph store, "+
		"which fail mid-write on a full disk (Badger with SIGBUS); free space on that disk or move the data directory to a larger one",
		e.Dir, bytesText(e.Free), e.claims(), bytesText(e.Reserve))
}

// claims says what writes in progress and this one would take.
func (e *LowDiskError) claims() string {
	var parts []string
	if e.Claimed > 0 {
		parts = append(parts, bytesText(e.Claimed)+" of it promised to writes in progress")
	}
	if e.Need > 0 {
		parts = append(parts, "up to "+bytesText(e.Need)+" needed by this one")
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// apiError is what a client is told when its write is refused: the
// amounts, not the server's paths.
func (e *LowDiskError) apiError() *api.Error {
	return &api.Error{Code: api.CodeUnavailable,
		Message: fmt.Sprintf("this server is refusing writes: its disk has %s free%s, and it keeps %s free for its log and store, which a full disk would crash. "+
			"Reads go on. The server's operator must free space on that disk (or lower --disk-reserve); writes resume by themselves once there is room, and a write retried then is recorded once",
			bytesText(e.Free), e.claims(), bytesText(e.Reserve)),
		Details: map[string]any{"freeBytes": e.Free, "reserveBytes": e.Reserve, "neededBytes": e.Claimed + e.Need},
		Err:     e}
}

// room admits a write whose request has size bytes, for the API: a
// refusal is UNAVAILABLE with the amounts. release ends its claim.
func (n *Node) room(size int64) (release func(), err error) {
	release, err = n.disk.admit(size)
	if low := (*LowDiskError)(nil); errors.As(err, &low) {
		return nil, low.apiError()
	}
	return release, err
}

// roomFor checks there is room for a write of size bytes, claiming none.
func (n *Node) roomFor(size int64) error {
	release, err := n.room(size)
	if err != nil {
		return err
	}
	release()
	return nil
}

// bytesText writes n in binary units, as df -h does.
func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// disk watches the free space of the data directory's disks: it admits
// writes while there is room beyond the reserve, and pauses the
// projector below half of it, until the reserve is free again.
type disk struct {
	dirs    []string // what is written: the graph store, the embedded log
	reserve int64    // 0: nothing is checked
	free    func(dir string) (int64, error)
	poll    time.Duration
	logger  *slog.Logger

	mu      sync.Mutex
	claimed int64 // by writes in progress (admit)
	low     bool  // the last measure was below the reserve
	paused  bool  // the projector must not write
	// changed is closed and replaced when paused changes.
	changed chan struct{}
	// probeErr is logged once: a disk that cannot be measured is not
	// guarded, and says so.
	probeErr error
}

func newDisk(cfg Config) *disk {
	d := &disk{reserve: cfg.DiskReserve, free: cfg.FreeSpace, poll: cfg.diskPoll, logger: cfg.Logger, changed: make(chan struct{})}
	if d.reserve < 0 {
		d.reserve = 0
	}
	if d.free == nil {
		d.free = freeSpace
	}
	if d.poll <= 0 {
		d.poll = defaultDiskPoll
	}
	d.dirs = []string{filepath.Join(cfg.DataDir, "graph")}
	if cfg.NATS.URL == "" {
		d.dirs = append(d.dirs, filepath.Join(cfg.DataDir, "nats"))
	}
	return d
}

// measure finds the directory with the least free space; ok is false if
// none could be measured (the error is logged once).
func (d *disk) measure() (dir string, free int64, ok bool) {
	var errs []error
	for _, p := range d.dirs {
		f, err := d.free(existing(p))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok || f < free {
			dir, free, ok = p, f, true
		}
	}
	if err := errors.Join(errs...); err != nil {
		d.mu.Lock()
		first := d.probeErr == nil
		d.probeErr = err
		d.mu.Unlock()
		if first {
			d.logger.Warn("cannot measure free disk space: a disk that cannot be measured does not hold writes back when it fills", "err", err)
		}
	}
	return dir, free, ok
}

// existing is p, or its nearest ancestor that exists: a data directory
// not made yet is measured on the disk it will be made on.
func existing(p string) string {
	for {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		up := filepath.Dir(p)
		if up == p {
			return p
		}
		p = up
	}
}

// newDiskAt watches the disk of one directory with cfg's reserve (0:
// the default; negative: none): where a rebuild or a replay writes a
// second store, or a restore a data directory. On a full disk Badger
// dies of SIGBUS, and the log and the live store sharing the disk could
// not be written either; so such a write does not start unless holds
// says there is room, and stops when closable says the disk is below
// half the reserve, the part kept for Badger to close the store.
func newDiskAt(dir string, cfg Config) *disk {
	if cfg.DiskReserve == 0 {
		cfg.DiskReserve = DefaultDiskReserve
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	d := newDisk(cfg)
	d.dirs = []string{dir}
	return d
}

// holds refuses a write expected to take need bytes when the disk cannot
// take them and keep the reserve. A disk that cannot be measured is not
// guarded, as serve does not guard it; nil for a node without a disk.
func (d *disk) holds(need int64) error {
	if d == nil || d.reserve == 0 {
		return nil
	}
	dir, free, ok := d.measure()
	if ok && free < need+d.reserve {
		return &LowDiskError{Dir: dir, Free: free, Need: need, Reserve: d.reserve}
	}
	return nil
}

// startable refuses to start on a disk below the reserve: opening Badger
// there may already fault (replaying its log, flushing it).
func (d *disk) startable() error {
	if d.reserve == 0 {
		return nil
	}
	dir, free, ok := d.measure()
	if ok && free < d.reserve {
		return &LowDiskError{Dir: dir, Free: free, Reserve: d.reserve}
	}
	return nil
}

// closable says whether the graph store may be closed: Badger then
// flushes its memtable (up to 64 MiB) into a table, which the lower half
// of the reserve is kept for. nil for a node that does not watch a disk.
func (d *disk) closable() error {
	if d == nil || d.reserve == 0 {
		return nil
	}
	dir, free, ok := d.measure()
	if ok && free < d.reserve/2 {
		return &LowDiskError{Dir: dir, Free: free, Reserve: d.reserve}
	}
	return nil
}

// admit claims room for a write whose request has n bytes, until
// release. It refuses with a *LowDiskError when the disk's free space,
// less what writes in progress have claimed and this one's claim, would
// be below the reserve.
func (d *disk) admit(n int64) (release func(), err error) {
	if d.reserve == 0 {
		return func() {}, nil
	}
	need := max(n, 0) * writeFootprint
	dir, free, ok := d.measure()
	if !ok {
		return func() {}, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if free-d.claimed-need < d.reserve {
		return nil, &LowDiskError{Dir: dir, Free: free, Claimed: d.claimed, Need: need, Reserve: d.reserve}
	}
	d.claimed += need
	var once sync.Once
	return func() {
		once.Do(func() {
			d.mu.Lock()
			d.claimed -= need
			d.mu.Unlock()
		})
	}, nil
}

// watch measures the free space every poll until ctx ends, pausing the
// projector below half the reserve and resuming it once the whole
// reserve is free again (so that it does not flap around one value), and
// logging when writes are refused and accepted again.
func (d *disk) watch(ctx context.Context) {
	if d.reserve == 0 {
		return
	}
	t := time.NewTicker(d.poll)
	defer t.Stop()
	for {
		d.check()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// check measures once, logs when writes start and stop being refused,
// and moves the projector's state.
func (d *disk) check() {
	dir, free, ok := d.measure()
	if !ok {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	attrs := []any{"dir", dir, "free", bytesText(free), "reserve", bytesText(d.reserve)}
	if low := free < d.reserve; low != d.low {
		d.low = low
		if low {
			d.logger.Warn("disk space below the reserve: writes are refused (UNAVAILABLE) until it is free again; reads go on", attrs...)
		} else {
			d.logger.Info("disk space is back above the reserve: accepting writes", attrs...)
		}
	}
	pause := d.paused
	switch {
	case !d.paused && free < d.reserve/2:
		pause = true
		d.logger.Warn("disk space below half the reserve: the projector is paused (queries answer as of what it has applied; the log keeps every acknowledged event); it resumes once the reserve is free again", attrs...)
	case d.paused && free >= d.reserve:
		pause = false
		d.logger.Info("disk space is back above the reserve: the projector resumes", attrs...)
	}
	if pause != d.paused {
		d.paused = pause
		close(d.changed)
		d.changed = make(chan struct{})
	}
}

// state says whether the projector must pause, and is closed when that
// changes.
func (d *disk) state() (paused bool, changed <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.paused, d.changed
}

// waitRoom blocks while the projector must pause; false if ctx ended.
func (d *disk) waitRoom(ctx context.Context) bool {
	for {
		paused, changed := d.state()
		if !paused {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-changed:
		}
	}
}

// untilPaused is ctx, cancelled also when the projector must pause. The
// goroutine it starts ends with the returned context.
func (d *disk) untilPaused(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		for {
			paused, changed := d.state()
			if paused {
				cancel()
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-changed:
			}
		}
	}()
	return ctx, cancel
}

// The disk's metrics are measured when scraped.
var (
	descDiskFree = prometheus.NewDesc("dossier_disk_free_bytes",
		"Free space on the disk of each part of the data directory (graph; nats when embedded), as df reports it.", []string{"dir"}, nil)
	descDiskReserve = prometheus.NewDesc("dossier_disk_reserve_bytes",
		"Free space the node keeps (--disk-reserve): below it writes are refused, below half of it the projector pauses.", nil, nil)
	descDiskRefusing = prometheus.NewDesc("dossier_disk_refusing_writes",
		"1 while a disk of the data directory has less free space than the reserve: mutations answer UNAVAILABLE.", nil, nil)
	descProjectorPaused = prometheus.NewDesc("dossier_projector_paused",
		"1 while the projector is paused because the disk has less than half the reserve free.", nil, nil)
)

// diskCollector reports the disk's state at scrape time.
type diskCollector struct{ d *disk }

func (c diskCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descDiskFree, descDiskReserve, descDiskRefusing, descProjectorPaused} {
		ch <- d
	}
}

func (c diskCollector) Collect(ch chan<- prometheus.Metric) {
	d := c.d
	least := int64(-1)
	for _, p := range d.dirs {
		f, err := d.free(existing(p))
		if err != nil {
			ch <- prometheus.NewInvalidMetric(descDiskFree, err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(descDiskFree, prometheus.GaugeValue, float64(f), filepath.Base(p))
		if least < 0 || f < least {
			least = f
		}
	}
	ch <- prometheus.MustNewConstMetric(descDiskReserve, prometheus.GaugeValue, float64(d.reserve))
	d.mu.Lock()
	refusing, paused := 0.0, 0.0
	if d.reserve > 0 && least >= 0 && least < d.reserve {
		refusing = 1
	}
	if d.paused {
		paused = 1
	}
	d.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(descDiskRefusing, prometheus.GaugeValue, refusing)
	ch <- prometheus.MustNewConstMetric(descProjectorPaused, prometheus.GaugeValue, paused)
}

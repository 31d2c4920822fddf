package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/api"
)

// TestDiskFull runs `dossier serve` on a real small filesystem, a tmpfs
// mounted for the test (so it needs root on Linux, and is skipped with
// -short), and fills it as a client and then another program would:
//
//   - with another program's file leaving a little more than the reserve
//     free, a client records assertions until the server refuses with
//     UNAVAILABLE, saying how much is free and what the reserve is; the
//     server is still up (before the reserve existed it died of SIGBUS
//     inside Badger's mmapped writes), and queries still answer, with
//     every acknowledged assertion;
//   - another program fills the disk to below half the reserve: the
//     projector pauses (dossier_projector_paused), queries still answer;
//   - space freed while it runs (the file removed, the disk grown): the
//     projector resumes and writes go in, without a restart;
//   - a restart on a disk filled again exits 5 with the reason, not a
//     crash (before: SIGBUS, exit 2);
//   - space freed: it starts with every acknowledged assertion, `dossier
//     verify` finds the store the fold of its log, and writes go in.
//
// The reserve is passed as DOSSIER_DISK_RESERVE so that an older binary
// runs the same scenario and shows the crash it had.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the binary and fills a filesystem")
	}
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("mounts a small tmpfs, which needs root on Linux")
	}
	mnt := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	const size, reserve = 224 << 20, 128 << 20
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("cannot mount a tmpfs here (a container without CAP_SYS_ADMIN?): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := buildDossier(t)
	dir := filepath.Join(mnt, "data")
	env := []string{fmt.Sprintf("DOSSIER_DISK_RESERVE=%dMiB", reserve>>20)}

	// 1. Another program's file leaves a little more than the reserve
	// free (so that the test is quick), and a client fills the rest
	// until it is refused.
	srv, err := diskServe(t, ctx, bin, dir, env)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(mnt, "other")
	diskFill(t, other, mnt, reserve+12<<20)
	acked := map[string]uint64{}
	var refusal *responseError
	for b := 0; refusal == nil; b++ {
		if b == 400 {
			t.Fatalf("400 batches recorded and never refused; %s free", diskFreeText(t, mnt))
		}
		res, err := srv.recordErr(crashBatch(0, b, 500), true)
		switch {
		case err == nil:
			for _, r := range res {
				acked[r.ID] = r.Sequence
			}
		case errors.As(err, &refusal) && refusal.code() == api.CodeUnavailable:
		default:
			select {
			case <-srv.done:
			case <-time.After(5 * time.Second):
				t.Fatalf("batch %d: %v", b, err)
			}
			t.Fatalf("the server died on a filling disk after %d acknowledged assertions (%s free): %v\n%s", len(acked), diskFreeText(t, mnt), srv.err, diskCrash(srv.log.String()))
		}
	}
	t.Logf("%d assertions acknowledged, then refused with %s free: %s", len(acked), diskFreeText(t, mnt), refusal.Errors[0].Message)
	for _, want := range []string{"refusing writes", "MiB free", "keeps 128.0 MiB free", "Reads go on", "free space"} {
		if !strings.Contains(refusal.Errors[0].Message, want) {
			t.Errorf("the refusal %q does not say %q", refusal.Errors[0].Message, want)
		}
	}
	checkAcked := func(p *serveProc) {
		t.Helper()
		var stats struct{ Stats struct{ Assertions int } }
		p.query(t, `{ stats { assertions } }`, nil, 0, &stats)
		if stats.Stats.Assertions != len(acked) {
			t.Errorf("stats.assertions = %d, %d were acknowledged", stats.Stats.Assertions, len(acked))
		}
		n := 0
		for id, seq := range acked {
			if n++; n > 200 {
				break
			}
			var out struct{ Assertion *struct{ Sequence uint64 } }
			p.query(t, `query($id: ID!) { assertion(id: $id) { sequence } }`, map[string]any{"id": id}, 0, &out)
			if out.Assertion == nil || out.Assertion.Sequence != seq {
				t.Errorf("acknowledged assertion %s (sequence %d): %+v", id, seq, out.Assertion)
			}
		}
	}
	checkAcked(srv)

	// 2. Another program fills it to below half the reserve.
	ballast := filepath.Join(mnt, "ballast")
	diskFill(t, ballast, mnt, reserve/2-16<<20)
	waitMetric := func(name string, want uint64) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); srv.metric(t, name) != want; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s is not %d with %s free", name, want, diskFreeText(t, mnt))
			}
		}
	}
	waitMetric("dossier_projector_paused", 1)
	waitMetric("dossier_disk_refusing_writes", 1)
	checkAcked(srv)
	if !strings.Contains(srv.log.String(), "the projector is paused") {
		t.Error("the server did not log that the projector paused")
	}

	// 3. Space freed while it runs: the files removed, the disk grown.
	for _, f := range []string{ballast, other} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", syscall.MS_REMOUNT, fmt.Sprintf("size=%d", 2*size)); err != nil {
		t.Fatalf("grow the tmpfs: %v", err)
	}
	waitMetric("dossier_projector_paused", 0)
	waitMetric("dossier_disk_refusing_writes", 0)
	if res, err := srv.recordErr(crashBatch(1, 0, 10), true); err != nil {
		t.Fatalf("a write once the space was back: %v", err)
	} else {
		for _, r := range res {
			acked[r.ID] = r.Sequence
		}
	}

	// 4. A restart while the disk is short again.
	diskFill(t, ballast, mnt, reserve/2-16<<20)
	srv.stop(t)
	p, err := diskServe(t, ctx, bin, dir, env)
	if err == nil {
		p.stop(t)
		t.Fatalf("serve started with %s free", diskFreeText(t, mnt))
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitDiskFull {
		t.Fatalf("serve ended with %v, want exit code %d\n%s", err, exitDiskFull, diskTail(p.log.String(), 40))
	}
	out := p.log.String()
	for _, want := range []string{"dossier: not starting: the disk holding " + filepath.Join(dir, "graph"), "MiB free", "--disk-reserve", "free space on that disk"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not say %q:\n%s", want, out)
		}
	}
	t.Logf("restart with %s free: exit %d, %s", diskFreeText(t, mnt), exit.ExitCode(), strings.TrimSpace(out))

	// 5. Space freed: it starts with everything acknowledged.
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	srv, err = diskServe(t, ctx, bin, dir, env)
	if err != nil {
		t.Fatal(err)
	}
	checkAcked(srv)
	verify := exec.CommandContext(ctx, bin, "verify", "--server", srv.url)
	verify.Env = childEnv()
	if out, err := verify.CombinedOutput(); err != nil {
		t.Errorf("dossier verify after the space came back: %v\n%s", err, out)
	}
	if res, err := srv.recordErr(crashBatch(2, 0, 10), true); err != nil || countDup(res) != 0 {
		t.Errorf("a write after the restart: %v (%d duplicates)", err, countDup(res))
	}
	srv.stop(t)
}

// diskServe runs `dossier serve` on dir with env added, and waits until
// /healthz answers; if the process ends first, it returns why (its log
// is in the returned serveProc).
func diskServe(t *testing.T, ctx context.Context, bin, dir string, env []string) (*serveProc, error) {
	t.Helper()
	p := &serveProc{log: &syncBuffer{}, done: make(chan struct{}), http: &http.Client{Timeout: 30 * time.Second}}
	p.cmd = exec.CommandContext(ctx, bin, "serve", "--data", dir, "--listen", "127.0.0.1:0", "--nats-listen=")
	p.cmd.Env = append(childEnv(), env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start dossier serve: %v", err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.log.Write([]byte(line + "\n"))
			if m := servingRE.FindStringSubmatch(line); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		if strings.Contains(p.log.String(), "WARNING: DATA RACE") {
			t.Errorf("dossier serve (pid %d) reported a data race", p.cmd.Process.Pid)
		}
		if t.Failed() {
			t.Logf("dossier serve (pid %d) log:\n%s", p.cmd.Process.Pid, diskTail(p.log.String(), 60))
		}
	})
	select {
	case p.url = <-urls:
	case <-p.done:
		return p, p.err
	case <-time.After(30 * time.Second):
		t.Fatalf("dossier serve did not say where it serves within 30s:\n%s", p.log.String())
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := p.http.Get(p.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /healthz did not answer 200 within 30s (last: %v %v)\n%s", resp, err, p.log.String())
		}
	}
}

// diskFill writes file until dir's filesystem has less than left bytes free.
func diskFill(t *testing.T, file, dir string, left int64) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for diskFree(t, dir) >= left {
		if _, err := f.Write(chunk); err != nil {
			t.Fatalf("fill %s: %v", file, err)
		}
	}
}

func diskFree(t *testing.T, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}

func diskFreeText(t *testing.T, dir string) string {
	return fmt.Sprintf("%.1f MiB", float64(diskFree(t, dir))/(1<<20))
}

// diskTail is the last n lines of s.
func diskTail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// diskCrash is what says why a Go process died, and where in Badger.
func diskCrash(log string) string {
	var out []string
	for l := range strings.SplitSeq(log, "\n") {
		if strings.Contains(l, "fatal error") || strings.Contains(l, "[signal") || strings.Contains(l, "unexpected fault") ||
			strings.Contains(l, "dgraph-io/badger") && len(out) < 8 {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io/fs"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/api"
	"github.com/dossier-kg/dossier/auth"
	"github.com/dossier-kg/dossier/node"
)

// The Python client (clients/python, the package dossier) against real
// servers: installed with pip into a fresh venv, its unittest suite run
// with the servers' URLs in DOSSIER_* variables.

// pythonInterpreter is the Python the tests use: $PYTHON, else Debian's
// /usr/bin/python3, which sees the python3-* packages .ci/run installs
// (pandas, networkx, setuptools; a python3 earlier on PATH, as pyenv's,
// may not), else python3 on PATH. It must build a package offline:
// venv, setuptools and wheel.
func pythonInterpreter(t *testing.T) string {
	t.Helper()
	py := os.Getenv("PYTHON")
	if py == "" {
		if _, err := os.Stat("/usr/bin/python3"); err == nil {
			py = "/usr/bin/python3"
		} else if p, err := exec.LookPath("python3"); err == nil {
			py = p
		}
	}
	requireTool(t, py != "", "python3", "apt-get install -y python3, or set PYTHON")
	out, err := exec.Command(py, "-c", "import ensurepip, venv, setuptools, wheel").CombinedOutput()
	requireTool(t, err == nil, py+" with venv, setuptools and wheel ("+strings.TrimSpace(string(out))+")",
		"apt-get install -y python3-venv python3-setuptools python3-wheel")
	return py
}

// pythonVenv makes a venv that sees the system's packages (pandas and
// networkx from Debian) and installs clients/python into it the way its
// README says, offline: pip builds it with the setuptools already there.
// It installs a copy without build leftovers, so that a stale build/ of
// an earlier install cannot end up in the package. It returns the venv's
// python.
func pythonVenv(t *testing.T, py string) string {
	t.Helper()
	dir := t.TempDir()
	venv, src := filepath.Join(dir, "venv"), filepath.Join(dir, "python")
	if err := copyPackage(filepath.Join(repoRoot, "clients", "python"), src); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for _, args := range [][]string{
		{py, "-m", "venv", "--system-site-packages", venv},
		{filepath.Join(venv, "bin", "python"), "-m", "pip", "install", "--no-build-isolation", "--no-index", "--disable-pip-version-check", src},
	} {
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return filepath.Join(venv, "bin", "python")
}

// copyPackage copies a Python package's source tree, without what
// building or running it leaves behind.
func copyPackage(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() && (d.Name() == "build" || d.Name() == "__pycache__" || strings.HasSuffix(d.Name(), ".egg-info")) {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
}

// pythonEnv is the environment of a Python child: this one's, less what
// would make it read another server or another copy of the package.
func pythonEnv(extra ...string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "DOSSIER_") || strings.HasPrefix(kv, "PYTHONPATH=") || strings.HasPrefix(kv, "PYTHONHOME=")
	})
	return append(env, extra...)
}

// TestPythonClient installs clients/python with pip into a fresh venv
// and runs its tests (clients/python/tests) against three servers: one
// holding examples/assertions.jsonl, the same one behind small send
// buffers (so that a subscriber that stops reading is dropped as
// SLOW_CONSUMER and must resume), and one that wants a token and allows
// two requests a second (so that RATE_LIMITED is retried). They check a
// known relationship's evidence, paging, DataFrames, networkx graphs
// with node types, as_of, the ontology check, errors and their codes,
// ingestion, and live feeds that resume with nothing missed or doubled.
// Then the README's `python3 clients/python/dossier_client.py URL`
// writes every relationship as CSV, from the checkout, uninstalled.
func TestPythonClient(t *testing.T) {
	py := pythonInterpreter(t)
	ts := startServer(t, t.TempDir())
	if err := load(t, ts, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatal(err)
	}
	slow := httptest.NewUnstartedServer(ts.node.Handler())
	slow.Listener = smallSendBuffers{slow.Listener}
	slow.Start()
	t.Cleanup(slow.Close)
	secret, hash := auth.NewSecret()
	tokens, err := auth.New(auth.File{Tokens: []auth.Token{{Subject: "python-tests", Role: "reader", SHA256: hash}}})
	if err != nil {
		t.Fatal(err)
	}
	limited := startServerWith(t, node.Config{DataDir: t.TempDir(), Instance: "test-limited", Tokens: tokens,
		Limits: api.Limits{Rate: 2, Burst: 1}})
	python := pythonVenv(t, py)

	t.Run("unittest", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, python, "-m", "unittest", "discover", "-s", "tests", "-v")
		cmd.Dir = filepath.Join(repoRoot, "clients", "python")
		cmd.Env = pythonEnv("DOSSIER_URL="+ts.http.URL, "DOSSIER_SLOW_URL="+slow.URL,
			"DOSSIER_LIMITED_URL="+limited.http.URL, "DOSSIER_LIMITED_TOKEN="+secret,
			"DOSSIER_EXPECT_INSTALLED=1", "PYTHONDONTWRITEBYTECODE=1")
		cmd.WaitDelay = 5 * time.Second
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("python -m unittest discover -s clients/python/tests: %v\n%s", err, out)
		}
		t.Logf("%s", out)
	})

	t.Run("csv", func(t *testing.T) {
		var stats struct{ Stats struct{ Relationships int } }
		if err := json.Unmarshal([]byte(ts.query(`{ stats { relationships } }`, nil)), &stats); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, py, filepath.Join("clients", "python", "dossier_client.py"), ts.http.URL)
		cmd.Dir = repoRoot
		cmd.Env = pythonEnv("PYTHONDONTWRITEBYTECODE=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("python3 clients/python/dossier_client.py %s: %v", ts.http.URL, err)
		}
		rows, err := csv.NewReader(strings.NewReader(string(out))).ReadAll()
		if err != nil {
			t.Fatalf("not CSV: %v\n%s", err, out)
		}
		if len(rows) == 0 || !slices.Contains(rows[0], "subject") || !slices.Contains(rows[0], "predicate") || !slices.Contains(rows[0], "first_seen") {
			t.Fatalf("CSV header %v", rows)
		}
		if got := len(rows) - 1; got != stats.Stats.Relationships {
			t.Errorf("the CSV has %d relationships, the server %d", got, stats.Stats.Relationships)
		}
	})
}

package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// notebookCell is what the test reads of an executed notebook's cells.
type notebookCell struct {
	CellType string `json:"cell_type"`
	Source   any    `json:"source"`
	Outputs  []struct {
		OutputType string         `json:"output_type"`
		Text       any            `json:"text"`
		Data       map[string]any `json:"data"`
		Ename      string         `json:"ename"`
		Evalue     string         `json:"evalue"`
	} `json:"outputs"`
}

// joined is a notebook's multi-line string field: a string or a list of lines.
func joined(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		var b strings.Builder
		for _, s := range v {
			b.WriteString(s.(string))
		}
		return b.String()
	}
	return ""
}

// TestPythonNotebook executes examples/notebook.ipynb top to bottom with
// `jupyter nbconvert --execute` against a real server holding
// examples/assertions.jsonl, twice (the second time its ingestion finds
// every article already in the log), with the package from the checkout
// (PYTHONPATH=clients/python/src). Any cell's error fails it. It then
// checks what the cells showed: the neighbourhood drawn as a picture
// (matplotlib's inline backend renders with Agg and needs no display),
// both sides of a contested claim, and fewer relationships before the
// corpus than after. .ci/run installs Debian's jupyter-nbconvert,
// python3-nbclient, python3-ipykernel, python3-pandas, python3-networkx
// and python3-matplotlib.
func TestPythonNotebook(t *testing.T) {
	nbconvert, err := exec.LookPath("jupyter-nbconvert")
	requireTool(t, err == nil, "jupyter-nbconvert", "apt-get install -y jupyter-nbconvert python3-nbclient python3-ipykernel")
	// The kernel is Debian's python3 (its kernelspec names /usr/bin/python3).
	py := os.Getenv("PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	out, err := exec.Command(py, "-c", "import ipykernel, nbclient, pandas, networkx, matplotlib").CombinedOutput()
	requireTool(t, err == nil, "the notebook's Python packages ("+strings.TrimSpace(string(out))+")",
		"apt-get install -y python3-ipykernel python3-nbclient python3-pandas python3-networkx python3-matplotlib")

	ts := startServer(t, t.TempDir())
	if err := load(t, ts, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatal(err)
	}
	src, err := filepath.Abs(filepath.Join(repoRoot, "clients", "python", "src"))
	if err != nil {
		t.Fatal(err)
	}
	notebook, err := filepath.Abs(filepath.Join(repoRoot, "examples", "notebook.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()

	for run := 1; run <= 2; run++ {
		executed := filepath.Join(dir, "notebook-"+strconv.Itoa(run)+".ipynb")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cmd := exec.CommandContext(ctx, nbconvert, "--to", "notebook", "--execute",
			"--ExecutePreprocessor.timeout=300", "--output", executed, notebook)
		cmd.Env = pythonEnv("DOSSIER_URL="+ts.http.URL, "PYTHONPATH="+src, "PYTHONDONTWRITEBYTECODE=1",
			"JUPYTER_RUNTIME_DIR="+filepath.Join(dir, "runtime"), "PYDEVD_DISABLE_FILE_VALIDATION=1")
		cmd.WaitDelay = 5 * time.Second
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("run %d: jupyter nbconvert --execute examples/notebook.ipynb: %v\n%s", run, err, out)
		}
		b, err := os.ReadFile(executed)
		if err != nil {
			t.Fatal(err)
		}
		var nb struct{ Cells []notebookCell }
		if err := json.Unmarshal(b, &nb); err != nil {
			t.Fatal(err)
		}
		checkNotebook(t, run, nb.Cells)
	}
}

// checkNotebook checks an executed notebook's outputs, cell by cell
// where a cell's source says what it is.
func checkNotebook(t *testing.T, run int, cells []notebookCell) {
	t.Helper()
	shown := func(c notebookCell) (text string, png bool) {
		var b strings.Builder
		for _, o := range c.Outputs {
			if o.OutputType == "error" {
				t.Errorf("run %d: a cell failed: %s: %s", run, o.Ename, o.Evalue)
			}
			b.WriteString(joined(o.Text))
			b.WriteString(joined(o.Data["text/plain"]))
			if o.Data["image/png"] != nil {
				png = true
			}
		}
		return b.String(), png
	}
	var drawn, contested, ingested, asOf bool
	for _, c := range cells {
		if c.CellType != "code" {
			continue
		}
		src := joined(c.Source)
		text, png := shown(c)
		switch {
		case strings.Contains(src, "ingest_file("):
			ingested = true
			// Four articles; the second run finds them all in the log.
			if n := strings.Count(text, ".txt"); n != 4 {
				t.Errorf("run %d: the ingestion cell shows %d articles, want 4:\n%s", run, n, text)
			}
			if run == 2 && (strings.Contains(text, "False") || !strings.Contains(text, "True")) {
				t.Errorf("run 2: ingesting again must find every article a duplicate:\n%s", text)
			}
		case strings.Contains(src, "plt.show()"):
			drawn = png
		case strings.Contains(src, "contested=True"):
			contested = strings.Contains(text, "AFFIRMED") && strings.Contains(text, "NEGATED")
			if !contested {
				t.Errorf("run %d: the contested claims do not show both sides:\n%s", run, text)
			}
		case strings.Contains(src, "as_of=before"):
			m := regexp.MustCompile(`after event (\d+): (\d+) relationships; now: (\d+)`).FindStringSubmatch(text)
			if m == nil {
				t.Errorf("run %d: the as-of cell printed %q", run, text)
				break
			}
			then, _ := strconv.Atoi(m[2])
			now, _ := strconv.Atoi(m[3])
			asOf = true
			if then >= now {
				t.Errorf("run %d: %s: the corpus added no relationship", run, m[0])
			}
		}
	}
	if !ingested || !drawn || !contested || !asOf {
		t.Errorf("run %d: ingested %v, neighbourhood drawn as a PNG %v, contested claims %v, as-of comparison %v: want all",
			run, ingested, drawn, contested, asOf)
	}
}

package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Kinds of line.
const (
	KindActor     = "actor"
	KindAssertion = "assertion"
)

// Line is one line of a gold file or of `dossier export` output. Fields a
// kind does not use are empty; fields the files carry beyond these are
// ignored.
type Line struct {
	Kind string `json:"kind"` // KindActor or KindAssertion

	// Actor lines.
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"` // may be empty or missing

	// Assertion lines.
	Subject      string  `json:"subject,omitempty"`
	Predicate    string  `json:"predicate,omitempty"`
	Object       string  `json:"object,omitempty"`
	Polarity     string  `json:"polarity,omitempty"`
	Modality     string  `json:"modality,omitempty"`
	AttributedTo *string `json:"attributed_to,omitempty"` // nil: the document's own voice
	Evidence     string  `json:"evidence,omitempty"`

	// Document names the document a predicted line belongs to: the gold
	// file's base name without ".jsonl". Gold lines leave it empty.
	Document string `json:"document,omitempty"`
}

// validate reports what a line lacks for its kind to be scored.
func (l Line) validate() error {
	switch l.Kind {
	case KindActor:
		if strings.TrimSpace(l.Name) == "" {
			return errors.New("actor line has no name")
		}
	case KindAssertion:
		var missing []string
		for _, f := range []struct{ name, v string }{
			{"subject", l.Subject}, {"predicate", l.Predicate}, {"object", l.Object}, {"polarity", l.Polarity},
		} {
			if strings.TrimSpace(f.v) == "" {
				missing = append(missing, f.name)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("assertion line has no %s", strings.Join(missing, ", "))
		}
	case "":
		return errors.New(`line has no "kind"`)
	default:
		return fmt.Errorf("unknown kind %q (want %q or %q)", l.Kind, KindActor, KindAssertion)
	}
	return nil
}

// ReadLines reads JSON lines until EOF. Blank lines and lines starting
// with '#' are skipped. Every line must be a JSON object of kind "actor"
// with a name, or of kind "assertion" with a subject, predicate, object
// and polarity; an error names the first line that is not, counting from 1.
func ReadLines(r io.Reader) ([]Line, error) {
	br := bufio.NewReader(r)
	var lines []Line
	for n := 1; ; n++ {
		raw, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		text := bytes.TrimSpace(raw)
		if n == 1 {
			text = bytes.TrimPrefix(text, []byte("\ufeff"))
		}
		if len(text) > 0 && text[0] != '#' {
			var l Line
			if uerr := json.Unmarshal(text, &l); uerr != nil {
				return nil, fmt.Errorf("line %d: %w", n, uerr)
			}
			if verr := l.validate(); verr != nil {
				return nil, fmt.Errorf("line %d: %w", n, verr)
			}
			lines = append(lines, l)
		}
		if err != nil { // io.EOF
			return lines, nil
		}
	}
}

// readFile is ReadLines on a named file, its errors naming the file.
func readFile(path string) ([]Line, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lines, err := ReadLines(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return lines, nil
}

// AliasesFile is the name of the alias table in a gold directory.
const AliasesFile = "aliases.json"

// LoadGold reads every dir/*.jsonl as the answer key of one document,
// keyed by the file's base name without ".jsonl", and dir/aliases.json.
// Without an aliases.json the returned *Aliases is nil, which folds names
// but maps no variants. A directory with no .jsonl file is an error.
func LoadGold(dir string) (map[string][]Line, *Aliases, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, nil, err
	}
	if len(paths) == 0 {
		return nil, nil, fmt.Errorf("%s: no gold .jsonl files", dir)
	}
	sort.Strings(paths)
	gold := make(map[string][]Line, len(paths))
	for _, p := range paths {
		lines, err := readFile(p)
		if err != nil {
			return nil, nil, err
		}
		gold[strings.TrimSuffix(filepath.Base(p), ".jsonl")] = lines
	}
	aliases, err := LoadAliases(filepath.Join(dir, AliasesFile))
	if errors.Is(err, os.ErrNotExist) {
		return gold, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return gold, aliases, nil
}

// GroupByDocument splits one predicted stream into documents by each
// line's Document field, keeping the lines' order within a document.
func GroupByDocument(lines []Line) map[string][]Line {
	docs := make(map[string][]Line)
	for _, l := range lines {
		docs[l.Document] = append(docs[l.Document], l)
	}
	return docs
}

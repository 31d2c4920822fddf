package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dossier-kg/dossier/events"
)

type loadCmd struct {
	File        string `arg:"" help:"JSON-lines file of assertions, or - for standard input."`
	SkipInvalid bool   `help:"Record the valid lines of a file that has invalid ones (default: record nothing)." env:"DOSSIER_SKIP_INVALID"`
	Ontology    string `help:"Extra predicates and actor types to validate against; must match the server's." env:"DOSSIER_ONTOLOGY" type:"existingfile"`
	BatchSize   int    `help:"Assertions per request." default:"500" env:"DOSSIER_BATCH_SIZE"`
	clientFlags
}

// MaxLineBytes bounds one line of a load file.
const MaxLineBytes = 1 << 20

// lineError is an invalid line of a load file.
type lineError struct {
	Line     int
	Problems []string
}

// parseLines reads and validates every line before anything is sent, so
// a file with a bad line can be refused whole.
func parseLines(r io.Reader, o *events.Ontology) ([]events.AssertionRecorded, []lineError, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLineBytes)
	var good []events.AssertionRecorded
	var bad []lineError
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		a, err := events.ParseAssertion([]byte(line))
		if err == nil {
			a.Normalize(o)
			err = a.Validate(o)
		}
		var inv *events.ValidationError
		if errors.As(err, &inv) {
			bad = append(bad, lineError{Line: n, Problems: inv.Problems})
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", n, err)
		}
		good = append(good, a)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			bad = append(bad, lineError{Line: n + 1, Problems: []string{fmt.Sprintf("line is over %d bytes", MaxLineBytes)}})
			return good, bad, nil
		}
		return nil, nil, fmt.Errorf("read line %d: %w", n+1, err)
	}
	return good, bad, nil
}

const recordMutation = `mutation($input: [AssertionInput!]!) {
  recordAssertions(input: $input) { lastSequence projected assertions { duplicate } }
}`

func (c *loadCmd) Run(ctx context.Context) error {
	o := events.DefaultOntology()
	if c.Ontology != "" {
		var err error
		if o, err = events.LoadOntology(c.Ontology); err != nil {
			return &exitError{exitInvalid, err}
		}
	}
	var in io.Reader = os.Stdin
	name := "stdin"
	if c.File != "-" {
		f, err := os.Open(c.File)
		if err != nil {
			return &exitError{exitInvalid, err}
		}
		defer f.Close()
		in, name = f, c.File
	}
	good, bad, err := parseLines(in, o)
	if err != nil {
		return &exitError{exitInvalid, fmt.Errorf("%s: %w", name, err)}
	}
	for _, b := range bad {
		fmt.Fprintf(os.Stderr, "%s:%d: %s\n", name, b.Line, strings.Join(b.Problems, "; "))
	}
	if len(bad) > 0 && !c.SkipInvalid {
		return &exitError{exitInvalid, fmt.Errorf("%s: %d invalid lines; nothing was recorded (fix them, or use --skip-invalid)", name, len(bad))}
	}
	if len(good) == 0 {
		return &exitError{exitInvalid, fmt.Errorf("%s: no assertions", name)}
	}
	cl := c.client()
	var recorded, dups int
	var last uint64
	for start := 0; start < len(good); start += max(c.BatchSize, 1) {
		chunk := good[start:min(start+max(c.BatchSize, 1), len(good))]
		input := make([]map[string]any, len(chunk))
		for i, a := range chunk {
			input[i] = assertionInput(a)
		}
		var out struct {
			RecordAssertions struct {
				LastSequence uint64
				Projected    bool
				Assertions   []struct{ Duplicate bool }
			}
		}
		if err := cl.do(ctx, recordMutation, map[string]any{"input": input}, &out); err != nil {
			return fmt.Errorf("record lines after %d of %s: %w", recorded+dups, name, err)
		}
		for _, a := range out.RecordAssertions.Assertions {
			if a.Duplicate {
				dups++
			} else {
				recorded++
			}
		}
		last = out.RecordAssertions.LastSequence
	}
	fmt.Printf("recorded %d assertions (%d already in the log) from %s; last sequence %d", recorded, dups, name, last)
	if len(bad) > 0 {
		fmt.Printf("; skipped %d invalid lines", len(bad))
	}
	fmt.Println()
	return nil
}

// assertionInput maps an assertion to the GraphQL AssertionInput.
func assertionInput(a events.AssertionRecorded) map[string]any {
	actor := func(r events.ActorRef) map[string]any {
		m := map[string]any{"name": r.Name}
		if r.Type != "" {
			m["type"] = r.Type
		}
		return m
	}
	ev := map[string]any{"sentence": a.Evidence.Sentence}
	if a.Evidence.Document != "" {
		ev["document"] = a.Evidence.Document
	}
	if a.Evidence.DocumentID != "" {
		ev["documentId"] = a.Evidence.DocumentID
	}
	if a.Evidence.Start != nil {
		ev["start"], ev["end"] = *a.Evidence.Start, *a.Evidence.End
	}
	m := map[string]any{
		"subject":   actor(a.Subject),
		"predicate": a.Predicate,
		"object":    actor(a.Object),
		"polarity":  strings.ToUpper(a.Polarity),
		"modality":  strings.ToUpper(a.Modality),
		"evidence":  ev,
	}
	if a.AttributedTo != nil {
		m["attributedTo"] = *a.AttributedTo
	}
	if a.Confidence != nil {
		m["confidence"] = *a.Confidence
	}
	if a.Producer.Name != "" {
		m["producer"] = map[string]any{"name": a.Producer.Name, "version": a.Producer.Version}
	}
	return m
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
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

// loadLines are the lines of a load file: documents (a full export's
// {"document": …} lines) and assertions.
type loadLines struct {
	docs       []exportedDocument
	assertions []events.AssertionRecorded
	// erasedDocs and erasedAssertions count an export's lines of erased
	// documents: read, and not recorded, for their words are gone.
	erasedDocs, erasedAssertions int
}

// parseLines reads and validates every line before anything is sent, so
// a file with a bad line can be refused whole.
func parseLines(r io.Reader, o *events.Ontology) (loadLines, []lineError, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLineBytes)
	var good loadLines
	var bad []lineError
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if d, ok, problem := parseDocumentLine([]byte(line)); ok {
			switch {
			case problem != "":
				bad = append(bad, lineError{Line: n, Problems: []string{problem}})
			case d.Erased != nil:
				good.erasedDocs++
			default:
				good.docs = append(good.docs, d)
			}
			continue
		}
		if erasedLine([]byte(line)) {
			good.erasedAssertions++
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
			return loadLines{}, nil, fmt.Errorf("line %d: %w", n, err)
		}
		good.assertions = append(good.assertions, a)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			bad = append(bad, lineError{Line: n + 1, Problems: []string{fmt.Sprintf("line is over %d bytes", MaxLineBytes)}})
			return good, bad, nil
		}
		return loadLines{}, nil, fmt.Errorf("read line %d: %w", n+1, err)
	}
	return good, bad, nil
}

// parseDocumentLine reads a {"document": …} line; ok is false for any
// other line.
func parseDocumentLine(line []byte) (d exportedDocument, ok bool, problem string) {
	var probe struct {
		Document json.RawMessage `json:"document"`
	}
	if json.Unmarshal(line, &probe) != nil || len(probe.Document) == 0 || probe.Document[0] != '{' {
		return d, false, ""
	}
	dec := json.NewDecoder(bytes.NewReader(probe.Document))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return d, true, "document: " + err.Error()
	}
	if strings.TrimSpace(d.Text) == "" && d.Erased == nil {
		return d, true, "document: no text"
	}
	return d, true, ""
}

// erasedLine says whether a line is an export's assertion of an erased
// document ("erased": true).
func erasedLine(line []byte) bool {
	var probe struct {
		Erased bool `json:"erased"`
	}
	return json.Unmarshal(line, &probe) == nil && probe.Erased
}

// loadDocument records a document of a full export as it was, with no
// extractor run: its assertions are lines of the same file.
func loadDocument(ctx context.Context, cl *client, d exportedDocument) error {
	in := map[string]any{"text": d.Text, "contentType": "text/plain"}
	for k, v := range map[string]string{"source": d.Source, "title": d.Title, "url": d.URL, "published": d.Published} {
		if v != "" {
			in[k] = v
		}
	}
	var out struct{ IngestDocument struct{ DocumentID string } }
	if err := cl.do(ctx, `mutation($in: DocumentInput!) { ingestDocument(input: $in, extract: false) { documentId } }`, map[string]any{"in": in}, &out); err != nil {
		return fmt.Errorf("record document %s: %w", d.ID, err)
	}
	if got := strings.TrimPrefix(out.IngestDocument.DocumentID, "document:"); got != d.ID {
		return fmt.Errorf("record document %s: the server read its text as document %s; the file's text was changed", d.ID, got)
	}
	return nil
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
	if len(good.assertions) == 0 && len(good.docs) == 0 {
		if good.erasedDocs+good.erasedAssertions > 0 {
			fmt.Printf("recorded nothing from %s: its %d documents and %d assertions were erased\n", name, good.erasedDocs, good.erasedAssertions)
			return nil
		}
		return &exitError{exitInvalid, fmt.Errorf("%s: no assertions", name)}
	}
	cl := c.client()
	for _, d := range good.docs {
		if err := loadDocument(ctx, cl, d); err != nil {
			return err
		}
	}
	var recorded, dups int
	var last uint64
	for start := 0; start < len(good.assertions); start += max(c.BatchSize, 1) {
		chunk := good.assertions[start:min(start+max(c.BatchSize, 1), len(good.assertions))]
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
	if len(good.docs) > 0 {
		fmt.Printf("recorded %d documents; ", len(good.docs))
	}
	fmt.Printf("recorded %d assertions (%d already in the log) from %s; last sequence %d", recorded, dups, name, last)
	if len(bad) > 0 {
		fmt.Printf("; skipped %d invalid lines", len(bad))
	}
	if good.erasedDocs+good.erasedAssertions > 0 {
		fmt.Printf("; skipped %d erased documents and %d assertions of erased documents (their words are gone)", good.erasedDocs, good.erasedAssertions)
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
	if a.Valid != nil {
		m["validFrom"], m["validTo"] = a.Valid.From, a.Valid.To
	}
	return m
}

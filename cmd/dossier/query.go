package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
)

type queryCmd struct {
	Query  string `arg:"" help:"A GraphQL query or mutation, @FILE to read it from a file, or - for standard input."`
	Vars   string `name:"vars" help:"Variables as a JSON object." placeholder:"JSON"`
	Format string `help:"table: the first list in the answer as columns (JSON when there is none); json: the answer's data as it came." enum:"table,json" default:"table" env:"DOSSIER_FORMAT"`
	clientFlags
}

// Run sends one GraphQL operation to a running server and prints its
// answer: a table for reading at a terminal, JSON for jq and scripts.
func (c *queryCmd) Run(ctx context.Context) error {
	return c.run(ctx, os.Stdin, os.Stdout)
}

func (c *queryCmd) run(ctx context.Context, stdin io.Reader, w io.Writer) error {
	q, err := readArg(c.Query, stdin)
	if err != nil {
		return &exitError{exitInvalid, err}
	}
	var vars map[string]any
	if c.Vars != "" {
		if err := json.Unmarshal([]byte(c.Vars), &vars); err != nil {
			return &exitError{exitInvalid, fmt.Errorf("--vars is not a JSON object: %w", err)}
		}
	}
	var data json.RawMessage
	if err := c.client().do(ctx, q, vars, &data); err != nil {
		return err
	}
	if c.Format == "table" {
		v, err := decodeOrdered(json.NewDecoder(strings.NewReader(string(data))))
		if err == nil {
			if rows := firstList(v); rows != nil {
				return writeTable(w, rows)
			}
		}
	}
	var out any
	json.Unmarshal(data, &out)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// readArg is a command-line argument as written, a file's content for
// @FILE, or standard input for -.
func readArg(arg string, stdin io.Reader) (string, error) {
	switch {
	case arg == "-":
		b, err := io.ReadAll(stdin)
		return string(b), err
	case strings.HasPrefix(arg, "@"):
		b, err := os.ReadFile(arg[1:])
		if err != nil {
			return "", fmt.Errorf("read the query: %w", err)
		}
		return string(b), nil
	}
	return arg, nil
}

// object is a JSON object with its keys in the order the server sent
// them, which is the order of the query's fields: the table's columns.
type object []field

type field struct {
	key   string
	value any
}

func (o object) get(key string) (any, bool) {
	for _, f := range o {
		if f.key == key {
			return f.value, true
		}
	}
	return nil, false
}

// decodeOrdered decodes one JSON value, objects as object.
func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		var o object
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeOrdered(dec)
			if err != nil {
				return nil, err
			}
			o = append(o, field{fmt.Sprint(k), v})
		}
		_, err := dec.Token()
		return o, err
	case json.Delim('['):
		l := []any{}
		for dec.More() {
			v, err := decodeOrdered(dec)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		_, err := dec.Token()
		return l, err
	}
	return tok, nil
}

// firstList finds the first list of objects in an answer, breadth first,
// looking through Relay connections (edges → node): what a reader of a
// table wants to see as rows.
func firstList(v any) []object {
	queue := []any{v}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		switch t := x.(type) {
		case []any:
			var rows []object
			for _, e := range t {
				m, ok := e.(object)
				if !ok {
					break
				}
				if n, ok := m.get("node"); ok && len(m) <= 2 { // edges { node cursor }
					if no, ok := n.(object); ok {
						m = no
					}
				}
				rows = append(rows, m)
			}
			if len(rows) == len(t) && len(rows) > 0 {
				return rows
			}
		case object:
			for _, f := range t {
				queue = append(queue, f.value)
			}
		}
	}
	return nil
}

// writeTable prints rows as aligned columns, nested objects flattened
// to dotted names and lists shortened to their count or values.
func writeTable(w io.Writer, rows []object) error {
	flat := make([]map[string]string, len(rows))
	var cols []string
	for i, r := range rows {
		flat[i] = map[string]string{}
		for _, k := range flatten("", r, flat[i]) {
			if !slices.Contains(cols, k) {
				cols = append(cols, k)
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(cols, "\t")))
	for _, r := range flat {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = oneLine(r[c], 80)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// flatten puts v's cells into out under dotted names and returns the
// names in order.
func flatten(prefix string, v any, out map[string]string) []string {
	switch t := v.(type) {
	case object:
		var names []string
		for _, f := range t {
			names = append(names, flatten(join(prefix, f.key), f.value, out)...)
		}
		return names
	case []any:
		var parts []string
		for _, e := range t {
			if o, ok := e.(object); ok {
				one := map[string]string{}
				var cells []string
				for _, k := range flatten("", o, one) {
					cells = append(cells, one[k])
				}
				parts = append(parts, strings.Join(cells, " "))
				continue
			}
			parts = append(parts, fmt.Sprint(e))
		}
		out[prefix] = strings.Join(parts, "; ")
	case nil:
		out[prefix] = "-"
	default:
		out[prefix] = fmt.Sprint(t)
	}
	return []string{prefix}
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

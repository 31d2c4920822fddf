package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
)

// answer is what a model said about one chunk, read leniently: every
// field is a string as the model wrote it, checked later.
type answer struct {
	Actors     []actor
	Assertions []candidate
}

type actor struct {
	Name, Type string
}

// candidate is one assertion as the model proposed it.
type candidate struct {
	Subject, SubjectType string
	Predicate            string
	Object, ObjectType   string
	Polarity, Modality   string
	// AttributedTo is empty when the model said null.
	AttributedTo string
	Evidence     string
	// Confidence is the model's own, when it gave one.
	Confidence *float64
}

// maxTries bounds how many openings parseAnswer tries, so that a long
// answer full of braces costs linear time.
const maxTries = 64

var errNoJSON = errors.New("no JSON object with actors or assertions in the answer")

// parseAnswer finds the answer's JSON object and reads it. It accepts
// what models wrap around JSON: a <think> section, prose before and after,
// ```json fences. The object is the first one in the text that parses
// and has "assertions" or "actors"; a bare array is taken as the
// assertions.
func parseAnswer(content string) (answer, error) {
	s := content
	if i := strings.LastIndex(s, "</think>"); i >= 0 {
		s = s[i+len("</think>"):]
	}
	// Inside a fence first: prose around it may hold braces.
	if i := strings.Index(s, "```"); i >= 0 {
		inner := s[i+3:]
		if j := strings.Index(inner, "```"); j >= 0 {
			if a, err := findJSON(inner[:j]); err == nil {
				return a, nil
			}
		}
	}
	return findJSON(s)
}

func findJSON(s string) (answer, error) {
	tries := 0
	for i := 0; i < len(s) && tries < maxTries; i++ {
		if s[i] != '{' && s[i] != '[' {
			continue
		}
		tries++
		dec := json.NewDecoder(strings.NewReader(s[i:]))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			continue
		}
		switch v := v.(type) {
		case map[string]any:
			_, hasA := v["assertions"]
			_, hasB := v["actors"]
			if hasA || hasB {
				return readAnswer(v), nil
			}
		case []any:
			if a := readAnswer(map[string]any{"assertions": v}); len(a.Assertions) > 0 {
				return a, nil
			}
		}
	}
	return answer{}, errNoJSON
}

func readAnswer(m map[string]any) answer {
	var a answer
	for _, v := range list(m["actors"]) {
		name, typ := actorOf(v)
		if name != "" {
			a.Actors = append(a.Actors, actor{Name: name, Type: typ})
		}
	}
	for _, v := range list(m["assertions"]) {
		o, ok := v.(map[string]any)
		if !ok {
			continue
		}
		var c candidate
		c.Subject, c.SubjectType = actorOf(o["subject"])
		if t := str(o["subject_type"]); t != "" {
			c.SubjectType = t
		}
		c.Object, c.ObjectType = actorOf(o["object"])
		if t := str(o["object_type"]); t != "" {
			c.ObjectType = t
		}
		c.Predicate = str(o["predicate"])
		c.Polarity = str(o["polarity"])
		c.Modality = str(o["modality"])
		c.AttributedTo, _ = actorOf(o["attributed_to"])
		c.Evidence = evidenceOf(o["evidence"])
		c.Confidence = number(o["confidence"])
		a.Assertions = append(a.Assertions, c)
	}
	return a
}

// list is v if it is a JSON array, else nothing.
func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// str is v as a string if it is a JSON string or number.
func str(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	}
	return ""
}

// actorOf reads an actor written as a name or as {"name","type"}. Words
// models use for "nobody" read as no actor.
func actorOf(v any) (name, typ string) {
	if m, ok := v.(map[string]any); ok {
		name, typ = str(m["name"]), str(m["type"])
	} else {
		name = str(v)
	}
	switch strings.ToLower(name) {
	case "null", "none", "nil", "n/a", "na", "unknown", "-":
		name = ""
	}
	return name, typ
}

// evidenceOf reads evidence written as a sentence, {"sentence"} or
// {"text"}, or a list of sentences, of which the first counts.
func evidenceOf(v any) string {
	switch v := v.(type) {
	case map[string]any:
		if s := str(v["sentence"]); s != "" {
			return s
		}
		return str(v["text"])
	case []any:
		if len(v) > 0 {
			return evidenceOf(v[0])
		}
		return ""
	}
	return str(v)
}

// number reads a number written as one or as a string.
func number(v any) *float64 {
	var f float64
	var err error
	switch v := v.(type) {
	case json.Number:
		f, err = v.Float64()
	case string:
		f, err = strconv.ParseFloat(strings.TrimSpace(v), 64)
	default:
		return nil
	}
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

// compact shows an answer's start in an error message.
func compact(s string) string {
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) == nil {
		s = b.String()
	}
	return snippet([]byte(s))
}

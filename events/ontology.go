package events

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"sync"
)

//go:embed ontology.json
var defaultOntology []byte

// Predicate is one relation the graph knows, as listed in ontology.json.
type Predicate struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Inverse reads the relation from the object's side ("owned by").
	Inverse string `json:"inverse,omitempty"`
	// Symmetric relations (MEETS) hold in both directions.
	Symmetric bool `json:"symmetric,omitempty"`
}

// ActorType is one kind of actor.
type ActorType struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Ontology is the vocabulary assertions are validated against. It is data,
// not code: users extend it with a file of their own (--ontology), whose
// predicates and types are added to the default ones.
type Ontology struct {
	Version    int         `json:"version"`
	ActorTypes []ActorType `json:"actor_types"`
	Predicates []Predicate `json:"predicates"`

	preds map[string]*Predicate
	types map[string]*ActorType
}

// DefaultOntology returns the ontology shipped with Dossier: the 20
// predicates and 7 actor types of the annotation guide. It is parsed
// once and shared (Normalize without an ontology uses it for every
// event, and parsing was half the projector's time): do not modify it.
var DefaultOntology = sync.OnceValue(func() *Ontology {
	o, err := NewOntology(defaultOntology)
	if err != nil {
		panic(fmt.Sprintf("events: embedded ontology.json is invalid: %v", err))
	}
	return o
})

// LoadOntology merges a user's ontology file over the default one.
func LoadOntology(path string) (*Ontology, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read ontology: %w", err)
	}
	o, err := NewOntology(defaultOntology, data)
	if err != nil {
		return nil, fmt.Errorf("ontology %s: %w", path, err)
	}
	return o, nil
}

// NewOntology builds an ontology from JSON documents; a later document may
// add predicates and types or redefine ones of the same name.
func NewOntology(docs ...[]byte) (*Ontology, error) {
	o := &Ontology{preds: map[string]*Predicate{}, types: map[string]*ActorType{}}
	for i, doc := range docs {
		var f Ontology
		if err := json.Unmarshal(doc, &f); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		if f.Version > o.Version {
			o.Version = f.Version
		}
		for _, p := range f.Predicates {
			if !isUpperIdent(p.Name) {
				return nil, fmt.Errorf("document %d: predicate %q: names are upper case letters, digits and '_'", i+1, p.Name)
			}
			p := p
			o.preds[p.Name] = &p
		}
		for _, t := range f.ActorTypes {
			if !isUpperIdent(t.Name) {
				return nil, fmt.Errorf("document %d: actor type %q: names are upper case letters, digits and '_'", i+1, t.Name)
			}
			t := t
			o.types[t.Name] = &t
		}
	}
	for _, p := range o.preds {
		o.Predicates = append(o.Predicates, *p)
	}
	for _, t := range o.types {
		o.ActorTypes = append(o.ActorTypes, *t)
	}
	sort.Slice(o.Predicates, func(i, j int) bool { return o.Predicates[i].Name < o.Predicates[j].Name })
	sort.Slice(o.ActorTypes, func(i, j int) bool { return o.ActorTypes[i].Name < o.ActorTypes[j].Name })
	return o, nil
}

// Predicate returns the predicate of that name.
func (o *Ontology) Predicate(name string) (Predicate, bool) {
	p, ok := o.preds[name]
	if !ok {
		return Predicate{}, false
	}
	return *p, true
}

// Symmetric reports whether a predicate holds both ways (MEETS).
func (o *Ontology) Symmetric(name string) bool {
	p, ok := o.preds[name]
	return ok && p.Symmetric
}

// HasType reports whether name is a known actor type.
func (o *Ontology) HasType(name string) bool {
	_, ok := o.types[name]
	return ok
}

// isUpperIdent keeps predicate names usable as NATS subject tokens and
// GraphQL enum-like strings.
func isUpperIdent(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

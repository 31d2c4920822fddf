package api

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/dossier-kg/dossier/graph"
)

// graphql-go resolves an object's fields on several goroutines, so an
// actor read by its identity must give its activity to one field while
// another reads its id: under -race this failed when the activity was
// written into the resolver.
func TestActorFieldsResolvedConcurrently(t *testing.T) {
	s, err := graph.Open(context.Background(), graph.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b := s.NewBatch()
	if err := b.Apply(1, func(tx *graph.Tx) error {
		return tx.PutActor(graph.Actor{ID: "acme", Name: "Acme", Mentions: 7, LastSeq: 1})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	v, err := s.View(0)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	a, err := (&reader{v: v}).actorByID("acme")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); _ = a.ID(); _ = a.Name() }()
	go func() {
		defer wg.Done()
		if m, err := a.Mentions(); err != nil || m != 7 {
			t.Errorf("mentions %d, %v; want 7", m, err)
		}
	}()
	go func() {
		defer wg.Done()
		if seq, err := a.LastSequence(); err != nil || seq != 1 {
			t.Errorf("last sequence %d, %v; want 1", seq, err)
		}
	}()
	wg.Wait()
}

// graphql-go resolves each item of a list on a goroutine of its own when
// any field it is asked for may return an error: an edge's fields are
// read when the edge is made (edgeResolvers), so that a page of edges is
// resolved on the request's goroutine. Adding an error to one of them
// brings the goroutines back.
// The same holds for a relationship's ends (relationships, changes), a
// neighbour's fields and a path's steps.
func TestEdgeFieldsCannotFail(t *testing.T) {
	errType := reflect.TypeFor[error]()
	for typ, names := range map[reflect.Type][]string{
		reflect.TypeFor[*edgeResolver]():         {"Predicate", "Direction", "Support", "Other"},
		reflect.TypeFor[*relationshipResolver](): {"Predicate", "Support", "Affirmed", "Negated", "Subject", "Object"},
		reflect.TypeFor[*neighborResolver]():     {"Actor", "Depth", "From", "Via", "FromCapped"},
		reflect.TypeFor[*stepResolver]():         {"From", "To", "Predicate", "Direction"},
	} {
		for _, name := range names {
			m, ok := typ.MethodByName(name)
			if !ok {
				t.Fatalf("%s has no %s", typ, name)
			}
			for i := range m.Type.NumOut() {
				if m.Type.Out(i).Implements(errType) {
					t.Errorf("%s.%s returns an error", typ, name)
				}
			}
		}
	}
}

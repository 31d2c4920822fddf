package graph_test

import (
	"context"
	"fmt"

	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/names"
)

// Each event is applied at its stream sequence, and a view can read the
// graph as it was after any applied sequence.
func ExampleStore_View() {
	s, err := graph.Open(context.Background(), graph.Config{InMemory: true})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	b := s.NewBatch()
	b.Apply(1, func(tx *graph.Tx) error {
		return tx.PutActor(graph.Actor{ID: "tiktok", Name: "TikTok", Type: "PRODUCT"})
	})
	b.Apply(2, func(tx *graph.Tx) error {
		return tx.PutActor(graph.Actor{ID: "tiktok", Name: "TikTok", Type: "PRODUCT", Aliases: []string{"Tiktok app"}})
	})
	if _, err := b.Commit(); err != nil {
		panic(err)
	}

	for _, at := range []uint64{1, 2} {
		v, _ := s.View(at)
		id, _ := v.LookupName(names.Key("tiktok app"))
		a, _ := v.Actor(id)
		fmt.Printf("after %d: %q\n", at, a.Name)
		v.Close()
	}
	// Output:
	// after 1: ""
	// after 2: "TikTok"
}

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

// A relationship's evidence is read a page at a time, in the order it
// was recorded: the cursor of a page's last item starts the next.
func ExampleView_RelationshipEvidence() {
	s, err := graph.Open(context.Background(), graph.Config{InMemory: true})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	b := s.NewBatch()
	b.Apply(1, func(tx *graph.Tx) error { return tx.PutDocument(graph.Document{ID: "d1", Seq: 1}) })
	for i, id := range []string{"c3", "a1", "b2"} { // ids that do not sort as recorded
		seq := uint64(i + 2)
		b.Apply(seq, func(tx *graph.Tx) error {
			return tx.PutAssertion(graph.Assertion{ID: id, Seq: seq, Subject: "bytedance", Predicate: "OWNS", Object: "tiktok",
				Document: "d1", Sentence: graph.Text(fmt.Sprintf("ByteDance owns TikTok (%d).", i))})
		})
	}
	if _, err := b.Commit(); err != nil {
		panic(err)
	}

	v, _ := s.View(0)
	defer v.Close()
	rel := graph.RelKey{Subject: "bytedance", Predicate: "OWNS", Object: "tiktok"}
	after := ""
	for {
		page, err := v.RelationshipEvidence(rel, 2, after)
		if err != nil {
			panic(err)
		}
		for _, a := range page.Items {
			fmt.Println(a.Seq, a.ID, a.Sentence)
		}
		if !page.HasNext {
			break
		}
		after = page.Cursors[len(page.Cursors)-1]
		fmt.Println("--")
	}
	// Output:
	// 2 c3 ByteDance owns TikTok (0).
	// 3 a1 ByteDance owns TikTok (1).
	// --
	// 4 b2 ByteDance owns TikTok (2).
}

package eval_test

import (
	"fmt"
	"log"

	"github.com/dossier-kg/dossier/eval"
)

func ExampleEvaluate() {
	aliases, err := eval.ParseAliases([]byte(`{
		"Donald Trump": ["Trump"],
		"Xi Jinping": ["Xi"],
		"United States": ["US"]
	}`))
	if err != nil {
		log.Fatal(err)
	}
	gold := map[string][]eval.Line{"doc": {
		{Kind: "assertion", Subject: "Donald Trump", Predicate: "MEETS", Object: "Xi Jinping", Polarity: "affirmed"},
		{Kind: "assertion", Subject: "United States", Predicate: "BANS", Object: "TikTok", Polarity: "affirmed"},
	}}
	predicted := eval.GroupByDocument([]eval.Line{
		// MEETS is symmetric and "Xi" is a variant of "Xi Jinping": a match.
		{Kind: "assertion", Subject: "Xi", Predicate: "MEETS", Object: "Trump", Polarity: "affirmed", Document: "doc"},
		// The polarity differs: a false hit, and the gold line a miss.
		{Kind: "assertion", Subject: "the U.S.", Predicate: "BANS", Object: "TikTok", Polarity: "negated", Document: "doc"},
	})

	r := eval.Evaluate(gold, predicted, aliases)
	s := r.Assertions
	fmt.Printf("P %.2f R %.2f F1 %.2f\n", s.Precision(), s.Recall(), s.F1())
	// Output: P 0.50 R 0.50 F1 0.50
}

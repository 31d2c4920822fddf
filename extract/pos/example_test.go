package pos_test

import (
	"fmt"
	"strings"

	"github.com/dossier-kg/dossier/extract/pos"
)

func ExampleTagger_Tag() {
	t, err := pos.Default()
	if err != nil {
		panic(err)
	}
	words := strings.Fields("The regulator fined the bank on Tuesday .")
	fmt.Println(t.Tag(words))
	// Output: [DT NN VBD DT NN IN NNP .]
}

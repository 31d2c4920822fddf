package node

import (
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/projections"
)

// graphKnown tells an extractor what the node's projection knows about a
// name: the actor it resolves to, as of the latest applied event.
type graphKnown struct {
	store *graph.Store
}

func (k graphKnown) Lookup(name string) (canonical, typ string, ok bool) {
	v, err := k.store.View(0)
	if err != nil {
		return "", "", false
	}
	defer v.Close()
	a, err := projections.ResolveName(projections.Identities(v), name)
	if err != nil {
		return "", "", false
	}
	return a.Name, a.Type, true
}

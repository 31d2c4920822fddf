package node

import "github.com/dossier-kg/dossier/extract"

// newDefaultExtractor makes the extractor a node reads documents with
// when Config.Extractor is nil: the offline, deterministic rule engine.
var newDefaultExtractor = func() (extract.Extractor, error) {
	return extract.NewRules(extract.RulesConfig{})
}

// Package graph is Dossier's projection store: actors, the relationships
// documents assert between them, the assertions behind each relationship,
// and the documents behind each assertion, in Badger.
//
// # Versions are stream sequences
//
// Badger runs in managed mode. Each event is folded in its own
// transaction committed at the event's stream sequence, and that
// transaction also writes the event's audit record, ev:<seq>, whose
// sequence is then the last applied. So the store after a crash is
// exactly the fold of events 1..applied, and View(n) reads the graph as it
// was after event n at the cost of a live read: old versions are kept
// (the discard timestamp stays 0), which is the price of as-of reads.
//
// # Key layout (LayoutVersion 20)
//
// Keys are ASCII: a kind, then parts joined by ':'. Actor ids are slugs
// of canonical names ("united-states"), assertion and document ids are
// 32 hex digits, name keys are names.Key folds; none contains ':'.
//
//	meta:layout                       layout version, decimal
//	act:<actor>                       Actor: names, type, merge, first seen (rewritten only when they change)
//	am:<actor>                        the actor's activity: mentions, type votes, last seen (its versions are its history)
//	name:<namekey>                    actor id; one per name and alias
//	type:<TYPE>:<actor>               empty; actors by type
//	last:<surname>                    list of person ids with that last name
//	rel:<subject>:<PRED>:<object>     Relationship: its assertions counted by polarity and modality; the out-adjacency
//	in:<object>:<PRED>:<subject>      empty; the in-adjacency
//	pred:<PRED>:<subject>:<object>    empty; relationships by predicate
//	sup:<actor>:<rank>:<o|i>:<PRED>:<other>   empty; an actor's edges, most supported first (rank: 2^64-1 minus the support's bucket, 16 hex)
//	ra:<subject>:<PRED>:<object>:<seq>:<assertion>   empty; a relationship's evidence, in the order it was recorded
//	rd:<subject>:<PRED>:<object>:<document>    live assertions from the document, 8 bytes big-endian
//	asr:<assertion>                   Assertion
//	doc:<document>                    Document, with its erasure
//	cl:<document>:<span>:<PRED>:<polarity>   the live assertion ids (comma-separated) claiming that at that span (start-end, or a sentence hash); a document's assertions
//	text:<document>                   the text (sealed), apart; deleted when erased
//	dm:<document>:<actor>             the type the document gives the actor (may be empty); the actors a document names
//	by:<actor>:<assertion>            empty; the live assertions attributed to an actor
//	ev:<seq>                          EventRecord: the audit trail, by sequence, with the counts after each event
//	hist:<entity>:<seq>               empty; an event that touched an entity with no record (a record's versions are its history; a document's, with its cl: keys')
//	con:<subject>:<PRED>:<object>     empty; relationships both affirmed and denied
//
// Sequences and times in keys are 16 hex digits, so keys sort by them.
// Entities are "actor/<id>", "asr/<id>", "doc/<id>" and
// "rel/<subject>/<PRED>/<object>".
//
// A document's text is either under text:<document> (documents whose
// event carried it) or outside the graph, in the document store, when
// the Document says TextStored; the graph never holds it twice.
//
// A document's words (the text, the title, evidence sentences) are
// stored as the log holds them: sealed with the document's key (package
// seal), or plaintext when recorded before sealing. The graph never
// opens them; readers do (the API), and an erased document's are
// unreadable in every version once its key is destroyed.
//
// Records (the types in types.go) are MessagePack, keyed by their JSON
// field names (codec.go); everything else is as the table says.
//
// Keys are declared once, in keys.go, and built only through them; a test
// checks that this comment lists every one. A change to any key or value
// shape bumps LayoutVersion, and Open refuses a store of another version
// with a message to run `dossier rebuild`.
package graph

// Package eval scores what the extractor produced against the hand-made
// answer keys in examples/corpus/gold, following the "Scoring" section of
// examples/corpus/ANNOTATION.md to the letter.
//
// It exists so that a change to the extractor can be judged by a number
// rather than by reading its output: `dossier export` writes the graph's
// assertions and actors as JSON lines in the gold files' format, one
// "document" field added to every line, and Evaluate compares them with
// the keys, document by document.
//
// The rules, in short:
//
//   - Names are compared after Aliases.Canonical: folded (case,
//     punctuation, a leading "the") and mapped through gold/aliases.json.
//   - An assertion is its (subject, predicate, object, polarity); MEETS and
//     COMPETES_WITH are symmetric. Each counts once per document, however
//     many lines state it, on both sides.
//   - Precision is matched predicted / all predicted, recall matched gold /
//     all gold, both summed over all documents (micro-averaged).
//   - Modality and attribution are scored apart, as accuracy over the
//     matched pairs.
//   - Actors are the set of canonical names a document's actor lines give,
//     with their types; a typed and an untyped score are kept.
//   - A gold document with no predicted lines is all misses; predicted
//     documents that have no gold file are ignored and listed.
package eval

// Package dossier holds what belongs to the whole product rather than to
// one of its parts: the GraphQL schema, embedded so the binary serves the
// same schema.graphql that sits at the top of the repository.
package dossier

import _ "embed"

// Schema is the GraphQL schema (schema.graphql).
//
//go:embed schema.graphql
var Schema string

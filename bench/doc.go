// Package bench measures Dossier at scale against the raw floors of the
// parts under it (JetStream, Badger, graphql-go), in the same run, as
// ../shared/RAW-LIMITS.md asks: a ratio in one run means something on a
// shared, noisy machine where an absolute figure does not. It holds only
// benchmarks; BENCHMARKS.md gives the commands and the figures.
package bench

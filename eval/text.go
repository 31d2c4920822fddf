package eval

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// evidenceWidth is how many characters of evidence a verbose report shows.
const evidenceWidth = 120

// WriteText writes the report as aligned tables: the overall assertion
// and actor scores, modality and attribution accuracy, a table by
// predicate (most gold first) and one by document. With verbose, it then
// lists each document's misses and false hits with their evidence.
//
// A precision with nothing predicted, a recall with no gold, or an F1
// with neither, is shown as "-" rather than 0.
func (r Report) WriteText(w io.Writer, verbose bool) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }

	p("documents: %d scored", len(r.PerDocument))
	if n := len(r.IgnoredDocuments); n > 0 {
		names := make([]string, n)
		for i, d := range r.IgnoredDocuments {
			names[i] = docName(d)
		}
		p(", %d predicted but not in gold, ignored: %s", n, strings.Join(names, ", "))
	}
	p("\n\n")

	p("\tgold\tpredicted\tmatched\tP\tR\tF1\n")
	p("assertions\t%s\n", scoreCells(r.Assertions))
	p("actors\t%s\n", scoreCells(r.Actors))
	p("actors, untyped\t%s\n", scoreCells(r.ActorsUntyped))
	p("\n")
	p("modality accuracy\t%s\t(%d of %d matched assertions)\n", rate(r.ModalityAccuracy, r.Assertions.Matched), r.ModalityCorrect, r.Assertions.Matched)
	p("attribution accuracy\t%s\t(%d of %d matched assertions)\n", rate(r.AttributionAccuracy, r.Assertions.Matched), r.AttributionCorrect, r.Assertions.Matched)
	p("\n")

	preds := sortedKeys(r.PerPredicate)
	sort.SliceStable(preds, func(i, j int) bool { return r.PerPredicate[preds[i]].Gold > r.PerPredicate[preds[j]].Gold })
	p("predicate\tgold\tpredicted\tmatched\tP\tR\tF1\n")
	for _, pr := range preds {
		p("%s\t%s\n", pr, scoreCells(r.PerPredicate[pr]))
	}
	p("\n")

	p("document\tgold\tpredicted\tmatched\tP\tR\tF1\tactor F1\tuntyped F1\n")
	for _, doc := range sortedKeys(r.PerDocument) {
		d := r.PerDocument[doc]
		p("%s\t%s\t%s\t%s", doc, scoreCells(d.Assertions), f1(d.Actors), f1(d.ActorsUntyped))
		if d.Unpredicted {
			p("\t(no predicted lines)")
		}
		p("\n")
	}

	if verbose {
		p("\n")
		r.writeKinds(p)
		r.writeMisses(p)
	}
	return tw.Flush()
}

// writeKinds counts the misses and false hits by kind, most first: where
// an extractor loses its score.
func (r Report) writeKinds(p func(string, ...any)) {
	misses, hits := MissKinds(r.Misses), MissKinds(r.FalseHits)
	kinds := []string{KindActorMissing, KindRelation, KindPredicate, KindDirection, KindPolarity}
	sort.SliceStable(kinds, func(i, j int) bool { return misses[kinds[i]]+hits[kinds[i]] > misses[kinds[j]]+hits[kinds[j]] })
	p("kind\tmisses\tfalse hits\twhat it means\n")
	for _, k := range kinds {
		p("%s\t%d\t%d\t%s\n", k, misses[k], hits[k], kindMeaning[k])
	}
}

var kindMeaning = map[string]string{
	KindActorMissing: "an end is not among the other side's actors of the document",
	KindRelation:     "both actors found, no relation between them",
	KindPredicate:    "the same two actors, another predicate",
	KindDirection:    "the same predicate, the other way round",
	KindPolarity:     "the same triple, the other polarity",
}

// writeMisses lists, document by document, the assertions and actors
// found on one side only.
func (r Report) writeMisses(p func(string, ...any)) {
	type entry struct {
		what string
		m    Miss
	}
	byDoc := make(map[string][]entry)
	for _, list := range []struct {
		what string
		ms   []Miss
	}{
		{"miss", r.Misses}, {"false hit", r.FalseHits},
		{"actor miss", r.ActorMisses}, {"actor false hit", r.ActorFalseHits},
	} {
		for _, m := range list.ms {
			byDoc[m.Document] = append(byDoc[m.Document], entry{list.what, m})
		}
	}
	for _, doc := range sortedKeys(byDoc) {
		p("\n%s\n", doc)
		for _, e := range byDoc[doc] {
			l := e.m.Line
			if l.Kind == KindActor {
				t := l.Type
				if t == "" {
					t = "(no type)"
				}
				p("  %s\t%s\t%s\n", e.what, l.Name, t)
				continue
			}
			by := "-"
			if l.AttributedTo != nil {
				by = "per " + *l.AttributedTo
			}
			p("  %s [%s]\t%s %s %s\t%s/%s\t%s\t%q\n", e.what, e.m.Kind, l.Subject, l.Predicate, l.Object,
				l.Polarity, orDash(l.Modality), by, truncate(l.Evidence, evidenceWidth))
		}
	}
}

// scoreCells is a Score as the cells gold, predicted, matched, P, R, F1.
func scoreCells(s Score) string {
	return fmt.Sprintf("%d\t%d\t%d\t%s\t%s\t%s", s.Gold, s.Predicted, s.Matched,
		rate(s.Precision(), s.Predicted), rate(s.Recall(), s.Gold), f1(s))
}

func f1(s Score) string { return rate(s.F1(), s.Gold+s.Predicted) }

// rate formats a ratio, or "-" when its denominator n is 0.
func rate(v float64, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func docName(d string) string {
	if d == "" {
		return `(lines with no "document")`
	}
	return d
}

// truncate shortens s to at most n characters, marking a cut with "…".
func truncate(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}

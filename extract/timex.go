package extract

import (
	"strconv"
	"strings"
	"time"

	"github.com/dossier-kg/dossier/events"
)

var monthNumber = map[string]time.Month{
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
	"september": 9, "october": 10, "november": 11, "december": 12,
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}

// span is a stretch of calendar days, both ends included.
type span struct{ from, to time.Time }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func monthSpan(y int, m time.Month) span {
	return span{day(y, m, 1), day(y, m+1, 1).AddDate(0, 0, -1)}
}

func yearSpan(y int) span { return span{day(y, 1, 1), day(y, 12, 31)} }

// ValidTime reads the first time expression of a sentence ("in June
// 2019", "since 2017", "from March 20", "last year", "until the end of
// next year") as the interval the claim holds in. Expressions without a
// year take it from the document's publication date, and are skipped
// when there is none.
func ValidTime(sentence string, published *time.Time) *events.Interval {
	return timeOf(tokenize(sentence, 0), published)
}

func timeOf(toks []token, published *time.Time) *events.Interval {
	for k := 0; k < len(toks); k++ {
		w := toks[k].lower
		anchor := ""
		start := k
		switch w {
		case "in", "during", "on", "since", "from", "until", "till", "through", "throughout":
			anchor, start = w, k+1
		case "as":
			if k+1 < len(toks) && toks[k+1].lower == "of" {
				anchor, start = "since", k+2
			}
		}
		sp, n, ok := timeExpr(toks, start, published)
		if !ok {
			continue
		}
		iv := &events.Interval{}
		switch anchor {
		case "since":
			iv.From = sp.from.Format("2006-01-02")
		case "until", "till", "through":
			iv.To = sp.to.Format("2006-01-02")
		case "from":
			iv.From = sp.from.Format("2006-01-02")
			// "from March 20 to June 1"
			if e := start + n; e < len(toks) && (toks[e].lower == "to" || toks[e].lower == "until" || toks[e].lower == "till") {
				if sp2, _, ok := timeExpr(toks, e+1, published); ok && !sp2.to.Before(sp.from) {
					iv.To = sp2.to.Format("2006-01-02")
				}
			}
		default:
			iv.From, iv.To = sp.from.Format("2006-01-02"), sp.to.Format("2006-01-02")
		}
		return iv
	}
	return nil
}

// timeExpr parses a date expression starting at token i and says how
// many tokens it took.
func timeExpr(toks []token, i int, published *time.Time) (span, int, bool) {
	at := func(k int) string {
		if k < len(toks) {
			return toks[k].lower
		}
		return ""
	}
	k := i
	if at(k) == "the" {
		k++
	}
	// "(the) end/beginning/start/middle of last year", "(the) end of 2019".
	part := ""
	switch at(k) {
	case "end", "beginning", "start", "middle", "spring", "summer", "autumn", "fall", "winter":
		if at(k+1) == "of" {
			part, k = at(k), k+2
		}
	}
	var sp span
	ok := false
	switch {
	case at(k) == "last" || at(k) == "this" || at(k) == "next":
		sp, k, ok = relativeSpan(at, k, published)
	case monthNumber[at(k)] != 0 && (at(k) != "may" || isYear(at(k+1)) || isDay(at(k+1))):
		sp, k, ok = monthFirst(at, k, published)
	case isDay(at(k)) && monthNumber[at(k+1)] != 0:
		sp, k, ok = dayFirst(at, k, published)
	case isYear(at(k)):
		y, _ := strconv.Atoi(at(k))
		sp, k, ok = yearSpan(y), k+1, true
	}
	if !ok {
		return span{}, 0, false
	}
	switch part {
	case "end":
		sp.from = sp.to.AddDate(0, -2, 1)
	case "beginning", "start":
		sp.to = sp.from.AddDate(0, 2, -1)
	case "middle":
		sp.from, sp.to = sp.from.AddDate(0, 4, 0), sp.from.AddDate(0, 8, -1)
	}
	return sp, k - i, true
}

// offsets of "last", "this" and "next" from the publication date.
var offsets = map[string]int{"last": -1, "this": 0, "next": 1}

// relativeSpan reads "last year", "this month", "next year" at token k.
func relativeSpan(at func(int) string, k int, published *time.Time) (span, int, bool) {
	if published == nil {
		return span{}, k, false
	}
	off, p := offsets[at(k)], *published
	switch at(k + 1) {
	case "year":
		return yearSpan(p.Year() + off), k + 2, true
	case "month":
		m := p.AddDate(0, off, 0)
		return monthSpan(m.Year(), m.Month()), k + 2, true
	}
	return span{}, k, false
}

// monthFirst reads "March", "March 20", "March 20, 2021", "March 2021",
// "in March last year" at token k.
func monthFirst(at func(int) string, k int, published *time.Time) (span, int, bool) {
	m := monthNumber[at(k)]
	k++
	d := 0
	if isDay(at(k)) {
		d, _ = strconv.Atoi(strings.TrimRight(at(k), "stndrh"))
		k++
		if at(k) == "," {
			k++
		}
	}
	y := 0
	switch {
	case isYear(at(k)):
		y, _ = strconv.Atoi(at(k))
		k++
	case published != nil && offsetWord(at(k)) && at(k+1) == "year":
		y = published.Year() + offsets[at(k)] // "in March last year"
		k += 2
	case published != nil:
		y = published.Year()
	default:
		return span{}, k, false
	}
	if d > 0 && d <= 31 {
		return span{day(y, m, d), day(y, m, d)}, k, true
	}
	return monthSpan(y, m), k, true
}

// dayFirst reads "20 March 2021", "20 March" at token k.
func dayFirst(at func(int) string, k int, published *time.Time) (span, int, bool) {
	d, _ := strconv.Atoi(at(k))
	m := monthNumber[at(k+1)]
	k += 2
	y := 0
	switch {
	case isYear(at(k)):
		y, _ = strconv.Atoi(at(k))
		k++
	case published != nil:
		y = published.Year()
	default:
		return span{}, k, false
	}
	return span{day(y, m, d), day(y, m, d)}, k, true
}

func offsetWord(w string) bool { return w == "last" || w == "this" || w == "next" }

func isYear(s string) bool {
	if len(s) != 4 {
		return false
	}
	y, err := strconv.Atoi(s)
	return err == nil && y >= 1900 && y <= 2100
}

func isDay(s string) bool {
	s = strings.TrimRight(s, "stndrh")
	d, err := strconv.Atoi(s)
	return err == nil && d >= 1 && d <= 31 && len(s) <= 2
}

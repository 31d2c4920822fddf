package extract_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/extract"
)

func TestValidTime(t *testing.T) {
	pub := time.Date(2020, 8, 3, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		s        string
		pub      *time.Time
		from, to string
	}{
		{"Donald Trump and Xi Jinping meet in June 2019 in Osaka.", nil, "2019-06-01", "2019-06-30"},
		{"It has been pressing since 2017, when the law passed.", nil, "2017-01-01", ""},
		{"Members may not use it from March 20.", &pub, "2020-03-20", ""},
		{"A ban has been in effect since the end of last year.", &pub, "2019-11-01", ""},
		{"Last year it was announced that two journalists were followed.", &pub, "2019-01-01", "2019-12-31"},
		{"The US blacklisted Hikvision in October 2019.", nil, "2019-10-01", "2019-10-31"},
		{"He spoke on July 31.", &pub, "2020-07-31", "2020-07-31"},
		{"A decision should be made by 15 September.", &pub, "2020-09-15", "2020-09-15"},
		{"The rule applies from 1 January 2021 until 31 December 2022.", nil, "2021-01-01", "2022-12-31"},
		{"He spoke on July 31.", nil, "", ""},
		{"It was blocked in March last year.", &pub, "2019-03-01", "2019-03-31"},
		{"It ran from 2020 to 2019.", nil, "2020-01-01", ""},
		{"They may ban it.", &pub, "", ""},
		{"In 59 cases, nothing.", nil, "", ""},
	} {
		iv := extract.ValidTime(c.s, c.pub)
		got := "none"
		if iv != nil {
			got = iv.From + ".." + iv.To
		}
		want := "none"
		if c.from != "" || c.to != "" {
			want = c.from + ".." + c.to
		}
		if got != want {
			t.Errorf("ValidTime(%q) = %s, want %s", c.s, got, want)
		}
	}
}

func ExampleValidTime() {
	published := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
	iv := extract.ValidTime("A TikTok ban has been in effect since the end of last year.", &published)
	fmt.Println(iv.From, iv.To == "")
	// Output: 2022-11-01 true
}

func FuzzValidTime(f *testing.F) {
	for _, s := range []string{"in June 2019", "since the end of last year", "from March 20 to May 1", "on 31 February", "May may", "in 2100"} {
		f.Add(s)
	}
	pub := time.Date(2020, 8, 3, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []*time.Time{nil, &pub} {
			iv := extract.ValidTime(s, p)
			if iv == nil {
				continue
			}
			if iv.From == "" && iv.To == "" || iv.From != "" && iv.To != "" && iv.To < iv.From {
				t.Fatalf("ValidTime(%q) = %+v", s, iv)
			}
		}
	})
}

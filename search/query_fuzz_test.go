package search

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: whatever the search box holds, parsing, checking and
// building the query never panic, and Check's limits are what Parse and
// the query see.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "*EFGH*", "ABC*", "7KQ2M-XR4PD", "a b c d e f g h i", strings.Repeat("*a", 300),
		"*", "**", "*?*", "?", "-", "*-*", "ä*ö*ü", "\x00\xff", "10.0.0.1", "ORD-1001 acme", strings.Repeat("x", 65)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms := Parse(s)
		if len(terms) > MaxTerms {
			t.Fatalf("%d terms", len(terms))
		}
		for _, term := range terms {
			if term.Core == "" {
				t.Fatalf("empty term from %q", s)
			}
			term.Matches("ABCDEFGH", "10.0.0.1", "ORD-1", "some text")
		}
		if err := Check(s); err == nil {
			for _, w := range strings.Fields(s) {
				if utf8.RuneCountInString(w) > MaxTermLen || strings.Count(w, "*")+strings.Count(w, "?") > MaxWildcards {
					t.Fatalf("Check passed %q", w)
				}
			}
		}
		_ = buildQuery(Query{Text: s, Type: "license", Owner: "7"})
	})
}

package search

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A crafted query of many wildcards used to run for a minute of CPU: it
// is refused at once, saying why, and reasonable wildcards still work.
func TestSearchRefusesQueriesOverTheLimits(t *testing.T) {
	x := newIndex(t)
	for name, text := range map[string]string{
		"300 wildcards": strings.Repeat("*a", 300),
		"5 wildcards":   "*a*b*c*d*e",
		"long word":     strings.Repeat("A", MaxTermLen+1),
		"many words":    strings.Repeat("acme ", MaxTerms+1),
		"question mark": "?????",
	} {
		start := time.Now()
		_, _, err := x.Search(Query{Text: text})
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Errorf("%s: err = %v, want a QueryError", name, err)
			continue
		}
		if qe.Message == "" {
			t.Errorf("%s: the error does not say why", name)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: refusing took %s", name, d)
		}
	}
	if got := find(t, x, Query{Text: "*EFGH*"}); len(got) == 0 {
		t.Errorf("infix search within the limits found nothing")
	}
	if _, _, err := x.Search(Query{Text: "A*C*E*G*"}); err != nil {
		t.Errorf("four wildcards: %v", err)
	}
}

package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestRenewalQuoteLabel: issue 12, "the cost is shown line by line as on
// the buy page". The list step reads price × seats × periods, whatever
// the digits of the seats.
func TestRenewalQuoteLabel(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	for _, c := range []struct {
		seats, periods int
		want           string
	}{
		{14, 1, "12.00 × 14 seats × 1 period"},
		{1, 1, "12.00 × 1 seat × 1 period"},
		{21, 2, "12.00 × 21 seats × 2 periods"},
	} {
		l := e.create(e.a, fmt.Sprintf(`{"product_id":%d,"edition":"business","seats":%d,"period_months":12,"customer":"Kunde"}`, e.prod.ID, c.seats))
		r := e.do(e.a, "GET", fmt.Sprintf("/api/v1/licenses/%d/renewal-quote?periods=%d", l.ID, c.periods), "")
		laWant(t, "quote", r, http.StatusOK)
		var q struct {
			Lines []struct {
				Steps []struct {
					Kind, Label string
				}
			}
		}
		r.decode(t, &q)
		if len(q.Lines) != 1 || len(q.Lines[0].Steps) == 0 || q.Lines[0].Steps[0].Kind != "list" {
			t.Fatalf("quote %s", r.body)
		}
		if got := q.Lines[0].Steps[0].Label; !strings.EqualFold(got, c.want) {
			t.Errorf("%d seats, %d periods: list step %q; want %q", c.seats, c.periods, got, c.want)
		}
	}
}

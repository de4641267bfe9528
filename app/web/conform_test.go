package web_test

import (
	"net/http"
	"testing"
	"time"
)

// Conformance of the API with the statements of the issues that a
// reseller's script or a reviewer tries first.

// TestCSVReimportOfOwnExportIsSame: issue 10, "re-importing the same file
// changes nothing", with every row of the preview "same as existing". The
// desk's own export, imported back for the same partner, must find every
// row the same, also when the licenses' times carry fractions of a second
// (as every real clock gives them) that the CSV's ISO 8601 seconds do not.
func TestCSVReimportOfOwnExportIsSame(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	e.clk.mu.Lock()
	e.clk.t = e.clk.t.Add(123456789 * time.Nanosecond)
	e.clk.mu.Unlock()
	e.create(e.a, e.licBody(`"name":"fractional","customer":"Kunde"`))
	e.create(e.a, e.licBody(`"name":"second"`))
	exp := e.do(e.op, "GET", "/api/v1/licenses.csv?partner_id="+laU(e.pa.ID), "")
	laWant(t, "export", exp, http.StatusOK)
	r := e.do(e.op, "POST", "/api/v1/licenses/import?dry_run=true&partner="+e.pa.PublicID, string(exp.body))
	laWant(t, "dry run", r, http.StatusOK)
	var rep struct {
		Rows, New, Same, Conflict, Invalid int
		Outcomes                           []struct {
			Outcome, Field, Reason string
		}
	}
	r.decode(t, &rep)
	if rep.Rows != 2 || rep.Same != 2 || rep.Conflict != 0 || rep.New != 0 || rep.Invalid != 0 {
		t.Fatalf("the desk's own export, imported back, is not the same: %s", r.body)
	}
}

// TestTransfersListRefusesWhatItCannotFilter: issue 2's list convention
// (filters named like the fields; a mistyped one is refused, never
// quietly ignored) on GET /api/v1/transfers, whose reference names one
// filter, state. An unknown state answered an empty list, as if there
// were no transfers; an unknown filter or a sort answered everything.
func TestTransfersListRefusesWhatItCannotFilter(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	l := e.create(e.a, e.licBody(`"customer":"Kunde"`))
	r := e.do(e.a, "POST", "/api/v1/transfers", `{"license_ids":[`+laU(l.ID)+`],"target":"`+e.pb.PublicID+`"}`)
	laWant(t, "transfer", r, http.StatusCreated)
	type list struct {
		Incoming []struct{ ID uint64 } `json:"incoming"`
		Outgoing []struct{ ID uint64 } `json:"outgoing"`
	}
	for _, q := range []string{"", "?state=pending"} {
		r := e.do(e.b, "GET", "/api/v1/transfers"+q, "")
		laWant(t, q, r, http.StatusOK)
		var got list
		r.decode(t, &got)
		if len(got.Incoming) != 1 || len(got.Outgoing) != 0 {
			t.Errorf("%s: %s", q, r.body)
		}
	}
	for _, c := range []struct{ q, field string }{
		{"state=pendng", "state"},
		{"stat=pending", "stat"},
		{"target=" + e.pb.PublicID, "target"},
		{"sort=-created", "sort"},
	} {
		r := e.do(e.b, "GET", "/api/v1/transfers?"+c.q, "")
		laWant(t, c.q, r, http.StatusUnprocessableEntity)
		var ae laError
		r.decode(t, &ae)
		if ae.Error.Field != c.field || ae.Error.Message == "" {
			t.Errorf("%s: error %s; want one naming %q", c.q, r.body, c.field)
		}
	}
}

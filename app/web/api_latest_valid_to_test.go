package web_test

import (
	"net/http"
	"testing"
)

// Past year 9999 every license list answered 500: the operator's edit and
// a renewal that would carry valid_to past the latest date are refused
// with 422 naming the field, and the lists still answer.
func TestAPIValidToStopsAtTheLatestDate(t *testing.T) {
	e := newLAFixture(t)
	id := laU(e.a1.ID)
	r := e.do(e.op, "PATCH", "/api/v1/licenses/"+id, `{"valid_to":"9999-12-31"}`)
	var le laError
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("valid_to 9999-12-31: status %d: %s", r.status, r.body)
	}
	if r.decode(t, &le); le.Error.Field != "valid_to" {
		t.Fatalf("valid_to 9999-12-31: error %+v does not name valid_to", le.Error)
	}
	r = e.do(e.op, "PATCH", "/api/v1/licenses/"+id, `{"valid_to":"8999-10-01"}`)
	laWant(t, "valid_to 8999-10-01", r, http.StatusOK)
	r = e.do(e.a, "POST", "/api/v1/licenses/"+id+"/renew", `{"periods":1,"payment":"invoice"}`)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("renewal past the latest date: status %d: %s", r.status, r.body)
	}
	if r.decode(t, &le); le.Error.Field != "periods" {
		t.Fatalf("renewal past the latest date: error %+v does not name periods", le.Error)
	}
	for _, path := range []string{"/api/v1/licenses", "/api/v1/licenses/" + id} {
		laWant(t, path, e.do(e.a, "GET", path, ""), http.StatusOK)
	}
}

package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// goTypeName matches what a Go type looks like in an error message.
var goTypeName = regexp.MustCompile(`app\.|map\[|\[\]|int64|uint64|time\.Time|struct \{`)

// Issue 7, item 3: a date the API did not expect answered 500. A plain
// date is accepted; anything else is refused naming the field, and no
// error shows a Go type name.
func TestAPIDatesAndTypeErrors(t *testing.T) {
	e := newLAFixture(t)
	id := laU(e.a1.ID)
	if e.a1.ValidTo == nil {
		t.Fatal("fixture license a1 has no period")
	}
	r := e.do(e.op, "PATCH", "/api/v1/licenses/"+id, `{"valid_to":"2027-12-31"}`)
	laWant(t, "plain date", r, http.StatusOK)
	var l laLicense
	r.decode(t, &l)
	if l.ValidTo == nil || l.ValidTo.Format(time.DateOnly) != "2027-12-31" {
		t.Errorf("valid_to after a plain date: %v", l.ValidTo)
	}
	r = e.do(e.op, "PATCH", "/api/v1/licenses/"+id, `{"valid_to":"2028-01-31T10:00:00Z"}`)
	laWant(t, "RFC 3339 time", r, http.StatusOK)
	r.decode(t, &l)
	if want := time.Date(2028, 1, 31, 10, 0, 0, 0, time.UTC); l.ValidTo == nil || !l.ValidTo.Equal(want) {
		t.Errorf("valid_to after a time: %v, want %v", l.ValidTo, want)
	}
	for _, bad := range []string{`"garbage"`, `20271231`, `{"y":2027}`, `["2027-12-31"]`, `true`, `"31.12.2027"`, `"2027-02-30"`} {
		r := e.do(e.op, "PATCH", "/api/v1/licenses/"+id, `{"valid_to":`+bad+`}`)
		if r.status != http.StatusUnprocessableEntity && r.status != http.StatusBadRequest {
			t.Errorf("valid_to %s: status %d, want 4xx: %s", bad, r.status, r.body)
			continue
		}
		var le laError
		r.decode(t, &le)
		if le.Error.Field != "valid_to" || !strings.Contains(le.Error.Message, "2027-12-31") {
			t.Errorf("valid_to %s: error %+v does not name valid_to and the format", bad, le.Error)
		}
	}
	// Wrong JSON types anywhere: 400 naming the field in words, not Go.
	for _, c := range []struct{ path, body, field string }{
		{"/api/v1/licenses", `[1,2]`, ""},
		{"/api/v1/licenses", `"x"`, ""},
		{"/api/v1/licenses", e.licBody(`"config":"x"`), "config"},
		{"/api/v1/licenses", e.licBody(`"config":{"a":1}`), "config"},
		{"/api/v1/licenses", `{"seats":"three"}`, "seats"},
		{"/api/v1/licenses", `{"product_id":-1}`, "product_id"},
		{"/api/v1/partners", `{"name":["x"]}`, "name"},
	} {
		r := e.do(e.op, "POST", c.path, c.body)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s %s: status %d, want 400: %s", c.path, c.body, r.status, r.body)
			continue
		}
		var le laError
		r.decode(t, &le)
		if le.Error.Field != c.field || goTypeName.MatchString(le.Error.Message) {
			t.Errorf("%s %s: error %+v (want field %q and no Go type name)", c.path, c.body, le.Error, c.field)
		}
	}
	// Nothing changed by the refused edits.
	r = e.do(e.op, "GET", "/api/v1/licenses/"+id, "")
	r.decode(t, &l)
	if want := time.Date(2028, 1, 31, 10, 0, 0, 0, time.UTC); !l.ValidTo.Equal(want) {
		t.Errorf("valid_to after refused edits: %v", l.ValidTo)
	}
}

// Issue 7, item 8: a date after 2262 came back as 1715.
func TestAPIDatesAfter2262(t *testing.T) {
	e := newLAFixture(t)
	id := laU(e.a1.ID)
	r := e.do(e.op, "PATCH", "/api/v1/licenses/"+id, `{"valid_to":"2300-06-30T12:00:00Z"}`)
	laWant(t, "valid_to 2300", r, http.StatusOK)
	r = e.do(e.op, "GET", "/api/v1/licenses/"+id, "")
	var l laLicense
	r.decode(t, &l)
	if want := time.Date(2300, 6, 30, 12, 0, 0, 0, time.UTC); l.ValidTo == nil || !l.ValidTo.Equal(want) {
		t.Errorf("valid_to read back as %v, want %v", l.ValidTo, want)
	}
	r = e.do(e.op, "PATCH", "/api/v1/licenses/"+id, `{"valid_to":"10000-01-01T00:00:00Z"}`)
	if r.status != http.StatusUnprocessableEntity {
		t.Errorf("valid_to in the year 10000: status %d", r.status)
	}
}

package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// strictWorld is newWorld with partner A's balance topped up, and what
// tells whether anything was bought: A's balance and order count.
func strictWorld(t *testing.T) (*world, func() (int64, int)) {
	t.Helper()
	wd := newWorld(t)
	op := wd.w.bearer("ops@example.com")
	if r := wd.w.do(op, "POST", fmt.Sprintf("/api/v1/partners/%d/balance", wd.a.ID), `{"amount":20000,"kind":"topup","reason":"wire"}`); r.status != 201 && r.status != 200 {
		t.Fatalf("top-up: %d %s", r.status, r.body)
	}
	state := func() (int64, int) {
		t.Helper()
		acc, err := wd.w.svc.GetAccount(app.System, wd.a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var pg struct {
			Total int `json:"total"`
		}
		wd.w.do(wd.aToken, "GET", "/api/v1/orders", "").json(t, &pg)
		return acc.Balance.Amount, pg.Total
	}
	return wd, state
}

// send posts body with the given Content-Type ("" for none).
func (w *webEnv) send(c caller, method, path, ctype, body string) reply {
	w.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	return w.test(req)
}

func wantRefused(t *testing.T, what string, r reply, status int, field string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: %d %s, want %d", what, r.status, r.body, status)
		return
	}
	e := r.apiError(t)
	if e.Error.Field != field || (field != "" && !strings.Contains(e.Error.Message, field)) {
		t.Errorf("%s: %s, want the error to name %q", what, r.body, field)
	}
}

// TestJSONBodyDuplicateAndMiscasedKeys: a key twice in one object, or a
// key that is not exactly a field's JSON name, is refused naming it and
// nothing is bought. Before, {"payment":"invoice","payment":"balance"}
// bought from the balance and {"LINES":[...]} was taken as lines.
func TestJSONBodyDuplicateAndMiscasedKeys(t *testing.T) {
	wd, state := strictWorld(t)
	w := wd.w
	line := fmt.Sprintf(`{"product_id":%d,"edition":"business","seats":2,"period_months":12,"quantity":1}`, wd.product.ID)
	balance, orders := state()
	for _, c := range []struct{ what, body, field string }{
		{"payment twice", `{"lines":[` + line + `],"payment":"invoice","payment":"balance"}`, "payment"},
		{"lines twice", `{"lines":[` + line + `],"lines":[` + line + `],"payment":"balance"}`, "lines"},
		{"a line's seats twice", fmt.Sprintf(`{"lines":[%s,{"product_id":%d,"seats":1,"seats":5,"period_months":12,"quantity":1}],"payment":"balance"}`, line, wd.product.ID), "lines[1].seats"},
		{"LINES", `{"LINES":[` + line + `],"payment":"balance"}`, "LINES"},
		{"Payment", `{"lines":[` + line + `],"Payment":"balance"}`, "Payment"},
		{"a line's Seats", fmt.Sprintf(`{"lines":[{"product_id":%d,"edition":"business","Seats":2,"period_months":12,"quantity":1}],"payment":"balance"}`, wd.product.ID), "lines[0].Seats"},
	} {
		wantRefused(t, c.what, w.postOrder(wd.aToken, c.body, ""), 422, c.field)
	}
	if b, n := state(); b != balance || n != orders {
		t.Fatalf("refused orders changed the balance %d -> %d, orders %d -> %d", balance, b, orders, n)
	}
	// The same order written properly is bought.
	r := w.postOrder(wd.aToken, `{"lines":[`+line+`],"payment":"balance"}`, "")
	if r.status != 201 {
		t.Fatalf("the order: %d %s", r.status, r.body)
	}
	if b, n := state(); b != balance-3998 || n != orders+1 {
		t.Fatalf("after the order: balance %d, orders %d", b, n)
	}
}

// TestJSONBodyNeedsItsContentType: a JSON API body sent as text, as a
// form or without a Content-Type is refused with 415 and nothing bought.
func TestJSONBodyNeedsItsContentType(t *testing.T) {
	wd, state := strictWorld(t)
	w := wd.w
	body := fmt.Sprintf(`{"lines":[{"product_id":%d,"edition":"business","seats":2,"period_months":12,"quantity":1}],"payment":"balance"}`, wd.product.ID)
	balance, orders := state()
	for _, ct := range []string{"", "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx", "text/json"} {
		r := w.send(wd.aToken, "POST", "/api/v1/orders", ct, body)
		if r.status != 415 || !strings.Contains(string(r.body), "application/json") || !strings.Contains(string(r.body), `"code":"unsupported_media_type"`) {
			t.Errorf("Content-Type %q: %d %s, want 415", ct, r.status, r.body)
		}
	}
	if b, n := state(); b != balance || n != orders {
		t.Fatalf("refused bodies bought: balance %d -> %d, orders %d -> %d", balance, b, orders, n)
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON"} {
		if r := w.send(wd.aToken, "POST", "/api/v1/quote", ct, body); r.status != 200 {
			t.Errorf("Content-Type %q: %d %s, want 200", ct, r.status, r.body)
		}
	}
}

// TestJSONTypeErrorsNameTheIndex: a value of the wrong type is named by
// its path with indexes (lines[1].seats), not lines.seats.
func TestJSONTypeErrorsNameTheIndex(t *testing.T) {
	wd, state := strictWorld(t)
	w := wd.w
	line := fmt.Sprintf(`{"product_id":%d,"edition":"business","seats":2,"period_months":12,"quantity":1}`, wd.product.ID)
	balance, orders := state()
	for _, c := range []struct{ what, body, field string }{
		{"seats as text", fmt.Sprintf(`{"lines":[%s,{"product_id":%d,"seats":"3","period_months":12,"quantity":1}],"payment":"balance"}`, line, wd.product.ID), "lines[1].seats"},
		{"quantity a fraction", fmt.Sprintf(`{"lines":[{"product_id":%d,"seats":1,"period_months":12,"quantity":1.5}],"payment":"balance"}`, wd.product.ID), "lines[0].quantity"},
		{"product_id negative", `{"lines":[{"product_id":-1}],"payment":"balance"}`, "lines[0].product_id"},
		{"a line not an object", `{"lines":[` + line + `,7],"payment":"balance"}`, "lines[1]"},
		{"lines an object", `{"lines":{"a":1},"payment":"balance"}`, "lines"},
		{"payment a number", `{"lines":[` + line + `],"payment":1}`, "payment"},
	} {
		wantRefused(t, c.what, w.postOrder(wd.aToken, c.body, ""), 400, c.field)
	}
	if b, n := state(); b != balance || n != orders {
		t.Fatalf("refused bodies bought: balance %d -> %d, orders %d -> %d", balance, b, orders, n)
	}
}

// TestCheckJSONWalksTheTargetType: checkJSON follows encoding/json's
// naming (tags, "-", untagged embedded structs, pointers, maps, values
// decoding themselves) and refuses only what decode must refuse.
func TestCheckJSONWalksTheTargetType(t *testing.T) {
	type Inner struct {
		N int `json:"n"`
	}
	type Embedded struct {
		Promoted string `json:"promoted"`
	}
	type target struct {
		Embedded
		Plain    string            // no tag: its Go name
		Skipped  string            `json:"-"`
		Opt      *Inner            `json:"opt,omitempty"`
		Items    []Inner           `json:"items"`
		Grid     [][]int           `json:"grid"`
		Labels   map[string]string `json:"labels"`
		When     time.Time         `json:"when"`
		Raw      json.RawMessage   `json:"raw"`
		Anything any               `json:"anything"`
	}
	ty := reflect.TypeOf(&target{})
	for _, ok := range []string{
		`{"promoted":"x","Plain":"y","opt":{"n":1},"items":[{"n":1},{"n":2}],"grid":[[1],[2,3]],"labels":{"a":"b","A":"c"}}`,
		`{"when":"2027-01-01T00:00:00Z","raw":{"X":1,"x":2},"anything":{"Y":[1,"a",null]},"opt":null}`,
	} {
		if err := checkJSON([]byte(ok), ty); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, c := range []struct{ body, field string }{
		{`{"Skipped":"x"}`, "Skipped"},
		{`{"plain":"x"}`, "plain"},
		{`{"Promoted":"x"}`, "Promoted"},
		{`{"opt":{"n":1,"N":2}}`, "opt.N"},
		{`{"items":[{"n":1},{"n":1,"n":2}]}`, "items[1].n"},
		{`{"labels":{"a":"b","a":"c"}}`, "labels.a"},
		{`{"raw":{"x":1,"x":2}}`, "raw.x"},
		{`{"anything":[{"k":1,"k":1}]}`, "anything[0].k"},
	} {
		err := checkJSON([]byte(c.body), ty)
		var ve *app.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%s: %v, want a validation error naming %s", c.body, err, c.field)
		}
	}
	for _, c := range []struct{ body, field string }{
		{`{"grid":[[1],[2,"x"]]}`, "grid[1][1]"},
		{`{"items":[{"n":1},{"n":true}]}`, "items[1].n"},
		{`{"labels":{"a":1}}`, "labels"},
		{`{"opt":[]}`, "opt"},
	} {
		err := checkJSON([]byte(c.body), ty)
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) || te.Field != c.field {
			t.Errorf("%s: %v, want a type error naming %s", c.body, err, c.field)
		}
	}
	// Malformed JSON is left to encoding/json, which decode runs next;
	// the keys before the fault are still checked.
	for _, bad := range []string{`{"items":[{"n":1}`, `{"Plain":`, `{"Plain":"x",}`, `{"items":[{"n":1},]}`, `{"Plain":"\x"}`, `{"Plain":tru}`, `{"n" 1}`} {
		if err := checkJSON([]byte(bad), ty); err != nil {
			t.Errorf("%s: %v, want it left to the decoder", bad, err)
		}
	}
	if err := checkJSON([]byte(`{"Plain":"x","Plain":`), ty); err == nil {
		t.Error("a key twice before the body breaks off was not refused")
	}
	// Escaped and non-ASCII keys are compared as encoding/json reads them.
	if err := checkJSON([]byte(`{"Pl\u0061in":"x","Plain":"y"}`), ty); err == nil {
		t.Error(`"Pl\u0061in" and "Plain" were taken as two keys`)
	}
	if err := checkJSON([]byte(`{"labels":{"\u00e9":"x","é":"y"}}`), ty); err == nil {
		t.Error(`"\u00e9" and "é" were taken as two keys`)
	}
	if err := checkJSON([]byte(`{"labels":{"a\"b":"x","a\\b":"y"},"Plain":"tab\tand \"quote\""}`), ty); err != nil {
		t.Errorf("escapes in keys and values: %v", err)
	}
}

// FuzzCheckJSONFindsDuplicates: on valid JSON, checkJSON refuses a key
// twice in one object exactly when encoding/json's own tokenizer sees
// one, and never panics on anything.
func FuzzCheckJSONFindsDuplicates(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1,"a":2}`, `{"a":{"b":[1,{"c":1,"c":2}]}}`, `{"a\u0062":1,"ab":2}`, `{"\u00e9":1,"é":2}`,
		`[{"x":"\"","y":"\\"},{"x":1}]`, `{"a":[[],{},[{}]],"b":null,"c":true,"d":-1.5e3}`, `{"a":1,}`, `{"a"`, "\xff",
		`{"` + "\xff" + `":1,"` + "\xfe" + `":2}`,
	} {
		f.Add(s)
	}
	anyType := reflect.TypeOf(new(any))
	f.Fuzz(func(t *testing.T, body string) {
		err := checkJSON([]byte(body), anyType)
		if !json.Valid([]byte(body)) {
			return
		}
		want := hasDuplicateKey(t, body)
		var ve *app.ValidationError
		got := errors.As(err, &ve) && strings.Contains(ve.Error(), "twice")
		if got != want || (err != nil && !got) {
			t.Fatalf("%q: checkJSON %v, encoding/json sees a duplicate: %v", body, err, want)
		}
	})
}

// hasDuplicateKey walks body with encoding/json's tokenizer.
func hasDuplicateKey(t *testing.T, body string) bool {
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var stack []map[string]bool // nil for an array
	expectKey := func() bool { return len(stack) > 0 && stack[len(stack)-1] != nil }
	afterKey := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return false
		}
		if err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, map[string]bool{})
			afterKey = false
			continue
		case json.Delim('['):
			stack = append(stack, nil)
			afterKey = false
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			afterKey = false
			continue
		}
		if expectKey() && !afterKey {
			k := tok.(string)
			if stack[len(stack)-1][k] {
				return true
			}
			stack[len(stack)-1][k] = true
			afterKey = true
			continue
		}
		afterKey = false
	}
}

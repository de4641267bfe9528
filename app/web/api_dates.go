package web

import (
	"bytes"
	"encoding/json"
	"reflect"
	"time"

	"licensedesk/app"
)

// apiDateHelp is what every refused date says it wants.
const apiDateHelp = `must be a date like "2027-12-31" or a time like "2027-12-31T23:59:59Z"`

// apiTime reads a date or time sent in a JSON body: a plain date
// ("2027-12-31", what people type) is that day in loc at the time of day
// of base (the value it replaces, so a period keeps ending at the hour it
// started), or at the end of the day without one; an RFC 3339 time is
// taken as it is. null is nil. Anything else is refused naming field.
func apiTime(field string, raw json.RawMessage, loc *time.Location, base *time.Time) (*time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, app.Invalid(field, "%s, not %s", apiDateHelp, shortJSON(raw))
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		h, m, sec := 23, 59, 59
		if base != nil {
			b := base.In(loc)
			h, m, sec = b.Hour(), b.Minute(), b.Second()
		}
		t := time.Date(d.Year(), d.Month(), d.Day(), h, m, sec, 0, loc).UTC()
		return &t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, app.Invalid(field, "%s, not %q", apiDateHelp, s)
	}
	t = t.UTC()
	if t.Year() < 1970 || t.Year() > 9999 {
		return nil, app.Invalid(field, "must be a date between the years 1970 and 9999, not %q", s)
	}
	return &t, nil
}

func shortJSON(raw []byte) string {
	if len(raw) > 40 {
		return string(raw[:40]) + "…"
	}
	return string(raw)
}

// jsonKind names what a JSON value of Go type t must look like, in the
// words of the API, never a Go type name.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value of another kind"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[time.Time]() {
		return `a date like "2027-12-31T23:59:59Z"`
	}
	switch t.Kind() {
	case reflect.String:
		return "text in quotes"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number of 0 or more"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list [...]"
	case reflect.Map:
		if t.Elem().Kind() == reflect.String {
			return `an object of text values {"name": "value"}`
		}
		return "an object {...}"
	case reflect.Struct:
		return "an object {...}"
	}
	return "a value of another kind"
}

package web

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// decode reads a JSON request body into v, strictly. It is the one
// decoder of every API route that takes a JSON body:
//
//   - the Content-Type must be application/json (415 otherwise), so a
//     form or a text body is never read as JSON;
//   - every key must be exactly the JSON name of a field of the target
//     (encoding/json would take "LINES" for "lines"), and appear once in
//     its object (encoding/json keeps the last of two "payment" keys);
//     both are refused with 422 naming the key by its path;
//   - a value of the wrong type is named by its path with indexes,
//     lines[0].seats, not lines.seats;
//   - one value, nothing after it.
//
// The body is first walked token by token against v's type (checkJSON),
// then decoded by encoding/json.
func decode(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return app.Invalid("", "send a JSON object in the request body")
	}
	if !isJSONContentType(c.Get(fiber.HeaderContentType)) {
		return errNotJSON
	}
	if err := checkJSON(body, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return errTruncatedJSON
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			f = strings.Trim(f, `"`)
			return app.Invalid(f, "is not a field of this object")
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return app.Invalid("", "send one JSON object, nothing after it")
	}
	return nil
}

var errNotJSON = fiber.NewError(fiber.StatusUnsupportedMediaType, "send the body as JSON, with Content-Type: application/json")

func isJSONContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == fiber.MIMEApplicationJSON
}

// checkJSON walks one JSON value against t.
func checkJSON(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := (&jsonWalk{dec: dec}).value(t, "")
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errTruncatedJSON
	}
	return err
}

type jsonWalk struct{ dec *json.Decoder }

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// target is the type a value decodes into, pointers followed; nil for
// a value decoded by its own code (json.Unmarshaler, a time, raw JSON)
// or into an interface, whose shape is not checked beyond unique keys.
func target(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		if t.Implements(jsonUnmarshaler) || t.Implements(textUnmarshaler) {
			return nil
		}
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface ||
		reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return nil
	}
	return t
}

func (w *jsonWalk) value(t reflect.Type, path string) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	t = target(t)
	wrong := func(value string) error {
		return &json.UnmarshalTypeError{Value: value, Type: t, Field: path}
	}
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '[' {
			if t != nil && t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
				return wrong("array")
			}
			return w.array(t, path)
		}
		if t != nil && t.Kind() != reflect.Struct && t.Kind() != reflect.Map {
			return wrong("object")
		}
		return w.object(t, path)
	case string:
		if t != nil && t.Kind() != reflect.String && !(t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8) {
			return wrong("string")
		}
	case bool:
		if t != nil && t.Kind() != reflect.Bool {
			return wrong("bool")
		}
	case json.Number:
		if t == nil {
			return nil
		}
		s := string(tok)
		var err error
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			_, err = strconv.ParseInt(s, 10, t.Bits())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			_, err = strconv.ParseUint(s, 10, t.Bits())
		case reflect.Float32, reflect.Float64:
			_, err = strconv.ParseFloat(s, t.Bits())
		default:
			return wrong("number")
		}
		if err != nil {
			return wrong("number " + s)
		}
	}
	return nil // null goes into anything
}

func (w *jsonWalk) array(t reflect.Type, path string) error {
	var elem reflect.Type
	if t != nil {
		elem = t.Elem()
	}
	for i := 0; w.dec.More(); i++ {
		if err := w.value(elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // ]
	return err
}

func (w *jsonWalk) object(t reflect.Type, path string) error {
	var fields map[string]reflect.Type
	var elem reflect.Type
	if t != nil {
		if t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		} else {
			elem = t.Elem()
		}
	}
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		p := key
		if path != "" {
			p = path + "." + key
		}
		if seen[key] {
			return app.Invalid(p, "appears twice in the object; send each field once")
		}
		seen[key] = true
		ft := elem
		if fields != nil {
			var ok bool
			if ft, ok = fields[key]; !ok {
				for name := range fields {
					if strings.EqualFold(name, key) {
						return app.Invalid(p, "is not a field of this object; field names are case-sensitive: did you mean %q?", name)
					}
				}
				return app.Invalid(p, "is not a field of this object")
			}
		}
		if err := w.value(ft, p); err != nil {
			var te *json.UnmarshalTypeError
			if fields == nil && errors.As(err, &te) && te.Field == p {
				te.Field = path // a map's entries are named by the map, as encoding/json does
			}
			return err
		}
	}
	_, err := w.dec.Token() // }
	return err
}

var jsonFieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// jsonFields maps the JSON names of a struct's fields to their types,
// as encoding/json names them: the tag's name or the Go name, "-"
// left out, the fields of an untagged embedded struct promoted.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := jsonFieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	addJSONFields(t, m, map[reflect.Type]bool{})
	jsonFieldCache.Store(t, m)
	return m
}

func addJSONFields(t reflect.Type, m map[string]reflect.Type, visiting map[reflect.Type]bool) {
	if visiting[t] {
		return
	}
	visiting[t] = true
	var embedded []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				embedded = append(embedded, et) // promoted after this level's own fields
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	for _, et := range embedded {
		sub := map[string]reflect.Type{}
		addJSONFields(et, sub, visiting)
		for k, v := range sub {
			if _, taken := m[k]; !taken { // the shallower field wins
				m[k] = v
			}
		}
	}
}

package web

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"reflect"
	"slices"
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
// The body is first walked against v's type (checkJSON), then decoded by
// encoding/json.
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

// checkJSON walks the first JSON value of body against t. It scans the
// bytes itself (encoding/json's Token API allocated per token and took
// three times as long as the decode); on malformed JSON it stops and
// leaves the error to encoding/json, which decodes the body next.
func checkJSON(body []byte, t reflect.Type) error {
	err := (&jsonScan{b: body}).value(t)
	if errors.Is(err, errMalformed) {
		return nil
	}
	return err
}

var errMalformed = errors.New("malformed JSON")

type jsonScan struct {
	b    []byte
	i    int
	path []pathPart // where the scan is; a string only for an error
}

// pathPart is one step of a value's path: a key, or an index.
type pathPart struct {
	key   string
	index int // -1 for a key
}

// at is the path of the value being scanned: lines[0].seats.
func (s *jsonScan) at() string {
	var b strings.Builder
	for _, p := range s.path {
		if p.index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(p.index))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p.key)
	}
	return b.String()
}

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

func (s *jsonScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek is the next byte after white space, 0 at the end.
func (s *jsonScan) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *jsonScan) value(t reflect.Type) error {
	t = target(t)
	wrong := func(value string) error {
		return &json.UnmarshalTypeError{Value: value, Type: t, Field: s.at()}
	}
	switch c := s.peek(); {
	case c == '{':
		if t != nil && t.Kind() != reflect.Struct && t.Kind() != reflect.Map {
			return wrong("object")
		}
		return s.object(t)
	case c == '[':
		if t != nil && t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return wrong("array")
		}
		return s.array(t)
	case c == '"':
		if _, err := s.str(); err != nil {
			return err
		}
		if t != nil && t.Kind() != reflect.String && !(t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8) {
			return wrong("string")
		}
	case c == 't' || c == 'f':
		lit := "true"
		if c == 'f' {
			lit = "false"
		}
		if !s.literal(lit) {
			return errMalformed
		}
		if t != nil && t.Kind() != reflect.Bool {
			return wrong("bool")
		}
	case c == 'n':
		if !s.literal("null") {
			return errMalformed
		}
		// null goes into anything
	case c == '-' || (c >= '0' && c <= '9'):
		start := s.i
		for s.i < len(s.b) && strings.IndexByte("+-0123456789.eE", s.b[s.i]) >= 0 {
			s.i++
		}
		if t == nil {
			return nil
		}
		num := string(s.b[start:s.i])
		var err error
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			_, err = strconv.ParseInt(num, 10, t.Bits())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			_, err = strconv.ParseUint(num, 10, t.Bits())
		case reflect.Float32, reflect.Float64:
			_, err = strconv.ParseFloat(num, t.Bits())
		default:
			return wrong("number")
		}
		if err != nil {
			return wrong("number " + num)
		}
	default:
		return errMalformed
	}
	return nil
}

func (s *jsonScan) literal(lit string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
		return false
	}
	s.i += len(lit)
	return true
}

// str scans a string at s.i and returns its raw bytes, quotes included.
func (s *jsonScan) str() ([]byte, error) {
	start := s.i
	for s.i++; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start:s.i], nil
		case c == '\\':
			s.i++ // the escaped byte; \uXXXX's digits are plain bytes
		case c < 0x20:
			return nil, errMalformed
		}
	}
	return nil, errMalformed
}

// key is an object key as encoding/json reads it: escapes undone,
// invalid UTF-8 replaced.
func key(raw []byte) (string, error) {
	plain := true
	for _, c := range raw {
		if c == '\\' || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		return string(raw[1 : len(raw)-1]), nil
	}
	var k string
	if err := json.Unmarshal(raw, &k); err != nil {
		return "", errMalformed
	}
	return k, nil
}

func (s *jsonScan) array(t reflect.Type) error {
	var elem reflect.Type
	if t != nil {
		elem = t.Elem()
	}
	s.i++ // [
	if s.peek() == ']' {
		s.i++
		return nil
	}
	s.path = append(s.path, pathPart{index: 0})
	for i := 0; ; i++ {
		s.path[len(s.path)-1].index = i
		if err := s.value(elem); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			s.path = s.path[:len(s.path)-1]
			return nil
		default:
			return errMalformed
		}
	}
}

func (s *jsonScan) object(t reflect.Type) error {
	var fields map[string]reflect.Type
	var elem reflect.Type
	if t != nil {
		if t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		} else {
			elem = t.Elem()
		}
	}
	s.i++ // {
	if s.peek() == '}' {
		s.i++
		return nil
	}
	// The keys seen: a struct's few in a list, other objects' in a map.
	var seenList []string
	var seenMap map[string]bool
	if fields == nil {
		seenMap = map[string]bool{}
	}
	s.path = append(s.path, pathPart{index: -1})
	for {
		if s.peek() != '"' {
			return errMalformed
		}
		raw, err := s.str()
		if err != nil {
			return err
		}
		k, err := key(raw)
		if err != nil {
			return err
		}
		if s.peek() != ':' {
			return errMalformed
		}
		s.i++
		s.path[len(s.path)-1].key = k
		twice := false
		if fields != nil {
			twice = slices.Contains(seenList, k)
			seenList = append(seenList, k)
		} else {
			twice = seenMap[k]
			seenMap[k] = true
		}
		if twice {
			return app.Invalid(s.at(), "appears twice in the object; send each field once")
		}
		ft := elem
		if fields != nil {
			var ok bool
			if ft, ok = fields[k]; !ok {
				for name := range fields {
					if strings.EqualFold(name, k) {
						return app.Invalid(s.at(), "is not a field of this object; field names are case-sensitive: did you mean %q?", name)
					}
				}
				return app.Invalid(s.at(), "is not a field of this object")
			}
		}
		if err := s.value(ft); err != nil {
			var te *json.UnmarshalTypeError
			if fields == nil && errors.As(err, &te) && te.Field == s.at() {
				s.path = s.path[:len(s.path)-1]
				te.Field = s.at() // a map's entries are named by the map, as encoding/json does
			}
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			s.path = s.path[:len(s.path)-1]
			return nil
		default:
			return errMalformed
		}
	}
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

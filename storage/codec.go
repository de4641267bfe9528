package storage

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
)

// Enc appends a compact binary record: varints and length-prefixed
// bytes. Hot records (licenses) use it instead of JSON: decoding is an
// order of magnitude cheaper, which list scans and exports pay per row.
type Enc struct{ B []byte }

func (e *Enc) Uint(v uint64)   { e.B = binary.AppendUvarint(e.B, v) }
func (e *Enc) Int(v int64)     { e.B = binary.AppendVarint(e.B, v) }
func (e *Enc) String(s string) { e.Uint(uint64(len(s))); e.B = append(e.B, s...) }
func (e *Enc) Bytes(b []byte)  { e.Uint(uint64(len(b))); e.B = append(e.B, b...) }

func (e *Enc) Bool(v bool) {
	if v {
		e.B = append(e.B, 1)
	} else {
		e.B = append(e.B, 0)
	}
}

// Time stores seconds since 1970 and the nanoseconds within the second,
// a form that holds any time (UnixNano alone wraps after 2262; see
// TimeNanos). The zero time is stored as its own seconds and decodes
// back to the zero time.
func (e *Enc) Time(t time.Time) {
	e.Int(t.Unix())
	e.Uint(uint64(t.Nanosecond()))
}

// OptTime stores a time that may be absent.
func (e *Enc) OptTime(t *time.Time) {
	e.Bool(t != nil)
	if t != nil {
		e.Time(*t)
	}
}

// ErrCorrupt reports a record that does not decode.
var ErrCorrupt = errors.New("corrupt record")

// Dec reads what Enc wrote. The first error sticks; check Err at the end.
type Dec struct {
	B   []byte
	Err error
}

func (d *Dec) fail() { d.Err = ErrCorrupt; d.B = nil }

func (d *Dec) Uint() uint64 {
	v, n := binary.Uvarint(d.B)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.B = d.B[n:]
	return v
}

func (d *Dec) Int() int64 {
	v, n := binary.Varint(d.B)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.B = d.B[n:]
	return v
}

func (d *Dec) raw() []byte {
	n := d.Uint()
	if n > uint64(len(d.B)) {
		d.fail()
		return nil
	}
	v := d.B[:n]
	d.B = d.B[n:]
	return v
}

// String copies, so the result outlives the transaction.
func (d *Dec) String() string { return string(d.raw()) }

// Bytes copies, so the result outlives the transaction.
func (d *Dec) Bytes() []byte {
	r := d.raw()
	if len(r) == 0 {
		return nil
	}
	return append([]byte(nil), r...)
}

func (d *Dec) Bool() bool {
	if len(d.B) == 0 {
		d.fail()
		return false
	}
	v := d.B[0] == 1
	d.B = d.B[1:]
	return v
}

// Time reads what Enc.Time wrote.
func (d *Dec) Time() time.Time {
	sec := d.Int()
	nsec := d.Uint()
	if nsec >= 1e9 {
		d.fail()
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

func (d *Dec) OptTime() *time.Time {
	if !d.Bool() {
		return nil
	}
	t := d.Time()
	return &t
}

// TimeNanos reads the first form of a time: UTC nanoseconds since 1970,
// 0 for the zero time. It wraps for times after 2262; records written so
// are rewritten by migration 3 and only read, never written.
func (d *Dec) TimeNanos() time.Time {
	n := d.Int()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// OptTimeNanos reads an optional time of the first form.
func (d *Dec) OptTimeNanos() *time.Time {
	if !d.Bool() {
		return nil
	}
	t := d.TimeNanos()
	return &t
}

// Len reads a count and checks it is plausible for the bytes left.
func (d *Dec) Len() int {
	n := d.Uint()
	if n > uint64(len(d.B)) || n > math.MaxInt32 {
		d.fail()
		return 0
	}
	return int(n)
}

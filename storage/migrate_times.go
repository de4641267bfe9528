package storage

import (
	"bytes"
	"fmt"
)

// Migration 3 rewrites license records of binary format 1, whose times
// were UnixNano (wrapping after 2262), into format 2, whose times are
// seconds and nanoseconds (Enc.Time). Everything else in the record is
// copied as it is. The format-1 layout is frozen (formats only ever grow
// behind a new number), so it is written down here once.

// field is one element of a record layout: a kind, or a counted group.
type field struct {
	kind  byte // 'u' uvarint, 'i' varint, 's' length-prefixed bytes, 'b' bool, 't' time, 'o' optional time, 'g' group
	group []field
}

func layout(kinds string, groups ...[]field) []field {
	var out []field
	for _, k := range []byte(kinds) {
		f := field{kind: k}
		if k == 'g' {
			f.group, groups = groups[0], groups[1:]
		}
		out = append(out, f)
	}
	return out
}

// licenseV1 is license record format 1 after its format byte: id, key,
// name, product id, product name, edition, seats, period, status,
// payment, purchased, valid from, valid to, activate by, auto renew,
// auto renew months, ip, admin password, registration key,
// registrations (machine, hostname, at), customer, customer email,
// partner, distributor, notes, config (key, value), order number,
// updated, deleted.
var licenseV1 = layout("ussussiisstootbisssgssuusgsto",
	layout("sst"), layout("ss"))

const (
	licenseFormatV1 = 1
	licenseFormatV2 = 2
)

// transcode copies one record from d to e by the layout, rewriting each
// time from the nanosecond form into the current one.
func transcode(d *Dec, e *Enc, fs []field) {
	for _, f := range fs {
		switch f.kind {
		case 'u':
			e.Uint(d.Uint())
		case 'i':
			e.Int(d.Int())
		case 's':
			e.Bytes(d.raw())
		case 'b':
			e.Bool(d.Bool())
		case 't':
			e.Time(d.TimeNanos())
		case 'o':
			e.OptTime(d.OptTimeNanos())
		case 'g':
			n := d.Len()
			e.Uint(uint64(n))
			for range n {
				transcode(d, e, f.group)
			}
		}
		if d.Err != nil {
			return
		}
	}
}

// licenseTimesV2 is migration 3. It works through the bucket in chunks
// (re-seeking after each), so memory stays bounded at any size.
func licenseTimesV2(tx *Tx) error {
	b := tx.Bucket([]byte(Licenses))
	if b == nil {
		return nil
	}
	type kv struct{ k, v []byte }
	var from []byte
	for {
		var chunk []kv
		c := b.Cursor()
		k, v := c.First()
		if from != nil {
			k, v = c.Seek(from)
			if k != nil && bytes.Equal(k, from) {
				k, v = c.Next()
			}
		}
		for ; k != nil && len(chunk) < 10000; k, v = c.Next() {
			if len(v) == 0 || v[0] != licenseFormatV1 {
				continue // JSON records and format 2 stay as they are
			}
			d := &Dec{B: v[1:]}
			e := &Enc{B: append(make([]byte, 0, len(v)+16), licenseFormatV2)}
			transcode(d, e, licenseV1)
			if d.Err != nil || len(d.B) != 0 {
				// Leave a record that does not decode as it is: the
				// desk names it on start and `licensedesk check` lists it.
				continue
			}
			chunk = append(chunk, kv{append([]byte(nil), k...), e.B})
		}
		for _, r := range chunk {
			if err := b.Put(r.k, r.v); err != nil {
				return fmt.Errorf("license %x: %w", r.k, err)
			}
		}
		if k == nil {
			return nil
		}
		from = append([]byte(nil), k...)
		if len(chunk) > 0 {
			from = chunk[len(chunk)-1].k
		}
	}
}

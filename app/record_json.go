package app

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Hand-written JSON for the records every purchase (and most actions)
// writes inside the writer's transaction: history entries (seven a
// purchase), audit entries and ledger entries. Each appends what
// encoding/json writes for the type, byte for byte (same fields, order,
// omissions and escaping; TestRecordJSONIsEncodingJSON checks it), where
// reflection-driven json.Marshal cost several microseconds a record.

// appendHistoryJSON appends e's JSON to b.
func appendHistoryJSON(b []byte, e *HistoryEntry) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, e.ID, 10)
	b = append(b, `,"license_id":`...)
	b = strconv.AppendUint(b, e.LicenseID, 10)
	b = appendWhoWhen(b, e.At, e.Actor, e.Action)
	b = appendOptString(b, "field", e.Field)
	b = appendOptString(b, "old", e.Old)
	b = appendOptString(b, "new", e.New)
	if e.PartnerID != 0 {
		b = append(b, `,"partner_id":`...)
		b = strconv.AppendUint(b, e.PartnerID, 10)
	}
	return append(b, '}')
}

// appendHistoryRecordJSON appends r's JSON to b.
func appendHistoryRecordJSON(b []byte, r *historyRecord) []byte {
	b = appendHistoryJSON(b, &r.HistoryEntry)
	if len(r.Changes) == 0 {
		return b
	}
	b = append(b[:len(b)-1], `,"changes":[`...)
	for i, c := range r.Changes {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"field":`...)
		b = appendJSONString(b, c.Field)
		b = appendOptString(b, "old", c.Old)
		b = appendOptString(b, "new", c.New)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// appendAuditJSON appends e's JSON to b.
func appendAuditJSON(b []byte, e *AuditEntry) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, e.ID, 10)
	b = appendWhoWhen(b, e.At, e.Actor, e.Action)
	b = appendOptString(b, "target", e.Target)
	b = appendOptString(b, "detail", e.Detail)
	b = appendOptString(b, "addr", e.Addr)
	return append(b, '}')
}

// appendLedgerJSON appends e's JSON to b.
func appendLedgerJSON(b []byte, e *LedgerEntry) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, e.ID, 10)
	b = append(b, `,"partner_id":`...)
	b = strconv.AppendUint(b, e.PartnerID, 10)
	b = append(b, `,"amount":`...)
	b = strconv.AppendInt(b, e.Amount, 10)
	b = append(b, `,"currency":`...)
	b = appendJSONString(b, e.Currency)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, e.Kind)
	b = append(b, `,"reason":`...)
	b = appendJSONString(b, e.Reason)
	b = append(b, `,"by":`...)
	b = appendJSONString(b, e.By)
	b = append(b, `,"at":"`...)
	b = e.At.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","balance":`...)
	b = strconv.AppendInt(b, e.Balance, 10)
	return append(b, '}')
}

// appendWhoWhen appends the "at", "actor" and "action" fields history
// and audit entries share, in that order.
func appendWhoWhen(b []byte, at time.Time, actor, action string) []byte {
	b = append(b, `,"at":"`...)
	b = at.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","actor":`...)
	b = appendJSONString(b, actor)
	b = append(b, `,"action":`...)
	return appendJSONString(b, action)
}

// appendOptString appends ,"key":value for a string field marked
// omitempty, nothing when it is empty.
func appendOptString(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendJSONString(b, v)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json does by default:
// quotes, backslashes and control characters escaped, <, > and & as
// \u003c, \u003e and \u0026, U+2028 and U+2029 escaped, and each byte of
// invalid UTF-8 as \ufffd.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

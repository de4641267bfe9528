package app

import (
	"licensedesk/storage"
)

// The outbox's buckets:
//
//	outbox      id -> Mail (JSON, without attachment bytes)
//	outbox_att  mail id | n -> attachment bytes
//	idx_outbox  "S" state | id            every mail by state
//	            "P" partner | id          every mail by partner
//	            "Q" partner | state | id  by partner and state
//	            "D" next attempt | id     queued mails by due time
//
// Index keys end in the 8-byte id, so a reverse walk is newest first.

func getMail(tx *storage.Tx, id uint64) (Mail, error) {
	var m Mail
	err := tx.Get(storage.Outbox, storage.EncodeID(id), &m)
	return m, err
}

// putMail stores m and moves its index keys from old's (nil for a new mail).
func putMail(tx *storage.Tx, old, m *Mail) error {
	if old != nil {
		for _, k := range mailIndexKeys(old) {
			if err := tx.Delete(storage.OutboxIdx, k); err != nil {
				return err
			}
		}
	}
	for _, k := range mailIndexKeys(m) {
		if err := tx.PutRaw(storage.OutboxIdx, k, nil); err != nil {
			return err
		}
	}
	return tx.Put(storage.Outbox, storage.EncodeID(m.ID), m)
}

func mailIndexKeys(m *Mail) [][]byte {
	keys := [][]byte{
		storage.Key("S", string(m.State), m.ID),
		storage.Key("P", m.PartnerID, m.ID),
		storage.Key("Q", m.PartnerID, string(m.State), m.ID),
	}
	if m.State == MailQueued {
		keys = append(keys, storage.Key("D", m.NextAttempt.UnixNano(), m.ID))
	}
	return keys
}

func putAttachment(tx *storage.Tx, id uint64, n int, data []byte) error {
	return tx.PutRaw(storage.OutboxAtt, storage.Key(id, uint64(n)), data)
}

func getAttachment(tx *storage.Tx, id uint64, n int) []byte {
	return tx.GetRaw(storage.OutboxAtt, storage.Key(id, uint64(n)))
}

// eachMailID calls fn with the ids of the mails actor a may see, newest
// first, in state st (every state when empty).
func eachMailID(tx *storage.Tx, a Actor, st MailState, fn func(id uint64)) {
	visit := func(k, _ []byte) bool { fn(storage.DecodeID(k[len(k)-8:])); return true }
	switch {
	case !a.IsOperator() && st != "":
		tx.EachReverse(storage.OutboxIdx, storage.Key("Q", a.PartnerID, string(st)), visit)
	case !a.IsOperator():
		tx.EachReverse(storage.OutboxIdx, storage.Key("P", a.PartnerID), visit)
	case st != "":
		tx.EachReverse(storage.OutboxIdx, storage.Key("S", string(st)), visit)
	default:
		tx.EachReverse(storage.Outbox, nil, func(k, _ []byte) bool { fn(storage.DecodeID(k)); return true })
	}
}

func countMailState(tx *storage.Tx, st MailState) int {
	n := 0
	tx.Each(storage.OutboxIdx, storage.Key("S", string(st)), func(_, _ []byte) bool { n++; return true })
	return n
}

// firstDueMail is the id of the queued mail due earliest, if it is due by
// unixNano.
func firstDueMail(tx *storage.Tx, unixNano int64) (uint64, bool) {
	var id uint64
	found := false
	tx.Each(storage.OutboxIdx, dueFamily, func(k, _ []byte) bool {
		if at, mid, ok := decodeDueKey(k); ok && at <= unixNano {
			id, found = mid, true
		}
		return false
	})
	return id, found
}

// nextDueTime is when the earliest queued mail is due (ok false: none).
func nextDueTime(tx *storage.Tx) (int64, bool) {
	var at int64
	ok := false
	tx.Each(storage.OutboxIdx, dueFamily, func(k, _ []byte) bool {
		at, _, ok = decodeDueKey(k)
		return false
	})
	return at, ok
}

var dueFamily = storage.Key("D")

// decodeDueKey splits a "D" key: "D" 0x00, next attempt (8), id (8).
func decodeDueKey(k []byte) (unixNano int64, id uint64, ok bool) {
	if len(k) != len(dueFamily)+16 {
		return 0, 0, false
	}
	k = k[len(dueFamily):]
	return int64(storage.DecodeID(k[:8]) ^ (1 << 63)), storage.DecodeID(k[8:]), true
}

// eachMailInState calls fn with every mail in state st, oldest first.
func eachMailInState(tx *storage.Tx, st MailState, fn func(id uint64) bool) {
	tx.Each(storage.OutboxIdx, storage.Key("S", string(st)), func(k, _ []byte) bool { return fn(storage.DecodeID(k[len(k)-8:])) })
}

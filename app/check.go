package app

import (
	"encoding/json"
	"fmt"
	"strconv"

	"licensedesk/storage"
)

// Problem is one thing wrong in the data file, named for the operator.
type Problem struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	What   string `json:"what"`
}

func (p Problem) String() string { return p.Bucket + " " + p.Key + ": " + p.What }

// checkers decode every record of a bucket the way the desk reads it.
var checkers = []struct {
	bucket string
	decode func(v []byte) error
}{
	{storage.Licenses, func(v []byte) error { _, err := decodeLicense(v); return err }},
	{storage.Users, jsonInto[User]},
	{storage.Partners, jsonInto[Partner]},
	{storage.Products, jsonInto[Product]},
	{storage.Ledger, jsonInto[LedgerEntry]},
	{storage.Audit, jsonInto[AuditEntry]},
	{storage.LicenseHistory, jsonInto[historyRecord]},
	{storage.Tokens, jsonInto[Token]},
	{storage.Sessions, jsonInto[Session]},
}

func jsonInto[T any](v []byte) error {
	var x T
	return json.Unmarshal(v, &x)
}

// Check reads every record of the data file and reports each one that
// does not decode, and each license key or list entry that points at a
// record that is not there. It changes nothing.
func (s *Service) Check() ([]Problem, error) {
	var out []Problem
	err := s.db.View(func(tx *storage.Tx) error {
		for _, c := range checkers {
			tx.Each(c.bucket, nil, func(k, v []byte) bool {
				if err := c.decode(v); err != nil {
					out = append(out, Problem{c.bucket, recordKey(k), "does not decode: " + err.Error()})
				}
				return true
			})
		}
		tx.Each(storage.LicensesByKey, nil, func(k, v []byte) bool {
			if len(v) != 8 || tx.GetRaw(storage.Licenses, v) == nil {
				out = append(out, Problem{storage.LicensesByKey, strconv.Quote(string(k)), "points at a license that is not there"})
			}
			return true
		})
		tx.Each(storage.LicenseIndex, nil, func(k, _ []byte) bool {
			if len(k) < 8 || tx.GetRaw(storage.Licenses, k[len(k)-8:]) == nil {
				out = append(out, Problem{storage.LicenseIndex, fmt.Sprintf("%x", k), "points at a license that is not there"})
			}
			return true
		})
		return nil
	})
	return out, err
}

// recordKey shows a key as an id when it is one, else in hex.
func recordKey(k []byte) string {
	if len(k) == 8 {
		return "record " + strconv.FormatUint(storage.DecodeID(k), 10)
	}
	return fmt.Sprintf("key %x", k)
}

// corruptRecord tells the operator about a record the desk cannot read
// and goes on without it: one damaged record must not stop the rest.
func (s *Service) corruptRecord(kind string, id uint64, err error) {
	s.log.Error("a record in the data file cannot be read; it is left out until repaired (run `licensedesk check`)",
		"kind", kind, "id", id, "err", err)
}

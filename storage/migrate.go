package storage

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Migration moves the schema from version Version-1 to Version. It runs in
// one transaction together with the version bump.
type Migration struct {
	Version int
	Name    string
	Up      func(tx *Tx) error
}

// migrations lists every schema change in order. Never edit a released
// migration: add a new one.
var migrations = []Migration{
	{1, "initial buckets", func(tx *Tx) error { return nil }},
	{2, "backfill user email and partner public-ID indexes", backfillUniqueIndexes},
	{3, "license times as seconds and nanoseconds (UnixNano wrapped after 2262)", licenseTimesV2},
	{4, "license list index: keys with a status only, and per-prefix counts", slimLicenseIndex},
	{6, "running balance per partner from the ledger", backfillBalances},
}

// SchemaVersion is the version this package's migrations write; with the
// domain's own migrations (Options.Migrations) see SchemaVersionWith.
func SchemaVersion() int { return migrations[len(migrations)-1].Version }

// SchemaVersionWith is the version written with extra migrations too.
func SchemaVersionWith(extra []Migration) int {
	all, _ := allMigrations(extra)
	return all[len(all)-1].Version
}

// allMigrations merges extra migrations (those that need the domain's
// record codecs, which this package does not know) into the list, in
// version order; two with one version are an error.
func allMigrations(extra []Migration) ([]Migration, error) {
	all := append(append([]Migration(nil), migrations...), extra...)
	slices.SortStableFunc(all, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	for i := 1; i < len(all); i++ {
		if all[i].Version == all[i-1].Version {
			return all, fmt.Errorf("two migrations have version %d: %q and %q", all[i].Version, all[i-1].Name, all[i].Name)
		}
	}
	return all, nil
}

const schemaKey = "schema_version"

func (db *DB) init(extra []Migration) error {
	all, err := allMigrations(extra)
	if err != nil {
		return err
	}
	newest := all[len(all)-1].Version
	// Refuse a newer file before writing anything to it.
	cur, err := db.Version()
	if err != nil {
		return err
	}
	if cur > newest {
		return fmt.Errorf("the data file %s has schema version %d, newer than this binary understands (%d): run a newer licensedesk", db.path, cur, newest)
	}
	if err := db.Update(func(tx *Tx) error {
		for _, name := range AllBuckets {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	for _, m := range all {
		if m.Version <= cur {
			continue
		}
		if err := db.Update(func(tx *Tx) error {
			if err := m.Up(tx); err != nil {
				return err
			}
			return tx.PutRaw(Meta, []byte(schemaKey), []byte(strconv.Itoa(m.Version)))
		}); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// Version reads the schema version stored in the file (0 for a new file).
func (db *DB) Version() (int, error) {
	v := 0
	err := db.View(func(tx *Tx) error {
		meta := tx.Bucket([]byte(Meta))
		if meta == nil {
			return nil // a new file
		}
		raw := meta.Get([]byte(schemaKey))
		if raw == nil {
			return nil
		}
		n, err := strconv.Atoi(string(raw))
		if err != nil {
			return fmt.Errorf("schema version %q is not a number", raw)
		}
		v = n
		return nil
	})
	return v, err
}

// backfillUniqueIndexes rebuilds the email and public-ID indexes from the
// records: schema 1 stored users and partners without them.
func backfillUniqueIndexes(tx *Tx) error {
	type rec struct {
		ID       uint64 `json:"id"`
		Email    string `json:"email"`
		PublicID string `json:"public_id"`
	}
	var err error
	fill := func(bucket, index string, value func(r rec) string) {
		tx.Each(bucket, nil, func(k, v []byte) bool {
			var r rec
			if err = json.Unmarshal(v, &r); err != nil {
				err = fmt.Errorf("%s record %x: %w", bucket, k, err)
				return false
			}
			if val := value(r); val != "" {
				if err = tx.Unique(index, val, DecodeID(k)); err != nil {
					err = fmt.Errorf("%s %q: %w", bucket, val, err)
					return false
				}
			}
			return true
		})
	}
	fill(Users, UsersByEmail, func(r rec) string { return strings.ToLower(strings.TrimSpace(r.Email)) })
	if err != nil {
		return err
	}
	fill(Partners, PartnersByPubID, func(r rec) string { return r.PublicID })
	return err
}

// backfillBalances stores each partner's running balance, the sum of its
// ledger entries (keys partner id | entry id), which earlier versions
// summed on every read.
func backfillBalances(tx *Tx) error {
	sums := map[uint64]int64{}
	var err error
	tx.Each(Ledger, nil, func(k, v []byte) bool {
		var e struct {
			Amount int64 `json:"amount"`
		}
		if err = json.Unmarshal(v, &e); err != nil {
			err = fmt.Errorf("ledger entry %x: %w", k, err)
			return false
		}
		sums[DecodeID(k)] += e.Amount
		return true
	})
	if err != nil {
		return err
	}
	for id, sum := range sums {
		if err := tx.PutRaw(Balances, EncodeID(id), EncodeID(uint64(sum))); err != nil {
			return err
		}
	}
	return nil
}

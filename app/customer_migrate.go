package app

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"licensedesk/storage"
)

// appMigrations are the schema migrations that read records through this
// package's codecs; storage runs them in version order with its own.
var appMigrations = []storage.Migration{
	{Version: 9, Name: "customer records from the licenses' free-text customers", Up: migrateCustomers},
	{Version: 10, Name: "customer grouping index; licenses typed after migration 9 linked to their customer", Up: migrateCustomerKeys},
	{Version: 11, Name: "ledger entry count per partner and running balance on each entry", Up: migrateLedgerCounts},
	{Version: 12, Name: "audit log entry count", Up: migrateAuditCount},
	{Version: 13, Name: "license history entry counts", Up: migrateHistoryCounts},
}

// Migrations are the migrations storage.Open needs (as Options.Migrations)
// to open a data file of this binary's schema.
func Migrations() []storage.Migration { return appMigrations }

// SchemaVersion is the data schema version this binary writes.
func SchemaVersion() int { return storage.SchemaVersionWith(appMigrations) }

// migrateCustomers makes a customer record for every distinct customer
// the licenses name: the same name and email under one partner are one
// customer. Each license is linked to its record; the licenses
// themselves are not rewritten. The first record of an address under a
// partner holds the address for activation by email; a later one with the
// same address but another name is kept as its own record. Index keys are
// written sorted, so a million licenses stay one linear pass.
func migrateCustomers(tx *storage.Tx) error {
	type group struct {
		c   Customer
		ids []uint64
	}
	groups := map[string]*group{}
	var order []*group
	var err error
	tx.Each(storage.Licenses, nil, func(k, v []byte) bool {
		var l License
		if l, err = decodeLicense(v); err != nil {
			err = fmt.Errorf("license %d: %w", storage.DecodeID(k), err)
			return false
		}
		name, email := strings.TrimSpace(l.Customer), normEmail(l.CustomerEmail)
		if l.Deleted != nil || name == "" && email == "" {
			return true
		}
		if tx.GetRaw(storage.LicenseCustomer, k) != nil {
			return true // linked already
		}
		gk := string(customerGroupKey(l.PartnerID, name, email))
		g := groups[gk]
		if g == nil {
			if name == "" {
				name = email
			}
			g = &group{c: Customer{PartnerID: l.PartnerID, Name: name, Email: email, Created: l.Purchased, Updated: l.Purchased}}
			groups[gk] = g
			order = append(order, g)
		}
		if l.Purchased.Before(g.c.Created) {
			g.c.Created = l.Purchased
		}
		g.ids = append(g.ids, l.ID)
		return true
	})
	if err != nil {
		return err
	}
	type kv struct{ k, v []byte }
	var byEmail, byPartner, custLic, licCust []kv
	taken := map[string]bool{}
	for _, g := range order {
		id, err := tx.NextID(storage.Customers)
		if err != nil {
			return err
		}
		g.c.ID = id
		raw, err := json.Marshal(g.c)
		if err != nil {
			return err
		}
		if err := tx.PutRaw(storage.Customers, storage.EncodeID(id), raw); err != nil {
			return err
		}
		if g.c.Email != "" {
			ek := customerEmailKey(g.c.PartnerID, g.c.Email)
			if !taken[string(ek)] && tx.GetRaw(storage.CustomersByEmail, ek) == nil {
				taken[string(ek)] = true
				byEmail = append(byEmail, kv{ek, storage.EncodeID(id)})
			}
		}
		byPartner = append(byPartner, kv{binary.BigEndian.AppendUint64(storage.EncodeID(g.c.PartnerID), id), nil})
		for _, lid := range g.ids {
			custLic = append(custLic, kv{binary.BigEndian.AppendUint64(storage.EncodeID(id), lid), nil})
			licCust = append(licCust, kv{storage.EncodeID(lid), storage.EncodeID(id)})
		}
	}
	for bucket, kvs := range map[string][]kv{storage.CustomersByEmail: byEmail, storage.CustomersByPartner: byPartner,
		storage.CustomerLicenses: custLic, storage.LicenseCustomer: licCust} {
		slices.SortFunc(kvs, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
		for _, e := range kvs {
			if err := tx.PutRaw(bucket, e.k, e.v); err != nil {
				return err
			}
		}
	}
	return nil
}

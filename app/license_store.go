package app

import (
	"encoding/binary"
	"math"
	"reflect"
	"time"

	"licensedesk/search"
	"licensedesk/storage"
)

// License list indexes live in one bucket, in families told apart by the
// first byte:
//
//	'v' mask [partner] [status] [product] validTo id   sorted by expiry, one entry per
//	                                                   subset (mask) of the three filters
//	'p' partner id                                      a partner's licenses in purchase order
//	'd' due id                                          next time-driven move (expiry), for the sweep
//
// A page filtered by any of partner/status/product and sorted by expiry
// is then a prefix scan that reads keys only, plus the records shown.
const (
	famValid   = 'v'
	famPartner = 'p'
	famDue     = 'd'

	maskPartner = 1
	maskStatus  = 2
	maskProduct = 4
)

// noDate sorts licenses without an end date after every dated one.
const noDate = math.MaxInt64

func validToSort(l *License) int64 {
	if l.ValidTo == nil {
		return noDate
	}
	return l.ValidTo.Unix()
}

// validPrefix builds the 'v' prefix for the given filters (zero values
// mean "no filter on that field").
func validPrefix(mask byte, partner uint64, status Status, product uint64) []byte {
	k := []byte{famValid, mask}
	if mask&maskPartner != 0 {
		k = binary.BigEndian.AppendUint64(k, partner)
	}
	if mask&maskStatus != 0 {
		k = append(k, status...)
		k = append(k, 0)
	}
	if mask&maskProduct != 0 {
		k = binary.BigEndian.AppendUint64(k, product)
	}
	return k
}

func appendSortID(k []byte, sortVal int64, id uint64) []byte {
	k = binary.BigEndian.AppendUint64(k, uint64(sortVal)^(1<<63))
	return binary.BigEndian.AppendUint64(k, id)
}

// decodeSortID reads the sort value and id at the end of an index key.
func decodeSortID(k []byte) (int64, uint64) {
	n := len(k)
	return int64(binary.BigEndian.Uint64(k[n-16:n-8]) ^ (1 << 63)), binary.BigEndian.Uint64(k[n-8:])
}

// dueAt is when the sweep must look at a license next, if ever.
func dueAt(l *License) (time.Time, bool) {
	switch l.Status {
	case StatusOrdered:
		return l.ActivateBy, true
	case StatusActive, StatusSuspended, StatusInProgress:
		if l.ValidTo != nil {
			return *l.ValidTo, true
		}
	}
	return time.Time{}, false
}

func indexKeys(l *License) [][]byte {
	if l == nil || l.Deleted != nil {
		return nil
	}
	keys := make([][]byte, 0, 10)
	v := validToSort(l)
	for mask := byte(0); mask < 8; mask++ {
		keys = append(keys, appendSortID(validPrefix(mask, l.PartnerID, l.Status, l.ProductID), v, l.ID))
	}
	keys = append(keys, binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64([]byte{famPartner}, l.PartnerID), l.ID))
	if due, ok := dueAt(l); ok {
		keys = append(keys, appendSortID([]byte{famDue}, due.Unix(), l.ID))
	}
	return keys
}

// putLicense writes a license and moves its index entries from old (nil
// for a new license) in the caller's transaction, and records the change
// for the search index.
func putLicense(tx *storage.Tx, old, l *License) error {
	oldKeys := map[string]bool{}
	for _, k := range indexKeys(old) {
		oldKeys[string(k)] = true
	}
	for _, k := range indexKeys(l) {
		if oldKeys[string(k)] {
			delete(oldKeys, string(k))
			continue
		}
		if err := tx.PutRaw(storage.LicenseIndex, k, nil); err != nil {
			return err
		}
	}
	for k := range oldKeys {
		if err := tx.Delete(storage.LicenseIndex, []byte(k)); err != nil {
			return err
		}
	}
	if old == nil {
		if err := tx.Unique(storage.LicensesByKey, NormaliseKey(l.Key), l.ID); err != nil {
			return err
		}
	}
	if err := tx.PutRaw(storage.Licenses, storage.EncodeID(l.ID), encodeLicense(l)); err != nil {
		return err
	}
	if old != nil && (old.Deleted == nil) == (l.Deleted == nil) && reflect.DeepEqual(licenseDoc(old), licenseDoc(l)) {
		return nil // nothing searchable changed (a machine registered, say): the index has nothing to do
	}
	return tx.Changed("license", l.ID)
}

// rawLicense loads a license record, deleted or not.
func rawLicense(tx *storage.Tx, id uint64) (License, error) {
	raw := tx.Bucket([]byte(storage.Licenses)).Get(storage.EncodeID(id))
	if raw == nil {
		return License{}, ErrNotFound
	}
	return decodeLicense(raw)
}

// getLicense loads a license that is not deleted.
func getLicense(tx *storage.Tx, id uint64) (License, error) {
	l, err := rawLicense(tx, id)
	if err != nil {
		return License{}, err
	}
	if l.Deleted != nil {
		return License{}, ErrNotFound
	}
	return l, nil
}

// visibleLicense loads a license the actor may see; another partner's is
// simply not found.
func visibleLicense(tx *storage.Tx, a Actor, id uint64) (License, error) {
	l, err := getLicense(tx, id)
	if err != nil {
		return License{}, err
	}
	if !a.IsOperator() && (a.PartnerID == 0 || l.PartnerID != a.PartnerID) {
		return License{}, ErrNotFound
	}
	return l, nil
}

func licenseDoc(l *License) *search.Doc {
	return &search.Doc{
		Type:     "license",
		Owner:    uintStr(l.PartnerID),
		Key:      NormaliseKey(l.Key),
		IP:       l.IP,
		Order:    l.OrderNumber,
		Name:     l.Name,
		Notes:    l.Notes,
		Customer: l.Customer + " " + l.CustomerEmail,
		Status:   string(l.Status),
		Product:  uintStr(l.ProductID),
	}
}

func init() {
	docSources["license"] = docSource{bucket: storage.Licenses, build: func(raw []byte) (*search.Doc, error) {
		l, err := decodeLicense(raw)
		if err != nil {
			return nil, err
		}
		if l.Deleted != nil {
			return nil, ErrNotFound
		}
		return licenseDoc(&l), nil
	}}
	productUse = func(tx *storage.Tx, id uint64) int {
		n := 0
		tx.Each(storage.LicenseIndex, validPrefix(maskProduct, 0, "", id), func(k, v []byte) bool { n++; return true })
		return n
	}
	partnerLicenses = func(tx *storage.Tx, id uint64) int {
		n := 0
		tx.Each(storage.LicenseIndex, binary.BigEndian.AppendUint64([]byte{famPartner}, id), func(k, v []byte) bool { n++; return n < 1 })
		return n
	}
}

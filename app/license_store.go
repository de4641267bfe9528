package app

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"

	"licensedesk/search"
	"licensedesk/storage"
)

// License list indexes live in one bucket, in families told apart by the
// first byte:
//
//	'v' mask [partner] status [product] validTo id   sorted by expiry, one entry per
//	                                                 filter subset (mask) that holds the status
//	'd' due id                                       next time-driven move (expiry), for the sweep
//
// A page filtered by any of partner/status/product and sorted by expiry
// is then a prefix scan that reads keys only, plus the records shown. A
// list without a status filter merges the scans of the six statuses, so
// the index holds four keys per license rather than eight.
//
// The license_counts bucket holds, per 'v' prefix (the key without
// validTo and id), how many keys it holds: kept in the same transaction,
// so a total without a date range is a handful of Gets.
//
// Schema 3 and older also held the masks without status and a 'p'
// partner family; migration 4 removed them.
const (
	famValid = 'v'
	famDue   = 'd'

	maskPartner = 1
	maskStatus  = 2
	maskProduct = 4
)

// indexMasks are the filter subsets the index holds: those with a status.
var indexMasks = [...]byte{maskStatus, maskStatus | maskPartner, maskStatus | maskProduct, maskStatus | maskPartner | maskProduct}

// allStatuses lists every status, for lists that merge them.
var allStatuses = [...]Status{StatusOrdered, StatusActive, StatusSuspended, StatusInProgress, StatusExpired, StatusCancelled, StatusTransferring, StatusTransferredOut}

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
	keys := make([][]byte, 0, len(indexMasks)+1)
	v := validToSort(l)
	for _, mask := range indexMasks {
		keys = append(keys, appendSortID(validPrefix(mask, l.PartnerID, l.Status, l.ProductID), v, l.ID))
	}
	if due, ok := dueAt(l); ok {
		keys = append(keys, appendSortID([]byte{famDue}, due.Unix(), l.ID))
	}
	return keys
}

// countKey is the license_counts key of a 'v' index key: its prefix.
func countKey(k []byte) ([]byte, bool) {
	if len(k) < 2+16 || k[0] != famValid {
		return nil, false
	}
	return k[:len(k)-16], true
}

// putLicense writes a license and moves its index entries and counts from
// old (nil for a new license) in the caller's transaction, and records the
// change for the search index.
func putLicense(tx *storage.Tx, old, l *License) error {
	if err := checkLatest("valid_to", l.ValidTo); err != nil {
		return err // the last guard; each path names its own field first
	}
	olds, news := indexKeys(old), indexKeys(l)
	if slices.EqualFunc(olds, news, bytes.Equal) { // no index key moves (a machine, a note)
		olds, news = nil, nil
	}
	puts, dels := keyMoves(olds, news)
	for _, k := range puts {
		if err := tx.PutRaw(storage.LicenseIndex, k, nil); err != nil {
			return err
		}
		if ck, ok := countKey(k); ok {
			if err := tx.AddCount(storage.LicenseCounts, ck, 1); err != nil {
				return err
			}
		}
	}
	for _, k := range dels {
		if err := tx.Delete(storage.LicenseIndex, k); err != nil {
			return err
		}
		if ck, ok := countKey(k); ok {
			if err := tx.AddCount(storage.LicenseCounts, ck, -1); err != nil {
				return err
			}
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
	return licenseChanged(tx, old, l)
}

// licenseChanged records a license write in the change log. When nothing
// searchable changed (a payment status) the search index has it right,
// but the in-memory columns (end date, payment, ...) still follow the
// change log; when neither changed (a machine registered on an active
// license, a last-seen time) nothing derived needs to know, and no entry
// is written: the indexer, the copy and Bleve's sequence stay idle.
func licenseChanged(tx *storage.Tx, old, l *License) error {
	if old != nil && (old.Deleted == nil) == (l.Deleted == nil) && sameDoc(licenseDoc(old), licenseDoc(l)) {
		if sameColRow(old, l) {
			return nil
		}
		return tx.Changed(colsOnlyKind, l.ID)
	}
	return tx.Changed("license", l.ID)
}

// rawLicense loads a license record, deleted or not.
func rawLicense(tx *storage.Tx, id uint64) (License, error) {
	raw := tx.Bucket([]byte(storage.Licenses)).Get(storage.EncodeID(id))
	if raw == nil {
		return License{}, ErrNotFound
	}
	l, err := decodeLicense(raw)
	if err != nil {
		return License{}, fmt.Errorf("license %d: %w", id, err)
	}
	return l, nil
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

// sameDoc reports whether two search documents are equal, field by field
// (reflect.DeepEqual did the same at several times the cost, on every
// license write); TestSameDocComparesEveryField keeps it complete.
func sameDoc(a, b *search.Doc) bool {
	return a.Type == b.Type && a.Owner == b.Owner && a.Key == b.Key && a.IP == b.IP && a.Order == b.Order &&
		a.Name == b.Name && a.Notes == b.Notes && a.Customer == b.Customer && a.Status == b.Status &&
		a.Product == b.Product && slices.Equal(a.Grams, b.Grams) && a.NoGrams == b.NoGrams
}

// colsOnlyKind is a change-log entry for a license whose search document
// did not change: the indexer refreshes its in-memory columns only.
const colsOnlyKind = "license-cols"

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
		// Infix terms over licenses are answered by the in-memory copy
		// (license_cols.go), not by trigrams.
		NoGrams: true,
	}
}

// loadLicenseDoc reads a license for the search index: its document
// (ErrNotFound when it is missing or deleted) and the license as decoded
// (nil when missing or it does not decode), for the in-memory copy.
func loadLicenseDoc(tx *storage.Tx, id uint64) (*search.Doc, *License, error) {
	raw := tx.GetRaw(storage.Licenses, storage.EncodeID(id))
	if raw == nil {
		return nil, nil, ErrNotFound
	}
	return licenseDocFrom(raw)
}

// licenseDocFrom decodes a stored license into its search document
// (ErrNotFound when deleted) and the license (nil when it does not decode).
func licenseDocFrom(raw []byte) (*search.Doc, *License, error) {
	l, err := decodeLicense(raw)
	if err != nil {
		return nil, nil, err
	}
	if l.Deleted != nil {
		return nil, &l, ErrNotFound
	}
	return licenseDoc(&l), &l, nil
}

func init() {
	docSources["license"] = docSource{bucket: storage.Licenses, build: func(raw []byte) (*search.Doc, error) {
		doc, _, err := licenseDocFrom(raw)
		return doc, err
	}}
	productUse = func(tx *storage.Tx, id uint64) int {
		return int(countLicenses(tx, maskProduct, 0, "", id))
	}
	partnerLicenses = func(tx *storage.Tx, id uint64) int {
		return int(countLicenses(tx, maskPartner, id, "", 0))
	}
}

// eachPartnerLicenseID calls fn with the id of each license of a partner
// that is not deleted, from the list index (status by status); fn
// returning false stops.
func eachPartnerLicenseID(tx *storage.Tx, partner uint64, fn func(id uint64) bool) {
	for _, st := range allStatuses {
		prefix := validPrefix(maskStatus|maskPartner, partner, st, 0)
		more := true
		tx.Each(storage.LicenseIndex, prefix, func(k, _ []byte) bool {
			if len(k) != len(prefix)+16 {
				return true
			}
			_, id := decodeSortID(k)
			more = fn(id)
			return more
		})
		if !more {
			return
		}
	}
}

// countLicenses is the number of licenses (not deleted) with the given
// partner/status/product filters, from the counters: one Get per status.
func countLicenses(tx *storage.Tx, mask byte, partner uint64, status Status, product uint64) uint64 {
	if mask&maskStatus != 0 {
		return tx.GetCount(storage.LicenseCounts, validPrefix(mask, partner, status, product))
	}
	var n uint64
	for _, st := range allStatuses {
		n += tx.GetCount(storage.LicenseCounts, validPrefix(mask|maskStatus, partner, st, product))
	}
	return n
}

// putLicenses writes many changed licenses in the caller's transaction,
// like putLicense for each (olds[i] is the stored version of ls[i]), but
// with every index move applied in key order: thousands of bbolt inserts
// in random order into one node cost quadratic time, sorted ones do not.
func putLicenses(tx *storage.Tx, olds, ls []License) error {
	for i := range ls {
		if err := checkLatest("valid_to", ls[i].ValidTo); err != nil {
			return err // the last guard; each path names its own field first
		}
	}
	dels, puts := make([][]byte, 0, 2*len(ls)), make([][]byte, 0, 2*len(ls))
	for i := range ls {
		p, d := keyMoves(indexKeys(&olds[i]), indexKeys(&ls[i]))
		puts, dels = append(puts, p...), append(dels, d...)
	}
	// The list totals move with the keys, in the same transaction.
	counts := map[string]int64{}
	for _, k := range dels {
		if ck, ok := countKey(k); ok {
			counts[string(ck)]--
		}
	}
	for _, k := range puts {
		if ck, ok := countKey(k); ok {
			counts[string(ck)]++
		}
	}
	for ck, n := range counts {
		if n == 0 {
			continue
		}
		if err := tx.AddCount(storage.LicenseCounts, []byte(ck), n); err != nil {
			return err
		}
	}
	slices.SortFunc(dels, bytes.Compare)
	slices.SortFunc(puts, bytes.Compare)
	for _, k := range dels {
		if err := tx.Delete(storage.LicenseIndex, k); err != nil {
			return err
		}
	}
	for _, k := range puts {
		if err := tx.PutRaw(storage.LicenseIndex, k, nil); err != nil {
			return err
		}
	}
	order := make([]int, len(ls))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(ls[a].ID, ls[b].ID) })
	for _, i := range order {
		if err := tx.PutRaw(storage.Licenses, storage.EncodeID(ls[i].ID), encodeLicense(&ls[i])); err != nil {
			return err
		}
		if err := licenseChanged(tx, &olds[i], &ls[i]); err != nil {
			return err
		}
	}
	return nil
}

package app

import (
	"strings"

	"licensedesk/storage"
)

func putSpecialPrice(tx *storage.Tx, sp *SpecialPrice, isNew bool) error {
	if isNew {
		if err := tx.Unique(storage.SpecialByCode, sp.Code, sp.ID); err != nil {
			return err
		}
	}
	return tx.Put(storage.SpecialPrices, storage.EncodeID(sp.ID), sp)
}

func nextSpecialPriceID(tx *storage.Tx) (uint64, error) { return tx.NextID(storage.SpecialPrices) }

// specialPriceByCode finds a link by its code, typed in any case.
func specialPriceByCode(tx *storage.Tx, code string) (SpecialPrice, error) {
	id, err := tx.Lookup(storage.SpecialByCode, strings.ToUpper(strings.TrimSpace(code)))
	if err != nil {
		return SpecialPrice{}, err
	}
	var sp SpecialPrice
	err = tx.Get(storage.SpecialPrices, storage.EncodeID(id), &sp)
	return sp, err
}

// eachSpecialPrice walks the links newest first.
func eachSpecialPrice(tx *storage.Tx, fn func(sp SpecialPrice) bool) error {
	var err error
	tx.EachReverse(storage.SpecialPrices, nil, func(k, v []byte) bool {
		var sp SpecialPrice
		if err = jsonUnmarshal(v, &sp); err != nil {
			return false
		}
		return fn(sp)
	})
	return err
}

package app

import (
	"encoding/binary"

	"licensedesk/storage"
)

// transferRecord is a transfer as stored: the public part plus what
// checks its secret. The secret itself is never stored.
type transferRecord struct {
	Transfer
	Hash SecretHash `json:"secret_hash"`
	// Outgoing: SHA-256 of the proof a genuine receipt carries (the
	// proof is derived from the secret with ReceiptSalt, so only someone
	// who had the secret can write it).
	ReceiptCheck []byte `json:"receipt_check,omitempty"`
	ReceiptSalt  []byte `json:"receipt_salt,omitempty"`
	PeerPublic   []byte `json:"peer_public,omitempty"`
	FileSHA256   []byte `json:"file_sha256,omitempty"`
}

// transferItem is one license of a transfer.
type transferItem struct {
	TransferLicense
	PrevStatus Status `json:"prev_status,omitempty"` // outgoing: restored when the transfer ends without a receipt
	// PrevAutoRenew: outgoing, auto-renew was on before the file went out
	// (it is off while the license is transferring) and comes back on
	// when the transfer ends without a receipt.
	PrevAutoRenew bool         `json:"prev_auto_renew,omitempty"`
	Record        *fileLicense `json:"record,omitempty"` // incoming: the license as the file carries it
}

// Blob kinds kept per transfer.
const (
	blobFile    = 'f' // the signed transfer file (outgoing and incoming)
	blobReceipt = 'r' // the signed receipt (written on approval, or imported)
)

func putTransfer(tx *storage.Tx, r *transferRecord) error {
	c := *r
	c.Secret, c.Licenses = "", nil
	return tx.Put(storage.Transfers, storage.EncodeID(r.ID), c)
}

func getTransfer(tx *storage.Tx, id uint64) (transferRecord, error) {
	var r transferRecord
	err := tx.Get(storage.Transfers, storage.EncodeID(id), &r)
	return r, err
}

// eachTransfer walks every transfer, newest first.
func eachTransfer(tx *storage.Tx, fn func(r *transferRecord) bool) error {
	var err error
	tx.EachReverse(storage.Transfers, nil, func(k, v []byte) bool {
		var r transferRecord
		if err = jsonUnmarshal(v, &r); err != nil {
			return false
		}
		return fn(&r)
	})
	return err
}

func itemKey(transfer uint64, seq int) []byte {
	return binary.BigEndian.AppendUint64(storage.EncodeID(transfer), uint64(seq))
}

func putTransferItems(tx *storage.Tx, transfer uint64, items []transferItem) error {
	for i := range items {
		if err := tx.Put(storage.TransferItems, itemKey(transfer, i), items[i]); err != nil {
			return err
		}
	}
	return nil
}

func transferItems(tx *storage.Tx, transfer uint64) ([]transferItem, error) {
	var out []transferItem
	var err error
	tx.Each(storage.TransferItems, storage.EncodeID(transfer), func(k, v []byte) bool {
		var it transferItem
		if err = jsonUnmarshal(v, &it); err != nil {
			return false
		}
		out = append(out, it)
		return true
	})
	return out, err
}

// transferLicenseIDs reads only the license id and key of a transfer's
// items: what moving them needs, without decoding the rest of each.
func transferLicenseIDs(tx *storage.Tx, transfer uint64) ([]TransferLicense, error) {
	var out []TransferLicense
	var err error
	tx.Each(storage.TransferItems, storage.EncodeID(transfer), func(k, v []byte) bool {
		var it struct {
			LicenseID uint64 `json:"license_id"`
			Key       string `json:"key"`
		}
		if err = jsonUnmarshal(v, &it); err != nil {
			return false
		}
		out = append(out, TransferLicense{LicenseID: it.LicenseID, Key: it.Key})
		return true
	})
	return out, err
}

// claimLicense marks a license as held by an open transfer; a license is
// in at most one open transfer.
func claimLicense(tx *storage.Tx, license, transfer uint64) error {
	if cur := tx.GetRaw(storage.TransfersByLicense, storage.EncodeID(license)); cur != nil && storage.DecodeID(cur) != transfer {
		return ErrConflict
	}
	return tx.PutRaw(storage.TransfersByLicense, storage.EncodeID(license), storage.EncodeID(transfer))
}

func releaseLicense(tx *storage.Tx, license uint64) error {
	return tx.Delete(storage.TransfersByLicense, storage.EncodeID(license))
}

// openTransferOf is the open transfer holding a license, if any.
func openTransferOf(tx *storage.Tx, license uint64) (uint64, bool) {
	v := tx.GetRaw(storage.TransfersByLicense, storage.EncodeID(license))
	if v == nil {
		return 0, false
	}
	return storage.DecodeID(v), true
}

func putTransferBlob(tx *storage.Tx, transfer uint64, kind byte, data []byte) error {
	return tx.PutRaw(storage.TransferBlobs, append(storage.EncodeID(transfer), kind), data)
}

func getTransferBlob(tx *storage.Tx, transfer uint64, kind byte) []byte {
	return tx.GetRaw(storage.TransferBlobs, append(storage.EncodeID(transfer), kind))
}

// claimFileID records that a file (by its transfer id) came in or went
// out; the same file is refused a second time.
func claimFileID(tx *storage.Tx, fileID string, transfer uint64) error {
	return tx.Unique(storage.TransfersByFile, fileID, transfer)
}

func transferByFileID(tx *storage.Tx, fileID string) (uint64, error) {
	return tx.Lookup(storage.TransfersByFile, fileID)
}

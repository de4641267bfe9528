package app

import (
	"fmt"
	"strings"

	"licensedesk/storage"
)

// Why a license of an order cannot be refunded through it, whoever asks
// and whatever else holds: its money would go to a partner that no
// longer has it.
const (
	blockMoved    = "moved"    // it belongs to another partner now (a transfer, or the operator moved it)
	blockDesk     = "desk"     // it went to another desk by a transfer file (transferred out)
	blockTransfer = "transfer" // it is in an open transfer, in-desk or by file
)

// refundBlock says why license id of an order of partner cannot be
// refunded through the order, or "" when nothing of the kind stops it
// (the caller checks the rest, and says so of a license that is gone).
// The owner is checked first, so the order's partner learns nothing of
// what the license's new partner does with it. An open transfer past its
// time is recorded as expired (inOpenTransfer), and no longer blocks.
func (s *Service) refundBlock(tx *storage.Tx, partner, id uint64) (string, error) {
	l, err := getLicense(tx, id)
	if err != nil {
		return "", nil
	}
	if l.PartnerID != partner {
		return blockMoved, nil
	}
	if _, open := openTransferOf(tx, id); open {
		busy, err := s.inOpenTransfer(tx, id)
		if err != nil {
			return "", err
		}
		if busy {
			return blockTransfer, nil
		}
		if l, err = getLicense(tx, id); err != nil { // expired: its status is back as before the file left
			return "", nil
		}
	}
	switch l.Status {
	case StatusTransferredOut:
		return blockDesk, nil
	case StatusTransferring:
		return blockTransfer, nil
	}
	return "", nil
}

// refundBlocks collects the licenses a refund cannot take, by why.
type refundBlocks map[string][]uint64

func (b *refundBlocks) add(why string, id uint64) {
	if *b == nil {
		*b = refundBlocks{}
	}
	(*b)[why] = append((*b)[why], id)
}

// err names every blocked license and what to do, or is nil. whole: the
// user asked for the whole order, and may name the others instead.
func (b refundBlocks) err(order string, whole bool) error {
	if len(b) == 0 {
		return nil
	}
	var parts []string
	if ids := b[blockMoved]; len(ids) > 0 {
		parts = append(parts, fmt.Sprintf("%s handed over to another partner and cannot be refunded through order %s", licenseList(ids, "was", "were"), order))
	}
	if ids := b[blockDesk]; len(ids) > 0 {
		parts = append(parts, fmt.Sprintf("%s handed over to another desk by a transfer file and cannot be refunded", licenseList(ids, "was", "were")))
	}
	if ids := b[blockTransfer]; len(ids) > 0 {
		parts = append(parts, fmt.Sprintf("%s in an open transfer: cancel the transfer first", licenseList(ids, "is", "are")))
	}
	msg := strings.Join(parts, "; ")
	if whole {
		msg += "; to refund the others, name them in license_ids; nothing was refunded"
	} else {
		msg += "; nothing was refunded"
	}
	return Invalid("license_ids", "%s", msg)
}

// licenseList names licenses by id, "license 7 was" or "licenses 7, 9
// were", the first ten of a long list.
func licenseList(ids []uint64, one, many string) string {
	if len(ids) == 1 {
		return fmt.Sprintf("license %d %s", ids[0], one)
	}
	shown := ids[:min(len(ids), 10)]
	names := make([]string, len(shown))
	for i, id := range shown {
		names[i] = fmt.Sprint(id)
	}
	more := ""
	if len(ids) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(ids)-len(shown))
	}
	return fmt.Sprintf("licenses %s%s %s", strings.Join(names, ", "), more, many)
}

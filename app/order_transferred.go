package app

import "time"

// An order's licenses may be handed over to another partner after the
// purchase (F37-F39). The order stays its buyer's, but such a license is
// the new partner's: its key, customer, machines, notes and activation
// link are not the buyer's to see, count, mail or refund any more.

// TransferredNote is what a partner's order shows of a license that
// another partner has now.
const TransferredNote = "transferred to another partner"

// DeletedNote is what an order shows of a license deleted since: the
// order's partner gets its id and order line, no key (as GET
// /api/v1/licenses/{id} answers it 404); the operator sees it whole,
// marked deleted.
const DeletedNote = "deleted"

// owns reports whether the order's partner still has license l.
func (o *Order) owns(l *License) bool { return l.PartnerID == o.PartnerID }

// transferredLicense is what the order's partner sees of a license of
// its order that another partner has now: its id and what the order line
// bought, nothing of the license as it is.
func transferredLicense(o *Order, it OrderItem) OrderLicense {
	l := License{ID: it.LicenseID, OrderNumber: o.Number, Purchased: o.Created, Registrations: []Registration{}}
	if it.Line >= 0 && it.Line < len(o.Lines) {
		line := o.Lines[it.Line]
		l.ProductID, l.ProductName, l.Edition, l.Seats, l.PeriodMonths = line.ProductID, line.ProductName, line.Edition, line.Seats, line.PeriodMonths
	}
	return OrderLicense{LicenseView: LicenseView{License: l}, Price: it.Price, Refunded: it.Refunded, Transferred: true}
}

// deletedLicense is what the order's partner sees of a license of its
// order deleted since: its id, what the order line bought and when it
// was deleted.
func deletedLicense(o *Order, it OrderItem, at *time.Time) OrderLicense {
	v := transferredLicense(o, it)
	v.Transferred, v.Deleted = false, at
	return v
}

// Withheld reports whether this is what a partner sees of a license
// another partner has now, or of one deleted: its id and order line, no key.
func (l OrderLicense) Withheld() bool { return (l.Transferred || l.Deleted != nil) && l.Key == "" }

// Note says what became of a license another partner has now or of one
// deleted, or "".
func (l OrderLicense) Note() string {
	if l.Deleted != nil && !l.Transferred {
		return DeletedNote
	}
	if l.Transferred {
		return TransferredNote
	}
	return ""
}

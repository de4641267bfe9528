package app

import "fmt"

// transitions is the license state machine (F6, F15): from → allowed targets.
var transitions = map[Status][]Status{
	StatusOrdered:    {StatusActive, StatusExpired, StatusCancelled},
	StatusActive:     {StatusSuspended, StatusInProgress, StatusExpired, StatusCancelled},
	StatusSuspended:  {StatusActive, StatusExpired, StatusCancelled},
	StatusInProgress: {StatusActive, StatusExpired, StatusCancelled},
	StatusExpired:    {StatusInProgress, StatusCancelled},
	StatusCancelled:  {},
	// Only a transfer moves a license into and out of these (transfer_*.go).
	StatusTransferring:   {StatusTransferredOut},
	StatusTransferredOut: {},
}

// why explains refused moves in words a user can act on.
var why = map[[2]Status]string{
	{StatusOrdered, StatusSuspended}:    "an unused key cannot be suspended; cancel it, or activate it first",
	{StatusExpired, StatusActive}:       "an expired license comes back only by renewing it",
	{StatusExpired, StatusSuspended}:    "an expired license cannot be suspended",
	{StatusSuspended, StatusSuspended}:  "the license is already suspended",
	{StatusActive, StatusActive}:        "the license is already active",
	{StatusCancelled, StatusActive}:     "a cancelled license cannot be enabled again",
	{StatusInProgress, StatusSuspended}: "an operation is running on this license; wait for it to finish",
}

// CanMove reports whether a license may go from one status to another,
// and if not, why.
func CanMove(from, to Status) error {
	for _, s := range transitions[from] {
		if s == to {
			return nil
		}
	}
	msg, ok := why[[2]Status{from, to}]
	if !ok {
		if from.ReadOnly() {
			msg = readOnlyWhy(from)
		} else if from == StatusCancelled {
			msg = "a cancelled license cannot change any more"
		} else {
			msg = fmt.Sprintf("a license cannot go from %s to %s", from, to)
		}
	}
	return Invalid("status", "%s", msg)
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Valid reports whether p is a known payment status.
func (p Payment) Valid() bool {
	return p == PaymentPending || p == PaymentPaid || p == PaymentRefunded
}

// readOnlyWhy says why a license in a read-only status cannot change.
func readOnlyWhy(st Status) string {
	if st == StatusTransferredOut {
		return "the license was transferred to another desk; it is kept here read-only"
	}
	return "the license is being transferred to another desk; it is read-only until the transfer is cancelled or its receipt is imported"
}

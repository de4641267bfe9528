package app

import (
	"fmt"
	"slices"
	"time"

	"licensedesk/storage"
)

// ClientStatus answers validate: whether the key is good for the machine
// now, why not, and when the license ends.
type ClientStatus struct {
	Valid     bool       `json:"valid"`
	Code      string     `json:"code"`
	ValidTo   *time.Time `json:"valid_to"`
	Seats     int        `json:"seats,omitempty"`
	SeatsUsed int        `json:"seats_used,omitempty"`
}

// ClientActivation answers activate.
type ClientActivation struct {
	ClientStatus
	Machine  string `json:"machine"`
	Hostname string `json:"hostname,omitempty"`
	// Already is true when the machine was registered before this call.
	Already bool `json:"already"`
}

// ClientCall is one request of the licensed software.
type ClientCall struct {
	Key         string `json:"key"`
	Fingerprint string `json:"fingerprint"`
	Hostname    string `json:"hostname,omitempty"` // activate only
	Addr        string `json:"-"`                  // the caller's address
}

// clientActor writes history entries for changes the client API makes.
func clientActor(addr string) Actor {
	return Actor{Email: "client API", Role: RoleOperator, Addr: addr}
}

// licenseState is the client code of a license's state, machine aside.
func licenseState(l *License, now time.Time) string {
	if l.Deleted != nil {
		return CodeUnknownKey
	}
	switch l.Status {
	case StatusOrdered:
		if !now.Before(l.ActivateBy) {
			return CodeExpired
		}
		return CodeNotActivated
	case StatusSuspended:
		return CodeSuspended
	case StatusExpired:
		return CodeExpired
	case StatusCancelled:
		return CodeCancelled
	case StatusTransferredOut:
		return CodeUnknownKey // the key lives at another desk now
	}
	if l.ValidTo != nil && !now.Before(*l.ValidTo) {
		return CodeExpired
	}
	return CodeOK
}

func registered(l *License, fp string) int {
	return slices.IndexFunc(l.Registrations, func(r Registration) bool { return r.Machine == fp })
}

// machineState is the client code for fp on a license in good standing.
func machineState(l *License, fp string) string {
	if registered(l, fp) >= 0 {
		return CodeOK
	}
	if len(l.Registrations) >= l.Seats {
		return CodeMachineLimit
	}
	return CodeMachineNotActivated
}

// clientLookup checks the call's shape and the address's limit, then
// finds the license by key in tx. A missing key counts against the
// address. For read transactions only: a write may run more than once,
// and uses clientFind, counting the failure after it (lookupMissed).
func (s *Service) clientLookup(tx *storage.Tx, in ClientCall) (License, bool, error) {
	var miss lookupMiss
	l, ok, err := s.clientFind(tx, in, &miss)
	s.lookupMissed(in.Addr, miss)
	return l, ok, err
}

// clientFind is clientLookup without counting: a failed lookup sets
// *miss (and a successful one clears it).
func (s *Service) clientFind(tx *storage.Tx, in ClientCall, miss *lookupMiss) (License, bool, error) {
	*miss = false
	now := s.now()
	if s.clientLimits.blocked(in.Addr, now) {
		return License{}, false, clientErr(CodeRateLimited, "too many failed requests from this address; wait a few minutes")
	}
	key, err := clientKey(in.Key)
	if err == nil {
		err = clientFingerprint(in.Fingerprint)
	}
	if err != nil {
		*miss = true
		return License{}, false, err
	}
	raw := tx.GetRaw(storage.LicensesByKey, []byte(key))
	if raw == nil {
		*miss = true
		return License{}, false, nil
	}
	l, err := rawLicense(tx, storage.DecodeID(raw))
	if err != nil {
		return License{}, false, err
	}
	if licenseState(&l, now) == CodeUnknownKey {
		*miss = true
		return License{}, false, nil
	}
	return l, true, nil
}

// lookupMissed counts a failed lookup against addr, once.
func (s *Service) lookupMissed(addr string, miss lookupMiss) {
	if miss {
		s.clientFailed(addr)
	}
}

// clientFailed counts a failed lookup and audits an address the moment
// it is locked out.
func (s *Service) clientFailed(addr string) {
	if !s.clientLimits.fail(addr, s.now()) {
		return
	}
	// Audited after the caller's transaction, never inside it.
	s.clientBG.run(func() {
		a := clientActor(addr)
		if err := s.update(func(tx *storage.Tx) error {
			return s.audit(tx, a, "client.locked", addr, "too many unknown keys or malformed requests: calls refused for a while")
		}); err != nil {
			s.log.Error("audit a locked client address", "addr", addr, "err", err)
		}
	})
}

func statusOf(l *License, code string) ClientStatus {
	return ClientStatus{Valid: code == CodeOK, Code: code, ValidTo: l.ValidTo, Seats: l.Seats, SeatsUsed: len(l.Registrations)}
}

// ClientValidate says whether a key is valid for a machine now. It reads
// one license by key and writes nothing; an unknown key is an answer
// (valid false, code unknown_key), not an error.
func (s *Service) ClientValidate(in ClientCall) (ClientStatus, error) {
	var st ClientStatus
	err := s.db.View(func(tx *storage.Tx) error {
		l, ok, err := s.clientLookup(tx, in)
		if err != nil || !ok {
			st = ClientStatus{Code: CodeUnknownKey}
			return err
		}
		code := licenseState(&l, s.now())
		if code == CodeOK {
			code = machineState(&l, in.Fingerprint)
		}
		st = statusOf(&l, code)
		if code == CodeOK {
			s.seen.touch(l.ID, in.Fingerprint, s.now())
		}
		return nil
	})
	if err != nil {
		return ClientStatus{}, err
	}
	s.flushSeenSoon()
	return st, nil
}

// ClientActivate registers a machine on a license. A machine already
// registered is answered from a read, with no write; a new one takes a
// seat, refused past the seat limit. The first activation of a bought
// key starts its period (F7).
func (s *Service) ClientActivate(in ClientCall) (ClientActivation, error) {
	host, err := clientHostname(in.Hostname)
	if err != nil {
		return ClientActivation{}, err
	}
	var out ClientActivation
	done := false
	err = s.db.View(func(tx *storage.Tx) error {
		l, ok, err := s.clientLookup(tx, in)
		if err != nil {
			return err
		}
		if !ok {
			return clientErr(CodeUnknownKey, "no license has this key")
		}
		if i := registered(&l, in.Fingerprint); i >= 0 {
			if code := licenseState(&l, s.now()); code != CodeOK {
				return stateErr(code)
			}
			out = ClientActivation{ClientStatus: statusOf(&l, CodeOK), Machine: in.Fingerprint, Hostname: l.Registrations[i].Hostname, Already: true}
			s.seen.touch(l.ID, in.Fingerprint, s.now())
			done = true
		}
		return nil
	})
	if err != nil || done {
		s.flushSeenSoon()
		return out, err
	}
	a := clientActor(in.Addr)
	var miss lookupMiss
	defer func() { s.lookupMissed(in.Addr, miss) }()
	err = s.update(func(tx *storage.Tx) error {
		out = ClientActivation{} // the transaction may run again
		old, ok, err := s.clientFind(tx, in, &miss)
		if err != nil {
			return err
		}
		if !ok {
			return clientErr(CodeUnknownKey, "no license has this key")
		}
		now := s.now()
		code := licenseState(&old, now)
		if code == CodeNotActivated {
			code = CodeOK // this activation starts the period
		}
		if code != CodeOK {
			return stateErr(code)
		}
		if old.Status.ReadOnly() {
			return clientErr(CodeReadOnly, "the license is being transferred; machines cannot change until it is done")
		}
		if i := registered(&old, in.Fingerprint); i >= 0 { // registered meanwhile
			out = ClientActivation{ClientStatus: statusOf(&old, CodeOK), Machine: in.Fingerprint, Hostname: old.Registrations[i].Hostname, Already: true}
			return nil
		}
		if len(old.Registrations) >= old.Seats {
			return clientErr(CodeMachineLimit, "every seat of this license is taken; deactivate a machine first")
		}
		l := old
		l.Registrations = append(slices.Clone(old.Registrations), Registration{Machine: in.Fingerprint, Hostname: host, At: now})
		startPeriod(&l, now)
		l.Updated = now
		if err := putLicense(tx, &old, &l); err != nil {
			return err
		}
		out = ClientActivation{ClientStatus: statusOf(&l, CodeOK), Machine: in.Fingerprint, Hostname: host}
		return s.writeHistory(tx, a, "client.activate", &old, &l)
	})
	return out, err
}

// deactivationsPerLicense bounds how many machines a client may
// deactivate on one license in limitWindow (240 an hour). Activations
// are bounded by the seats, so this also bounds a client that activates
// and deactivates in a loop: each turn writes the license and two
// history entries. The owner and the operator remove machines in the UI
// without this bound.
const deactivationsPerLicense = 60

// ClientDeactivate frees the machine's seat.
func (s *Service) ClientDeactivate(in ClientCall) (ClientStatus, error) {
	var out ClientStatus
	a := clientActor(in.Addr)
	// The deactivation is counted before the write and handed back when
	// it does not happen, so many at once cannot all pass the limit.
	slot, at := NormaliseKey(in.Key), s.now()
	if !s.deactivations.take(slot, at) {
		return out, clientErr(CodeRateLimited, fmt.Sprintf("machines were deactivated on this license %d times in %d minutes; wait a few minutes", deactivationsPerLicense, int(limitWindow.Minutes())))
	}
	var miss lookupMiss
	defer func() { s.lookupMissed(in.Addr, miss) }()
	err := s.update(func(tx *storage.Tx) error {
		old, ok, err := s.clientFind(tx, in, &miss)
		if err != nil {
			return err
		}
		if !ok {
			return clientErr(CodeUnknownKey, "no license has this key")
		}
		l, err := s.removeMachineTx(tx, a, old, in.Fingerprint, "client.deactivate")
		if err != nil {
			return err
		}
		out = statusOf(&l, licenseState(&l, s.now()))
		out.Valid = false // this machine no longer holds a seat
		return nil
	})
	if err != nil {
		s.deactivations.give(slot, at)
	}
	return out, err
}

// removeMachineTx drops a machine's registration in the caller's
// transaction, with its history entry.
func (s *Service) removeMachineTx(tx *storage.Tx, a Actor, old License, fp, action string) (License, error) {
	if old.Status.ReadOnly() {
		return License{}, clientErr(CodeReadOnly, "the license is being transferred; machines cannot change until it is done")
	}
	i := registered(&old, fp)
	if i < 0 {
		return License{}, clientErr(CodeMachineNotActivated, "this machine is not registered on the license")
	}
	l := old
	l.Registrations = slices.Delete(slices.Clone(old.Registrations), i, i+1)
	l.Updated = s.now()
	if err := putLicense(tx, &old, &l); err != nil {
		return License{}, err
	}
	if err := deleteSeen(tx, l.ID, fp); err != nil {
		return License{}, err
	}
	return l, s.writeHistory(tx, a, action, &old, &l)
}

// Machine is a registered machine as the license page shows it.
type Machine struct {
	Registration
	LastSeen *time.Time `json:"last_seen,omitempty"`
}

// LicenseMachines lists the machines registered on a license the actor
// may see, with when each was last seen (to the hour).
func (s *Service) LicenseMachines(a Actor, id uint64) ([]Machine, error) {
	var out []Machine
	err := s.db.View(func(tx *storage.Tx) error {
		l, err := visibleLicense(tx, a, id)
		if err != nil {
			return err
		}
		out = make([]Machine, 0, len(l.Registrations))
		for _, r := range l.Registrations {
			// Seen when it registered, until a call says later (an
			// activation writes no last-seen time of its own).
			m := Machine{Registration: r, LastSeen: &r.At}
			if t, ok := getSeen(tx, l.ID, r.Machine); ok && t.After(r.At) {
				m.LastSeen = &t
			}
			if t, ok := s.seen.pendingAt(l.ID, r.Machine); ok && (m.LastSeen == nil || t.After(*m.LastSeen)) {
				m.LastSeen = &t
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// RemoveMachine frees a machine's seat from the license page (the
// license's partner or the operator).
func (s *Service) RemoveMachine(a Actor, id uint64, fingerprint string) (LicenseView, error) {
	var l License
	err := s.update(func(tx *storage.Tx) error {
		old, err := visibleLicense(tx, a, id)
		if err != nil {
			return err
		}
		l, err = s.removeMachineTx(tx, a, old, fingerprint, "machine.remove")
		return err
	})
	if err != nil {
		return LicenseView{}, err
	}
	return s.decorate(l), nil
}

package app

import (
	"errors"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"licensedesk/storage"
)

// User is a login. Operators see everything; partner users act for one partner.
type User struct {
	ID        uint64     `json:"id"`
	Email     string     `json:"email"`
	Name      string     `json:"name,omitempty"`
	Role      Role       `json:"role"`
	PartnerID uint64     `json:"partner_id,omitempty"`
	Disabled  bool       `json:"disabled"`
	Created   time.Time  `json:"created"`
	LastLogin *time.Time `json:"last_login,omitempty"`
}

// userRecord is what is stored: the user plus its password hash, which
// never leaves the service.
type userRecord struct {
	User
	PasswordHash string `json:"password_hash"`
}

// UserInput creates or changes a user. Nil fields are left as they are.
type UserInput struct {
	Email     *string `json:"email"`
	Name      *string `json:"name"`
	Role      *Role   `json:"role"`
	PartnerID *uint64 `json:"partner_id"`
	Password  *string `json:"password"`
	Disabled  *bool   `json:"disabled"`
	// CurrentPassword proves a user changing its own password knows the
	// old one; it is not needed when an operator sets another user's.
	CurrentPassword *string `json:"current_password"`
}

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

func validEmail(field, e string) error {
	if e == "" {
		return Invalid(field, "is required")
	}
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Address != e || !strings.Contains(e, "@") {
		return Invalid(field, "%q is not an email address like name@example.com", e)
	}
	return nil
}

func toActor(u User, addr string) Actor {
	return Actor{UserID: u.ID, Email: u.Email, Role: u.Role, PartnerID: u.PartnerID, Addr: addr}
}

// CreateUser adds a login (operator only; the command line acts as System).
func (s *Service) CreateUser(a Actor, in UserInput) (User, error) {
	if err := a.requireOperator(); err != nil {
		return User{}, err
	}
	if in.Password == nil {
		return User{}, Invalid("password", "is required")
	}
	if in.Role == nil {
		return User{}, Invalid("role", "is required: operator or partner")
	}
	hash, err := prehash(in)
	if err != nil {
		return User{}, err
	}
	var rec userRecord
	err = s.update(func(tx *storage.Tx) error {
		if err := s.applyUser(tx, &rec, in, true, hash); err != nil {
			return err
		}
		id, err := tx.NextID(storage.Users)
		if err != nil {
			return err
		}
		rec.ID = id
		rec.Created = s.now()
		if err := s.saveUser(tx, rec, ""); err != nil {
			return err
		}
		return s.audit(tx, a, "user.create", rec.Email, string(rec.Role))
	})
	return rec.User, err
}

// prehash validates and hashes a new password before the transaction:
// argon2 is slow on purpose and must not hold bbolt's single writer.
func prehash(in UserInput) (string, error) {
	if in.Password == nil {
		return "", nil
	}
	if err := validatePassword(*in.Password); err != nil {
		return "", err
	}
	return hashPassword(*in.Password)
}

// applyUser validates in and copies it onto rec; hash is in.Password's,
// from prehash.
func (s *Service) applyUser(tx *storage.Tx, rec *userRecord, in UserInput, creating bool, hash string) error {
	if in.Email != nil {
		rec.Email = normEmail(*in.Email)
		if err := validEmail("email", rec.Email); err != nil {
			return err
		}
	} else if creating {
		return Invalid("email", "is required")
	}
	if in.Name != nil {
		rec.Name = strings.TrimSpace(*in.Name)
		if len(rec.Name) > 200 {
			return Invalid("name", "must be at most 200 characters")
		}
		if err := checkOneLine("name", rec.Name); err != nil {
			return err
		}
	}
	if in.Role != nil {
		if !in.Role.Valid() {
			return Invalid("role", "must be operator or partner, not %q", *in.Role)
		}
		rec.Role = *in.Role
	}
	if in.PartnerID != nil {
		rec.PartnerID = *in.PartnerID
	}
	if rec.Role == RoleOperator {
		rec.PartnerID = 0
	} else {
		if rec.PartnerID == 0 {
			return Invalid("partner_id", "a partner user needs the partner it acts for")
		}
		var p Partner
		if err := tx.Get(storage.Partners, storage.EncodeID(rec.PartnerID), &p); err != nil {
			if errors.Is(err, ErrNotFound) {
				return Invalid("partner_id", "there is no partner %d", rec.PartnerID)
			}
			return err
		}
	}
	if in.Password != nil {
		rec.PasswordHash = hash
	}
	if in.Disabled != nil {
		rec.Disabled = *in.Disabled
	}
	return nil
}

func (s *Service) saveUser(tx *storage.Tx, rec userRecord, oldEmail string) error {
	if oldEmail != "" && oldEmail != rec.Email {
		if err := tx.Delete(storage.UsersByEmail, []byte(oldEmail)); err != nil {
			return err
		}
	}
	if err := tx.Unique(storage.UsersByEmail, rec.Email, rec.ID); err != nil {
		if errors.Is(err, ErrConflict) {
			return Conflict("email", "a user with email %s already exists", rec.Email)
		}
		return err
	}
	return tx.Put(storage.Users, storage.EncodeID(rec.ID), rec)
}

func getUser(tx *storage.Tx, id uint64) (userRecord, error) {
	var rec userRecord
	err := tx.Get(storage.Users, storage.EncodeID(id), &rec)
	return rec, err
}

func userByEmail(tx *storage.Tx, email string) (userRecord, error) {
	id, err := tx.Lookup(storage.UsersByEmail, normEmail(email))
	if err != nil {
		return userRecord{}, err
	}
	return getUser(tx, id)
}

// GetUser returns a user the actor may see: operators see all, a partner
// user sees its own partner's users.
func (s *Service) GetUser(a Actor, id uint64) (User, error) {
	var rec userRecord
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		rec, err = getUser(tx, id)
		return err
	})
	if err != nil {
		return User{}, err
	}
	if !a.IsOperator() && (rec.PartnerID != a.PartnerID || a.PartnerID == 0) {
		return User{}, ErrNotFound
	}
	return rec.User, nil
}

// UserByEmail finds a user by email (operator only).
func (s *Service) UserByEmail(a Actor, email string) (User, error) {
	if err := a.requireOperator(); err != nil {
		return User{}, err
	}
	var rec userRecord
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		rec, err = userByEmail(tx, email)
		return err
	})
	return rec.User, err
}

// ListUsers lists the users the actor may see. Filters: email, role, partner_id.
func (s *Service) ListUsers(a Actor, p ListParams) (Page[User], error) {
	if err := p.only("email", "role", "partner_id"); err != nil {
		return Page[User]{}, err
	}
	var all []User
	email, role, partner := p.Filter("email"), p.Filter("role"), p.Filter("partner_id")
	// A value no user can have is a mistake to name, not an empty list.
	if role != "" && !Role(role).Valid() {
		return Page[User]{}, Invalid("role", "must be operator or partner")
	}
	if partner != "" {
		if _, err := strconv.ParseUint(partner, 10, 64); err != nil {
			return Page[User]{}, Invalid("partner_id", "%q is not a partner id", partner)
		}
	}
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		tx.Each(storage.Users, nil, func(k, v []byte) bool {
			var rec userRecord
			if err = jsonUnmarshal(v, &rec); err != nil {
				return false
			}
			u := rec.User
			if !a.IsOperator() && (u.PartnerID != a.PartnerID || a.PartnerID == 0) {
				return true
			}
			if !containsFold(u.Email, email) || (role != "" && string(u.Role) != role) ||
				(partner != "" && partner != uintStr(u.PartnerID)) {
				return true
			}
			all = append(all, u)
			return true
		})
		return err
	})
	if err != nil {
		return Page[User]{}, err
	}
	return paginate(all, p, sortKeys[User]{
		"id": func(u User) any { return u.ID }, "email": func(u User) any { return u.Email },
		"role": func(u User) any { return string(u.Role) }, "created": func(u User) any { return u.Created },
		"partner_id": func(u User) any { return u.PartnerID },
	}, "email")
}

// UpdateUser changes a user (operator only, or a user changing its own
// name and password).
func (s *Service) UpdateUser(a Actor, id uint64, in UserInput) (User, error) {
	self := a.UserID == id && a.UserID != 0
	if !a.IsOperator() {
		if !self {
			// Another partner's user is not there for this actor; a
			// colleague is, but is not the actor's to change.
			if _, err := s.GetUser(a, id); err != nil {
				return User{}, err
			}
			return User{}, ErrForbidden
		}
		if in.Email != nil || in.Role != nil || in.PartnerID != nil || in.Disabled != nil {
			return User{}, ErrForbidden
		}
	}
	hash, err := prehash(in)
	if err != nil {
		return User{}, err
	}
	if self && in.Password != nil {
		// The same proof the settings page asks for, whatever the
		// channel: a leaked token must not become a web login.
		if err := s.proveCurrentPassword(a, in.CurrentPassword); err != nil {
			return User{}, err
		}
	}
	var rec userRecord
	err = s.update(func(tx *storage.Tx) error {
		var err error
		if rec, err = getUser(tx, id); err != nil {
			return err
		}
		old := rec.Email
		wasOperator := rec.Role == RoleOperator && !rec.Disabled
		if err := s.applyUser(tx, &rec, in, false, hash); err != nil {
			return err
		}
		if wasOperator && (rec.Role != RoleOperator || rec.Disabled) {
			if err := lastOperatorGuard(tx, id); err != nil {
				return err
			}
		}
		if err := s.saveUser(tx, rec, old); err != nil {
			return err
		}
		if in.Password != nil || in.Disabled != nil && rec.Disabled {
			if err := endSessions(tx, id, ""); err != nil {
				return err
			}
		}
		return s.audit(tx, a, "user.update", rec.Email, changedFields(in))
	})
	return rec.User, err
}

// lastOperatorGuard refuses to remove the last active operator.
func lastOperatorGuard(tx *storage.Tx, except uint64) error {
	n := 0
	tx.Each(storage.Users, nil, func(k, v []byte) bool {
		var u userRecord
		if jsonUnmarshal(v, &u) == nil && u.Role == RoleOperator && !u.Disabled && u.ID != except {
			n++
		}
		return n == 0
	})
	if n == 0 {
		return Invalid("role", "this is the last active operator; add another operator first")
	}
	return nil
}

// DeleteUser removes a user with its sessions and tokens (operator only).
func (s *Service) DeleteUser(a Actor, id uint64) error {
	if err := a.requireOperator(); err != nil {
		return err
	}
	return s.update(func(tx *storage.Tx) error {
		rec, err := getUser(tx, id)
		if err != nil {
			return err
		}
		if rec.Role == RoleOperator && !rec.Disabled {
			if err := lastOperatorGuard(tx, id); err != nil {
				return err
			}
		}
		if err := tx.Delete(storage.UsersByEmail, []byte(rec.Email)); err != nil {
			return err
		}
		if err := tx.Delete(storage.Users, storage.EncodeID(id)); err != nil {
			return err
		}
		if err := endSessions(tx, id, ""); err != nil {
			return err
		}
		return s.audit(tx, a, "user.delete", rec.Email, "")
	})
}

// SetPassword sets a user's password by email (the command line's passwd).
func (s *Service) SetPassword(a Actor, email, password string) error {
	if err := a.requireOperator(); err != nil {
		return err
	}
	if err := validatePassword(password); err != nil {
		return err
	}
	h, err := hashPassword(password)
	if err != nil {
		return err
	}
	return s.update(func(tx *storage.Tx) error {
		rec, err := userByEmail(tx, email)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return Invalid("email", "there is no user %s", normEmail(email))
			}
			return err
		}
		rec.PasswordHash = h
		if err := tx.Put(storage.Users, storage.EncodeID(rec.ID), rec); err != nil {
			return err
		}
		if err := endSessions(tx, rec.ID, ""); err != nil {
			return err
		}
		return s.audit(tx, a, "user.passwd", rec.Email, "")
	})
}

// CountUsers is the number of users (0 on a fresh data directory).
func (s *Service) CountUsers() int {
	n := 0
	s.db.View(func(tx *storage.Tx) error { n = tx.Count(storage.Users); return nil })
	return n
}

func changedFields(in UserInput) string {
	var f []string
	if in.Email != nil {
		f = append(f, "email")
	}
	if in.Name != nil {
		f = append(f, "name")
	}
	if in.Role != nil {
		f = append(f, "role")
	}
	if in.PartnerID != nil {
		f = append(f, "partner_id")
	}
	if in.Password != nil {
		f = append(f, "password")
	}
	if in.Disabled != nil {
		f = append(f, "disabled")
	}
	return strings.Join(f, ",")
}

// ChangePassword lets a signed-in user change its own password, proving
// the current one. Every other browser it is signed in on is signed out;
// the session keepSID (the caller's own cookie, "" for none) stays.
func (s *Service) ChangePassword(a Actor, current, next, keepSID string) error {
	if a.UserID == 0 {
		return ErrUnauthorized
	}
	if err := validatePassword(next); err != nil {
		return &ValidationError{Field: "new_password", Message: err.(*ValidationError).Message}
	}
	if err := s.proveCurrentPassword(a, &current); err != nil {
		return err
	}
	h, err := hashPassword(next)
	if err != nil {
		return err
	}
	return s.update(func(tx *storage.Tx) error {
		cur, err := getUser(tx, a.UserID)
		if err != nil {
			return err
		}
		cur.PasswordHash = h
		if err := tx.Put(storage.Users, storage.EncodeID(cur.ID), cur); err != nil {
			return err
		}
		if err := endSessions(tx, cur.ID, keepSID); err != nil {
			return err
		}
		return s.audit(tx, a, "user.passwd", cur.Email, "self")
	})
}

// proveCurrentPassword checks that the actor knows its own current
// password: through the sign-in check, so it is compared in constant time
// and wrong guesses count towards the sign-in limit.
func (s *Service) proveCurrentPassword(a Actor, current *string) error {
	if current == nil || *current == "" {
		return Invalid("current_password", "is required to change your own password")
	}
	rec, err := s.authenticate(a.Email, *current, a.Addr)
	if err != nil {
		if errors.Is(err, ErrBadLogin) {
			return Invalid("current_password", "is not your current password")
		}
		return err
	}
	if rec.ID != a.UserID {
		return ErrForbidden
	}
	return nil
}

package app

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strconv"
	"strings"
	"time"

	"licensedesk/storage"
)

// SessionTTL is how long a browser session lasts without activity.
const SessionTTL = 12 * time.Hour

// Session is a signed-in browser.
type Session struct {
	UserID  uint64    `json:"user_id"`
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Addr    string    `json:"addr"`
}

func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// authenticate checks email and password, counting failures per account
// and per address. The same error answers an unknown email and a wrong
// password.
// The password is checked outside any write transaction: argon2 is slow
// on purpose and must not hold bbolt's single writer.
func (s *Service) authenticate(email, password, addr string) (userRecord, error) {
	email = normEmail(email)
	at := s.now()
	// Counted as a failure until the password proves right.
	if err := s.limiter.take(email, addr, at); err != nil {
		return userRecord{}, err
	}
	var rec userRecord
	blocked := false
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		rec, err = userByEmail(tx, email)
		blocked = err == nil && !s.signInAllowed(tx, rec)
		return err
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return userRecord{}, err
	}
	if err != nil || blocked {
		checkPassword(dummyHash, password)
		return userRecord{}, ErrBadLogin
	}
	if !checkPassword(rec.PasswordHash, password) {
		return userRecord{}, ErrBadLogin
	}
	s.limiter.succeed(email, addr, at)
	return rec, nil
}

// signInAllowed reports whether a user may sign in or use its session and
// tokens: not when it is disabled, nor when the partner it acts for is
// disabled or gone.
func (s *Service) signInAllowed(tx *storage.Tx, rec userRecord) bool {
	if rec.Disabled {
		return false
	}
	if rec.Role != RolePartner {
		return true
	}
	p, err := cachedByID(&s.partnerCache, tx, storage.Partners, rec.PartnerID)
	return err == nil && !p.Disabled
}

// Login checks the credentials and opens a session. It returns the
// session id for the cookie. Every attempt is audited.
func (s *Service) Login(email, password, addr string) (sid string, u User, err error) {
	rec, authErr := s.authenticate(email, password, addr)
	if authErr != nil {
		// Wrong passwords are bounded by the limiter; refusals by the
		// limit are audited once per window, so a flood of attempts
		// does not become a flood of durable writes.
		if errors.Is(authErr, ErrBadLogin) || errors.Is(authErr, ErrRateLimited) && s.limiter.auditLimited(normEmail(email), addr, s.now()) {
			if err := s.db.Update(func(tx *storage.Tx) error {
				typed := typedForAudit(normEmail(email))
				return s.audit(tx, Actor{Email: typed, Addr: addr}, "login.failed", typed, authErr.Error())
			}); err != nil {
				return "", User{}, err
			}
		}
		return "", User{}, authErr
	}
	err = s.db.Update(func(tx *storage.Tx) error {
		now := s.now()
		sid = randomToken(32)
		sess := Session{UserID: rec.ID, CSRF: randomToken(32), Created: now, Expires: now.Add(SessionTTL), Addr: addr}
		if err := tx.Put(storage.Sessions, hashSecret(sid), sess); err != nil {
			return err
		}
		// Re-read: the record may have changed since the password check.
		cur, err := getUser(tx, rec.ID)
		if err != nil {
			return err
		}
		cur.LastLogin = &now
		if err := tx.Put(storage.Users, storage.EncodeID(cur.ID), cur); err != nil {
			return err
		}
		u = cur.User
		return s.audit(tx, toActor(cur.User, addr), "login", cur.Email, "")
	})
	if err != nil {
		return "", User{}, err
	}
	return sid, u, nil
}

// SessionActor resolves a session cookie to its actor and CSRF token,
// sliding its expiry forward when it is more than a minute old.
func (s *Service) SessionActor(sid, addr string) (Actor, string, error) {
	if sid == "" {
		return Actor{}, "", ErrUnauthorized
	}
	key := hashSecret(sid)
	var sess Session
	var rec userRecord
	blocked := false
	err := s.db.View(func(tx *storage.Tx) error {
		if err := tx.Get(storage.Sessions, key, &sess); err != nil {
			return err
		}
		var err error
		rec, err = getUser(tx, sess.UserID)
		blocked = err == nil && !s.signInAllowed(tx, rec)
		return err
	})
	now := s.now()
	if errors.Is(err, ErrNotFound) || err == nil && (now.After(sess.Expires) || blocked) {
		return Actor{}, "", ErrUnauthorized
	}
	if err != nil {
		return Actor{}, "", err
	}
	if sess.Expires.Sub(now) < SessionTTL-time.Minute {
		sess.Expires = now.Add(SessionTTL)
		// A lost refresh only shortens the session; it is not worth failing the request.
		_ = s.db.Batch(func(tx *storage.Tx) error {
			if tx.GetRaw(storage.Sessions, key) == nil {
				return nil
			}
			return tx.Put(storage.Sessions, key, sess)
		})
	}
	return toActor(rec.User, addr), sess.CSRF, nil
}

// Logout ends a session.
func (s *Service) Logout(sid string) error {
	return s.db.Update(func(tx *storage.Tx) error {
		var sess Session
		if err := tx.Get(storage.Sessions, hashSecret(sid), &sess); err != nil {
			return nil
		}
		if err := tx.Delete(storage.Sessions, hashSecret(sid)); err != nil {
			return err
		}
		rec, err := getUser(tx, sess.UserID)
		if err != nil {
			return nil
		}
		return s.audit(tx, toActor(rec.User, sess.Addr), "logout", rec.Email, "")
	})
}

// PurgeSessions deletes expired sessions.
func (s *Service) PurgeSessions() error {
	now := s.now()
	return s.db.Update(func(tx *storage.Tx) error {
		var dead [][]byte
		tx.Each(storage.Sessions, nil, func(k, v []byte) bool {
			var sess Session
			if jsonUnmarshal(v, &sess) != nil || now.After(sess.Expires) {
				dead = append(dead, append([]byte(nil), k...))
			}
			return true
		})
		for _, k := range dead {
			if err := tx.Delete(storage.Sessions, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// CheckCSRF compares a submitted token with the session's in constant time.
func CheckCSRF(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// endSessions signs a user out of every browser except the session whose
// cookie value is keep ("" ends them all): after a password change,
// disable or delete. API tokens stay until revoked; a disabled or deleted
// user's tokens stop working because the user does.
func endSessions(tx *storage.Tx, userID uint64, keep string) error {
	var keepKey []byte
	if keep != "" {
		keepKey = hashSecret(keep)
	}
	var dead [][]byte
	tx.Each(storage.Sessions, nil, func(k, v []byte) bool {
		var sess Session
		if jsonUnmarshal(v, &sess) == nil && sess.UserID == userID && string(k) != string(keepKey) {
			dead = append(dead, append([]byte(nil), k...))
		}
		return true
	})
	for _, k := range dead {
		if err := tx.Delete(storage.Sessions, k); err != nil {
			return err
		}
	}
	return nil
}

// tokenPrefix marks licensedesk API tokens so they are recognisable in logs
// and secret scanners.
const tokenPrefix = "ldt_"

// Token is an API token for scripts. Only its hash is stored.
type Token struct {
	ID       uint64     `json:"id"`
	UserID   uint64     `json:"user_id"`
	Email    string     `json:"email"`
	Name     string     `json:"name,omitempty"`
	Hint     string     `json:"hint"` // the first characters, to tell tokens apart
	Created  time.Time  `json:"created"`
	LastUsed *time.Time `json:"last_used,omitempty"`
}

func (s *Service) issueToken(tx *storage.Tx, a Actor, rec userRecord, name string) (string, Token, error) {
	raw := tokenPrefix + randomToken(32)
	id, err := tx.NextID(storage.Tokens)
	if err != nil {
		return "", Token{}, err
	}
	t := Token{ID: id, UserID: rec.ID, Email: rec.Email, Name: strings.TrimSpace(name), Hint: raw[:len(tokenPrefix)+6], Created: s.now()}
	if err := tx.Put(storage.Tokens, hashSecret(raw), t); err != nil {
		return "", Token{}, err
	}
	return raw, t, s.audit(tx, a, "token.create", rec.Email, t.Hint)
}

// CreateTokenForUser issues a token for email (operator, or the command line).
func (s *Service) CreateTokenForUser(a Actor, email, name string) (string, Token, error) {
	if err := a.requireOperator(); err != nil {
		return "", Token{}, err
	}
	var raw string
	var t Token
	err := s.db.Update(func(tx *storage.Tx) error {
		rec, err := userByEmail(tx, email)
		if errors.Is(err, ErrNotFound) {
			return Invalid("email", "there is no user %s", normEmail(email))
		}
		if err != nil {
			return err
		}
		raw, t, err = s.issueToken(tx, a, rec, name)
		return err
	})
	return raw, t, err
}

// CreateTokenWithPassword issues a token to whoever proves the password:
// POST /api/v1/tokens. Rate-limited like a login.
func (s *Service) CreateTokenWithPassword(email, password, addr, name string) (string, Token, error) {
	rec, authErr := s.authenticate(email, password, addr)
	if authErr != nil {
		if errors.Is(authErr, ErrBadLogin) || errors.Is(authErr, ErrRateLimited) {
			if err := s.db.Update(func(tx *storage.Tx) error {
				typed := typedForAudit(normEmail(email))
				return s.audit(tx, Actor{Email: typed, Addr: addr}, "token.failed", typed, authErr.Error())
			}); err != nil {
				return "", Token{}, err
			}
		}
		return "", Token{}, authErr
	}
	var raw string
	var t Token
	err := s.db.Update(func(tx *storage.Tx) error {
		var err error
		raw, t, err = s.issueToken(tx, toActor(rec.User, addr), rec, name)
		return err
	})
	return raw, t, err
}

// TokenActor resolves a bearer token.
func (s *Service) TokenActor(raw, addr string) (Actor, error) {
	if !strings.HasPrefix(raw, tokenPrefix) {
		return Actor{}, ErrUnauthorized
	}
	var t Token
	var rec userRecord
	blocked := false
	key := hashSecret(raw)
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		if t, err = s.tokenCache.get(tx, storage.Tokens, string(key), key); err != nil {
			return err
		}
		if rec, err = cachedByID(&s.userCache, tx, storage.Users, t.UserID); err != nil {
			return err
		}
		blocked = !s.signInAllowed(tx, rec)
		return nil
	})
	if errors.Is(err, ErrNotFound) || err == nil && blocked {
		return Actor{}, ErrUnauthorized
	}
	if err != nil {
		return Actor{}, err
	}
	s.noteTokenUse(key, t)
	return toActor(rec.User, addr), nil
}

// tokenUseEvery is how often a token's last use is written: recording
// every request would make every API call a durable write.
const tokenUseEvery = time.Minute

// noteTokenUse records that a token was used, at most once per
// tokenUseEvery per token (remembered in memory too, so concurrent
// requests do not all write), through the batched writer.
func (s *Service) noteTokenUse(key []byte, t Token) {
	now := s.now()
	if t.LastUsed != nil && now.Sub(*t.LastUsed) < tokenUseEvery {
		return
	}
	if v, ok := s.tokenUse.Load(string(key)); ok && now.Sub(v.(time.Time)) < tokenUseEvery {
		return
	}
	s.tokenUse.Store(string(key), now)
	err := s.db.Batch(func(tx *storage.Tx) error {
		var cur Token
		if err := tx.Get(storage.Tokens, key, &cur); err != nil {
			return nil // revoked meanwhile
		}
		cur.LastUsed = &now
		return tx.Put(storage.Tokens, key, cur)
	})
	if err != nil {
		s.log.Warn("could not record a token's last use", "token", t.Hint, "err", err)
	}
}

// ListTokens lists the tokens the actor may see: its own, or all for an operator.
func (s *Service) ListTokens(a Actor) ([]Token, error) {
	out := []Token{}
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		tx.Each(storage.Tokens, nil, func(k, v []byte) bool {
			var t Token
			if err = jsonUnmarshal(v, &t); err != nil {
				return false
			}
			if a.IsOperator() || t.UserID == a.UserID {
				out = append(out, t)
			}
			return true
		})
		return err
	})
	return out, err
}

// RevokeToken deletes a token by its id or by its full value. Users revoke
// their own; operators any.
func (s *Service) RevokeToken(a Actor, idOrToken string) error {
	return s.update(func(tx *storage.Tx) error {
		var key []byte
		var t Token
		if strings.HasPrefix(idOrToken, tokenPrefix) {
			key = hashSecret(idOrToken)
			if err := tx.Get(storage.Tokens, key, &t); err != nil {
				return err
			}
		} else {
			tx.Each(storage.Tokens, nil, func(k, v []byte) bool {
				var cand Token
				if jsonUnmarshal(v, &cand) == nil && uintStr(cand.ID) == idOrToken {
					t, key = cand, append([]byte(nil), k...)
					return false
				}
				return true
			})
			if key == nil {
				return ErrNotFound
			}
		}
		if !a.IsOperator() && t.UserID != a.UserID {
			return ErrNotFound
		}
		if err := tx.Delete(storage.Tokens, key); err != nil {
			return err
		}
		return s.audit(tx, a, "token.revoke", t.Email, t.Hint)
	})
}

// uintStr formats an id.
func uintStr(n uint64) string { return strconv.FormatUint(n, 10) }

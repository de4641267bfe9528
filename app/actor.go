package app

// Role is what a user may do.
type Role string

const (
	RoleOperator Role = "operator"
	RolePartner  Role = "partner"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOperator || r == RolePartner }

// Actor is who performs an action; every service call takes one and the
// service, not the web layer, decides what it may see and change.
type Actor struct {
	UserID    uint64
	Email     string
	Role      Role
	PartnerID uint64 // set for partner users
	Addr      string // remote address, for the audit log
}

// System acts for the command line and background jobs.
var System = Actor{Email: "system", Role: RoleOperator}

// IsOperator reports whether the actor sees everything.
func (a Actor) IsOperator() bool { return a.Role == RoleOperator }

func (a Actor) requireOperator() error {
	if a.Role != RoleOperator {
		return ErrForbidden
	}
	return nil
}

// canSeePartner reports whether the actor may see partner id's records.
func (a Actor) canSeePartner(id uint64) bool {
	return a.Role == RoleOperator || (a.Role == RolePartner && a.PartnerID == id && id != 0)
}

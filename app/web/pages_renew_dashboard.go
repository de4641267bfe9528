package web

import "licensedesk/app"

// renewalPanel is the dashboard's renewal part: the red banner of
// auto-renewals the balance does not cover (F32).
type renewalPanel struct {
	Shortfalls []app.PartnerCover
}

func (s *Server) renewalPanel(a app.Actor) (renewalPanel, error) {
	sf, err := s.svc.AutoRenewShortfalls(a)
	if err != nil {
		return renewalPanel{}, err
	}
	return renewalPanel{Shortfalls: sf}, nil
}

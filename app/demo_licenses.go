package app

import (
	"fmt"
)

// demoLicenses gives the demo partners licenses in every status: current
// ones with customers (some expiring within days), unused coupons,
// suspended, cancelled, payment-pending ones created by a manual-program
// partner, and older expired ones. Current licenses go through the normal
// services so their history is real; licenses whose whole life lies in
// the past are imported with their dates and then indexed.
func (s *Service) demoLicenses(a Actor, partners []Partner, logins []DemoLogin) (int, error) {
	var prods []Product
	page, err := s.ListProducts(a, ListParams{PerPage: MaxPerPage, Sort: "id"})
	if err != nil {
		return 0, err
	}
	prods = page.Items
	if len(prods) == 0 || len(partners) == 0 {
		return 0, nil
	}
	customers := []string{"Müller & Söhne GmbH", "Kowalski Transport Sp. z o.o.", "Riverside Dental Clinic", "Hoffmann Architekten",
		"Lakeview School District", "Dubois Logistique SARL", "Nordic Fisheries AB", "Greenleaf Pharmacy", "Orbit Studios Ltd",
		"Summit Legal LLP", "Vega Hotels", "Costa Engenharia Lda"}
	notes := []string{"", "", "Customer prefers renewal by invoice", "", "Moved to the new server in March", "",
		"VIP — call before expiry", "", "Replaces the trial key", ""}
	n := 0
	create := func(as Actor, in LicenseCreate) ([]LicenseView, error) {
		ls, err := s.CreateLicenses(as, in)
		n += len(ls)
		return ls, err
	}
	pick := func(i int) Product { return prods[i%len(prods)] }
	// seats picks a seat count the product allows.
	seats := func(p Product, want int) int {
		if p.MaxSeats > 0 {
			return min(max(want, p.MinSeats), p.MaxSeats)
		}
		return max(want, p.MinSeats)
	}
	for pi, p := range partners {
		for i := range 6 {
			prod := pick(pi + i)
			ed := prod.Editions[i%len(prod.Editions)]
			period := prod.Periods[i%len(prod.Periods)]
			in := LicenseCreate{ProductID: prod.ID, Edition: ed.Code, PeriodMonths: period, Seats: seats(prod, prod.MinSeats+4*i),
				PartnerID: p.ID, Customer: customers[(pi*6+i)%len(customers)], Notes: notes[(pi+i)%len(notes)]}
			if i%3 == 0 {
				in.IP = fmt.Sprintf("203.0.113.%d", 10+pi*6+i)
			}
			ls, err := create(a, in)
			if err != nil {
				return n, fmt.Errorf("demo license: %w", err)
			}
			l := ls[0]
			switch i {
			case 1: // ends soon: shows in the default "expiring soon" view
				to := s.now().AddDate(0, 0, 5+pi*3)
				_, err = s.EditLicense(a, l.ID, LicenseEdit{ValidTo: &to})
			case 2:
				_, err = s.SuspendLicense(a, l.ID)
			case 3:
				on, months := true, period
				_, err = s.EditLicense(a, l.ID, LicenseEdit{AutoRenew: &on, AutoRenewMonths: &months})
			case 5:
				_, err = s.CancelLicense(a, l.ID)
			}
			if err != nil {
				return n, fmt.Errorf("demo license %d: %w", l.ID, err)
			}
		}
		// Unused keys held for resale (coupons).
		prod := pick(pi)
		if _, err := create(a, LicenseCreate{ProductID: prod.ID, Edition: prod.Editions[0].Code, PeriodMonths: prod.Periods[0],
			Seats: prod.MinSeats, Count: 3, PartnerID: p.ID, Notes: "Stock for resale"}); err != nil {
			return n, fmt.Errorf("demo coupons: %w", err)
		}
	}
	// A manual-program partner creates licenses for its clients: payment pending.
	for _, lg := range logins {
		if lg.Role != RolePartner {
			continue
		}
		for _, p := range partners {
			if p.Name != lg.Partner || p.Program != ProgramManual {
				continue
			}
			var as Actor
			if err := s.withUser(lg.Email, func(u User) { as = toActor(u, "") }); err != nil {
				return n, err
			}
			prod := pick(int(p.ID))
			if _, err := create(as, LicenseCreate{ProductID: prod.ID, Edition: prod.Editions[0].Code, PeriodMonths: prod.Periods[0],
				Seats: seats(prod, prod.MinSeats+2), Count: 2, Customer: "Client of " + p.Name}); err != nil {
				return n, fmt.Errorf("demo pending licenses: %w", err)
			}
		}
	}
	// Older licenses whose period is over, and one mid-operation.
	now := s.now()
	var past []License
	for pi, p := range partners {
		prod := pick(pi + 2)
		bought := now.AddDate(-2, -pi, 0)
		from := bought.AddDate(0, 0, 3)
		to := addMonths(from, 12)
		past = append(past, License{Name: prod.Name, ProductID: prod.ID, ProductName: prod.Name, Edition: prod.Editions[0].Code,
			Seats: seats(prod, prod.MinSeats+1), PeriodMonths: 12, Status: StatusExpired, Payment: PaymentPaid, Purchased: bought,
			ValidFrom: &from, ValidTo: &to, ActivateBy: addMonths(bought, ActivationWindow), PartnerID: p.ID,
			DistributorID: p.DistributorID, Customer: customers[(pi+7)%len(customers)], Notes: "Not renewed", Updated: to})
	}
	prod := pick(0)
	from := now.AddDate(0, -6, 0)
	to := addMonths(from, 12)
	past = append(past, License{Name: prod.Name, ProductID: prod.ID, ProductName: prod.Name, Edition: prod.Editions[0].Code,
		Seats: prod.MinSeats, PeriodMonths: 12, Status: StatusInProgress, Payment: PaymentPaid, Purchased: from,
		ValidFrom: &from, ValidTo: &to, ActivateBy: addMonths(from, ActivationWindow), PartnerID: partners[0].ID,
		Customer: customers[3], Notes: "Migration to the next edition is running", Updated: now})
	if err := s.ImportLicenses(a, past); err != nil {
		return n, fmt.Errorf("demo past licenses: %w", err)
	}
	n += len(past)
	return n, s.Reindex()
}

// withUser calls fn with the user that has email.
func (s *Service) withUser(email string, fn func(User)) error {
	u, err := s.UserByEmail(System, email)
	if err != nil {
		return err
	}
	fn(u)
	return nil
}

package app

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"licensedesk/storage"
)

// Wrong activation codes racing the right one: a code is void after five
// wrong tries, however the tries arrive. Eight wrong codes queued ahead
// of the right one in one group commit (the writer is held while they
// queue, so their order is known) leave the right one refused.
func TestActivationCodeWrongTriesRacingCountBeforeTheRightOne(t *testing.T) {
	s, prod, p := internalDesk(t, nil, 1999, "Alpha Reseller")
	cname, email := "Ann", "ann@customer.example"
	if _, err := s.CreateCustomer(System, CustomerInput{PartnerID: &p.ID, Name: &cname, Email: &email}); err != nil {
		t.Fatal(err)
	}
	ls, err := s.CreateLicenses(System, LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 12, PartnerID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	link, err := s.GetActivationLink(System, ls[0].ID)
	if err != nil || link.Path == "" {
		t.Fatalf("link: %+v %v", link, err)
	}
	token := strings.TrimPrefix(link.Path, "/activate/")
	if err := s.SendActivationCode(token, "198.51.100.7", email); err != nil {
		t.Fatal(err)
	}
	mails, err := s.ListOutbox(System, ListParams{PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	right := ""
	for _, m := range mails.Items {
		if m.Kind == "activation_code" {
			right = strings.TrimPrefix(m.Subject, "Your activation code: ")
		}
	}
	if len(right) != 6 {
		t.Fatalf("no code mailed: %+v", mails.Items)
	}

	var once sync.Once
	held, release := make(chan struct{}), make(chan struct{})
	go s.update(func(*storage.Tx) error {
		once.Do(func() { close(held) })
		<-release
		return nil
	})
	<-held
	const wrongs = 8
	errs := make([]error, wrongs+1)
	var wg sync.WaitGroup
	for i := range wrongs + 1 {
		c := right
		if i < wrongs {
			c = fmt.Sprintf("%06d", (i+1)*111111%1000000)
			if c == right {
				c = "000000"
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.ActivateAsExistingCustomer(token, fmt.Sprintf("198.51.100.%d", 10+i), email, c)
		}()
		time.Sleep(20 * time.Millisecond) // queued in this order behind the held writer
	}
	close(release)
	wg.Wait()
	for i, err := range errs[:wrongs] {
		if err == nil {
			t.Fatalf("wrong code %d activated", i)
		}
	}
	if errs[wrongs] == nil {
		l, _ := s.GetLicense(System, ls[0].ID)
		t.Fatalf("the right code activated after %d wrong ones were tried (the code allows %d tries): license %s", wrongs, activationCodeTries, l.Status)
	}
}

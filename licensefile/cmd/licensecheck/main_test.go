package main

import (
	"bytes"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"licensedesk/app"
	"licensedesk/app/web"
)

// TestOnlineThenOffline: against a real desk, the program activates and
// validates online and keeps the license file; with the desk gone it
// verifies the file offline, and refuses it on another machine.
func TestOnlineThenOffline(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := app.Open(app.Options{DataDir: t.TempDir(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	name, cur := "Office Shield", "EUR"
	eds := []app.Edition{{Code: "business", Name: "Business"}}
	periods := []int{12}
	prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: 1000}}
	prod, err := svc.CreateProduct(app.System, app.ProductInput{Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices})
	if err != nil {
		t.Fatal(err)
	}
	ls, err := svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 12})
	if err != nil {
		t.Fatal(err)
	}
	cfg := app.Defaults()
	cfg.ClientAddr = "127.0.0.1:0"
	srv := web.NewClient(svc, cfg, log)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Listener(ln)
	file := filepath.Join(t.TempDir(), "license.lic")
	var out bytes.Buffer
	if err := run([]string{"--server", "http://" + ln.Addr().String(), "--key", ls[0].Key, "--fingerprint", "pc-42", "--file", file}, &out); err != nil {
		t.Fatalf("online: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "online: valid=true code=ok") || !strings.Contains(out.String(), "offline: "+ls[0].Key) {
		t.Fatalf("output:\n%s", out.String())
	}
	srv.Shutdown() // no network from here on
	k, _ := svc.CurrentSigningKey()
	pub := base64.StdEncoding.EncodeToString(k.Public)
	out.Reset()
	if err := run([]string{"--public-key", pub, "--fingerprint", "pc-42", "--file", file}, &out); err != nil || !strings.Contains(out.String(), "Office Shield") {
		t.Fatalf("offline: %v\n%s", err, out.String())
	}
	if err := run([]string{"--public-key", pub, "--fingerprint", "other-pc", "--file", file}, &out); err == nil || !strings.Contains(err.Error(), "another machine") {
		t.Fatalf("offline on another machine: %v", err)
	}
	// One changed byte in the saved file fails the offline check.
	text, _ := os.ReadFile(file)
	text[len("-----BEGIN LICENSE FILE-----\n")+10] ^= 0x01
	os.WriteFile(file, text, 0o600)
	if err := run([]string{"--public-key", pub, "--fingerprint", "pc-42", "--file", file}, &out); err == nil {
		t.Fatal("a changed file verified")
	}
}

// Command licensecheck is what licensed software does with licensedesk,
// in one small program using only the standard library and the
// licensefile package: validate the key online (activating this machine
// on first use) and keep the signed license file, then, with no network,
// verify that file against the desk's public key.
//
//	licensecheck --server http://desk:8081 --key KEY --fingerprint ID --file license.lic   # online
//	licensecheck --public-key BASE64 --fingerprint ID --file license.lic                  # offline
package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"licensedesk/licensefile"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "licensecheck:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("licensecheck", flag.ContinueOnError)
	server := fs.String("server", "", "the desk's client API, such as http://desk:8081 (empty: offline check only)")
	key := fs.String("key", "", "the license key (online)")
	fp := fs.String("fingerprint", "", "this machine's fingerprint")
	file := fs.String("file", "license.lic", "where the license file is kept")
	pubB64 := fs.String("public-key", "", "the desk's public key in base64 (offline; online it is fetched)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *server != "" {
		if err := online(*server, *key, *fp, *file, pubB64, out); err != nil {
			return err
		}
	}
	pub, err := base64.StdEncoding.DecodeString(*pubB64)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return errors.New("--public-key must be the desk's 32-byte public key in base64")
	}
	text, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	p, err := licensefile.Verify(text, pub, *fp, time.Now())
	if err != nil {
		return fmt.Errorf("offline check: %w", err)
	}
	fmt.Fprintf(out, "offline: %s %s (%s), %d seats, licensed until %s, file valid until %s, signed by key %s\n",
		p.Key, p.Product, p.Edition, p.Seats, date(p.ValidTo), p.ExpiresAt.Format("2006-01-02"), p.KeyID)
	return nil
}

func date(t *time.Time) string {
	if t == nil {
		return "no end"
	}
	return t.Format("2006-01-02")
}

// online activates this machine (idempotent), validates, and saves a
// fresh license file and the public key.
func online(server, key, fp, file string, pubB64 *string, out io.Writer) error {
	call := func(path string, v any) ([]byte, int, error) {
		body, _ := json.Marshal(map[string]string{"key": key, "fingerprint": fp})
		resp, err := http.Post(server+"/api/v1/client/"+path, "application/json", bytes.NewReader(body))
		if err != nil {
			return nil, 0, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err == nil && v != nil {
			err = json.Unmarshal(b, v)
		}
		return b, resp.StatusCode, err
	}
	var st struct {
		Valid   bool   `json:"valid"`
		Code    string `json:"code"`
		ValidTo string `json:"valid_to"`
	}
	if _, _, err := call("validate", &st); err != nil {
		return err
	}
	if st.Code == "not_activated" || st.Code == "machine_not_activated" {
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		if _, status, err := call("activate", &e); err != nil || status != http.StatusOK {
			return fmt.Errorf("activate: %d %s %v", status, e.Error.Code, err)
		}
		if _, _, err := call("validate", &st); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "online: valid=%v code=%s valid_to=%s\n", st.Valid, st.Code, st.ValidTo)
	if !st.Valid {
		return fmt.Errorf("the desk says %s", st.Code)
	}
	text, status, err := call("license-file", nil)
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("license-file: %d %v", status, err)
	}
	if err := os.WriteFile(file, text, 0o600); err != nil {
		return err
	}
	if *pubB64 == "" {
		resp, err := http.Get(server + "/api/v1/client/public-key")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var k struct {
			PublicKey string `json:"public_key"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&k); err != nil {
			return err
		}
		*pubB64 = k.PublicKey
	}
	return nil
}

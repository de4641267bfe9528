package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate and key for 127.0.0.1 and returns their paths.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "licensedesk test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

// TestServeTLS: with tls_cert and tls_key set, serve speaks HTTPS; a
// certificate that does not load is a configuration error naming the keys.
func TestServeTLS(t *testing.T) {
	cert, key := selfSigned(t)
	s := startServe(t, t.TempDir(), "--tls-cert", cert, "--tls-key", key)
	if !strings.HasPrefix(s.url, "https://127.0.0.1:") {
		t.Fatalf("TLS server URL %q", s.url)
	}
	pw := passwordRE.FindStringSubmatch(s.out.String())
	if pw == nil {
		t.Fatalf("no first login printed:\n%s", s.out)
	}
	client := &http.Client{
		Timeout:       30 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get(s.url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("GET /login over TLS: %d, tls %v", resp.StatusCode, resp.TLS != nil)
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("serve exited %d: %s", code, s.errb)
	}

	r := run(t, nil, "", "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--tls-cert", key, "--tls-key", cert)
	if r.code != exitUsage {
		t.Fatalf("swapped cert and key: exit %d %s", r.code, r.stderr)
	}
	oneErrorLine(t, r, "tls_cert/tls_key")
}

// TestServeAddressInUse: a taken address is one clear line, and the
// first operator is not created (so the next start prints its password).
func TestServeAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	r := run(t, nil, "", "serve", "--data", dir, "--addr", ln.Addr().String(), "--log-level", "warn")
	if r.code != exitFailure {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	oneErrorLine(t, r, "listen on "+ln.Addr().String(), "already in use", "--addr")
	// One sentence: the address once, not again in the wrapped net error.
	if n := strings.Count(r.stderr, ln.Addr().String()); n != 1 {
		t.Fatalf("the address appears %d times in the message: %s", n, r.stderr)
	}
	svc := openSvc(t, dir)
	if n := svc.CountUsers(); n != 0 {
		t.Fatalf("a start that could not listen created %d users", n)
	}
}

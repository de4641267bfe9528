package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// The CSV import page: upload a file for a partner, see every row's
// outcome (a dry run), then import. The upload waits in a temporary file
// between the preview and the import, named by a token in the form.

type licenseImportData struct {
	Partners []app.Partner
	Report   *app.CSVImportReport
	Token    string
	Done     bool
}

const importPrefix = "licensedesk-import-"

var importToken = regexp.MustCompile(`^[0-9]{1,20}$`)

func importPath(token string) (string, bool) {
	if !importToken.MatchString(token) {
		return "", false
	}
	return filepath.Join(os.TempDir(), importPrefix+token+".csv"), true
}

func (s *Server) licensesImportPage(c *fiber.Ctx) error {
	return s.renderLicenseImport(c, fiber.StatusOK, licenseImportData{}, nil, nil)
}

func (s *Server) renderLicenseImport(c *fiber.Ctx, status int, d licenseImportData, form, errs map[string]string) error {
	_, partners, err := s.partnerNames(mustActor(c))
	if err != nil {
		return err
	}
	d.Partners = partners
	return s.render(c, status, "license_import", "", View{Title: "Import licenses", Nav: "licenses", Form: form, Errors: errs, Data: d})
}

// licensesImport previews an uploaded CSV, or imports a previewed one.
func (s *Server) licensesImport(c *fiber.Ctx) error {
	a := mustActor(c)
	if _, err := s.uploadBody(c); err != nil { // within max_upload, before any form value is read
		return err
	}
	form := map[string]string{"partner": c.FormValue("partner")}
	if c.FormValue("valid_only") == "true" {
		form["valid_only"] = "true"
	}
	token := c.FormValue("token")
	var path string
	if token == "" {
		data, err := s.uploadedFile(c)
		if err != nil {
			if status, errs, ok := formError(err, sameFields("file")); ok {
				return s.renderLicenseImport(c, status, licenseImportData{}, form, errs)
			}
			return err
		}
		f, err := os.CreateTemp("", importPrefix+"*.csv")
		if err != nil {
			return err
		}
		path = f.Name()
		token = strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), importPrefix), ".csv")
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return err
		}
	} else {
		var ok bool
		if path, ok = importPath(token); !ok {
			return app.Invalid("token", "the upload is gone; choose the file again")
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return s.renderLicenseImport(c, fiber.StatusUnprocessableEntity, licenseImportData{}, form,
			map[string]string{"": "The uploaded file is gone (uploads are kept only until they are imported); choose it again."})
	}
	defer f.Close()
	dry := c.FormValue("confirm") != "true"
	rep, err := s.svc.ImportLicensesCSV(a, f, app.CSVImportOptions{Partner: form["partner"], DryRun: dry, ImportValid: form["valid_only"] == "true"})
	if err != nil {
		os.Remove(path)
		if status, errs, ok := formError(err, sameFields("partner")); ok {
			return s.renderLicenseImport(c, status, licenseImportData{}, form, errs)
		}
		return err
	}
	d := licenseImportData{Report: &rep, Token: token}
	var errs map[string]string
	switch {
	case dry:
	case rep.Imported == 0 && rep.Invalid+rep.Conflict > 0:
		// Refused as a whole: the upload stays for "import the valid rows".
		rep.DryRun = true
		errs = map[string]string{"": "Nothing was imported: the file has rows with problems. Tick \"import the valid rows\" to import the others."}
	default:
		os.Remove(path)
		d.Token, d.Done = "", true
	}
	return s.renderLicenseImport(c, fiber.StatusOK, d, form, errs)
}

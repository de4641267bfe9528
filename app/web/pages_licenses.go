package web

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// licensePerPage is the license list's page size.
const licensePerPage = 50

// licenseFilterLabels names every list filter the page offers, in the
// order its chips are shown. Partners never get partner_id/distributor_id.
var licenseFilterLabels = []struct{ Name, Label string }{
	{"q", "Search"},
	{"status", "Status"},
	{"payment_status", "Payment"},
	{"product_id", "Product"},
	{"edition", "Edition"},
	{"period_months", "Period"},
	{"customer", "Customer"},
	{"partner_id", "Partner"},
	{"distributor_id", "Distributor"},
	{"order_number", "Order"},
	{"ip", "IP"},
	{"key", "Key"},
	{"name", "Name"},
	{"id", "ID"},
	{"purchased_after", "Purchased from"},
	{"purchased_before", "Purchased until"},
	{"valid_to_after", "Valid to from"},
	{"valid_to_before", "Valid to until"},
	{"valid_from_after", "Valid from from"},
	{"valid_from_before", "Valid from until"},
	{"days", "Expiring within days"},
}

// moreFilters are folded into "More filters" unless one of them is set.
var moreFilters = []string{"edition", "period_months", "distributor_id", "order_number", "ip", "key", "name", "id",
	"purchased_after", "purchased_before", "valid_to_after", "valid_to_before", "valid_from_after", "valid_from_before", "days"}

// licenseTab is one quick view (F9).
type licenseTab struct {
	Label, URL string
	Current    bool
}

type licenseChip struct{ Label, Value, Remove string }

// licenseRow is one line of the license list.
type licenseRow struct {
	app.LicenseView
	KeyText     string // grouped for reading
	PartnerName string
	CustomerID  uint64 // the customer record its customer links to; 0: none
	ValidToText string
	Due         string // "in 12 days", "today", "expired"
	DueClass    string // soon, past
	CSRF        string
}

// NoteCell is the row's notes cell.
func (r licenseRow) NoteCell() noteCell {
	return noteCell{ID: r.ID, Key: r.KeyText, Notes: r.Notes, CSRF: r.CSRF}
}

// filterField is one text or date input of the filter bar.
type filterField struct {
	V                              View
	Name, Label, Type, Placeholder string
}

// Field describes a filter input for the "ftext" template.
func (d licensesData) Field(v View, name, label, typ, placeholder string) filterField {
	return filterField{V: v, Name: name, Label: label, Type: typ, Placeholder: placeholder}
}

// licenseGroup is one collapsed group (F13) whose rows load in place.
type licenseGroup struct {
	ID, Label, Count string
	RowsURL, ListURL string
}

// licensesData is the list page.
type licensesData struct {
	List      listView
	View      string
	Tabs      []licenseTab
	Rows      []licenseRow
	Operator  bool
	Products  []app.Product
	Partners  []app.Partner
	Statuses  []app.Status
	Payments  []app.Payment
	Periods   []int
	Chips     []licenseChip
	MoreOpen  bool
	Range     string // "1–50 of 12,345"
	Count     string // "12,345 licenses"
	GroupBy   string
	Groups    []licenseGroup
	GroupBys  []string
	GroupSort string
	GroupList listView // the pages of groups
	Groupings string   // "8,353 groups"
	NextRows  string   // in a group: its next page of rows, in place
	ExportURL string
	Back      string // this list's address, to come back to after an action
	CSRF      string
	More      string // in a group: link to the whole group when it has more rows
	// CheckoutAll checks out every license the payment pending view matches (F26).
	CheckoutAll string
}

// licenseRequest reads the list's URL. With no quick view and no filter
// the list opens on "expiring soon" (F9); a filter without a view
// searches all licenses.
func licenseRequest(c *fiber.Ctx, a app.Actor) (app.ListParams, listView, string) {
	q := url.Values{}
	p := app.ListParams{Filters: map[string]string{}, PerPage: licensePerPage}
	for _, f := range licenseFilterLabels {
		if !a.IsOperator() && (f.Name == "partner_id" || f.Name == "distributor_id") {
			continue
		}
		if v := strings.TrimSpace(c.Query(f.Name)); v != "" {
			p.Filters[f.Name] = v
			q.Set(f.Name, v)
		}
	}
	view := c.Query("view")
	if view != "" {
		q.Set("view", view)
	} else if len(p.Filters) == 0 {
		view = app.ViewExpiring
	} else {
		view = app.ViewAll
	}
	p.Filters["view"] = view
	if g := c.Query("group"); g != "" {
		q.Set("group", g)
	}
	if g := c.Query("gsort"); g != "" {
		q.Set("gsort", g) // the order of groups
	}
	if v := c.Query("sort"); v != "" {
		p.Sort = v
		q.Set("sort", v)
	}
	if n, err := strconv.Atoi(c.Query("page")); err == nil && n > 1 {
		p.Page = n
	}
	return p, listView{Path: "/licenses", Query: q, Sort: p.Sort, Page: max(p.Page, 1), PerPage: licensePerPage}, view
}

// thousands writes n with comma separators: 12,345.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// groupKey shows a key in its groups of five, however it is stored.
func groupKey(k string) string {
	if strings.Contains(k, "-") || len(k) <= 5 {
		return k
	}
	var b strings.Builder
	for i, r := range k {
		if i > 0 && i%5 == 0 {
			b.WriteByte('-')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// due says how long a license has left.
func due(l app.LicenseView, now time.Time) (string, string) {
	if l.ValidTo == nil {
		return "", ""
	}
	d := l.ValidTo.Sub(now)
	if d <= 0 || l.Status == app.StatusExpired {
		return "expired", "past"
	}
	days := int((d + 24*time.Hour - time.Second) / (24 * time.Hour)) // whole days, rounded up
	switch {
	case d < 12*time.Hour:
		return "ends today", "soon"
	case days == 1:
		return "in 1 day", "soon"
	case days <= 30:
		return "in " + strconv.Itoa(days) + " days", "soon"
	}
	return "in " + thousands(days) + " days", ""
}

func (s *Server) licenseRows(a app.Actor, items []app.LicenseView, names map[uint64]string, csrf string) []licenseRow {
	now := time.Now()
	rows := make([]licenseRow, 0, len(items))
	ids := make([]uint64, len(items))
	for i, l := range items {
		ids[i] = l.ID
	}
	customers, err := s.svc.LicenseCustomerIDs(a, ids)
	if err != nil { // the rows still show, their customers as text
		s.log.Error("license list: reading the customer links failed", "err", err)
	}
	for _, l := range items {
		r := licenseRow{LicenseView: l, KeyText: groupKey(l.Key), CSRF: csrf, CustomerID: customers[l.ID]}
		if a.IsOperator() {
			r.PartnerName = names[l.PartnerID]
		}
		if l.ValidTo != nil {
			r.ValidToText = l.ValidTo.In(s.loc).Format("2006-01-02")
		}
		r.Due, r.DueClass = due(l, now)
		rows = append(rows, r)
	}
	return rows
}

// licenseLists are the selects of the filter bar: products and, for the
// operator, partners.
func (s *Server) licenseLists(a app.Actor) ([]app.Product, []app.Partner, map[uint64]string, error) {
	prods, err := s.allProducts(a, nil, "name")
	if err != nil {
		return nil, nil, nil, err
	}
	if !a.IsOperator() {
		return prods, nil, map[uint64]string{}, nil
	}
	names, partners, err := s.partnerNames(a)
	if err != nil {
		return nil, nil, nil, err
	}
	return prods, partners, names, nil
}

func (s *Server) licensesPage(c *fiber.Ctx) error {
	a := mustActor(c)
	p, lv, view := licenseRequest(c, a)
	prods, partners, names, err := s.licenseLists(a)
	if err != nil {
		return err
	}
	d := licensesData{List: lv, View: view, Operator: a.IsOperator(), Products: prods, Partners: partners,
		Statuses: app.FilterStatuses, Payments: app.Payments, CSRF: s.csrfToken(c), Back: lv.url(lv.clone())}
	d.CheckoutAll = checkoutAllURL(lv)
	for _, g := range app.GroupBy {
		if g != "partner" || a.IsOperator() {
			d.GroupBys = append(d.GroupBys, g)
		}
	}
	seen := map[int]bool{}
	for _, pr := range prods {
		for _, m := range pr.Periods {
			if !seen[m] {
				seen[m] = true
				d.Periods = append(d.Periods, m)
			}
		}
	}
	sortInts(d.Periods)
	// Quick-view tabs keep the search and filters but not the status.
	for _, t := range []struct{ view, label string }{{app.ViewExpiring, "Expiring soon"}, {app.ViewExpired, "Expired"}, {app.ViewUnused, "Unused"}, {app.ViewPending, "Payment pending"}, {app.ViewAll, "All"}} {
		q := lv.clone()
		q.Del("page")
		q.Del("status")
		q.Set("view", t.view)
		d.Tabs = append(d.Tabs, licenseTab{Label: t.label, URL: lv.url(q), Current: view == t.view})
	}
	for _, f := range licenseFilterLabels {
		v := lv.Get(f.Name)
		if v == "" {
			continue
		}
		shown := v
		switch f.Name {
		case "product_id":
			for _, pr := range prods {
				if strconv.FormatUint(pr.ID, 10) == v {
					shown = pr.Name
				}
			}
		case "partner_id", "distributor_id":
			if n, err := strconv.ParseUint(v, 10, 64); err == nil {
				if n == 0 {
					shown = "Operator stock"
				} else if nm, ok := names[n]; ok {
					shown = nm
				}
			}
		case "period_months":
			if n, err := strconv.Atoi(v); err == nil {
				shown = app.PeriodLabel(n)
			}
		case "status", "payment_status":
			shown = statusLabel(v)
		case "q":
			shown = "“" + v + "”"
		}
		d.Chips = append(d.Chips, licenseChip{Label: f.Label, Value: shown, Remove: lv.Without(f.Name)})
		for _, m := range moreFilters {
			if m == f.Name {
				d.MoreOpen = true
			}
		}
	}
	exp := url.Values{}
	for k, v := range p.Filters {
		exp.Set(k, v)
	}
	if p.Sort != "" {
		exp.Set("sort", p.Sort)
	}
	d.ExportURL = "/licenses/export.csv?" + exp.Encode()

	var errs map[string]string
	status := fiber.StatusOK
	fail := func(err error) error {
		var ve *app.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		status = fiber.StatusUnprocessableEntity
		errs = map[string]string{"": "This filter cannot be applied: " + ve.Error() + ". Change or remove it."}
		if ve.Field != "" {
			errs[ve.Field] = sentence(ve.Message)
		}
		return nil
	}

	// A group opening in place: its rows alone, the group's filter added.
	if c.Query("part") == "group" && isHX(c) {
		page, err := s.svc.ListLicenses(a, p)
		if err != nil {
			if err := fail(err); err != nil {
				return err
			}
		}
		d.Rows = s.licenseRows(a, page.Items, names, d.CSRF)
		if page.Total > len(page.Items) {
			// The group's rows come in pages too, opened in place.
			whole := lv.clone()
			whole.Del("part")
			whole.Del("page")
			d.More = lv.url(whole)
			d.Count = thousands(page.Total)
			first := (page.Page.Page-1)*page.PerPage + 1
			d.Range = thousands(first) + "–" + thousands(first+len(page.Items)-1)
			if pg := page.Page.Page; pg < page.Pages() {
				d.NextRows = lv.PageURL(pg + 1)
			}
		}
		return s.render(c, fiber.StatusOK, "licenses", "group-rows", View{Errors: errs, Data: d})
	}

	if g := lv.Get("group"); g != "" {
		d.GroupBy = g
		d.GroupSort = lv.Get("gsort")
		gp := p
		gp.PerPage = licensePerPage
		groups, err := s.svc.GroupLicensesPage(a, gp, g, d.GroupSort)
		if err != nil {
			if err := fail(err); err != nil {
				return err
			}
		}
		d.GroupList = withPage(lv, groups.Page)
		d.GroupList.Page = max(groups.Page.Page, 1)
		for i, gr := range groups.Items {
			n := (groups.Page.Page-1)*groups.PerPage + i
			lg := licenseGroup{ID: "g-" + strconv.Itoa(n), Label: gr.Label, Count: thousands(gr.Count)}
			if g == "status" || g == "payment" {
				lg.Label = statusLabel(gr.Label)
			}
			if len(gr.Filter) > 0 {
				q := lv.clone()
				q.Del("group")
				q.Del("gsort")
				q.Del("page")
				for k, v := range gr.Filter {
					q.Set(k, v)
				}
				q.Set("view", view) // the default view stays when a filter is added
				lg.ListURL = lv.url(q)
				q.Set("part", "group")
				lg.RowsURL = lv.url(q)
			}
			d.Groups = append(d.Groups, lg)
		}
		word := " groups"
		if groups.Total == 1 {
			word = " group"
		}
		d.Groupings = thousands(groups.Total) + word
		total := groups.Licenses
		d.Count = thousands(total)
	} else {
		page, err := s.svc.ListLicenses(a, p)
		if err != nil {
			if err := fail(err); err != nil {
				return err
			}
		}
		d.List = withPage(lv, page.Page)
		d.Rows = s.licenseRows(a, page.Items, names, d.CSRF)
		d.Count = thousands(page.Total)
		if page.Total > 0 && len(page.Items) > 0 {
			d.Range = thousands(d.List.First) + "–" + thousands(d.List.Last) + " of " + thousands(page.Total)
		}
	}
	v := View{Title: "Licenses", Nav: "licenses", Errors: errs, Data: d}
	if wantsFragment(c, "results") {
		return s.render(c, status, "licenses", "results", v)
	}
	return s.render(c, status, "licenses", "", v)
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// statusLabel is a status or payment status as a word.
func statusLabel(s string) string {
	if s == string(app.StatusInProgress) {
		return "In progress"
	}
	return sentence(s)
}

// backTo is where an action returns: a list or license address from the
// form, never another site. It passes the post-login redirect's rule
// (safeNext: no control character, which would split the Location
// header, no backslash) and must name the licenses pages.
func backTo(vals map[string]string, def string) string {
	b := safeNext(vals["back"])
	if b == "/licenses" || strings.HasPrefix(b, "/licenses/") || strings.HasPrefix(b, "/licenses?") {
		return b
	}
	return def
}

// formIDs reads every ticked id of a form.
func formIDs(c *fiber.Ctx) ([]uint64, error) {
	var raws []string
	for _, raw := range c.Request().PostArgs().PeekMulti("ids") {
		raws = append(raws, string(raw))
	}
	return parseIDs(raws...)
}

// licensesExport streams the list's current filter as CSV (F40).
func (s *Server) licensesExport(c *fiber.Ctx) error {
	p, _, _ := licenseRequest(c, mustActor(c))
	p.Page, p.PerPage = 0, 0
	return s.streamLicensesCSV(c, p, nil)
}

// licensesExportTicked streams the ticked rows as CSV.
func (s *Server) licensesExportTicked(c *fiber.Ctx) error {
	ids, err := formIDs(c)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return app.Invalid("ids", "tick at least one license to export")
	}
	return s.streamLicensesCSV(c, app.ListParams{Filters: map[string]string{}}, ids)
}

// bulkConfirm is the confirmation step of a bulk action.
type bulkConfirm struct {
	Action, Verb, Back string
	IDs                []uint64
	Rows               []licenseRow
	Operator           bool
}

// licensesBulk suspends or enables the ticked licenses: the first post
// shows what will change, the confirmed one changes all or none.
func (s *Server) licensesBulk(c *fiber.Ctx) error {
	a := mustActor(c)
	vals := formValues(c)
	back := backTo(vals, "/licenses")
	ids, err := formIDs(c)
	if err != nil {
		return err
	}
	action := vals["action"]
	if action == "export" {
		return s.licensesExportTicked(c)
	}
	verb := map[string]string{app.BulkSuspend: "Suspend", app.BulkEnable: "Enable"}[action]
	if verb == "" {
		return app.Invalid("action", "choose suspend or enable")
	}
	d := bulkConfirm{Action: action, Verb: verb, Back: back, IDs: ids, Operator: a.IsOperator()}
	var errs map[string]string
	status := fiber.StatusOK
	if len(ids) == 0 {
		status, errs = fiber.StatusUnprocessableEntity, map[string]string{"": "Tick at least one license, then choose the action again."}
	} else if formBool(vals, "confirm") {
		n, err := s.svc.BulkLicenses(a, action, ids)
		if err == nil {
			word := "licenses"
			if n == 1 {
				word = "license"
			}
			past := map[string]string{app.BulkSuspend: "suspended", app.BulkEnable: "enabled"}[action]
			return s.redirect(c, back, thousands(n)+" "+word+" "+past+".")
		}
		var ok bool
		if status, errs, ok = formError(err, nil); !ok {
			return err
		}
	}
	_, _, names, err := s.licenseLists(a)
	if err != nil {
		return err
	}
	var views []app.LicenseView
	for _, id := range ids {
		if l, err := s.svc.GetLicense(a, id); err == nil {
			views = append(views, l)
		}
	}
	d.Rows = s.licenseRows(a, views, names, s.csrfToken(c))
	return s.render(c, status, "license_bulk", "", View{Title: verb + " licenses", Nav: "licenses", Errors: errs, Data: d})
}

// noteCell is the notes cell of one row, shown or being edited (F11).
type noteCell struct {
	ID    uint64
	Key   string
	Notes string
	Error string
	CSRF  string
}

func (s *Server) noteCellFor(c *fiber.Ctx, l app.LicenseView) noteCell {
	return noteCell{ID: l.ID, Key: groupKey(l.Key), Notes: l.Notes, CSRF: s.csrfToken(c)}
}

// licenseNoteCell answers the notes cell (htmx: cancel an edit).
func (s *Server) licenseNoteCell(c *fiber.Ctx) error { return s.noteFragment(c, "note-cell-frag") }

// licenseNoteEdit answers the cell's editor (the pencil).
func (s *Server) licenseNoteEdit(c *fiber.Ctx) error { return s.noteFragment(c, "note-edit-frag") }

// noteFragment renders one state of a license's notes cell for htmx; a
// plain request goes to the license page's notes instead.
func (s *Server) noteFragment(c *fiber.Ctx, block string) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	l, err := s.svc.GetLicense(mustActor(c), id)
	if err != nil {
		return err
	}
	if !isHX(c) {
		return c.Redirect("/licenses/"+strconv.FormatUint(id, 10)+"#notes-h", fiber.StatusSeeOther)
	}
	return s.render(c, fiber.StatusOK, "licenses", block, View{Data: s.noteCellFor(c, l)})
}

// licenseNoteSave saves a note: in place from the list (a refusal is
// shown in the cell: htmx does not swap 4xx answers), or from the
// license page's form.
func (s *Server) licenseNoteSave(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := mustActor(c)
	vals := formValues(c)
	l, err := s.svc.SetNotes(a, id, vals["notes"])
	if err == nil {
		if isHX(c) {
			return s.render(c, fiber.StatusOK, "licenses", "note-cell-frag", View{Data: s.noteCellFor(c, l)})
		}
		return s.redirect(c, backTo(vals, "/licenses/"+strconv.FormatUint(id, 10)), "Note saved.")
	}
	status, errs, ok := formError(err, sameFields("notes"))
	if !ok {
		return err
	}
	if isHX(c) {
		old, gerr := s.svc.GetLicense(a, id)
		if gerr != nil {
			return gerr
		}
		cell := s.noteCellFor(c, old)
		cell.Notes = vals["notes"]
		cell.Error = errs["notes"]
		if cell.Error == "" {
			cell.Error = errs[""]
		}
		return s.render(c, fiber.StatusOK, "licenses", "note-edit-frag", View{Data: cell})
	}
	return s.renderLicense(c, status, id, vals, errs)
}

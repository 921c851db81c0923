package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Kind is what an endpoint is, which decides the targets it is held to.
type Kind string

// Kinds of endpoint.
const (
	KindBaseline Kind = "baseline" // GET /bench/baseline
	KindList     Kind = "list"     // a register list, the activity trail: p99 and throughput targets
	KindDetail   Kind = "detail"   // a record's page: p99 and throughput targets
	KindPage     Kind = "page"     // the Statement of Applicability, the heat map: p99 target
	KindWrite    Kind = "write"    // a create or an update
	KindExport   Kind = "export"   // the CSV export, measured on its own
)

// Personas of the tenant the harness signs in as.
const (
	personaNone    = ""        // the baseline: no session
	personaAuditor = "auditor" // reads: every page
	personaOfficer = "officer" // writes: create and update
)

// Endpoint is a page or action the harness drives.
type Endpoint struct {
	Name    string
	Kind    Kind
	Method  string
	Paths   []string // requested in turn: detail pages rotate through a sample of records
	Body    []byte   // the form of a POST
	Persona string
	Expect  int // the status of a correct response: 200, or 303 for a saved form
}

// Registers are the tenant registers the harness lists, by URL slug.
var Registers = []string{"context", "parties", "ai-systems", "risks", "treatments", "controls", "impact-assessments"}

// Deep paging and sampling.
const (
	// deepFollows is how many Next links are followed to reach a register's deep page.
	deepFollows = 20
	// detailSample is how many records of each register the detail pages rotate through.
	detailSample = 50
	// countedOptions is the most options a filter may have for the harness to count each
	// (to drive the value that matches the most records); a longer one uses its first.
	countedOptions = 12
	// systemCandidates is how many AI systems are tried for the risk list's AI-system
	// filter when it is a reference field rather than a drop-down.
	systemCandidates = countedOptions
	// searchCandidates is how many words of risk titles are tried as search terms, and
	// titleCandidates how many whole titles.
	searchCandidates = 12
	titleCandidates  = 3
	// updateTargets is how many risks the harness adds at the start for the update
	// endpoint to rotate through, so it never edits the seeded data.
	updateTargets = 4
)

// riskSorts are the sort keys of the risk list.
var riskSorts = []string{"ref", "title", "level", "status", "review", "updated"}

// riskFilters are the risk list's filter selects the harness drives.
var riskFilters = []string{"status", "inherent", "residual", "source", "objective", "system", "owner"}

// harness is one run's client side: the HTTP client and the personas' sessions.
type harness struct {
	cfg     Config
	client  *http.Client
	cookies map[string]string // persona → Cookie header
}

func newHarness(cfg Config) *harness {
	return &harness{cfg: cfg, client: newHTTPClient(cfg.Timeout), cookies: map[string]string{}}
}

// plan is what discovery found to drive.
type plan struct {
	baseline  Endpoint
	endpoints []Endpoint
	export    *Endpoint
	skipped   []string
}

// tenantPath is a path in the tenant, e.g. /t/bench-large/risks.
func (h *harness) tenantPath(path string) string { return "/t/" + h.cfg.Tenant + path }

// wanted reports whether the run drives the endpoint name.
func (h *harness) wanted(name string) bool { return h.cfg.Only == nil || h.cfg.Only.MatchString(name) }

// signIn signs in as the tenant's persona and keeps the session's cookies.
func (h *harness) signIn(ctx context.Context, persona string) error {
	email := persona + "@" + h.cfg.Tenant + ".test"
	form := url.Values{"email": {email}, "password": {h.cfg.Password}}
	resp, _, err := h.do(ctx, personaNone, http.MethodPost, "/login", []byte(form.Encode()))
	if err != nil {
		return fmt.Errorf("sign in as %s: %w", email, err)
	}
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		return fmt.Errorf("sign in as %s: status %d, want 303 and a session; is the tenant seeded (aims seed bench) and the password that of AIMS_DEMO_PASSWORD?",
			email, resp.StatusCode)
	}
	var pairs []string
	for _, c := range resp.Cookies() {
		pairs = append(pairs, c.Name+"="+c.Value)
	}
	h.cookies[persona] = strings.Join(pairs, "; ")
	return nil
}

// do sends one request as persona and returns the response (body read and closed) and body.
func (h *harness) do(ctx context.Context, persona, method, path string, body []byte) (*http.Response, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.cfg.Base+path, rd)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c := h.cookies[persona]; c != "" {
		req.Header.Set("Cookie", c)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// page requests path as persona and parses it; any status but 200 is an error.
func (h *harness) page(ctx context.Context, persona, path string) (page, error) {
	resp, body, err := h.do(ctx, persona, http.MethodGet, path, nil)
	if err != nil {
		return page{}, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return page{}, fmt.Errorf("GET %s as %s: status %d, want 200", path, persona, resp.StatusCode)
	}
	return parsePage(bytes.NewReader(body))
}

// discover signs in and finds, by following the links of the pages as a user would, what
// to drive: lists, a deep page of each, filters and sorts, searches, sampled records.
func (h *harness) discover(ctx context.Context) (plan, error) {
	pl := plan{baseline: baselineEndpoint}
	for _, p := range []string{personaAuditor, personaOfficer} {
		if err := h.signIn(ctx, p); err != nil {
			return plan{}, err
		}
	}
	var eps []Endpoint
	add := func(ep Endpoint) {
		if ep.Method == "" {
			ep.Method = http.MethodGet
		}
		if ep.Persona == "" {
			ep.Persona = personaAuditor
		}
		if ep.Expect == 0 {
			ep.Expect = http.StatusOK
		}
		eps = append(eps, ep)
	}
	get := func(name string, kind Kind, paths ...string) { add(Endpoint{Name: name, Kind: kind, Paths: paths}) }

	var riskFirst page
	var riskRecords, systemRecords []record
	for _, reg := range Registers {
		base := h.tenantPath("/" + reg)
		first, deep, pages, recs, err := h.walk(ctx, base)
		if err != nil {
			return plan{}, err
		}
		// The risks earlier runs added are the newest: the seeded data is what is sampled. After
		// many runs they fill every page walked, so with fewer seeded records than the sample
		// the oldest records (first by reference) are sampled too.
		seeded := func(r record) bool { return !strings.HasPrefix(r.Text, harnessTitle) }
		recs = slices.DeleteFunc(recs, func(r record) bool { return !seeded(r) })
		if len(recs) < detailSample {
			oldest, err := h.page(ctx, personaAuditor, base+"?sort=ref")
			if err != nil {
				return plan{}, err
			}
			for _, r := range oldest.records(base + "/") {
				if seeded(r) && !slices.Contains(recs, r) {
					recs = append(recs, r)
				}
			}
		}
		get(reg+" list", KindList, base)
		if pages > 1 {
			get(fmt.Sprintf("%s page %d", reg, pages), KindList, deep)
		} else {
			pl.skipped = append(pl.skipped, reg+" deep page: the register has a single page")
		}
		if len(recs) == 0 {
			pl.skipped = append(pl.skipped, reg+" detail: the register is empty")
		} else {
			sample := spread(recs, detailSample)
			paths := make([]string, len(sample))
			for i, r := range sample {
				paths[i] = base + "/" + r.ID
			}
			get(fmt.Sprintf("%s detail (%d records)", reg, len(paths)), KindDetail, paths...)
		}
		switch reg {
		case "risks":
			riskFirst, riskRecords = first, recs
		case "ai-systems":
			systemRecords = recs
		}
	}

	risks := h.tenantPath("/risks")
	// Filters: the value matching the most risks, when there are few enough to count.
	for _, field := range riskFilters {
		values := riskFirst.values(field)
		if field == "system" && len(values) == 0 {
			// Above aisystem.FilterShown systems the filter is a reference field, not a
			// drop-down: use the systems of the inventory's first page, by id, as the link
			// from a system's page to its risks does.
			for _, r := range systemRecords[:min(len(systemRecords), systemCandidates)] {
				values = append(values, r.ID)
			}
		}
		if len(values) == 0 {
			pl.skipped = append(pl.skipped, "risks ?"+field+": the filter offers no value")
			continue
		}
		// Only the values --only asks for are counted.
		if values = slices.DeleteFunc(values, func(v string) bool { return !h.wanted(filterName(field, v)) }); len(values) == 0 {
			continue
		}
		value, err := h.busiestValue(ctx, risks, field, values)
		if err != nil {
			return plan{}, err
		}
		q := url.Values{field: {value}}.Encode()
		get(filterName(field, value), KindList, risks+"?"+q)
	}
	heat, err := h.page(ctx, personaAuditor, risks+"/heatmap")
	if err != nil {
		return plan{}, err
	}
	if cell := heat.busiestCell("cell"); cell != "" {
		get("risks ?"+cell, KindList, risks+"?"+cell)
	} else {
		pl.skipped = append(pl.skipped, "risks ?cell: the heat map links no cell")
	}
	for _, key := range riskSorts {
		get("risks ?sort="+key, KindList, risks+"?sort="+key)
		get("risks ?sort="+key+"&dir=desc", KindList, risks+"?sort="+key+"&dir=desc")
	}
	// Terms: words of the titles seen (the frequent ones for the common term) and a few whole
	// titles (a pasted title is the usual rare search, and templated data may have no rare word).
	terms := append(candidateWords(riskRecords, searchCandidates), candidateTitles(riskRecords, titleCandidates)...)
	terms = slices.DeleteFunc(terms, func(w string) bool {
		return !h.wanted(searchName(w, "common")) && !h.wanted(searchName(w, "rare"))
	})
	if len(terms) > 0 {
		common, rare, err := h.searchTerms(ctx, risks, terms)
		if err != nil {
			return plan{}, err
		}
		if common != "" {
			get(searchName(common, "common"), KindList, risks+"?q="+url.QueryEscape(common))
			if rare != common {
				get(searchName(rare, "rare"), KindList, risks+"?q="+url.QueryEscape(rare))
			}
		} else {
			pl.skipped = append(pl.skipped, "risks search: no word of a risk title matches")
		}
	}
	get("risks heat map", KindPage, risks+"/heatmap")
	get("controls SoA", KindPage, h.tenantPath("/controls/soa"))
	if len(riskRecords) > 0 {
		sample := spread(riskRecords, detailSample)
		paths := make([]string, len(sample))
		for i, r := range sample {
			paths[i] = h.tenantPath("/activity?" + url.Values{"object": {"risks"}, "id": {r.ID}}.Encode())
		}
		get(fmt.Sprintf("activity ?object=risks&id= (%d risks)", len(paths)), KindList, paths...)
	}

	if h.wanted("risks create") || h.wanted("risks update") {
		writes, reason, err := h.writes(ctx, risks, systemRecords)
		if err != nil {
			return plan{}, err
		}
		if reason != "" {
			pl.skipped = append(pl.skipped, "risks create, update: "+reason)
		}
		for _, ep := range writes {
			add(ep)
		}
	}

	for _, ep := range eps {
		if h.wanted(ep.Name) {
			pl.endpoints = append(pl.endpoints, ep)
		}
	}
	if export := "risks export.csv"; h.wanted(export) {
		pl.export = &Endpoint{Name: export, Kind: KindExport, Method: http.MethodGet, Paths: []string{risks + "/export.csv"},
			Persona: personaAuditor, Expect: http.StatusOK}
	}
	if len(pl.endpoints) == 0 && pl.export == nil {
		return plan{}, fmt.Errorf("--only %q matches no endpoint", h.cfg.Only)
	}
	return pl, nil
}

// walk reads a register's first page and follows its Next link up to deepFollows times. It
// returns the first page, the path of the last page reached and how many pages were read,
// and the records linked from all of them.
func (h *harness) walk(ctx context.Context, base string) (first page, deep string, pages int, recs []record, err error) {
	path := base
	for {
		p, err := h.page(ctx, personaAuditor, path)
		if err != nil {
			return page{}, "", 0, nil, err
		}
		if pages == 0 {
			first = p
		}
		pages++
		recs = append(recs, p.records(base+"/")...)
		next := p.next()
		if next == "" || pages > deepFollows {
			return first, path, pages, recs, nil
		}
		path = next
	}
}

// spread picks n records spread evenly over recs (all of them when there are fewer).
func spread(recs []record, n int) []record {
	if len(recs) <= n {
		return recs
	}
	out := make([]record, n)
	for i := range n {
		out[i] = recs[i*len(recs)/n]
	}
	return out
}

// busiestValue is the value of the list's filter field that matches the most records,
// counted by the list's own pager; with more than countedOptions values, the first.
func (h *harness) busiestValue(ctx context.Context, list, field string, values []string) (string, error) {
	if len(values) <= 1 || len(values) > countedOptions {
		return values[0], nil // the caller offers at least one
	}
	best, bestN := "", -1
	for _, v := range values {
		p, err := h.page(ctx, personaAuditor, list+"?"+url.Values{field: {v}}.Encode())
		if err != nil {
			return "", err
		}
		if n := p.total(); n > bestN {
			best, bestN = v, n
		}
	}
	return best, nil
}

// filterName is the name of the risk list filtered on field = value.
func filterName(field, value string) string { return "risks ?" + url.Values{field: {value}}.Encode() }

// searchName is the name of the risk list searched for term, which is common or rare; a
// long term is cut short in the name (not in the search).
func searchName(term, which string) string {
	if r := []rune(term); len(r) > 24 {
		term = string(r[:23]) + "…"
	}
	return "risks ?q=" + term + " (" + which + ")"
}

// candidateTitles returns up to n whole record texts, spread over recs, each at most 80
// characters (a longer one is cut at a word).
func candidateTitles(recs []record, n int) []string {
	var out []string
	for _, r := range spread(recs, n) {
		t := strings.TrimSpace(r.Text)
		if rs := []rune(t); len(rs) > 80 {
			t = string(rs[:80])
			if i := strings.LastIndex(t, " "); i > 0 {
				t = t[:i]
			}
		}
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// searchTerms picks, among words, the one the risk search matches most often and the one
// it matches least often (but at least once), by the list's count.
func (h *harness) searchTerms(ctx context.Context, list string, words []string) (common, rare string, err error) {
	commonN, rareN := -1, -1
	for _, w := range words {
		p, err := h.page(ctx, personaAuditor, list+"?q="+url.QueryEscape(w))
		if err != nil {
			return "", "", err
		}
		n := p.total()
		if n < 1 {
			continue
		}
		if n > commonN {
			common, commonN = w, n
		}
		if rareN < 0 || n < rareN {
			rare, rareN = w, n
		}
	}
	return common, rare, nil
}

// candidateWords returns up to n words of five letters or more from the records' texts:
// half the most frequent and half the least frequent, so that both a common and a rare
// term are among them.
func candidateWords(recs []record, n int) []string {
	counts := map[string]int{}
	var order []string
	for _, r := range recs {
		for _, w := range strings.FieldsFunc(strings.ToLower(r.Text), func(c rune) bool { return !unicode.IsLetter(c) }) {
			if len([]rune(w)) < 5 {
				continue
			}
			if counts[w] == 0 {
				order = append(order, w)
			}
			counts[w]++
		}
	}
	// Most frequent first; ties in order of first appearance, so the choice is stable.
	slices.SortStableFunc(order, func(a, b string) int { return counts[b] - counts[a] })
	if len(order) <= n {
		return order
	}
	out := slices.Clone(order[:n/2])
	return append(out, order[len(order)-(n-n/2):]...)
}

// harnessTitle starts the title of every risk the harness writes.
const harnessTitle = "Load harness risk"

// locationID matches the path a saved risk redirects to.
var locationID = regexp.MustCompile(`/risks/([0-9a-f-]{36})$`)

// writes builds the create and update endpoints from the risk form, as the officer sees
// it, and adds the risks the update rotates through. A tenant whose form cannot be filled
// in (no AI system) gives a reason instead.
func (h *harness) writes(ctx context.Context, risks string, systems []record) ([]Endpoint, string, error) {
	// As from an AI system's page ("Add a risk"): a form past 50 systems lists only the one
	// it comes from.
	newForm := risks + "/new"
	if len(systems) > 0 {
		newForm += "?" + url.Values{"system": {systems[0].ID}}.Encode()
	}
	p, err := h.page(ctx, personaOfficer, newForm)
	if err != nil {
		return nil, "", err
	}
	boxes := p.Checkboxes["ai_systems"]
	if len(boxes) == 0 {
		return nil, "the tenant has no AI system for a risk to concern", nil
	}
	form := url.Values{"title": {harnessTitle}, "event": {"Written by aims bench."}, "ai_systems": {boxes[0]},
		"review_date": {"2030-01-31"}}
	for _, field := range []string{"risk_source", "objective_affected", "inherent_likelihood", "inherent_impact", "status"} {
		// Accepted is set only by accepting the residual risk, never by the form.
		values := slices.DeleteFunc(p.values(field), func(v string) bool { return v == "accepted" })
		if len(values) == 0 {
			return nil, "", fmt.Errorf("GET %s/new: the form offers no %s", risks, field)
		}
		form.Set(field, values[0])
	}
	create := []byte(form.Encode())
	var targets []string
	for range updateTargets {
		resp, body, err := h.do(ctx, personaOfficer, http.MethodPost, risks, create)
		if err != nil {
			return nil, "", fmt.Errorf("POST %s: %w", risks, err)
		}
		m := locationID.FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || m == nil {
			return nil, "", fmt.Errorf("POST %s as officer: status %d, want 303 to the new risk: %.300s", risks, resp.StatusCode, body)
		}
		targets = append(targets, risks+"/"+m[1])
	}
	form.Set("title", harnessTitle+", updated")
	return []Endpoint{
		{Name: "risks create", Kind: KindWrite, Method: http.MethodPost, Paths: []string{risks}, Body: create,
			Persona: personaOfficer, Expect: http.StatusSeeOther},
		{Name: "risks update", Kind: KindWrite, Method: http.MethodPost, Paths: targets, Body: []byte(form.Encode()),
			Persona: personaOfficer, Expect: http.StatusSeeOther},
	}, "", nil
}

// baselineEndpoint is the server's baseline, GET /bench/baseline.
var baselineEndpoint = Endpoint{Name: "baseline", Kind: KindBaseline, Method: http.MethodGet, Paths: []string{"/bench/baseline"},
	Persona: personaNone, Expect: http.StatusOK}

// checkBaseline stops the run before anything else when the server's baseline is off:
// without it there is nothing to compare the pages with.
func (h *harness) checkBaseline(ctx context.Context) error {
	if err := h.check(ctx, baselineEndpoint); err != nil {
		return fmt.Errorf("the baseline endpoint does not answer (start the server with AIMS_BENCH_BASELINE=%s): %w", h.cfg.Tenant, err)
	}
	return nil
}

// check requests ep once and compares the status with the one expected.
func (h *harness) check(ctx context.Context, ep Endpoint) error {
	resp, body, err := h.do(ctx, ep.Persona, ep.Method, ep.Paths[0], ep.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", ep.Method, ep.Paths[0], err)
	}
	if resp.StatusCode != ep.Expect {
		return fmt.Errorf("%s %s: status %d, want %d: %.200s", ep.Method, ep.Paths[0], resp.StatusCode, ep.Expect, body)
	}
	return nil
}

// smoke requests every endpoint once before any load, so a page that fails is named at
// once. A failing page is reported and its errors show in the table; the run stops only
// when every page fails.
func (h *harness) smoke(ctx context.Context, pl plan) error {
	var errs []error
	for _, ep := range pl.endpoints {
		if err := h.check(ctx, ep); err != nil {
			errs = append(errs, err)
			fmt.Fprintf(h.cfg.Progress, "warning: %s: %v\n", ep.Name, err)
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(errs) == len(pl.endpoints) && len(errs) > 0 {
		return fmt.Errorf("every endpoint fails: %w", errors.Join(errs...))
	}
	return nil
}

package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/web/components"
	"github.com/openaims/openaims/web/layout"
	pages "github.com/openaims/openaims/web/pages/orgcontext"
)

// partyPages are the pages of the interested-parties register (clause 4.2).
var partyPages = registerPages{slug: orgcontext.PartyObject, title: "Interested parties"}

// partyFlows add, edit, archive and restore interested parties.
var partyFlows = recordFlows[orgcontext.Party]{
	reg: partyPages, addHeading: "Add an interested party",
	id: func(p orgcontext.Party) uuid.UUID { return p.ID },
	blank: func(r *http.Request) orgcontext.Party {
		return orgcontext.Party{Status: "active", OwnerID: req(r).User.ID.String()}
	},
	read: partyFromForm, find: orgcontext.FindParty, editable: orgcontext.Party.Editable,
	create: orgcontext.CreateParty, update: orgcontext.UpdateParty, setArchived: orgcontext.SetPartyArchived,
	form: func(p layout.Page, f recordForm[orgcontext.Party]) templ.Component {
		return pages.PartyForm(p, pages.PartyFormView{Heading: f.Heading, Action: f.Action, Cancel: f.Cancel, Party: f.Record,
			Errors: f.Errors, Summary: f.Summary, Owners: f.Owners,
			Kinds: options(orgcontext.PartyKinds), Statuses: options(orgcontext.PartyStatuses)})
	},
	page: func(p layout.Page, v recordPage[orgcontext.Party]) templ.Component {
		return pages.PartyShow(p, pages.PartyView{Base: v.Base, CanWrite: v.CanWrite, Party: v.Record, History: v.History, Activity: v.Activity})
	},
}

// partyFilters are the list's filter fields, in the order of the query string.
var partyFilters = []string{"kind", "status", "owner", "legal", "unaddressed"}

func (s *Server) partyList(w http.ResponseWriter, r *http.Request) error {
	lr := parseList(r, partyPages.base(r), partyFilters...)
	v := pages.PartyListView{
		Base: lr.Base, CanWrite: s.can(r, permWriteRegisters), Search: lr.Filter.Search, Filters: lr.Filter.Fields,
		Kinds: options(orgcontext.PartyKinds), Statuses: options(orgcontext.PartyStatuses),
		Headers: []components.SortLink{lr.SortLink("Ref", "ref"), lr.SortLink("Name", "name"), lr.SortLink("Kind", "kind"),
			lr.SortLink("Updated", "updated")},
		ExportHref: lr.ExportHref(), Filtered: lr.Filtered(),
	}
	err := s.inTenant(r, func(tx *postgres.Tx) error {
		page, err := orgcontext.ListParties(r.Context(), tx, lr.Filter)
		if err != nil {
			return err
		}
		v.Parties, v.Pager = page.Items, pager(lr, page)
		v.Owners, err = memberOptions(r, tx)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.PartyList(s.page(r, partyPages.title), v))
	return nil
}

func (s *Server) partyExport(w http.ResponseWriter, r *http.Request) error {
	lr := parseList(r, partyPages.base(r), partyFilters...)
	return s.inTenant(r, func(tx *postgres.Tx) error {
		return streamCSV(w, "interested-parties", []string{"Reference", "Name", "Kind", "Description", "Requirements",
			"Requirement count", "Legal or regulatory", "Addressed", "Owner", "Status", "Archived", "Updated at", "Updated by"},
			func(write func(...string) error) error {
				return orgcontext.EachParty(r.Context(), tx, lr.Filter, func(p orgcontext.Party) error {
					return write(p.Reference(), p.Name, orgcontext.LabelOf(orgcontext.PartyKinds, p.Kind), p.Description,
						requirementsCell(p.Requirements), strconv.Itoa(p.RequirementCount), strconv.Itoa(p.LegalCount),
						strconv.Itoa(p.AddressedCount), p.OwnerName, orgcontext.LabelOf(orgcontext.PartyStatuses, p.Status),
						csvDate(p.ArchivedAt), p.UpdatedAt.UTC().Format("2006-01-02 15:04:05"), p.UpdatedBy)
				})
			})
	})
}

// requirementsCell puts a party's requirements in one CSV cell, " | " between them, each
// with its flags and how the AIMS addresses it, e.g. "Right to human review [legal; not addressed]".
func requirementsCell(reqs []orgcontext.Requirement) string {
	parts := make([]string, len(reqs))
	for i, rq := range reqs {
		flags := "not addressed"
		if rq.Addressed {
			flags = "addressed"
		}
		if rq.Legal {
			flags = "legal; " + flags
		}
		parts[i] = rq.Text + " [" + flags + "]"
		if rq.How != "" {
			parts[i] += ": " + rq.How
		}
	}
	return strings.Join(parts, " | ")
}

// partyFromForm reads the interested-party form. Requirement rows left blank are dropped
// here rather than in Normalize, so that the row numbers of validation messages are the
// rows the re-shown form has; what the user typed in the others is kept as typed.
func partyFromForm(r *http.Request) orgcontext.Party {
	p := orgcontext.Party{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), Description: r.PostFormValue("description"),
		OwnerID: r.PostFormValue("owner_id"), Status: r.PostFormValue("status"), Requirements: []orgcontext.Requirement{}}
	// One row past the limit is read, so that too many rows are reported rather than cut.
	for i := 0; i <= orgcontext.MaxRequirements; i++ {
		value := func(name string) string { return r.PostFormValue(orgcontext.RequirementField(i, name)) }
		rq := orgcontext.Requirement{Text: value("text"), Legal: value("legal") != "", Addressed: value("addressed") != "", How: value("how")}
		if !rq.Blank() {
			p.Requirements = append(p.Requirements, rq)
		}
	}
	return p
}

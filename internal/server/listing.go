package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/web/components"
)

// listRequest is a register list's state from the query string: the filter, and the
// 1-based position of the page's first row (display only; paging itself is by keyset).
type listRequest struct {
	Base   string // the list's path
	Filter postgres.Filter
	Pos    int
	fields []string
}

// parseList reads q, sort, dir, after, before, pos and the named filter fields.
func parseList(r *http.Request, base string, fields ...string) listRequest {
	q := r.URL.Query()
	lr := listRequest{Base: base, fields: fields, Filter: postgres.Filter{
		Search: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"), Desc: q.Get("dir") == "desc",
		After: q.Get("after"), Before: q.Get("before"), Fields: map[string]string{},
	}}
	for _, f := range fields {
		lr.Filter.Fields[f] = q.Get(f)
	}
	lr.Pos, _ = strconv.Atoi(q.Get("pos"))
	if lr.Pos < 1 {
		lr.Pos = 1
	}
	return lr
}

// values is the query string of the current filter and sort, without paging.
func (lr listRequest) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("q", lr.Filter.Search)
	for _, f := range lr.fields {
		set(f, lr.Filter.Fields[f])
	}
	set("sort", lr.Filter.Sort)
	if lr.Filter.Desc {
		v.Set("dir", "desc")
	}
	return v
}

func (lr listRequest) href(v url.Values) string {
	if len(v) == 0 {
		return lr.Base
	}
	return lr.Base + "?" + v.Encode()
}

// ExportHref is the CSV export of the current filter and sort.
func (lr listRequest) ExportHref() string {
	return lr.Base + "/export.csv" + strings.TrimPrefix(lr.href(lr.values()), lr.Base)
}

// SortLink is the heading of a sortable column: the first click sorts ascending, a click
// on the active column flips the direction.
func (lr listRequest) SortLink(label, key string) components.SortLink {
	active := lr.Filter.Sort == key
	v := lr.values()
	v.Set("sort", key)
	v.Del("dir")
	if active && !lr.Filter.Desc {
		v.Set("dir", "desc")
	}
	return components.SortLink{Label: label, Href: lr.href(v), Active: active, Desc: active && lr.Filter.Desc}
}

// Pager is the count and the previous/next links of page p.
func pager[T any](lr listRequest, p postgres.Page[T]) components.Pager {
	pg := components.Pager{Total: p.Total, TotalEstimated: p.TotalEstimated, From: lr.Pos, To: lr.Pos + len(p.Items) - 1}
	if len(p.Items) == 0 {
		pg.From, pg.To = 0, 0
	}
	if p.NextCursor != "" {
		v := lr.values()
		v.Set("after", p.NextCursor)
		v.Set("pos", strconv.Itoa(lr.Pos+len(p.Items)))
		pg.NextHref = lr.href(v)
	}
	if p.PrevCursor != "" {
		v := lr.values()
		v.Set("before", p.PrevCursor)
		if prev := lr.Pos - postgres.DefaultPageSize; prev > 1 {
			v.Set("pos", strconv.Itoa(prev))
		}
		pg.PrevHref = lr.href(v)
	}
	return pg
}

// Filtered reports whether any filter or search narrows the list (an empty result then
// means "nothing matches", not "the register is empty").
func (lr listRequest) Filtered() bool {
	if lr.Filter.Search != "" {
		return true
	}
	for _, v := range lr.Filter.Fields {
		if v != "" {
			return true
		}
	}
	return false
}

// linkedShown is how many linked records of one kind a record's page shows (the treatments
// of a risk or a control, the risks of an AI system…); the page counts them all and links to
// the register's list, filtered to the record, for the others. A page then costs the same
// however many records are linked to it.
const linkedShown = 20

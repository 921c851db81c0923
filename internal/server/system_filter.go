package server

import (
	"net/http"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/web/components"
)

// systemFilter resolves the AI-system filter of a list (risks, impact assessments) before
// the list is read: the value, an id from a link or a reference typed in, becomes the
// system's id in lr's filter, and the field shows a drop-down of the tenant's systems or,
// when it has more than aisystem.FilterShown, a reference field showing the system chosen.
func systemFilter(r *http.Request, tx *postgres.Tx, lr *listRequest) (components.Field, []components.Option, error) {
	value := lr.Filter.Fields["system"]
	f := components.Field{ID: "system", Name: "system", Label: "AI system", Value: value}
	c, err := aisystem.LoadFilterChoice(r.Context(), tx, value)
	if err != nil {
		return f, nil, err
	}
	if sel := c.Selected; sel != nil {
		lr.Filter.Fields["system"] = sel.ID.String()
		f.Value = sel.ID.String()
	}
	if c.Options != nil {
		opts := make([]components.Option, 0, len(c.Options))
		for _, o := range c.Options {
			opts = append(opts, components.Option{Value: o.ID.String(), Label: o.Label()})
		}
		return f, opts, nil
	}
	f.Hint = "Its reference, e.g. AIS-12"
	switch {
	case c.Selected != nil:
		f.Value, f.Hint = c.Selected.Reference(), c.Selected.Label()
	case value != "":
		f.Error = "No AI system has the reference " + value
	}
	return f, nil, nil
}

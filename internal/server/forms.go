package server

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
	"github.com/openaims/openaims/web/components"
)

// historyLimit is how many trail entries a record page shows.
const historyLimit = 50

// options turns a register's choices into select options.
func options(choices []orgcontext.Choice) []components.Option {
	out := make([]components.Option, len(choices))
	for i, c := range choices {
		out[i] = components.Option{Value: c.Value, Label: c.Label}
	}
	return out
}

// memberOptions lists the tenant's members as owner choices.
func memberOptions(r *http.Request, tx *postgres.Tx) ([]components.Option, error) {
	members, err := tenant.Members(r.Context(), tx)
	if err != nil {
		return nil, err
	}
	out := make([]components.Option, len(members))
	for i, m := range members {
		out[i] = components.Option{Value: m.UserID.String(), Label: m.DisplayName}
	}
	return out, nil
}

// formErrors splits a validation error into per-field messages and the error summary, in
// form order; ok is false when err is not a validation error.
func formErrors(err error) (map[string]string, []components.ErrorItem, bool) {
	var e *apperr.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 || (e.Code != apperr.Invalid && e.Code != apperr.Conflict) {
		return nil, nil, false
	}
	m := map[string]string{}
	var summary []components.ErrorItem
	for _, f := range e.Fields {
		if _, seen := m[f.Field]; !seen {
			m[f.Field] = f.Message
			summary = append(summary, components.ErrorItem{FieldID: f.Field, Message: f.Message})
		}
	}
	return m, summary, true
}

// history loads a record's history as the page shows it, each entry named by its action.
func history(r *http.Request, tx *postgres.Tx, objectType string, id uuid.UUID) ([]components.HistoryItem, error) {
	return historyNamed(r, tx, objectType, id, func(e auditlog.Entry) string { return actionLabel(e.Action) })
}

// historyNamed is history with each entry named by name.
func historyNamed(r *http.Request, tx *postgres.Tx, objectType string, id uuid.UUID, name func(auditlog.Entry) string) ([]components.HistoryItem, error) {
	entries, err := auditlog.History(r.Context(), tx, objectType, id.String(), historyLimit)
	if err != nil {
		return nil, err
	}
	items := make([]components.HistoryItem, len(entries))
	for i, e := range entries {
		it := components.HistoryItem{When: e.OccurredAt.UTC().Format("2006-01-02 15:04 UTC"), Who: e.ActorLabel, Action: name(e)}
		for _, c := range e.Changes() {
			it.Changes = append(it.Changes, components.HistoryChange{Field: c.Field, Before: c.Before, After: c.After})
		}
		items[i] = it
	}
	return items, nil
}

// actionLabel is how the trail names an action: the verb after the object.
func actionLabel(action string) string {
	for i := len(action) - 1; i >= 0; i-- {
		if action[i] == '.' {
			action = action[i+1:]
			break
		}
	}
	switch action {
	case "create":
		return "Created"
	case "update":
		return "Updated"
	case "archive":
		return "Archived"
	case "restore":
		return "Restored"
	case "assess":
		return "Re-assessed"
	case "accept":
		return "Residual risk accepted"
	}
	return action
}

// idParam parses the {id} of the URL; a malformed id is simply not found.
func idParam(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		return uuid.Nil, apperr.Errorf(apperr.NotFound, "No such record")
	}
	return id, nil
}

// activityHref is the activity trail filtered to one record.
func activityHref(base, objectType string, id uuid.UUID) string {
	return base + "/activity?object=" + objectType + "&id=" + id.String()
}

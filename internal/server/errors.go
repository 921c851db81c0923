package server

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/web/layout"
)

// handlerFunc is a handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts a handlerFunc; its error is rendered by renderError.
func (s *Server) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	}
}

// statusOf is the one mapping from error codes to HTTP statuses.
func statusOf(code apperr.Code) int {
	switch code {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// renderError is the only place an error becomes a response. Internal errors are logged
// with the request's context and shown as a generic 500 page; the others show their
// message, which is written for users.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.CodeOf(err)
	status := statusOf(code)
	rq := req(r)
	if code == apperr.Unauthenticated && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(safeNext(r.URL.RequestURI())), http.StatusSeeOther)
		return
	}
	heading, message := "", ""
	var ae *apperr.Error
	if errors.As(err, &ae) {
		message = ae.Message
	}
	switch status {
	case http.StatusNotFound:
		heading, message = "Page not found", "The page or record does not exist, or you do not have access to it. Check the address, or go back to your workspace."
	case http.StatusForbidden:
		heading = "You do not have permission"
		if message == "" {
			message = "Your role does not allow this action. Ask an administrator of this workspace if you need it."
		}
	case http.StatusInternalServerError:
		rq.Log.Error("request failed", "err", err)
		heading, message = "Something went wrong", "The error has been logged with reference "+rq.ID+". Try again in a moment."
	case http.StatusConflict:
		heading = "This change could not be made"
	default:
		heading = http.StatusText(status)
	}
	s.render(w, r, status, layout.ErrorPage(s.page(r, heading), status, heading, message))
}

package components

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPagerSummary(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pager Pager
		want  string
	}{
		{Pager{}, "No records"},
		{Pager{Total: 1, From: 1, To: 1}, "Showing 1 of 1 record"},
		{Pager{Total: 1234, From: 1, To: 50}, "Showing 1–50 of 1,234 records"},
		{Pager{Total: 1234, TotalEstimated: true, From: 51, To: 100}, "Showing 51–100 of about 1,234 records"},
		{Pager{Total: 1234567, From: 1234501, To: 1234567}, "Showing 1,234,501–1,234,567 of 1,234,567 records"},
	} {
		require.Equal(t, tc.want, tc.pager.summary())
	}
}

func TestPaginationLinks(t *testing.T) {
	t.Parallel()
	html := render(t, Pagination(Pager{Total: 120, From: 1, To: 50, NextHref: "?after=50"}))
	require.Contains(t, html, `href="?after=50" rel="next"`)
	require.Contains(t, html, `<span class="pagination__link pagination__link--disabled">`)
	require.NotContains(t, html, `rel="prev"`)
}

func TestSortHeader(t *testing.T) {
	t.Parallel()
	require.Contains(t, render(t, SortHeader(SortLink{Label: "Level", Href: "?sort=level", Active: true, Desc: true})), `aria-sort="descending"`)
	require.NotContains(t, render(t, SortHeader(SortLink{Label: "Level", Href: "?sort=level"})), "aria-sort")
}

func TestBadgeUnknownToneIsNeutral(t *testing.T) {
	t.Parallel()
	require.Equal(t, `<span class="badge badge--neutral">Draft</span>`, render(t, Badge("Draft", "purple")))
	require.Equal(t, `<span class="badge badge--danger">Overdue</span>`, render(t, Badge("Overdue", "danger")))
}

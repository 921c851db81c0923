package loadtest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const listPage = `<!doctype html><html><body>
<nav><a href="/t/acme/risks">AI risks</a><a href="/t/acme/risks/criteria">Risk criteria</a></nav>
<a href="/t/acme/risks?cell=5-1" aria-label="Inherent likelihood 5 Almost certain, impact 1 Negligible: Medium, 0 risks. Show them." class="heatmap__cell heatmap__cell--empty"><text>0</text></a>
<a href="/t/acme/risks?cell=3-4" aria-label="Inherent likelihood 3 Possible, impact 4 Major: High, 1,204 risks. Show them." class="heatmap__cell"><text>1204</text></a>
<a href="/t/acme/risks?cell=2-2" aria-label="Inherent likelihood 2 Unlikely, impact 2 Minor: Low, 1 risk. Show them." class="heatmap__cell"></a>
<a href="/t/acme/risks?rcell=1-1" aria-label="Residual likelihood 1, impact 1: Low, 9,999 risks. Show them."></a>
<form><select class="input select" id="status" name="status"><option value="" selected>Any</option><option value="identified">Identified</option><option value="assessed">Assessed</option></select>
<select name="owner"><option value="">Any</option></select>
<input type="checkbox" name="ai_systems" value="0260c3a2-a145-453a-ad4a-4794ba395f6d"><input type="checkbox" name="ai_systems" value="b5f27d4e-aae8-49d7-a001-1abc6c0fbd36">
<input type="text" name="q" value="">
</form>
<table><tbody>
<tr><td>RISK-13</td><td><a href="/t/acme/risks/b40bae0f-5f95-4a11-b206-232627296c1f">Paediatric vital-sign ranges &amp; age bands</a><div>Clinical triage assistant</div></td></tr>
<tr><td>RISK-5</td><td><a href="/t/acme/risks/18bdf28f-4ef6-44b7-8351-ef73c009b59f">Readmission model under-predicts risk</a></td></tr>
<tr><td><a href="/t/acme/ai-systems/0260c3a2-a145-453a-ad4a-4794ba395f6d">AIS-1</a></td><td><a href="/t/acme/risks/b40bae0f-5f95-4a11-b206-232627296c1f/edit">Edit</a></td></tr>
</tbody></table>
<nav class="pagination" aria-label="Pagination"><p class="pagination__summary">Showing 51–100 of about 100,000 records</p><ul class="pagination__links"><li><a class="pagination__link" href="/t/acme/risks?pos=1&amp;before=abc" rel="prev">‹ Previous</a></li><li><a class="pagination__link" href="/t/acme/risks?after=xyz&amp;pos=101" rel="next">Next <span aria-hidden="true">›</span></a></li></ul></nav>
</body></html>`

func TestParsePage(t *testing.T) {
	t.Parallel()
	p, err := parsePage(strings.NewReader(listPage))
	require.NoError(t, err)
	require.Equal(t, "/t/acme/risks?after=xyz&pos=101", p.next(), "entities decoded")
	require.Equal(t, 100000, p.total())
	require.Equal(t, []record{
		{ID: "b40bae0f-5f95-4a11-b206-232627296c1f", Text: "Paediatric vital-sign ranges & age bands"},
		{ID: "18bdf28f-4ef6-44b7-8351-ef73c009b59f", Text: "Readmission model under-predicts risk"},
	}, p.records("/t/acme/risks/"), "only the register's own records, each once; not their sub-pages")
	require.Equal(t, []string{"identified", "assessed"}, p.values("status"))
	require.Empty(t, p.values("owner"))
	require.Empty(t, p.values("no-such-select"))
	require.Equal(t, []string{"0260c3a2-a145-453a-ad4a-4794ba395f6d", "b5f27d4e-aae8-49d7-a001-1abc6c0fbd36"}, p.Checkboxes["ai_systems"])
	require.Equal(t, "cell=3-4", p.busiestCell("cell"))
	require.Equal(t, "rcell=1-1", p.busiestCell("rcell"))
	require.Empty(t, p.busiestCell("other"))
}

func TestPagerTotal(t *testing.T) {
	t.Parallel()
	for summary, want := range map[string]int{
		"Showing 1–50 of 1,234 records":         1234,
		"Showing 1–50 of about 101,234 records": 101234,
		"Showing 1 of 1 record":                 1,
		"No records":                            0,
		"":                                      -1,
	} {
		require.Equal(t, want, page{Summary: summary}.total(), summary)
	}
	p, err := parsePage(strings.NewReader(`<p>Showing 1–50 of 7 records</p>`))
	require.NoError(t, err)
	require.Equal(t, -1, p.total(), "only the pager's own line counts")
}

func TestNoNextOnTheLastPage(t *testing.T) {
	t.Parallel()
	p, err := parsePage(strings.NewReader(`<nav><span class="pagination__link pagination__link--disabled">Next</span></nav>`))
	require.NoError(t, err)
	require.Empty(t, p.next())
}

func TestSpread(t *testing.T) {
	t.Parallel()
	var recs []record
	for i := range 1000 {
		recs = append(recs, record{ID: string(rune('a' + i%26))})
	}
	s := spread(recs, 50)
	require.Len(t, s, 50)
	require.Equal(t, recs[0], s[0])
	require.Equal(t, recs[980], s[49], "the last pick is near the end")
	require.Len(t, spread(recs[:7], 50), 7, "all of them when there are fewer")
}

func TestCandidateWords(t *testing.T) {
	t.Parallel()
	recs := []record{
		{Text: "Model drift after a change in case mix"},
		{Text: "Model bias against older patients"},
		{Text: "Model outage: GPU capacity"},
		{Text: "Patients misread the model's advice"},
	}
	got := candidateWords(recs, 4)
	require.Equal(t, []string{"model", "patients", "misread", "advice"}, got,
		"the most frequent and the least frequent words of five letters or more")
	require.Len(t, candidateWords(recs, 100), 11, "every word when there are few: "+strings.Join(candidateWords(recs, 100), " "))
}

func TestSearchTerms(t *testing.T) {
	t.Parallel()
	recs := []record{
		{Text: "Short title"},
		{Text: strings.Repeat("word ", 30)},
		{Text: "Short title"},
	}
	titles := candidateTitles(recs, 3)
	require.Equal(t, []string{"Short title", strings.TrimSpace(strings.Repeat("word ", 16))}, titles,
		"whole titles, each once, a long one cut at a word within 80 characters")
	require.Equal(t, "risks ?q=model (common)", searchName("model", "common"))
	require.Equal(t, "risks ?q=Paediatric vital-sign r… (rare)", searchName("Paediatric vital-sign ranges differ by age", "rare"))
}

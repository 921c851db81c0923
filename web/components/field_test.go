package components

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFieldWithErrorIsDescribedAndInvalid(t *testing.T) {
	t.Parallel()
	f := Field{ID: "title", Name: "title", Label: "Title", Hint: "Short name", Value: "a <b>", Error: "Enter a title", Required: true}
	for name, html := range map[string]string{
		"text":     render(t, TextInput(f)),
		"textarea": render(t, TextArea(f, 4)),
		"date":     render(t, DateInput(f)),
		"select":   render(t, Select(f, []Option{{Value: "a <b>", Label: "A"}})),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.Contains(t, html, `class="field field--error"`)
			require.Contains(t, html, `<label class="field__label" for="title">Title</label>`)
			require.Contains(t, html, `id="title-hint"`)
			require.Contains(t, html, `id="title-error"`)
			require.Contains(t, html, `Enter a title`)
			require.Contains(t, html, `aria-describedby="title-hint title-error"`)
			require.Contains(t, html, `aria-invalid="true"`)
			require.Contains(t, html, `aria-required="true"`)
			require.Contains(t, html, `a &lt;b&gt;`, "the user's value is kept, escaped")
			require.NotContains(t, html, "(optional)")
		})
	}
}

func TestOptionalFieldIsMarked(t *testing.T) {
	t.Parallel()
	html := render(t, TextInput(Field{ID: "notes", Name: "notes", Label: "Notes"}))
	require.Contains(t, html, "(optional)")
	require.NotContains(t, html, "aria-describedby")
	require.NotContains(t, html, "aria-invalid")
}

func TestPasswordIsNeverEchoed(t *testing.T) {
	t.Parallel()
	html := render(t, PasswordInput(Field{ID: "password", Name: "password", Label: "Password", Value: "hunter2hunter2"}, "current-password"))
	require.NotContains(t, html, "hunter2")
	require.Contains(t, html, `type="password"`)
	require.Contains(t, html, `autocomplete="current-password"`)
}

func TestSelectSelectsTheValue(t *testing.T) {
	t.Parallel()
	html := render(t, Select(Field{ID: "s", Name: "s", Label: "S", Value: "b"}, []Option{{"a", "A"}, {"b", "B"}}))
	require.Contains(t, html, `<option value="a">A</option>`)
	require.Contains(t, html, `<option value="b" selected>B</option>`)
}

func TestRadiosFirstOptionCarriesTheFieldID(t *testing.T) {
	t.Parallel()
	html := render(t, Radios(Field{ID: "level", Name: "level", Label: "Level", Value: "2", Error: "Choose a level"}, []Option{{"1", "Low"}, {"2", "High"}}))
	require.Contains(t, html, `<fieldset class="fieldset" aria-describedby="level-error">`)
	require.Contains(t, html, `<legend class="fieldset__legend">Level`)
	require.Contains(t, html, `id="level" name="level" value="1"`)
	require.Contains(t, html, `id="level-1" name="level" value="2" checked`)
}

func TestCheckboxKeepsTheChoice(t *testing.T) {
	t.Parallel()
	html := render(t, Checkbox(Field{ID: "ok", Name: "ok", Label: "Applicable"}, true))
	require.Contains(t, html, `value="true" checked`)
	require.NotContains(t, render(t, Checkbox(Field{ID: "ok", Name: "ok", Label: "Applicable"}, false)), "checked")
}

func TestErrorSummary(t *testing.T) {
	t.Parallel()
	require.Empty(t, render(t, ErrorSummary(nil)))

	html := render(t, ErrorSummary([]ErrorItem{{FieldID: "title", Message: "Enter a title"}, {Message: "Try later"}}))
	require.Contains(t, html, `role="alert"`)
	require.Contains(t, html, "There is a problem")
	require.Contains(t, html, `<a href="#title">Enter a title</a>`)
	require.Contains(t, html, `<li>Try later</li>`)
}

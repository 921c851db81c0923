package auditlog

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Change is one field that differs between an entry's before and after.
type Change struct {
	Field, Before, After string
}

// Changes lists the top-level fields whose values differ between e.Before and e.After,
// sorted by field name, with values rendered as text. Identity fields (id, ref and the
// *_id links, whose readable names are recorded beside them) are left out.
func (e Entry) Changes() []Change {
	before, after := fields(e.Before), fields(e.After)
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	var out []Change
	for k := range keys {
		if k == "id" || k == "ref" || strings.HasSuffix(k, "_id") {
			continue
		}
		b, a := text(before[k]), text(after[k])
		if b != a {
			out = append(out, Change{Field: strings.ReplaceAll(k, "_", " "), Before: b, After: a})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func fields(raw json.RawMessage) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &m)
	}
	return m
}

func text(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	switch t := v.(type) {
	case string:
		return t
	case bool:
		if t {
			return "yes"
		}
		return "no"
	case float64:
		return fmt.Sprint(t)
	}
	return string(raw)
}

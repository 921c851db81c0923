package loadtest

import (
	"io"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// page is what the harness reads from an HTML page, as a browser user would: its links,
// the options of its selects, the values of its checkboxes and the pager's count line.
type page struct {
	Links      []link
	Selects    map[string][]option // by the select's name
	Checkboxes map[string][]string // values, by the input's name
	Summary    string              // "Showing 1–50 of about 100,000 records"
}

// link is an <a> element.
type link struct {
	Href, Rel, Label, Text string
}

// option is an <option> of a select.
type option struct {
	Value, Text string
}

// parsePage reads the parts of an HTML document the harness uses.
func parsePage(r io.Reader) (page, error) {
	p := page{Selects: map[string][]option{}, Checkboxes: map[string][]string{}}
	z := html.NewTokenizer(r)
	var (
		inLink    *link
		inSelect  string
		inOption  *option
		inSummary bool
	)
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				return p, nil
			}
			return p, z.Err()
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			attrs := attrMap(tok.Attr)
			switch tok.Data {
			case "a":
				inLink = &link{Href: attrs["href"], Rel: attrs["rel"], Label: attrs["aria-label"]}
			case "select":
				inSelect = attrs["name"]
				if _, ok := p.Selects[inSelect]; !ok {
					p.Selects[inSelect] = []option{}
				}
			case "option":
				if inSelect != "" {
					inOption = &option{Value: attrs["value"]}
				}
			case "input":
				if attrs["type"] == "checkbox" && attrs["name"] != "" {
					p.Checkboxes[attrs["name"]] = append(p.Checkboxes[attrs["name"]], attrs["value"])
				}
			case "p":
				inSummary = strings.Contains(attrs["class"], "pagination__summary")
			}
		case html.TextToken:
			text := string(z.Text())
			if inLink != nil {
				inLink.Text += text
			}
			if inOption != nil {
				inOption.Text += text
			}
			if inSummary {
				p.Summary += text
			}
		case html.EndTagToken:
			switch name, _ := z.TagName(); string(name) {
			case "a":
				if inLink != nil {
					inLink.Text = strings.TrimSpace(inLink.Text)
					p.Links = append(p.Links, *inLink)
					inLink = nil
				}
			case "option":
				if inOption != nil {
					inOption.Text = strings.TrimSpace(inOption.Text)
					p.Selects[inSelect] = append(p.Selects[inSelect], *inOption)
					inOption = nil
				}
			case "select":
				inSelect = ""
			case "p":
				inSummary = false
			}
		}
	}
}

func attrMap(attrs []html.Attribute) map[string]string {
	m := make(map[string]string, len(attrs))
	for _, a := range attrs {
		m[a.Key] = a.Val
	}
	return m
}

// next is the href of the page's rel="next" link, or "".
func (p page) next() string {
	for _, l := range p.Links {
		if l.Rel == "next" {
			return l.Href
		}
	}
	return ""
}

// uuidPattern matches a record id.
var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// records returns the links of the page to records under prefix (such as
// "/t/bench-large/risks/"), in page order, each once: the record's id and the link's text.
func (p page) records(prefix string) []record {
	var out []record
	seen := map[string]bool{}
	for _, l := range p.Links {
		id, ok := strings.CutPrefix(l.Href, prefix)
		if !ok || !uuidPattern.MatchString(id) || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, record{ID: id, Text: l.Text})
	}
	return out
}

// record is a record a list page links to.
type record struct{ ID, Text string }

// values returns the non-empty option values of the select name.
func (p page) values(name string) []string {
	var out []string
	for _, o := range p.Selects[name] {
		if o.Value != "" {
			out = append(out, o.Value)
		}
	}
	return out
}

var totalPattern = regexp.MustCompile(`of\s+(?:about\s+)?([\d,]+)\s+records?`)

// total is the record count of the pager's summary ("Showing 1–50 of about 1,234 records"):
// 0 when the list is empty, -1 when the page has no count.
func (p page) total() int {
	if strings.Contains(p.Summary, "No records") {
		return 0
	}
	m := totalPattern.FindStringSubmatch(p.Summary)
	if m == nil {
		return -1
	}
	n, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	if err != nil {
		return -1
	}
	return n
}

var cellCountPattern = regexp.MustCompile(`,\s*([\d,]+)\s+risks?\.`)

// busiestCell returns the query of the heat-map cell link (such as "cell=3-4") whose
// aria-label counts the most risks; "" when the page has no cell link.
func (p page) busiestCell(param string) string {
	best, bestN := "", -1
	for _, l := range p.Links {
		_, query, ok := strings.Cut(l.Href, "?")
		if !ok || !strings.HasPrefix(query, param+"=") {
			continue
		}
		n := 0
		if m := cellCountPattern.FindStringSubmatch(l.Label); m != nil {
			n, _ = strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		}
		if n > bestN {
			best, bestN = query, n
		}
	}
	return best
}

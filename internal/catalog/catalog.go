// Package catalog is the structure of ISO/IEC 42001:2023 the product is seeded from: clause
// ids with paraphrased titles and evidence guidance, the Annex A controls grouped by
// objective, and the ISO/IEC 23894 picklists. It is read from catalog.yaml (a copy of
// shared/iso42001/catalog.yaml, paraphrased: no text of the standard).
package catalog

import (
	_ "embed"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed catalog.yaml
var source []byte

// Clause is one clause or sub-clause of clauses 4–10.
type Clause struct {
	ID         string `yaml:"id"`
	Title      string `yaml:"title"`
	Evidence   string `yaml:"evidence"`
	Register   string `yaml:"register"`
	Assessable *bool  `yaml:"assessable"`
}

// Control is one Annex A control.
type Control struct {
	ID       string `yaml:"id"`
	Title    string `yaml:"title"`
	Summary  string `yaml:"summary"`
	Register string `yaml:"register"`
	// Objective is the id and title of the objective the control serves, e.g. "A.6.2".
	ObjectiveID    string `yaml:"-"`
	ObjectiveTitle string `yaml:"-"`
}

// Objective is an Annex A control objective with its controls, in published order.
type Objective struct {
	ID       string    `yaml:"id"`
	Title    string    `yaml:"title"`
	Controls []Control `yaml:"controls"`
}

type group struct {
	ID            string      `yaml:"id"`
	Title         string      `yaml:"title"`
	Controls      []Control   `yaml:"controls"`
	SubObjectives []Objective `yaml:"sub_objectives"`
}

type document struct {
	Clauses []Clause `yaml:"clauses"`
	AnnexA  struct {
		Objectives []group `yaml:"objectives"`
	} `yaml:"annex_a"`
	DataModels struct {
		AIRisk struct {
			Picklists struct {
				ObjectiveAffected []string `yaml:"objective_affected"`
				RiskSource        []string `yaml:"risk_source"`
			} `yaml:"picklists"`
		} `yaml:"ai_risk"`
	} `yaml:"data_models"`
}

// Catalog is the parsed catalog.
type Catalog struct {
	Clauses    []Clause
	Objectives []Objective // Annex A objectives; A.6 appears as A.6.1 and A.6.2
	// ObjectivesAffected and RiskSources are the ISO/IEC 23894 picklists (Annex C of 42001).
	ObjectivesAffected []string
	RiskSources        []string
}

// Controls returns every Annex A control in published order.
func (c *Catalog) Controls() []Control {
	var out []Control
	for _, o := range c.Objectives {
		out = append(out, o.Controls...)
	}
	return out
}

// Control returns the Annex A control with id.
func (c *Catalog) Control(id string) (Control, bool) {
	for _, o := range c.Objectives {
		for _, ctl := range o.Controls {
			if ctl.ID == id {
				return ctl, true
			}
		}
	}
	return Control{}, false
}

// Load parses the embedded catalog.
func Load() (*Catalog, error) {
	var d document
	if err := yaml.Unmarshal(source, &d); err != nil {
		return nil, fmt.Errorf("catalog: parse: %w", err)
	}
	c := &Catalog{Clauses: d.Clauses,
		ObjectivesAffected: d.DataModels.AIRisk.Picklists.ObjectiveAffected,
		RiskSources:        d.DataModels.AIRisk.Picklists.RiskSource}
	for _, g := range d.AnnexA.Objectives {
		objectives := g.SubObjectives
		if len(objectives) == 0 {
			objectives = []Objective{{ID: g.ID, Title: g.Title, Controls: g.Controls}}
		}
		for _, o := range objectives {
			for i := range o.Controls {
				o.Controls[i].ObjectiveID, o.Controls[i].ObjectiveTitle = o.ID, o.Title
			}
			c.Objectives = append(c.Objectives, o)
		}
	}
	return c, nil
}

// MustLoad parses the embedded catalog and panics if it is broken; a test guards it.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// Label turns a picklist key such as "training_test_data_availability_quality" into words.
func Label(key string) string {
	s := strings.ReplaceAll(key, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/control"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
	"github.com/openaims/openaims/internal/treatment"
)

// decision is a demo Statement of Applicability decision on one control.
type decision struct {
	code          string
	applicability string // control.Applicable or control.Excluded
	reasons       []string
	status        string
	owner         string // persona
	justification string
}

// customControl is a demo control of the tenant's own.
type customControl struct {
	title, objective, description string
	decision
}

// When the demo workspace was set up and its decisions taken, in days before the seed.
const (
	workspaceCreatedDaysAgo = 200
	soaDecidedDaysAgo       = 60
)

// Shorthands of the demo decisions.
const (
	soaYes = control.Applicable
	soaNo  = control.Excluded
)

var reasonTreatment, reasonLegal, reasonOther = "treatment", "legal", "other"

// demoSoA is each tenant's partly filled Statement of Applicability: about twenty of the 38
// controls decided (most applicable, three excluded), the rest not yet.
var demoSoA = map[string][]decision{
	"acme": {
		{"A.2.2", soaYes, []string{reasonLegal, reasonOther}, "implemented", "exec", "The board approved the AI policy in 2025; the clinical risk management standard DCB0129 expects one for clinical software."},
		{"A.2.3", soaYes, []string{reasonOther}, "partially_implemented", "officer", "The AI policy must sit with the information governance and clinical safety policies; the mapping is half done."},
		{"A.3.2", soaYes, []string{reasonLegal}, "implemented", "admin", "DCB0129 and DCB0160 require a named clinical safety officer for every clinical system."},
		{"A.3.3", soaYes, []string{reasonTreatment}, "planned", "officer", ""},
		{"A.4.6", soaYes, []string{reasonTreatment}, "planned", "admin", ""},
		{"A.5.2", soaYes, []string{reasonLegal}, "implemented", "officer", "UK GDPR article 35 requires a DPIA for each system; the impact assessment process covers it."},
		{"A.5.4", soaYes, []string{reasonTreatment, reasonLegal}, "partially_implemented", "officer", "Equality Act 2010 public sector equality duty."},
		{"A.5.5", soaNo, nil, "not_started", "officer", "The AI systems support individual care decisions inside one trust; their wider effects are assessed as impacts on groups of patients under A.5.4. Revisit if the triage assistant is offered beyond the trust."},
		{"A.6.2.2", soaYes, []string{reasonOther}, "implemented", "officer", "Every clinical model starts from a signed-off clinical requirements document."},
		{"A.6.2.4", soaYes, []string{reasonTreatment}, "partially_implemented", "officer", ""},
		{"A.6.2.6", soaYes, []string{reasonTreatment}, "planned", "officer", ""},
		{"A.6.2.8", soaYes, []string{reasonLegal}, "not_started", "admin", "The UK medical device regulations require traceability of the software's outputs."},
		{"A.7.3", soaNo, nil, "not_started", "officer", "No data is acquired from outside: every model is trained on the trust's own records under its existing data-sharing approvals, managed under A.7.2."},
		{"A.7.4", soaYes, []string{reasonTreatment}, "partially_implemented", "officer", ""},
		{"A.7.5", soaYes, []string{reasonLegal}, "not_started", "officer", "Caldicott principles: the origin of patient data used by AI must be traceable."},
		{"A.8.2", soaYes, []string{reasonTreatment, reasonLegal}, "implemented", "officer", "MHRA guidance requires instructions for use for software as a medical device."},
		{"A.9.2", soaYes, []string{reasonTreatment}, "partially_implemented", "exec", ""},
		{"A.9.4", soaYes, []string{reasonTreatment}, "planned", "exec", ""},
		{"A.10.3", soaYes, []string{reasonTreatment, reasonLegal}, "partially_implemented", "admin", "UK GDPR article 28 processor terms with the hosted language-model provider."},
		{"A.10.4", soaNo, nil, "not_started", "exec", "The trust offers no AI system to customers: its AI systems are used only by its own clinicians. Revisit if the triage assistant is offered to other trusts."},
	},
	"globex": {
		{"A.2.2", soaYes, []string{reasonLegal}, "implemented", "exec", "The PRA's model risk management principles (SS1/23) expect a board-approved policy for models, AI included."},
		{"A.2.4", soaYes, []string{reasonOther}, "planned", "officer", "The policy is reviewed yearly with the model risk policy."},
		{"A.3.2", soaYes, []string{reasonLegal}, "implemented", "admin", "The Senior Managers and Certification Regime requires a senior manager accountable for models."},
		{"A.4.4", soaNo, nil, "not_started", "admin", "Globex keeps no AI-specific tooling: modelling runs on the group data platform, documented and controlled under the group's IT general controls."},
		{"A.4.6", soaYes, []string{reasonTreatment}, "planned", "admin", ""},
		{"A.5.2", soaYes, []string{reasonLegal}, "implemented", "officer", "UK GDPR article 35 and the Consumer Duty require an assessment of effects on customers."},
		{"A.5.4", soaYes, []string{reasonTreatment, reasonLegal}, "partially_implemented", "officer", "Equality Act 2010 and the FCA's fair treatment of vulnerable customers."},
		{"A.6.2.4", soaYes, []string{reasonTreatment, reasonLegal}, "implemented", "officer", "SS1/23 principle 4: independent model validation."},
		{"A.6.2.6", soaYes, []string{reasonTreatment}, "partially_implemented", "officer", ""},
		{"A.6.2.7", soaYes, []string{reasonLegal}, "partially_implemented", "officer", "SS1/23 requires model documentation sufficient for independent review."},
		{"A.7.2", soaYes, []string{reasonTreatment}, "implemented", "officer", ""},
		{"A.7.4", soaYes, []string{reasonTreatment}, "partially_implemented", "officer", ""},
		{"A.7.6", soaYes, []string{reasonTreatment}, "not_started", "officer", ""},
		{"A.8.2", soaYes, []string{reasonLegal}, "partially_implemented", "exec", "UK GDPR article 22 and the Consumer Duty: customers are told about automated decisions and how to contest them."},
		{"A.8.3", soaNo, nil, "not_started", "exec", "Customers raise concerns through the regulated complaints process (FCA DISP), which already handles complaints about automated decisions; a separate AI channel would split it."},
		{"A.8.5", soaYes, []string{reasonLegal}, "implemented", "exec", "Regulatory reporting to the FCA and PRA."},
		{"A.9.2", soaYes, []string{reasonTreatment}, "planned", "officer", ""},
		{"A.9.4", soaYes, []string{reasonTreatment}, "not_started", "officer", ""},
		{"A.10.3", soaYes, []string{reasonTreatment, reasonLegal}, "partially_implemented", "admin", "Outsourcing rules (PRA SS2/21) for the fraud-scoring and document vendors."},
		{"A.10.4", soaNo, nil, "not_started", "exec", "Globex offers no AI system or AI-based service to customers as a product; its AI systems support its own decisions, whose effects on customers are covered by A.5.4, A.8.2 and A.9.4."},
	},
}

var demoCustomControls = map[string][]customControl{
	"acme": {
		{"Clinical safety case for every AI release", "A.6.2",
			"A clinical safety case and hazard log, signed by the clinical safety officer, before any model or rule change reaches patients.",
			decision{"", soaYes, []string{reasonLegal}, "partially_implemented", "officer", "DCB0129 requires a clinical safety case for health IT; the summariser's is still in draft."}},
		{"Monthly under-triage audit by age group", "A.6.2",
			"Each month, a sample of triaged patients is re-categorised by a senior nurse, and under-triage rates are compared across age groups.",
			decision{"", soaYes, []string{reasonTreatment}, "planned", "officer", ""}},
	},
	"globex": {
		{"Independent validation before every credit model release", "A.6.2",
			"The model risk team validates every new or changed credit model against its own challenger before it is used for decisions.",
			decision{"", soaYes, []string{reasonLegal}, "implemented", "officer", "PRA SS1/23 principle 4 requires independent validation of models."}},
		{"Quarterly review of decline reason codes", "A.8",
			"Customer-facing reasons for declines are checked each quarter against the model's actual drivers and the complaints received.",
			decision{"", soaYes, []string{reasonTreatment}, "partially_implemented", "exec", ""}},
	},
}

// seedControls gives the tenant its Annex A controls, then fills its Statement of
// Applicability in part and adds its custom controls, as decided two months before the seed.
func seedControls(ctx context.Context, tx *postgres.Tx, slug string, users map[tenant.Role]uuid.UUID) error {
	officer, now := tx.Actor, tx.Now
	defer func() { tx.Actor, tx.Now = officer, now }()
	// The catalog's controls are the system's doing, not the officer's, when the workspace
	// was set up.
	tx.Actor, tx.Now = postgres.SystemActor("demo-seed"), now.AddDate(0, 0, -workspaceCreatedDaysAgo)
	if err := control.SeedAnnexA(ctx, tx); err != nil {
		return err
	}
	tx.Actor, tx.Now = officer, now.AddDate(0, 0, -soaDecidedDaysAgo)
	ids, err := controlIDs(ctx, tx)
	if err != nil {
		return err
	}
	for _, d := range demoSoA[slug] {
		id, ok := ids[d.code]
		if !ok {
			return fmt.Errorf("control %s: not in the catalog", d.code)
		}
		c, err := control.Find(ctx, tx, id)
		if err != nil {
			return err
		}
		c.Applicability, c.InclusionReasons, c.ImplementationStatus = d.applicability, d.reasons, d.status
		c.Justification, c.OwnerID = d.justification, personaID(users, d.owner)
		if _, err := control.Update(ctx, tx, id, c); err != nil {
			return fmt.Errorf("control %s: %w", d.code, err)
		}
	}
	for _, cc := range demoCustomControls[slug] {
		if _, err := control.Create(ctx, tx, control.Control{Title: cc.title, ObjectiveID: cc.objective, Description: cc.description,
			Applicability: cc.applicability, InclusionReasons: cc.reasons, ImplementationStatus: cc.status,
			Justification: cc.justification, OwnerID: personaID(users, cc.owner)}); err != nil {
			return fmt.Errorf("custom control %q: %w", cc.title, err)
		}
	}
	return nil
}

// controlIDs maps the tenant's control codes and titles to their ids, in one query.
func controlIDs(ctx context.Context, tx *postgres.Tx) (map[string]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `SELECT code, title, id FROM controls WHERE tenant_id = $1`, tx.TenantID)
	if err != nil {
		return nil, fmt.Errorf("controls: %w", err)
	}
	defer rows.Close()
	out := map[string]uuid.UUID{}
	for rows.Next() {
		var code, title string
		var id uuid.UUID
		if err := rows.Scan(&code, &title, &id); err != nil {
			return nil, fmt.Errorf("controls: %w", err)
		}
		out[code], out[title] = id, id
	}
	return out, rows.Err()
}

// personaID is the member id of a demo persona ("officer"), or "" for none.
func personaID(users map[tenant.Role]uuid.UUID, local string) string {
	for _, p := range Personas {
		if id, ok := users[p.Role]; ok && p.Local == local {
			return id.String()
		}
	}
	return ""
}

// demoTreatment is a treatment plan of the demo: the risks it treats (by title, as the risk
// part seeds them) and the controls it uses (by code, or by title for custom controls).
type demoTreatment struct {
	title, option, description string
	risks, controls            []string
	owner                      string
	dueDays                    int // from the seed; negative: past
	status                     string
	check, effectiveness       string
	actions                    []demoAction
}

type demoAction struct {
	title, owner string
	dueDays      int
	status       string
}

// When the demo plans were made, in days before the seed.
const treatmentPlannedDaysAgo = 90

var demoTreatments = map[string][]demoTreatment{
	"acme": {
		{title: "Sepsis red-flag rules and a monthly under-triage audit", option: "modify",
			description: "Hard-coded sepsis discriminators override the model's category, and a monthly audit checks under-triage by age group.",
			risks:       []string{"Under-triage of sepsis in older patients"},
			controls:    []string{"A.6.2.4", "A.6.2.6", "Monthly under-triage audit by age group"},
			owner:       "officer", dueDays: 60, status: "in_progress",
			actions: []demoAction{
				{"Implement the sepsis red-flag override rules", "officer", -100, "done"},
				{"Run the first under-triage audit by age group", "officer", 14, "in_progress"},
				{"Report the audit results to the clinical safety group", "exec", 45, "open"},
			}},
		{title: "Drift monitoring for the triage model", option: "modify",
			description: "Weekly calibration and case-mix monitoring with alert thresholds, so that drift is seen within a week.",
			risks:       []string{"Performance drift after a change in case mix"},
			controls:    []string{"A.6.2.6", "A.6.2.8"},
			owner:       "officer", dueDays: -4, status: "in_progress",
			actions: []demoAction{
				{"Define drift metrics and alert thresholds", "officer", -30, "done"},
				{"Build the weekly calibration dashboard", "admin", -3, "in_progress"},
			}},
		{title: "Fairness constraint in readmission model retraining", option: "modify",
			description: "Retrain the readmission model with the deprivation index as a fairness constraint and validate calibration by decile.",
			risks:       []string{"Readmission model under-predicts risk in deprived areas"},
			controls:    []string{"A.5.4", "A.7.4", "A.6.2.4"},
			owner:       "exec", dueDays: -20, status: "completed",
			check:         "Validation on the 2026 hold-out set: the calibration gap between deprivation deciles 1–2 and 9–10 fell from 7.8 to 1.9 points. Re-checked in the quarterly fairness review.",
			effectiveness: "effective",
			actions: []demoAction{
				{"Add the deprivation index to the training pipeline", "officer", -70, "done"},
				{"Retrain and validate by deprivation decile", "officer", -40, "done"},
			}},
		{title: "Medication cross-check before a summary is signed", option: "modify",
			description: "Medications in a draft summary that are not in the record are highlighted for the discharging doctor, and free-text instructions are stripped from the prompt.",
			risks:       []string{"Discharge summary states a medication the patient never had", "Instructions hidden in free-text notes change the summary"},
			controls:    []string{"A.9.2", "A.9.4", "A.8.2"},
			owner:       "exec", dueDays: 30, status: "in_progress",
			actions: []demoAction{
				{"Highlight medications not found in the record", "officer", 21, "in_progress"},
				{"Train discharging doctors on the summariser's failure modes", "exec", -10, "done"},
				{"Filter instruction-like text from notes before summarising", "admin", 28, "open"},
			}},
		{title: "Processor agreement and zero retention with the model provider", option: "share",
			description: "Article 28 processor terms, UK data residency and a zero-retention setting with the hosted language-model provider.",
			risks:       []string{"Patient records processed by the hosted language-model provider"},
			controls:    []string{"A.10.3", "A.7.5"},
			owner:       "admin", dueDays: -45, status: "completed",
			check:         "Contract signed; the provider's retention setting confirmed in its console and in its SOC 2 report. Checked again at the annual supplier review.",
			effectiveness: "effective",
			actions: []demoAction{
				{"Negotiate the processor terms", "admin", -60, "done"},
				{"Confirm the zero-retention setting", "officer", -50, "done"},
			}},
		{title: "Clinical model validation skills programme", option: "modify",
			description: "Train two clinical scientists in model validation and agree a validation partnership with the university.",
			risks:       []string{"Too few staff able to validate clinical models"},
			controls:    []string{"A.4.6"},
			owner:       "admin", dueDays: 150, status: "planned",
			actions: []demoAction{
				{"Choose a validation course", "admin", 30, "open"},
				{"Agree the partnership with the university", "exec", 90, "open"},
			}},
	},
	"globex": {
		{title: "Thin-file scorecard and manual review route", option: "modify",
			description: "Applicants with thin credit files are scored on an alternative-data scorecard and declines go to an underwriter.",
			risks:       []string{"Credit model disadvantages thin-file applicants"},
			controls:    []string{"A.5.4", "A.6.2.4", "A.9.2"},
			owner:       "officer", dueDays: 45, status: "in_progress",
			actions: []demoAction{
				{"Build the alternative-data scorecard", "officer", -15, "done"},
				{"Route thin-file declines to an underwriter", "admin", 20, "in_progress"},
			}},
		{title: "Remove postcode proxies and test for disparate impact", option: "modify",
			description: "Postcode-derived features are removed and the model is tested for disparate impact on ethnicity proxies before each release.",
			risks:       []string{"Postcode features act as a proxy for ethnicity"},
			controls:    []string{"A.7.4", "A.6.2.4", "Independent validation before every credit model release"},
			owner:       "officer", dueDays: -30, status: "completed",
			check:         "Disparate-impact ratio rose from 0.74 to 0.86 on the validation set; still under the 0.9 target, so a second round of feature review is planned.",
			effectiveness: "partially_effective",
			actions: []demoAction{
				{"Remove postcode-derived features", "officer", -60, "done"},
				{"Add the disparate-impact test to validation", "officer", -35, "done"},
			}},
		{title: "Reason codes for every decline", option: "modify",
			description: "Every decline letter states the main reasons in plain language, checked against the model's drivers.",
			risks:       []string{"Decline reasons cannot be explained to applicants"},
			controls:    []string{"A.8.2", "Quarterly review of decline reason codes"},
			owner:       "exec", dueDays: 20, status: "in_progress",
			actions: []demoAction{
				{"Map model drivers to plain-language reasons", "officer", -5, "done"},
				{"Update the decline letter template", "exec", 15, "open"},
			}},
		{title: "Vulnerable-customer override in fraud blocking", option: "modify",
			description: "Payments of customers flagged as vulnerable are held for a call instead of blocked, and auto-closed alerts are sampled weekly.",
			risks:       []string{"Fraud model blocks payments of vulnerable customers", "Fraud alerts close automatically without review"},
			controls:    []string{"A.9.2", "A.9.4", "A.6.2.6"},
			owner:       "officer", dueDays: -7, status: "planned",
			actions: []demoAction{
				{"Agree the hold-and-call procedure with the contact centre", "exec", -10, "open"},
				{"Sample auto-closed alerts weekly", "officer", 10, "open"},
			}},
		{title: "Data-sharing agreement with the fraud-scoring vendor", option: "share",
			description: "A data-sharing agreement limits the transaction features sent to the vendor and their use to fraud scoring for Globex.",
			risks:       []string{"Transaction features shared with the fraud-scoring vendor"},
			controls:    []string{"A.10.2", "A.10.3"},
			owner:       "admin", dueDays: -40, status: "completed",
			check:         "Agreement signed; the vendor's feature feed was checked against the agreed list in the annual outsourcing review.",
			effectiveness: "effective",
			actions: []demoAction{
				{"Agree the feature list with the vendor", "admin", -70, "done"},
				{"Sign the data-sharing agreement", "exec", -45, "done"},
			}},
		{title: "Machine-learning validation training for the model risk team", option: "modify",
			description: "Two validators complete a machine-learning validation course; an external reviewer supports the first two validations.",
			risks:       []string{"Model risk team lacks machine-learning validation skills"},
			controls:    []string{"A.4.6"},
			owner:       "admin", dueDays: 120, status: "planned",
			actions: []demoAction{
				{"Book the validation course", "admin", 25, "open"},
			}},
	},
}

// seedTreatments adds the demo treatment plans of slug, made three months before the seed.
// A plan none of whose risks the risk register has (the risks are seeded by their own part)
// is left out; risks that are missing are left out of a plan.
func seedTreatments(ctx context.Context, tx *postgres.Tx, slug string, users map[tenant.Role]uuid.UUID) error {
	now := tx.Now
	defer func() { tx.Now = now }()
	controls, err := controlIDs(ctx, tx)
	if err != nil {
		return err
	}
	day := func(days int) string { return now.AddDate(0, 0, days).Format(time.DateOnly) }
	for _, d := range demoTreatments[slug] {
		var risks []string
		if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(id::text ORDER BY ref), '{}') FROM risks
			WHERE tenant_id = $1 AND title = ANY ($2)`, tx.TenantID, d.risks).Scan(&risks); err != nil {
			return fmt.Errorf("treatment %q: risks: %w", d.title, err)
		}
		if len(risks) == 0 {
			continue
		}
		in := treatment.Treatment{Title: d.title, Option: d.option, Description: d.description, RiskIDs: risks,
			OwnerID: personaID(users, d.owner), DueDate: day(d.dueDays), Status: d.status,
			EffectivenessCheck: d.check, Effectiveness: d.effectiveness}
		for _, c := range d.controls {
			id, ok := controls[c]
			if !ok {
				return fmt.Errorf("treatment %q: no control %q", d.title, c)
			}
			in.ControlIDs = append(in.ControlIDs, id.String())
		}
		for _, a := range d.actions {
			in.Actions = append(in.Actions, treatment.Action{Title: a.title, OwnerID: personaID(users, a.owner),
				DueDate: day(a.dueDays), Status: a.status})
		}
		tx.Now = now.AddDate(0, 0, -treatmentPlannedDaysAgo)
		if _, err := treatment.Create(ctx, tx, in); err != nil {
			return fmt.Errorf("treatment %q: %w", d.title, err)
		}
	}
	return nil
}

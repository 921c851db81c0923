package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/risk"
	"github.com/openaims/openaims/internal/tenant"
)

// demoRisk is a risk of the demo register: the AI systems it concerns (ILIKE patterns of
// their names, since the AI systems are seeded by their own part), its identification, its
// first assessment, later re-assessments, and an executive's acceptance of the residual risk.
type demoRisk struct {
	systems                              []string
	title, event, source, objective      string
	assets, consequences, parties, exist string
	first                                risk.Ratings
	firstNote                            string
	later                                []reassessment
	owner                                string // persona, or "" for none
	reviewDays                           int    // next review, in days from the seed (negative: overdue)
	status                               string
	accept                               string // the executive's reason; "" for none
}

// reassessment is a later assessment of a demo risk, daysAgo before the seed.
type reassessment struct {
	daysAgo int
	ratings risk.Ratings
	note    string
}

func rt(il, ii, rl, ri int) risk.Ratings {
	return risk.Ratings{InherentLikelihood: il, InherentImpact: ii, ResidualLikelihood: rl, ResidualImpact: ri}
}

// The demo history: risks identified half a year before the seed, re-assessed since.
const (
	riskIdentifiedDaysAgo = 180
	riskAcceptedDaysAgo   = 12
)

var demoRisks = map[string][]demoRisk{
	"acme": {
		{systems: []string{"%triage%"}, title: "Under-triage of sepsis in older patients",
			event:  "The assistant suggests a lower urgency category for an older patient with early sepsis and atypical vital signs.",
			source: "machine_learning_related", objective: "safety",
			assets:       "Patient safety; the hospitals' clinical reputation and CQC rating.",
			consequences: "Delayed antibiotics, deterioration or death; serious incident investigation; loss of clinicians' trust in the tool.",
			parties:      "Patients over 75 attending the emergency department; triage nurses; ED consultants.",
			exist:        "Nurse confirms every category; mandatory sepsis screening on arrival.",
			first:        rt(4, 5, 0, 0), firstNote: "Workshop with ED leads before the pilot: sensitivity for sepsis over 80 is 6 points below average.",
			later: []reassessment{
				{120, rt(3, 5, 0, 0), "Red-flag rules for sepsis discriminators now override the model; likelihood reduced."},
				{20, rt(3, 5, 2, 5), "Monthly under-triage audit by age group planned; residual rated on the audit being in place."},
			},
			owner: "officer", reviewDays: 40, status: "treatment_planned"},
		{systems: []string{"%triage%"}, title: "Nurses defer to the suggested category at busy times",
			event:  "Under pressure, triage nurses accept the suggested category without checking the discriminators (automation bias).",
			source: "level_of_automation", objective: "accountability",
			consequences: "Errors the model cannot see go uncorrected; responsibility for the category becomes unclear.",
			parties:      "Patients; triage nurses; the ED nursing lead.",
			exist:        "Training on the tool's limits; the nurse's category is the one recorded.",
			first:        rt(4, 4, 3, 3), firstNote: "Observed in the pilot department: 93% of suggestions accepted unchanged in peak hours.",
			owner: "admin", reviewDays: 75, status: "treated"},
		{systems: []string{"%triage%"}, title: "Less accurate triage for patients with limited English",
			event:  "Presenting complaints of patients with limited English are recorded in less detail, and the model categorises them less accurately.",
			source: "machine_learning_related", objective: "training_test_data_availability_quality",
			consequences: "Unequal quality of care for a protected group; complaints; breach of the Equality Act duty.",
			parties:      "Patients with limited English and their families.",
			exist:        "Interpreter prompt when the recorded language is not English.",
			first:        rt(3, 3, 2, 3), firstNote: "Error rate 1.4 times higher for non-English speakers in validation.",
			owner: "officer", reviewDays: 100, status: "assessed"},
		{systems: []string{"%triage%"}, title: "Performance drift after a change in case mix",
			event:  "A winter surge or a new service changes the mix of presentations, and the model's calibration drifts unnoticed.",
			source: "system_lifecycle", objective: "robustness",
			consequences: "Systematic over- or under-triage for weeks before anyone notices.",
			parties:      "All adult ED patients.",
			first:        rt(3, 4, 2, 2), firstNote: "No drift monitoring in the current release.",
			owner: "officer", reviewDays: -5, status: "treatment_planned"},
		{systems: []string{"%readmission%"}, title: "Readmission model under-predicts risk in deprived areas",
			event:  "Patients from the most deprived postcodes get lower readmission scores because their prior care is under-recorded.",
			source: "machine_learning_related", objective: "fairness",
			assets:       "Community follow-up capacity; the trust's health-inequalities commitments.",
			consequences: "Fewer follow-up calls for those most likely to be readmitted; widened health inequalities.",
			parties:      "Discharged patients in IMD deciles 1–2; community nursing teams.",
			exist:        "Discharge coordinators can add patients to the follow-up list by hand.",
			first:        rt(4, 4, 0, 0), firstNote: "Calibration gap found in the 2025 fairness review.",
			later: []reassessment{
				{60, rt(4, 4, 3, 3), "Deprivation index added as a fairness constraint in retraining; residual rated on the retrained model's validation."},
			},
			owner: "exec", reviewDays: 160, status: "treated",
			accept: "The retrained model closes most of the gap; the remaining medium risk is covered by coordinators' manual additions and the quarterly fairness review. Further treatment would cost more than it saves."},
		{systems: []string{"%readmission%"}, title: "Readmission scores used for bed management",
			event:  "Operations staff start using readmission scores to decide discharge order, a use the model was not validated for.",
			source: "environment_complexity", objective: "accountability",
			consequences: "Decisions about discharge made on a score built for something else; unclear accountability.",
			parties:      "Inpatients awaiting discharge; bed managers.",
			first:        rt(3, 3, 0, 0), firstNote: "Reported by the chief nurse in the last management review.",
			owner: "", reviewDays: 30, status: "identified"},
		{systems: []string{"%readmission%"}, title: "Clinicians cannot see why a patient scored high",
			event:  "Clinicians challenge readmission scores they cannot explain, and ignore the tool.",
			source: "lack_of_transparency_explainability", objective: "transparency_explainability",
			consequences: "The benefit of targeted follow-up is lost; poor adoption.",
			parties:      "Ward doctors; discharge coordinators.",
			exist:        "Top five contributing factors shown beside each score.",
			first:        rt(4, 2, 2, 2), firstNote: "Survey of ward doctors: 61% do not understand the score.",
			owner: "admin", reviewDays: 200, status: "treated"},
		{systems: []string{"%summar%"}, title: "Discharge summary states a medication the patient never had",
			event:  "The summariser invents (hallucinates) a medication or dose that is not in the record, and the GP continues it.",
			source: "machine_learning_related", objective: "safety",
			assets:       "Patient safety; GP trust in discharge letters.",
			consequences: "Medication errors after discharge; harm to patients; clinical negligence claims.",
			parties:      "Discharged patients; GPs; community pharmacists.",
			exist:        "The discharging doctor signs every summary.",
			first:        rt(4, 5, 0, 0), firstNote: "3 fabricated medications in 400 summaries of the evaluation set.",
			later: []reassessment{
				{90, rt(4, 5, 3, 4), "Medication section now copied from the prescribing system, not generated."},
				{15, rt(4, 5, 2, 4), "Automated check against the prescribing record blocks unmatched medications."},
			},
			owner: "officer", reviewDays: 60, status: "treatment_planned"},
		{systems: []string{"%summar%"}, title: "Patient records processed by the hosted language-model provider",
			event:  "Identifiable patient data leaves the trust to the summariser's hosted model, and is retained or used for training.",
			source: "technology_readiness", objective: "privacy",
			consequences: "Breach of UK GDPR and the common-law duty of confidentiality; ICO enforcement.",
			parties:      "All patients whose records are summarised.",
			exist:        "Data processing agreement; zero-retention option enabled.",
			first:        rt(2, 5, 1, 4), firstNote: "Supplier's retention and training terms reviewed with the DPO.",
			owner: "admin", reviewDays: 120, status: "assessed"},
		{systems: []string{"%summar%"}, title: "Instructions hidden in free-text notes change the summary",
			event:  "Text pasted into clinical notes (for example from an e-mail) contains instructions that steer the summariser (prompt injection).",
			source: "machine_learning_related", objective: "security",
			consequences: "Misleading or incomplete summaries; data disclosed in the letter.",
			parties:      "Patients; GPs.",
			first:        rt(5, 3, 0, 0), firstNote: "Reproduced in testing with a note copied from an e-mail.",
			owner: "", reviewDays: 20, status: "identified"},
		{systems: []string{"%summar%"}, title: "GPU capacity outage delays discharge letters",
			event:  "The summariser's GPU capacity is unavailable during a regional cloud outage.",
			source: "system_hardware", objective: "maintainability",
			consequences: "Discharge letters written by hand, hours later.",
			parties:      "Doctors on discharge duty.",
			exist:        "Manual letter template as the downtime procedure.",
			first:        rt(2, 2, 1, 2), firstNote: "Fallback tested in the business-continuity exercise.",
			owner: "admin", reviewDays: 300, status: "closed"},
		{systems: []string{"%triage%", "%readmission%"}, title: "Too few staff able to validate clinical models",
			event:  "Only one data scientist can validate the clinical models; validation stalls when they are away.",
			source: "system_lifecycle", objective: "ai_expertise",
			consequences: "Releases go ahead with less validation, or are delayed.",
			parties:      "Clinical safety officer; data science team.",
			first:        rt(3, 2, 0, 0), firstNote: "Single point of failure noted in the competence review.",
			later: []reassessment{
				{45, rt(3, 2, 2, 2), "Second validator trained; validation checklist written."},
			},
			owner: "exec", reviewDays: 90, status: "treated"},
	},
	"globex": {
		{systems: []string{"%credit%"}, title: "Credit model disadvantages thin-file applicants",
			event:  "Applicants with little credit history (young people, recent immigrants) are declined more often than their repayment behaviour justifies.",
			source: "machine_learning_related", objective: "fairness",
			assets:       "Lending book growth; compliance with consumer-credit and equality law.",
			consequences: "Unfair exclusion from credit; FCA Consumer Duty breach; reputational damage.",
			parties:      "Applicants with thin credit files.",
			exist:        "Manual referral for declined applicants under 25.",
			first:        rt(4, 4, 0, 0), firstNote: "Approval rate for thin files 18 points lower at equal default rates.",
			later: []reassessment{
				{75, rt(4, 4, 3, 3), "Reject inference and open-banking data added to the challenger model; residual rated on back-testing."},
			},
			owner: "officer", reviewDays: 50, status: "treatment_planned"},
		{systems: []string{"%credit%"}, title: "Postcode features act as a proxy for ethnicity",
			event:  "Postcode-level features let the model reproduce historical discrimination by ethnicity.",
			source: "machine_learning_related", objective: "fairness",
			consequences: "Indirect discrimination; Equality Act claims; regulatory fines.",
			parties:      "Applicants from minority ethnic groups.",
			exist:        "Quarterly disparate-impact test.",
			first:        rt(3, 5, 2, 3), firstNote: "Postcode features removed; disparate-impact ratio now 0.91.",
			owner: "admin", reviewDays: 110, status: "treated"},
		{systems: []string{"%credit%"}, title: "Decline reasons cannot be explained to applicants",
			event:  "Adverse-action notices give generic reasons that do not reflect what drove the model's decision.",
			source: "lack_of_transparency_explainability", objective: "transparency_explainability",
			consequences: "Applicants cannot challenge decisions; GDPR Article 22 complaints.",
			parties:      "Declined applicants; the complaints team.",
			exist:        "Reason codes from SHAP values mapped to plain-language reasons.",
			first:        rt(4, 3, 0, 0), firstNote: "Ombudsman case in 2025 criticised generic decline reasons.",
			later: []reassessment{
				{40, rt(4, 3, 2, 3), "Plain-language reason codes live; sample review shows 95% match the drivers."},
			},
			owner: "exec", reviewDays: 150, status: "treated",
			accept: "Reason codes now reflect the model's drivers for 95% of declines; the remaining gap is handled by the complaints team's manual review. Retained at medium."},
		{systems: []string{"%credit%"}, title: "Credit model degrades in a recession",
			event:  "Macro-economic conditions shift outside the training period and default predictions become unreliable.",
			source: "system_lifecycle", objective: "robustness",
			consequences: "Unexpected credit losses; capital planning errors.",
			parties:      "Treasury; the board risk committee.",
			first:        rt(2, 4, 0, 0), firstNote: "Stress scenarios not yet run on the current model.",
			owner: "officer", reviewDays: 25, status: "assessed"},
		{systems: []string{"%fraud%"}, title: "Fraud model blocks payments of vulnerable customers",
			event:  "Unusual but legitimate payments by elderly or disabled customers are blocked as suspected fraud.",
			source: "level_of_automation", objective: "fairness",
			consequences: "Customers unable to pay rent or carers; Consumer Duty harm; complaints.",
			parties:      "Customers flagged as vulnerable; their carers.",
			first:        rt(4, 3, 3, 2), firstNote: "Block rate for customers flagged vulnerable is 2.3 times the average.",
			owner: "officer", reviewDays: 35, status: "treatment_planned"},
		{systems: []string{"%fraud%"}, title: "Fraudsters adapt to the model's blind spots",
			event:  "Organised fraud groups probe the model and shift to patterns it does not detect.",
			source: "machine_learning_related", objective: "security",
			assets:       "Customer funds; fraud losses budget.",
			consequences: "Rising fraud losses; reimbursement under the APP scheme.",
			parties:      "Customers; the fraud operations team.",
			exist:        "Monthly retraining; rules for known typologies.",
			first:        rt(5, 4, 0, 0), firstNote: "Losses from a new mule pattern doubled in one quarter.",
			later: []reassessment{
				{100, rt(5, 4, 4, 4), "Weekly retraining agreed; residual rated on the plan."},
				{10, rt(5, 4, 4, 3), "Adversarial testing with the red team found two further gaps, now covered by rules."},
			},
			owner: "admin", reviewDays: 14, status: "treatment_planned"},
		{systems: []string{"%fraud%"}, title: "Fraud alerts close automatically without review",
			event:  "Low-score alerts are auto-closed after 48 hours when the queue is full, without an analyst's decision.",
			source: "level_of_automation", objective: "accountability",
			consequences: "Real fraud missed; no accountable decision on record.",
			parties:      "Customers; fraud analysts.",
			first:        rt(3, 4, 0, 0), firstNote: "Found in the internal audit of the fraud queue.",
			owner: "", reviewDays: 15, status: "identified"},
		{systems: []string{"%fraud%"}, title: "Transaction features shared with the fraud-scoring vendor",
			event:  "Personal transaction data is sent to the vendor's consortium model beyond what the contract allows.",
			source: "technology_readiness", objective: "privacy",
			consequences: "GDPR breach; loss of the consortium membership.",
			parties:      "All card customers.",
			exist:        "Data sharing agreement; field-level minimisation.",
			first:        rt(2, 4, 1, 3), firstNote: "Field mapping reviewed with the DPO.",
			owner: "admin", reviewDays: 180, status: "treated"},
		{systems: []string{"%document%"}, title: "Income misread from payslips",
			event:  "The document extraction model misreads gross and net income on unusual payslip layouts.",
			source: "machine_learning_related", objective: "robustness",
			consequences: "Affordability assessed on the wrong income; irresponsible lending.",
			parties:      "Mortgage and loan applicants; underwriters.",
			exist:        "Underwriter checks income above a threshold.",
			first:        rt(4, 3, 0, 0), firstNote: "4% field error rate on income in the Q3 sample.",
			later: []reassessment{
				{30, rt(4, 3, 2, 2), "Confidence threshold routes low-confidence fields to an underwriter."},
			},
			owner: "officer", reviewDays: 130, status: "treated"},
		{systems: []string{"%document%"}, title: "Extraction fails on poor scans from branches",
			event:  "Low-resolution scans from branch scanners are not read, and applications stall.",
			source: "system_hardware", objective: "maintainability",
			consequences: "Delays for applicants; manual re-keying.",
			parties:      "Branch staff; applicants.",
			first:        rt(3, 2, 0, 0), firstNote: "12% of branch scans rejected in March.",
			owner: "", reviewDays: 70, status: "assessed"},
		{systems: []string{"%document%"}, title: "Identity documents kept longer than needed",
			event:  "Extracted identity data stays in the extraction service's cache after the application is decided.",
			source: "environment_complexity", objective: "privacy",
			consequences: "Data held without a lawful basis; larger impact of a breach.",
			parties:      "Applicants.",
			exist:        "Cache purged nightly since the 2025 fix.",
			first:        rt(2, 2, 1, 1), firstNote: "Fixed and verified; kept for the record.",
			owner: "admin", reviewDays: 365, status: "closed"},
		{systems: []string{"%credit%", "%fraud%"}, title: "Model risk team lacks machine-learning validation skills",
			event:  "Independent validation of ML models is done by a team trained for scorecards.",
			source: "system_lifecycle", objective: "ai_expertise",
			consequences: "Weaknesses in models go unchallenged; PRA SS1/23 findings.",
			parties:      "Model risk management; the board risk committee.",
			first:        rt(3, 3, 2, 2), firstNote: "Training plan and an external validator agreed.",
			owner: "exec", reviewDays: 90, status: "assessed"},
	},
}

// seedRisks adds the demo risk register of slug. A risk whose AI systems are not in the
// inventory (the AI systems are seeded by their own part) is left out. The history is
// dated: risks were identified half a year before the seed and re-assessed since, so that
// their timelines read as they would in use.
func seedRisks(ctx context.Context, tx *postgres.Tx, slug string, users map[tenant.Role]uuid.UUID) error {
	officer, now := tx.Actor, tx.Now
	defer func() { tx.Actor, tx.Now = officer, now }()
	persona := func(local string) string {
		for _, p := range Personas {
			if p.Local == local {
				return users[p.Role].String()
			}
		}
		return ""
	}
	for _, d := range demoRisks[slug] {
		var systems []string
		err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(id::text ORDER BY ref), '{}') FROM ai_systems
			WHERE tenant_id = $1 AND name ILIKE ANY ($2)`, tx.TenantID, d.systems).Scan(&systems)
		if err != nil {
			return fmt.Errorf("risk %q: AI systems: %w", d.title, err)
		}
		if len(systems) == 0 {
			continue
		}
		tx.Now = now.AddDate(0, 0, -riskIdentifiedDaysAgo)
		created, err := risk.Create(ctx, tx, risk.Risk{Title: d.title, SystemIDs: systems, Event: d.event, RiskSource: d.source,
			ObjectiveAffected: d.objective, Assets: d.assets, Consequences: d.consequences, AffectedParties: d.parties,
			ExistingControls: d.exist, Ratings: d.first, OwnerID: persona(d.owner), Status: d.status,
			ReviewDate: now.AddDate(0, 0, d.reviewDays).Format(time.DateOnly), AssessmentNote: d.firstNote})
		if err != nil {
			return fmt.Errorf("risk %q: %w", d.title, err)
		}
		for _, a := range d.later {
			tx.Now = now.AddDate(0, 0, -a.daysAgo)
			if _, err := risk.Assess(ctx, tx, created.ID, risk.Reassessment{Ratings: a.ratings, Note: a.note,
				ReviewDate: created.ReviewDate}); err != nil {
				return fmt.Errorf("risk %q: re-assess: %w", d.title, err)
			}
		}
		if d.accept != "" {
			tx.Now = now.AddDate(0, 0, -riskAcceptedDaysAgo)
			tx.Actor = postgres.Actor{UserID: users[tenant.RoleExecutive], Label: Email("exec", slug), RequestID: officer.RequestID}
			_, err := risk.Accept(ctx, tx, created.ID, d.accept)
			tx.Actor = officer
			if err != nil {
				return fmt.Errorf("risk %q: accept: %w", d.title, err)
			}
		}
	}
	return nil
}

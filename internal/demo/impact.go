package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/impact"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
)

// demoAssessment is an impact assessment of the demo: the AI system it assesses (found by a
// name pattern, since the AI systems are seeded by their own part), its first round, and
// what happens next: approval by the executive, a second round with its changes, risks
// raised from harms of the current round.
type demoAssessment struct {
	system     string // ILIKE pattern of the AI system's name
	title      string
	owner      string // persona
	reviewDays int    // next review, in days from the seed (negative: due)
	round      impact.Round
	approval   string // the executive's note; "" leaves round 1 a draft
	round2     func(impact.Round) impact.Round
	raise      []raise // from the current round, after everything else
}

// raise is a risk raised from harm at (0-based) of the current round.
type raise struct {
	at        int
	objective string
}

func harm(affected, desc string, severity, likelihood int, reversibility, scale string) impact.Impact {
	return impact.Impact{Kind: "harm", Affected: affected, Description: desc, Severity: fmt.Sprint(severity),
		Likelihood: fmt.Sprint(likelihood), Reversibility: reversibility, Scale: scale}
}

func benefit(affected, desc string, severity, likelihood int, scale string) impact.Impact {
	return impact.Impact{Kind: "benefit", Affected: affected, Description: desc, Severity: fmt.Sprint(severity),
		Likelihood: fmt.Sprint(likelihood), Reversibility: "reversible", Scale: scale}
}

var demoAssessments = map[string][]demoAssessment{
	"acme": {
		{
			system: "%triage%", title: "Clinical triage assistant: emergency department roll-out", owner: "officer", reviewDays: 150,
			round: impact.Round{
				Trigger: "pre_deployment", Timing: "Before go-live in the emergency departments of three hospitals, Q1 2026",
				Scope:          "Use of the assistant by triage nurses at the front door of the emergency department for adults. Paediatric triage and the telephone advice line are out of scope.",
				LifecycleStage: "verification_validation", SystemVersion: "2.2 (model build 2025-11)",
				Functionalities:       "Suggests a Manchester Triage category from presenting complaint, vital signs and history; highlights the discriminators that drove the suggestion. It does not diagnose.",
				Purpose:               "Shorten time to triage and make categories more consistent between nurses and shifts.",
				IntendedUses:          "Decision support for registered triage nurses, who confirm or change every suggested category; the nurse's category is the one recorded.",
				UnintendedUses:        "Use without a nurse's confirmation at busy times; use for children or by reception staff; reliance on the suggestion when vital signs are missing.",
				DataSources:           "1.2 million de-identified adult ED attendances 2019–2024 from the three hospitals, with final diagnoses and outcomes.",
				DataQuality:           "Vital signs missing in 6% of records; categories audited on a 2% sample each quarter; records before 2019 excluded after a coding change.",
				DataBias:              "Patients with limited English and older patients with atypical presentations are under-represented among high-acuity cases.",
				ModelAlgorithms:       "Gradient-boosted trees on structured fields; a rules layer for red-flag discriminators.",
				ModelVersions:         "2.0 piloted in one department in 2025; 2.2 retrained with 2024 data and recalibrated.",
				ModelLimitations:      "Sensitivity for sepsis in patients over 80 is 6 points lower than overall; performance unknown for conditions absent from the training data.",
				DeploymentGeography:   "Three acute hospitals in the North region",
				DeploymentLanguages:   "English user interface; patients speak over 40 languages",
				DeploymentConstraints: "Runs inside the ED information system; must answer within 2 seconds; downtime procedure is paper triage.",
				PartiesDirect:         "Adult patients attending the emergency department; triage nurses.",
				PartiesIndirect:       "Families and carers; ED doctors who rely on the category; the wider hospital through flow.",
				PartiesVulnerable:     "Older patients, patients with limited English, patients with learning disabilities.",
				Impacts: []impact.Impact{
					harm("individuals", "Under-triage of sepsis in older patients delays treatment and can lead to deterioration or death.", 5, 2, "irreversible", "few"),
					harm("groups", "Patients with limited English are categorised less accurately because their complaint is recorded in less detail.", 3, 3, "partly_reversible", "many"),
					harm("individuals", "Nurses defer to the suggestion at busy times (automation bias) and miss signs the model does not see.", 4, 3, "partly_reversible", "many"),
					benefit("society", "Shorter waits for a triage category and more consistent categories across nurses and shifts.", 3, 4, "very_many"),
				},
				Mitigations:        "Nurse confirms every category; red-flag rules override the model; sepsis screening stays mandatory; monthly audit of under-triage by age group; interpreter prompt when language is not English.",
				BenefitMeasures:    "Dashboard of time to triage per department shared weekly with the ED leads.",
				ResidualImpact:     "Low with nurse confirmation and the red-flag rules in place; under-triage of older patients remains the main concern and is monitored monthly.",
				RelatedAssessments: "DPIA-2025-014 (data protection impact assessment)",
			},
			approval: "Approved for go-live in the three adult emergency departments, on condition that the monthly under-triage audit by age group reports to the clinical safety group.",
			round2: func(r impact.Round) impact.Round {
				r.Trigger, r.Timing = "significant_change", "Version 2.3 adds paediatric cases; assessed before extending use to children, Q3 2026"
				r.Scope = "Extension of the assistant to paediatric triage in the same three emergency departments, in addition to adults."
				r.SystemVersion, r.LifecycleStage = "2.3 (model build 2026-05)", "verification_validation"
				r.PartiesVulnerable += " Children and their parents."
				r.Impacts = append(r.Impacts, harm("individuals",
					"Paediatric vital-sign ranges differ by age; a child in shock can be under-triaged if the age band is wrong.", 5, 2, "irreversible", "few"))
				return r
			},
			raise: []raise{{at: 4, objective: "safety"}},
		},
		{
			system: "%readmission%", title: "Readmission risk model: discharge planning", owner: "officer", reviewDays: 90,
			round: impact.Round{
				Trigger: "pre_deployment", Timing: "During validation, before the pilot on two medical wards in spring 2027",
				Scope:          "Use of the 30-day readmission score by discharge coordinators on medical wards.",
				LifecycleStage: "verification_validation",
				Purpose:        "Direct follow-up calls and community support to the patients most likely to be readmitted.",
				IntendedUses:   "Ranks patients due for discharge; coordinators decide who gets a follow-up call.",
				DataSources:    "Hospital admission records 2018–2024 and community care contacts.",
				DataBias:       "Patients who use private care or other hospitals after discharge look like they were not readmitted.",
				PartiesDirect:  "Patients discharged from medical wards; discharge coordinators.",
				Impacts: []impact.Impact{
					harm("groups", "Deprived areas are scored lower because their readmissions to other hospitals are not seen, so they get fewer follow-up calls.", 4, 3, "partly_reversible", "many"),
					harm("individuals", "A low score is read as 'safe to discharge' although the model does not assess clinical readiness.", 4, 2, "partly_reversible", "few"),
					benefit("individuals", "Patients at high risk get a follow-up call within 48 hours of discharge.", 3, 4, "many"),
				},
			},
		},
	},
	"globex": {
		{
			system: "%credit%", title: "Credit scoring model: consumer loans", owner: "officer", reviewDays: 200,
			round: impact.Round{
				Trigger: "periodic_review", Timing: "Annual review, January 2026",
				Scope:          "Automated scoring of consumer loan applications up to EUR 50,000 in the online and branch channels; mortgages are out of scope.",
				LifecycleStage: "operation", SystemVersion: "Scorecard 7.1",
				Functionalities:     "Computes a probability of default and a decision band (accept, refer, decline) with the four main reason codes.",
				Purpose:             "Decide consumer loan applications consistently and within minutes.",
				IntendedUses:        "Automatic acceptance in the top band; underwriters decide every referred application and review declines on request.",
				UnintendedUses:      "Use of the score for pricing or marketing; use for small-business lending.",
				DataSources:         "Bureau data, application form, account history for existing customers.",
				DataQuality:         "Bureau data checked monthly against a reference sample; application fields validated at entry.",
				DataBias:            "Young applicants and recent immigrants have thin bureau files and are scored on fewer variables.",
				ModelAlgorithms:     "Logistic regression scorecard with monotonic constraints.",
				ModelVersions:       "7.0 in 2024; 7.1 recalibrated in 2025 after the rate rise.",
				ModelLimitations:    "Less discriminating for thin-file applicants; not validated for self-employed income.",
				DeploymentGeography: "Germany, Austria and the Netherlands", DeploymentLanguages: "German, Dutch, English",
				DeploymentConstraints: "Creditworthiness assessment is a high-risk use under the EU AI Act (Annex III 5(b)); consumer credit rules require an explanation of refusals.",
				PartiesDirect:         "Loan applicants; underwriters.",
				PartiesIndirect:       "Households of applicants; the bank's customers through pricing.",
				PartiesVulnerable:     "Young adults, recent immigrants, people in financial difficulty.",
				Impacts: []impact.Impact{
					harm("groups", "Thin-file applicants (young people, recent immigrants) are declined more often than their repayment record would justify.", 4, 3, "partly_reversible", "many"),
					harm("individuals", "Declined applicants do not understand why and cannot contest the decision effectively.", 3, 3, "reversible", "many"),
					harm("individuals", "Over-lending to applicants whose income has fallen since their last bureau update.", 4, 2, "partly_reversible", "few"),
					benefit("individuals", "Decisions within minutes instead of days for most applicants.", 3, 5, "very_many"),
					benefit("groups", "More consistent decisions across branches and underwriters.", 3, 4, "many"),
				},
				Mitigations:        "Alternative data (rent and utility payments) for thin files; reason codes in every refusal letter; human review of any decline on request; quarterly fairness report by age band and nationality.",
				BenefitMeasures:    "Online decision in the application journey with a clear next step for referred cases.",
				ResidualImpact:     "Medium for thin-file applicants until alternative data is in production; low otherwise.",
				RelatedAssessments: "FRIA-2026-01 (EU AI Act Article 27); DPIA-CR-2023",
			},
			approval: "Approved for continued use. The thin-file mitigation must be in production before the next review.",
			raise:    []raise{{at: 0, objective: "fairness"}},
		},
		{
			system: "%fraud%", title: "Fraud detection: card transactions", owner: "officer", reviewDays: -10,
			round: impact.Round{
				Trigger: "significant_change", Timing: "New real-time blocking rule set, planned for Q2 2026",
				Scope:          "Real-time scoring and blocking of debit and credit card transactions.",
				LifecycleStage: "development",
				Purpose:        "Stop fraudulent card transactions before they are authorised.",
				IntendedUses:   "Transactions above the threshold are declined and the customer is asked to confirm in the app.",
				PartiesDirect:  "Card holders; fraud analysts.",
				Impacts: []impact.Impact{
					harm("individuals", "Legitimate payments are blocked abroad or at night, leaving customers unable to pay for essentials.", 3, 4, "reversible", "many"),
					harm("groups", "Customers without the app cannot confirm a blocked payment quickly.", 3, 3, "reversible", "many"),
					benefit("society", "Less card fraud and lower losses for customers and the bank.", 4, 4, "very_many"),
				},
			},
		},
	},
}

// seedImpactAssessments adds the demo impact assessments of slug. An assessment whose AI
// system is not in the inventory (that part of the demo is missing) is left out.
func seedImpactAssessments(ctx context.Context, tx *postgres.Tx, slug string, users map[tenant.Role]uuid.UUID) error {
	officer := tx.Actor
	for _, d := range demoAssessments[slug] {
		var systemID string
		err := tx.QueryRow(ctx, `SELECT id::text FROM ai_systems WHERE tenant_id = $1 AND name ILIKE $2 ORDER BY ref LIMIT 1`,
			tx.TenantID, d.system).Scan(&systemID)
		if postgres.IsNoRows(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("impact assessment %q: AI system: %w", d.title, err)
		}
		if err := seedAssessment(ctx, tx, slug, d, systemID, users, officer); err != nil {
			return fmt.Errorf("impact assessment %q: %w", d.title, err)
		}
	}
	return nil
}

func seedAssessment(ctx context.Context, tx *postgres.Tx, slug string, d demoAssessment, systemID string, users map[tenant.Role]uuid.UUID, officer postgres.Actor) error {
	owner := ""
	for _, p := range Personas {
		if p.Local == d.owner {
			owner = users[p.Role].String()
		}
	}
	a, err := impact.CreateAssessment(ctx, tx, impact.Assessment{Title: d.title, SystemID: systemID, OwnerID: owner,
		NextReview: tx.Now.AddDate(0, 0, d.reviewDays).Format(time.DateOnly)})
	if err != nil {
		return err
	}
	r1, err := impact.SaveRound(ctx, tx, a.ID, 1, d.round)
	if err != nil {
		return err
	}
	if d.approval != "" {
		// Approval is the executive's act; the trail says so.
		tx.Actor = postgres.Actor{UserID: users[tenant.RoleExecutive], Label: Email("exec", slug), RequestID: officer.RequestID}
		_, err = impact.Approve(ctx, tx, a.ID, d.approval)
		tx.Actor = officer
		if err != nil {
			return err
		}
	}
	current := 1
	if d.round2 != nil {
		if _, err := impact.StartRound(ctx, tx, a.ID); err != nil {
			return err
		}
		if _, err := impact.SaveRound(ctx, tx, a.ID, 2, d.round2(r1)); err != nil {
			return err
		}
		current = 2
	}
	for _, rs := range d.raise {
		if _, err := impact.RaiseRisk(ctx, tx, a.ID, current, rs.at, rs.objective); err != nil {
			return fmt.Errorf("raise a risk from impact %d: %w", rs.at+1, err)
		}
	}
	return nil
}

package demo

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	ais "github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
)

// inScope and outOfScope are the answers to "is the system in the AIMS scope?".
var inScope, outOfScope = func() (*bool, *bool) { y, n := true, false; return &y, &n }()

// demoSystems are the AI system inventories of the demo tenants; owners name personas. The
// risks and impact assessments of the demo find these systems by name (triage, readmission,
// summariser; credit, fraud, document), so keep those words in the names.
var demoSystems = map[string][]ais.System{
	"acme": {
		{Name: "Clinical triage assistant", OwnerID: "officer", LifecycleStage: "operation", OrgRole: "provider", InScope: inScope,
			Purpose:       "Suggests an urgency category for each patient arriving at the emergency department, from vital signs, presenting complaint and history, for the triage nurse to confirm or change.",
			Description:   "Gradient-boosted ensemble over structured triage data with a calibrated five-level output and the three strongest contributing factors per case. Integrated into the hospitals' emergency department system; every suggestion is logged with the nurse's final category.",
			IntendedUse:   "Decision support for registered triage nurses in adult emergency departments of partner hospitals. Not for children, telephone triage, or use without a nurse confirming the category.",
			IntendedUsers: "Triage nurses and emergency physicians of partner hospitals",
			EUAIActClass:  "high_risk", EUAIActReason: "Safety component of a medical device that needs third-party conformity assessment under the MDR (Article 6(1), Annex I), and used to triage patients in emergency care (Annex III point 5(d)).",
			Tooling:   "Python 3.12, scikit-learn and LightGBM, MLflow model registry, Great Expectations data tests, GitLab CI with model validation gates, Evidently drift reports",
			Compute:   "Training on the on-premises GPU cluster in the Leeds data centre (4 × A100); inference on the hospitals' private Kubernetes cloud, EU region, two availability zones",
			Suppliers: "Partner hospital trusts (training data under data-sharing agreements); EHR vendor (integration interface); hospitals' private-cloud provider (inference hosting)",
			Data: []ais.DataResource{
				{Name: "Emergency triage records 2019–2024", Source: "Electronic health records of three partner hospitals",
					Acquisition: "Data-sharing agreement with each hospital trust; DPIA approved by the trusts' DPOs", Provenance: "Pseudonymised extracts produced by the hospitals' data teams; extraction scripts versioned in GitLab",
					QualityChecks: "Completeness of vital signs per site; label agreement audit on 2,000 cases re-triaged by senior nurses; distribution checks by age, sex and language", PersonalData: true,
					Preparation: "Units normalised, implausible vitals removed, free text dropped, split by hospital and by time for validation"},
				{Name: "Clinician-labelled validation set", Source: "Prospective sample from the pilot site, 2025",
					Acquisition: "Collected under the clinical investigation plan with ethics approval", Provenance: "Each case triaged independently by two senior nurses; disagreements adjudicated",
					QualityChecks: "Inter-rater agreement (weighted kappa) reported per release", PersonalData: true, Preparation: "Pseudonymised; held out from all training"},
				{Name: "Synthetic rare-presentation cases", Source: "Generated in-house from clinical guidelines",
					Acquisition: "Written by the clinical safety team", Provenance: "Generator and guideline versions recorded per case",
					QualityChecks: "Clinical review of every case before use", Preparation: "Used for stress tests only, never for training"},
			}},
		{Name: "Readmission risk model", OwnerID: "officer", LifecycleStage: "verification_validation", OrgRole: "provider", InScope: inScope,
			Purpose:       "Estimates the probability that an inpatient is readmitted within 30 days of discharge, so that discharge coordinators can offer follow-up calls to the patients most at risk.",
			Description:   "Logistic regression with monotonic constraints over diagnoses, prior admissions and social-care flags; explanations per patient. Currently in clinical validation at one hospital.",
			IntendedUse:   "Prioritising follow-up calls by discharge coordinators. Not to be used to delay discharge, allocate beds or decide eligibility for any service.",
			IntendedUsers: "Discharge coordinators and ward managers",
			EUAIActClass:  "minimal", EUAIActReason: "Prioritises an optional follow-up service; it does not decide access to healthcare or benefits, so no Annex III point applies. Reviewed again before general release.",
			Tooling:   "Python 3.12, statsmodels, MLflow, Great Expectations",
			Compute:   "On-premises GPU cluster for training; batch scoring nightly on the hospital's analytics server",
			Suppliers: "Partner hospital trust (data); no external model or service",
			Data: []ais.DataResource{
				{Name: "Inpatient episodes 2018–2024", Source: "Hospital patient administration system", Acquisition: "Data-sharing agreement; DPIA approved",
					Provenance: "Pseudonymised monthly extracts", QualityChecks: "Missing discharge dates, duplicate episodes, coding consistency across years", PersonalData: true,
					Preparation: "Episodes linked per patient; 30-day readmission label derived; deprived-area indicator added from postcode"},
				{Name: "Area deprivation index", Source: "National statistics office (open data)", Acquisition: "Downloaded under the open government licence",
					Provenance: "Release year recorded", QualityChecks: "Coverage of all postcodes in the catchment", Preparation: "Joined at area level only"},
			}},
		{Name: "Clinical note summariser", OwnerID: "exec", LifecycleStage: "deployment", OrgRole: "deployer", InScope: inScope,
			Purpose:       "Drafts discharge summaries from the clinical notes of a stay, for the responsible doctor to edit and sign.",
			Description:   "Retrieval of the stay's notes, then a hosted large language model with a clinical prompt and a medication cross-check against the prescribing system. Nothing is sent to the patient without a doctor's signature.",
			IntendedUse:   "Drafting discharge summaries for adult inpatients. Not for clinical advice, coding, or any output that leaves the hospital unsigned.",
			IntendedUsers: "Ward doctors and specialty registrars",
			EUAIActClass:  "limited", EUAIActReason: "Generates text from clinical notes, so the transparency duties of Article 50 apply; not an Annex III use because a doctor reviews and signs every summary.",
			Tooling:   "Internal retrieval service (Python, FastAPI), prompt templates versioned in GitLab, evaluation harness with clinician-rated samples",
			Compute:   "Hosted LLM API of the foundation-model provider, EU region; retrieval service on the hospitals' private cloud",
			Suppliers: "Foundation-model provider (hosted LLM API; EU data residency, no training on customer data, 30-day retention); reviewed every quarter",
			Data: []ais.DataResource{
				{Name: "Clinical notes of the current stay", Source: "Hospital EHR, at the time of drafting", Acquisition: "Read through the EHR integration under the hospital's instruction",
					Provenance: "Note ids and versions logged with each draft", QualityChecks: "Drafts compared with signed summaries on a monthly sample of 100 stays", PersonalData: true,
					Preparation: "Notes ordered by time; identifiers not needed for the summary are masked before the API call"},
				{Name: "Foundation model's training data", Source: "Foundation-model provider", Acquisition: "Not available to us; described in the provider's model card",
					Provenance: "Provider's documentation only", QualityChecks: "Not checkable by us; covered by supplier review (A.10.3)"},
			}},
		{Name: "Radiology pre-screening pilot", OwnerID: "exec", LifecycleStage: "idea", OrgRole: "provider", InScope: outOfScope,
			Purpose:       "Explore whether chest X-rays can be sorted by the likelihood of an urgent finding, so radiologists read those first.",
			Description:   "Feasibility study only; no model has been trained.",
			IntendedUsers: "Radiologists (if it goes ahead)",
			EUAIActClass:  ais.NotAssessed,
			Data: []ais.DataResource{
				{Name: "Public chest X-ray data set (candidate)", Source: "Public research repository", Acquisition: "Licence under review",
					Provenance: "To be assessed", QualityChecks: "Not started"},
			}},
	},
	"globex": {
		{Name: "Retail credit scoring", OwnerID: "officer", LifecycleStage: "operation", OrgRole: "both", InScope: inScope,
			Purpose:       "Scores consumer loan and credit card applications for the probability of default, which sets the decision band and the price offered.",
			Description:   "Gradient-boosted scorecard with monotonic constraints and reason codes; approvals in the grey band go to an underwriter. Developed by the model team and used by the retail bank.",
			IntendedUse:   "Consumer credit decisions up to €50,000 for applicants resident in the EU. Not for business lending, collections or marketing.",
			IntendedUsers: "Retail credit underwriters; the online application journey",
			EUAIActClass:  "high_risk", EUAIActReason: "Evaluates the creditworthiness of natural persons and establishes their credit score (Annex III point 5(b)).",
			Tooling:   "Python, XGBoost, SHAP reason codes, internal model validation toolkit, Jenkins release pipeline, model inventory in the risk system",
			Compute:   "Training on the bank's private cloud (EU); real-time scoring service in two data centres with failover",
			Suppliers: "Credit bureau (bureau data and scores under the data supply contract); open-source libraries only otherwise",
			Data: []ais.DataResource{
				{Name: "Loan application history 2015–2024", Source: "Loan origination system", Acquisition: "Own records of applications and outcomes",
					Provenance: "Extracted from the data warehouse; lineage recorded in the data catalogue", QualityChecks: "Outcome completeness, reject inference review, stability of each feature by quarter", PersonalData: true,
					Preparation: "12-month default label derived; protected characteristics held separately for fairness testing only"},
				{Name: "Credit bureau reports", Source: "Credit bureau", Acquisition: "Bureau data supply contract; applicant consent in the application",
					Provenance: "Bureau file version and pull date stored with each application", QualityChecks: "Match rate and thin-file share monitored monthly", PersonalData: true,
					Preparation: "Bureau attributes mapped to the model's features"},
				{Name: "Macroeconomic indicators", Source: "Central bank and statistics office", Acquisition: "Public releases",
					Provenance: "Release dates recorded", QualityChecks: "Revisions tracked", Preparation: "Used for stress scenarios, not as model inputs"},
			}},
		{Name: "Card fraud detection", OwnerID: "officer", LifecycleStage: "operation", OrgRole: "both", InScope: inScope,
			Purpose:       "Scores every card transaction in real time for fraud and holds the riskiest for confirmation by the customer or an analyst.",
			Description:   "Streaming features over card, merchant and device history with a gradient-boosted model retrained every two weeks; rules engine for hard blocks.",
			IntendedUse:   "Fraud prevention on Globex debit and credit cards. Not for credit decisions or customer profiling for marketing.",
			IntendedUsers: "Fraud operations analysts; the payment authorisation service",
			EUAIActClass:  "minimal", EUAIActReason: "AI used to detect financial fraud is excluded from Annex III point 5(b); no transparency duty applies because customers do not interact with it.",
			Tooling:   "Kafka streaming features, Python and LightGBM, feature store, champion–challenger framework, Grafana monitoring",
			Compute:   "Low-latency scoring cluster in two data centres; retraining on the private cloud",
			Suppliers: "Card scheme fraud consortium (shared fraud signals); device-fingerprint vendor",
			Data: []ais.DataResource{
				{Name: "Card transaction stream", Source: "Authorisation system", Acquisition: "Own processing of card payments",
					Provenance: "Transaction ids traced to the scheme messages", QualityChecks: "Latency, missing merchant data, daily volume anomalies", PersonalData: true,
					Preparation: "Velocity and behavioural features computed in the stream"},
				{Name: "Confirmed fraud cases", Source: "Fraud case management", Acquisition: "Own investigations and chargebacks",
					Provenance: "Case ids and investigator decisions", QualityChecks: "Label delay and disputed-case rate reviewed each retraining", PersonalData: true,
					Preparation: "Labels matured for 60 days before use"},
				{Name: "Consortium fraud signals", Source: "Card scheme fraud consortium", Acquisition: "Consortium membership agreement",
					Provenance: "Signal feed version recorded", QualityChecks: "Coverage and false-match rate checked monthly", PersonalData: true, Preparation: "Joined by hashed card number"},
			}},
		{Name: "Document extraction service", OwnerID: "exec", LifecycleStage: "deployment", OrgRole: "deployer", InScope: inScope,
			Purpose:       "Reads payslips, bank statements and identity documents uploaded with loan applications and fills in the application fields for staff to check.",
			Description:   "Vendor SaaS with OCR and layout models; Globex configures the document types and the confidence threshold below which a field goes to manual keying.",
			IntendedUse:   "Pre-filling loan application data from customer documents. Every extracted income figure is confirmed by an underwriter.",
			IntendedUsers: "Loan operations staff",
			EUAIActClass:  "minimal", EUAIActReason: "Extracts data for staff to check; it does not itself evaluate creditworthiness, which the credit scoring system does.",
			Tooling:   "Vendor web console and API; internal integration service; sample-based accuracy dashboard",
			Compute:   "Vendor's cloud, EU region (per the processing agreement)",
			Suppliers: "Document-AI vendor (SaaS extraction API, EU hosting, data processing agreement, annual SOC 2 report)",
			Data: []ais.DataResource{
				{Name: "Customer-uploaded documents", Source: "Online loan application", Acquisition: "Provided by applicants with the application",
					Provenance: "Upload id and hash stored with the application", QualityChecks: "Monthly sample of 200 documents keyed twice and compared", PersonalData: true,
					Preparation: "Images de-skewed by the vendor; retained 90 days, then deleted"},
				{Name: "Vendor's training data", Source: "Document-AI vendor", Acquisition: "Not disclosed to customers",
					Provenance: "Vendor attests to lawful sourcing; no audit right yet", QualityChecks: "Not checkable by us; raised in the supplier review"},
			}},
		{Name: "Customer letter drafting assistant", OwnerID: "exec", LifecycleStage: "design", OrgRole: "deployer", InScope: inScope,
			Purpose:       "Drafts replies to customer complaints and letters from the case notes, for service staff to edit before sending.",
			Description:   "Design stage: a hosted language model behind the bank's gateway, with approved templates and a blocklist of commitments staff may not make.",
			IntendedUse:   "Drafting only; a member of staff edits and sends every letter.",
			IntendedUsers: "Customer service staff",
			EUAIActClass:  "limited", EUAIActReason: "Generates text sent to customers, so Article 50 disclosure applies when a letter is AI-generated and not reviewed.",
			Tooling:   "Internal AI gateway, prompt library",
			Compute:   "Hosted LLM API (EU region) through the AI gateway",
			Suppliers: "Foundation-model provider (to be selected in the tender)"},
	},
}

// seedAISystems adds the AI system inventory of slug, written by the compliance officer.
func seedAISystems(ctx context.Context, tx *postgres.Tx, slug string, users map[tenant.Role]uuid.UUID) error {
	for _, s := range demoSystems[slug] {
		s.OwnerID = personaMemberID(users, s.OwnerID)
		if _, err := ais.Create(ctx, tx, s); err != nil {
			return fmt.Errorf("AI system %q: %w", s.Name, err)
		}
	}
	return nil
}

// personaMemberID is the member id of a persona named by its local part ("officer", "exec").
func personaMemberID(users map[tenant.Role]uuid.UUID, local string) string {
	for _, p := range Personas {
		if p.Local == local {
			return users[p.Role].String()
		}
	}
	return ""
}

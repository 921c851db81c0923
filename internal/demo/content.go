package demo

import oc "github.com/openaims/openaims/internal/orgcontext"

// content is one demo tenant's register data; owners name personas.
type content struct {
	issues  []oc.Issue
	parties []oc.Party
	roles   []oc.AIRole
}

func contentFor(slug string) content {
	if slug == "globex" {
		return globex
	}
	return acme
}

var acme = content{
	issues: []oc.Issue{
		{Title: "EU AI Act obligations for high-risk medical triage", Origin: "external", Category: "legal_regulatory", Status: "open", OwnerID: "officer", ReviewDate: "2027-01-31",
			Description: "The triage assistant is a safety component of a medical device, so it falls under Annex III and the MDR conformity route.",
			Effect:      "Conformity assessment, technical documentation and post-market monitoring must be part of the AIMS scope and processes."},
		{Title: "Patient trust in AI-assisted diagnosis", Origin: "external", Category: "ethical_societal", Status: "monitored", OwnerID: "exec", ReviewDate: "2027-03-31",
			Description: "Patient groups ask for transparency when AI contributes to a diagnosis.",
			Effect:      "Transparency notices and human oversight are needed for AIMS outcomes to be accepted."},
		{Title: "GDPR special-category health data", Origin: "external", Category: "legal_regulatory", Status: "addressed", OwnerID: "officer", ReviewDate: "2027-06-30",
			Description: "Training and inference use health data; DPIAs are mandatory.",
			Effect:      "Data resources must record lawful basis and minimisation; impact assessments link to DPIAs."},
		{Title: "Scarce ML engineering capacity", Origin: "internal", Category: "capabilities_resources", Status: "open", OwnerID: "exec",
			Description: "Two ML engineers support four production models.",
			Effect:      "Monitoring and retraining may slip; competence and resource planning need attention."},
		{Title: "Dependency on a single foundation-model vendor", Origin: "external", Category: "market_competition", Status: "open", OwnerID: "officer", ReviewDate: "2027-02-15",
			Description: "The clinical summariser relies on one hosted LLM provider.",
			Effect:      "Supplier controls (A.10) and exit plans are needed to keep the AIMS effective."},
		{Title: "Board commitment to responsible AI", Origin: "internal", Category: "governance_culture", Status: "addressed", OwnerID: "exec",
			Description: "The board approved a responsible-AI charter in 2026.",
			Effect:      "Supports leadership commitment (5.1) and resourcing of the AIMS."},
		{Title: "Data quality of legacy hospital records", Origin: "internal", Category: "processes_data", Status: "monitored", OwnerID: "officer", ReviewDate: "2026-12-15",
			Description: "Older records have inconsistent coding and missing fields.",
			Effect:      "Affects model fairness and performance; data quality checks are needed (A.7.4)."},
		{Title: "Energy use of model retraining", Origin: "external", Category: "environmental", Status: "open",
			Description: "Customers ask for the carbon footprint of AI services.",
			Effect:      "An environmental objective may be added to the AI objectives."},
	},
	parties: []oc.Party{
		{Name: "Hospital clinicians", Kind: "customer", Status: "active", OwnerID: "officer", Description: "Doctors and nurses who use the triage assistant.",
			Requirements: []oc.Requirement{
				{Text: "Explanations of each triage recommendation", Addressed: true, How: "Model cards and per-case explanation panel"},
				{Text: "Ability to override the AI recommendation", Addressed: true, How: "Human oversight control A.9.3"},
			}},
		{Name: "Patients", Kind: "affected", Status: "active", OwnerID: "officer", Description: "People whose cases are triaged.",
			Requirements: []oc.Requirement{
				{Text: "Be informed when AI is used in their care", Legal: true, Addressed: false},
				{Text: "Protection of health data", Legal: true, Addressed: true, How: "GDPR DPIA and data-resource controls"},
			}},
		{Name: "National competent authority (AI Act)", Kind: "regulator", Status: "active", OwnerID: "exec", Description: "Market surveillance authority for high-risk AI.",
			Requirements: []oc.Requirement{
				{Text: "Serious incident reporting within the legal deadline", Legal: true, Addressed: false},
				{Text: "Technical documentation available on request", Legal: true, Addressed: true, How: "Documents register, clause 7.5"},
			}},
		{Name: "Notified body", Kind: "regulator", Status: "active", OwnerID: "officer", Description: "Conformity assessment under the MDR.",
			Requirements: []oc.Requirement{{Text: "Quality management system evidence", Legal: true, Addressed: true, How: "AIMS integrated with ISO 13485 QMS"}}},
		{Name: "Foundation-model provider", Kind: "supplier", Status: "active", OwnerID: "officer", Description: "Hosts the LLM behind the clinical summariser.",
			Requirements: []oc.Requirement{{Text: "Acceptable-use policy compliance", Addressed: true, How: "Supplier review each quarter"}}},
		{Name: "Board of directors", Kind: "investor", Status: "active", OwnerID: "exec", Description: "Oversees AI strategy and risk appetite.",
			Requirements: []oc.Requirement{{Text: "Quarterly AI risk reporting", Addressed: true, How: "Management review, clause 9.3"}}},
	},
	roles: []oc.AIRole{
		{Role: "provider", Applies: true, Note: "Places the triage assistant on the EU market under its own name."},
		{Role: "producer", Applies: true, Note: "Designs, trains and validates the triage and readmission models."},
		{Role: "customer", Applies: true, Note: "Uses a third-party foundation model for clinical summaries."},
		{Role: "partner", Applies: false},
		{Role: "subject", Applies: false},
	},
}

var globex = content{
	issues: []oc.Issue{
		{Title: "Creditworthiness scoring is high-risk under the EU AI Act", Origin: "external", Category: "legal_regulatory", Status: "open", OwnerID: "officer", ReviewDate: "2027-01-15",
			Description: "Annex III point 5(b) covers AI that evaluates creditworthiness of natural persons.",
			Effect:      "Risk management, data governance and human oversight duties apply to the scoring model."},
		{Title: "Model risk management expectations of the banking supervisor", Origin: "external", Category: "legal_regulatory", Status: "monitored", OwnerID: "officer",
			Description: "Supervisory guidance on internal models and ML.",
			Effect:      "Validation and model inventory must meet supervisory expectations."},
		{Title: "Fair lending and non-discrimination", Origin: "external", Category: "ethical_societal", Status: "open", OwnerID: "exec", ReviewDate: "2027-02-28",
			Description: "Consumer groups monitor outcomes by protected characteristics.",
			Effect:      "Fairness objectives and bias testing are required."},
		{Title: "Rapid adoption of generative AI by staff", Origin: "internal", Category: "governance_culture", Status: "open", OwnerID: "officer",
			Description: "Teams use chat assistants for customer letters.",
			Effect:      "Acceptable-use policy and awareness training are needed."},
		{Title: "Fraud patterns shift quickly", Origin: "external", Category: "technology", Status: "monitored", OwnerID: "officer",
			Description: "Fraud detection models drift within weeks.",
			Effect:      "Monitoring and retraining processes must be frequent."},
		{Title: "Cost pressure on compliance functions", Origin: "internal", Category: "economic_political", Status: "open", OwnerID: "exec",
			Description: "Budget for 2027 is flat.",
			Effect:      "The AIMS must reuse ISO 27001 processes where possible."},
	},
	parties: []oc.Party{
		{Name: "Retail loan applicants", Kind: "affected", Status: "active", OwnerID: "officer", Description: "People whose applications are scored.",
			Requirements: []oc.Requirement{
				{Text: "Meaningful explanation of an automated refusal", Legal: true, Addressed: true, How: "Reason codes in decision letters"},
				{Text: "Right to human review", Legal: true, Addressed: false},
			}},
		{Name: "Banking supervisor", Kind: "regulator", Status: "active", OwnerID: "exec", Description: "Prudential supervisor.",
			Requirements: []oc.Requirement{{Text: "Complete model inventory with validation status", Legal: true, Addressed: true, How: "AI systems register"}}},
		{Name: "Data protection authority", Kind: "regulator", Status: "active", OwnerID: "officer",
			Requirements: []oc.Requirement{{Text: "DPIA for profiling", Legal: true, Addressed: true, How: "Impact assessments linked to DPIAs"}}},
		{Name: "Customer service staff", Kind: "employee", Status: "active", OwnerID: "officer",
			Requirements: []oc.Requirement{{Text: "Training on generative AI use", Addressed: false}}},
		{Name: "Credit bureau", Kind: "supplier", Status: "active", OwnerID: "officer",
			Requirements: []oc.Requirement{{Text: "Data-sharing agreement terms", Legal: true, Addressed: true, How: "Supplier contract review"}}},
	},
	roles: []oc.AIRole{
		{Role: "provider", Applies: false},
		{Role: "producer", Applies: true, Note: "Develops credit scoring and fraud detection models in-house."},
		{Role: "customer", Applies: true, Note: "Buys a document-extraction AI service."},
		{Role: "partner", Applies: false},
		{Role: "subject", Applies: true, Note: "Staff data is processed by an HR screening tool of a vendor."},
	},
}

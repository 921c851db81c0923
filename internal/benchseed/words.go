package benchseed

import (
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// The word lists below are combined at random into titles and sentences, so that a register
// of 100,000 risks reads like one a large organisation would keep: trigram searches for a
// word ("drift", "applicants") match a realistic share of rows, and few titles repeat.

var riskProblems = []string{
	"Biased scoring", "Under-detection", "Over-reliance on suggestions", "Leakage of personal data",
	"Unnoticed model drift", "Prompt injection", "Hallucinated answers", "Unexplained refusal",
	"Re-identification", "Poisoned training data", "Unsafe recommendation", "Misclassification",
	"Service outage", "Unauthorised access", "Copyright infringement", "Excessive energy use",
	"Unfair pricing", "Opaque decision", "Mistranslation", "False alarms", "Stale reference data",
	"Automation bias", "Unlogged overrides", "Adversarial evasion", "Calibration loss",
	"Inconsistent outcomes", "Silent failure", "Supplier model change", "Uncontrolled retraining",
	"Shadow deployment",
}

var riskSubjects = []string{
	"in loan decisions", "in triage suggestions", "in CV screening", "of fraud alerts",
	"in chatbot replies", "of insurance claims", "in medical image reads", "of churn scores",
	"in content moderation", "of transaction monitoring", "in route planning", "of demand forecasts",
	"in call summaries", "of identity checks", "in tenancy screening", "of maintenance predictions",
	"in exam proctoring", "of benefit eligibility", "in code suggestions", "of search rankings",
	"in voice transcription", "of credit limits", "in shift scheduling", "of product recommendations",
}

var affectedGroups = []string{
	"older patients", "non-native speakers", "small businesses", "new customers",
	"people with disabilities", "rural applicants", "night-shift staff", "minors",
	"first-time borrowers", "part-time workers", "visually impaired users", "low-income households",
	"migrant workers", "students", "self-employed applicants", "call-centre agents",
	"clinicians", "claims handlers", "regulators", "the general public",
}

var consequenceParts = []string{
	"harm to individuals who are refused a service they qualify for",
	"a complaint to the regulator and a possible fine",
	"loss of customers' trust and negative press coverage",
	"delayed treatment and worse clinical outcomes",
	"discrimination against a protected group",
	"breach of data-protection law and mandatory notification",
	"financial loss from undetected fraud",
	"rework and manual review at high cost",
	"decisions that cannot be explained on appeal",
	"staff stop trusting the tool and bypass it",
	"suspension of the system by the authority",
	"contractual penalties with the customer",
}

var eventParts = []string{
	"The model is retrained on data that under-represents",
	"A supplier updates the foundation model without notice, and the outputs change for",
	"Users accept the system's output without checking it for",
	"An attacker crafts inputs that change the outcome for",
	"Monitoring misses a gradual shift in the inputs from",
	"The system is used outside its intended purpose for",
	"Logs of decisions are incomplete, so errors affecting",
	"Thresholds tuned on last year's data no longer fit",
}

var controlWords = []string{
	"Human review of every adverse decision", "Monthly bias audit by group", "Drift monitoring with alerts",
	"Input filtering and output checks", "Supplier change notification in the contract",
	"Access reviews each quarter", "Red-team exercise before each release", "Fallback to the manual process",
	"Model card kept up to date", "Data-protection impact assessment",
}

var systemCodenames = []string{
	"Atlas", "Beacon", "Cedar", "Delta", "Ember", "Falcon", "Garnet", "Harbour", "Iris", "Juniper",
	"Kestrel", "Lumen", "Meridian", "Nimbus", "Onyx", "Pioneer", "Quartz", "Raven", "Sable", "Tundra",
	"Umber", "Vesta", "Willow", "Xenon", "Yarrow", "Zephyr", "Aurora", "Bramble", "Cobalt", "Drift",
	"Echo", "Fjord", "Glacier", "Heron", "Indigo", "Jasper", "Kite", "Lark", "Maple", "Nova",
}

var systemFunctions = []string{
	"fraud scoring model", "claims triage assistant", "CV screening ranker", "customer service chatbot",
	"clinical triage assistant", "credit limit recommender", "document summariser", "demand forecaster",
	"transaction monitor", "identity verification", "churn predictor", "content moderation classifier",
	"route optimiser", "voice transcription service", "code review assistant", "search ranking model",
	"pricing engine", "predictive maintenance model", "exam proctoring monitor", "translation service",
	"shift scheduler", "knowledge-base assistant", "radiology second reader", "benefit eligibility checker",
	"marketing copy generator",
}

var purposes = []string{
	"Helps staff decide faster by ranking cases by urgency.",
	"Flags unusual activity for an analyst to review.",
	"Answers customers' questions and hands over to a person when unsure.",
	"Suggests a decision that a qualified person confirms or changes.",
	"Summarises long documents for case handlers.",
	"Forecasts volumes so that teams can plan staffing.",
	"Checks documents against the applicant's declared identity.",
}

var issueTitles = []string{
	"EU AI Act obligations for high-risk systems", "Shortage of staff with machine-learning skills",
	"Customers expect explanations of automated decisions", "Dependence on one cloud model supplier",
	"Board appetite for generative AI pilots", "Legacy data of uneven quality", "Sector regulator guidance on AI",
	"Energy cost of training and inference", "Competitors launching AI features", "Works council consultation on AI at work",
	"Data-protection authority focus on profiling", "Public concern about AI in recruitment",
	"New product line depends on AI", "Inconsistent AI governance across business units",
	"Budget constraints on assurance work", "Open-source model licences",
}

var partyNames = []string{
	"Retail customers", "Business customers", "Data-protection authority", "Sector regulator", "Employees",
	"Works council", "Cloud model supplier", "Data broker", "Reinsurance partner", "Board of directors",
	"Shareholders", "Consumer association", "Patients' association", "Software vendor", "Internal audit",
	"External certification body", "Trade union", "Local community", "Job applicants", "Academic partner",
}

var partyRequirements = []string{
	"Decisions that affect them can be explained and challenged.",
	"Personal data is processed lawfully and kept secure.",
	"Notification within 72 hours of a personal data breach.",
	"Conformity assessment before a high-risk system is placed on the market.",
	"Advance notice of changes to models that affect their service.",
	"Quarterly reporting of AI risks to the board.",
	"Consultation before AI is introduced in the workplace.",
	"Accessible alternatives to automated channels.",
}

var treatmentVerbs = []string{
	"Introduce", "Extend", "Automate", "Document", "Review", "Strengthen", "Pilot", "Roll out", "Replace", "Audit",
}

var treatmentObjects = []string{
	"human review of adverse decisions", "drift monitoring", "bias testing by group", "input validation",
	"supplier change control", "access reviews", "red-team testing", "fallback procedures", "model cards",
	"decision logging", "user training", "complaint handling", "incident playbooks", "data lineage records",
}

var notes = []string{
	"Reviewed in the monthly risk meeting.", "Rated after the pilot results.", "Re-rated after the supplier's change notice.",
	"Agreed with the system owner.", "Evidence attached to the treatment plan.", "Rated at the quarterly review.",
	"Lower likelihood now that monitoring is live.", "Impact raised after the regulator's guidance.",
}

// gen draws the bench data of one tenant from a seeded generator, so a run is repeatable
// and tenants differ from one another.
type gen struct {
	r     *rand.Rand
	start time.Time // the oldest date of the data: two years before now
	now   time.Time
}

func newGen(tenantID uuid.UUID, now time.Time) *gen {
	seed1 := binary.LittleEndian.Uint64(tenantID[:8])
	seed2 := binary.LittleEndian.Uint64(tenantID[8:])
	now = now.UTC().Truncate(time.Microsecond)
	return &gen{r: rand.New(rand.NewPCG(seed1, seed2)), start: now.AddDate(-2, 0, 0), now: now}
}

func (g *gen) intn(n int) int { return g.r.IntN(n) }

// between returns an integer in [lo, hi].
func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](g *gen, s []T) T { return s[g.r.IntN(len(s))] }

// weighted picks s[i] with probability weights[i] / sum(weights).
func weighted[T any](g *gen, s []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := g.r.IntN(total)
	for i, w := range weights {
		if n < w {
			return s[i]
		}
		n -= w
	}
	return s[len(s)-1]
}

// uuid returns a version-4 UUID from the generator (unique enough for one tenant's rows).
func (g *gen) uuid() uuid.UUID {
	var u uuid.UUID
	binary.LittleEndian.PutUint64(u[:8], g.r.Uint64())
	binary.LittleEndian.PutUint64(u[8:], g.r.Uint64())
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	return u
}

// timeIn returns a time in [from, to), in microseconds as PostgreSQL keeps them.
func (g *gen) timeIn(from, to time.Time) time.Time {
	d := to.Sub(from)
	if d <= 0 {
		return from
	}
	return from.Add(time.Duration(g.r.Int64N(int64(d)))).Truncate(time.Microsecond)
}

// created returns a creation time in the two-year window, and a last update at or after it.
// About a third of records were never changed after creation.
func (g *gen) created() (created, updated time.Time) {
	created = g.timeIn(g.start.Add(time.Hour), g.now.Add(-time.Hour))
	if g.chance(0.35) {
		return created, created
	}
	return created, g.timeIn(created, g.now)
}

// dateAround returns a date (midnight UTC) between lo and hi days after t.
func (g *gen) dateAround(t time.Time, lo, hi int) time.Time {
	d := t.AddDate(0, 0, g.between(lo, hi))
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
}

// reviewDate is a next review or due date: most within the coming year, about one in seven
// overdue, as in a register that is looked after but not perfectly.
func (g *gen) reviewDate() time.Time { return g.dateAround(g.now, -60, 365) }

func (g *gen) riskTitle() string {
	t := pick(g, riskProblems) + " " + pick(g, riskSubjects) + " for " + pick(g, affectedGroups)
	if g.chance(0.15) {
		t += " (" + strconv.Itoa(g.between(2019, 2026)) + " cohort)"
	}
	return t
}

func (g *gen) riskEvent() string {
	return pick(g, eventParts) + " " + pick(g, affectedGroups) + ", and " + pick(g, riskProblems) + " goes unnoticed " +
		pick(g, riskSubjects) + "."
}

func (g *gen) consequences() string {
	s := pick(g, consequenceParts)
	if g.chance(0.6) {
		s += "; " + pick(g, consequenceParts)
	}
	return s + "."
}

func (g *gen) systemName(i int) string {
	n := len(systemCodenames)
	name := systemCodenames[i%n] + " " + systemFunctions[(i/n)%len(systemFunctions)]
	if round := i / (n * len(systemFunctions)); round > 0 {
		name += " " + strconv.Itoa(round+1)
	}
	return name
}

func (g *gen) treatmentTitle() string {
	return pick(g, treatmentVerbs) + " " + pick(g, treatmentObjects) + " " + pick(g, riskSubjects)
}

// requestID looks like the server's request ids (16 hex digits).
func (g *gen) requestID() string {
	const hex = "0123456789abcdef"
	b := make([]byte, 16)
	v := g.r.Uint64()
	for i := range b {
		b[i] = hex[v&15]
		v >>= 4
	}
	return string(b)
}

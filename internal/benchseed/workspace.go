package benchseed

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/control"
	"github.com/openaims/openaims/internal/impact"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/risk"
	"github.com/openaims/openaims/internal/tenant"
	"github.com/openaims/openaims/internal/treatment"
)

// Registers are the sizes of one tenant's workspace.
type Registers struct {
	ContextIssues     int
	Parties           int
	AISystems         int
	CustomControls    int // besides the 38 Annex A controls every tenant has
	ImpactAssessments int
	Risks             int
	Treatments        int
	// AuditEvents is the length of the tenant's trail when the seed ends, the entries the
	// seed writes through auditlog.Record (memberships, the Annex A seed) included.
	AuditEvents int
}

// member is a member of the tenant being seeded.
type member struct {
	ID    uuid.UUID
	Email string
	Name  string
	Role  tenant.Role
}

// register indexes the registers a workspace fills, for the trail.
type register uint8

const (
	regContext register = iota
	regParties
	regSystems
	regControls
	regAssessments
	regRisks
	regTreatments
	regCount
)

// registerInfo is what the trail needs of a register: its object type (the URL slug) and
// the prefix of its references.
var registerInfo = [regCount]struct{ object, prefix string }{
	regContext:     {orgcontext.IssueObject, "CTX-"},
	regParties:     {orgcontext.PartyObject, "IP-"},
	regSystems:     {aisystem.Object, "AIS-"},
	regControls:    {control.Object, ""},
	regAssessments: {impact.Object, "IA-"},
	regRisks:       {risk.Object, "RISK-"},
	regTreatments:  {treatment.Object, "TRT-"},
}

// record is what the seed keeps of each record it writes, to write the record's trail and
// the rows that refer to it.
type record struct {
	id               uuid.UUID
	ref              int32
	code             string // controls: the code that is their reference
	title            string
	status           string
	owner            int // index in members, -1 for none
	created, updated time.Time
	createdBy        int
	updatedBy        int
}

func (r record) label(reg register) string {
	if r.code != "" {
		return r.code + " " + r.title
	}
	return registerInfo[reg].prefix + strconv.Itoa(int(r.ref)) + " " + r.title
}

// workspace seeds one tenant's registers inside its transaction.
type workspace struct {
	tx       *postgres.Tx
	slug     string
	g        *gen
	size     Registers
	members  []member
	writers  []int // members who may write registers (admin, compliance officer)
	signers  []int // members who may approve and accept (admin, executive)
	criteria risk.Criteria
	load     *loader
	records  [regCount][]record
	events   []event
}

func newWorkspace(tx *postgres.Tx, g *gen, slug string, size Registers, members []member) *workspace {
	w := &workspace{tx: tx, g: g, slug: slug, size: size, members: members, load: newLoader(tx)}
	for i, m := range members {
		switch m.Role {
		case tenant.RoleAdmin:
			w.writers = append(w.writers, i)
			w.signers = append(w.signers, i)
		case tenant.RoleComplianceOfficer:
			w.writers = append(w.writers, i)
		case tenant.RoleExecutive:
			w.signers = append(w.signers, i)
		}
	}
	return w
}

// fill writes every register, then the trail, in the tenant's transaction.
func (w *workspace) fill(ctx context.Context) error {
	var err error
	if w.criteria, err = risk.LoadCriteria(ctx, w.tx); err != nil {
		return err
	}
	steps := []func(context.Context) error{w.aiRoles, w.contextIssues, w.parties, w.aiSystems, w.controls,
		w.impactAssessments, w.risks, w.treatments, w.counters, w.trail}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return w.load.flush(ctx)
}

// common draws the fields every record shares: times, who created and last changed it, its
// owner among the members, and whether it is archived.
func (w *workspace) common(reg register, ref int, title, status string) (record, []any) {
	g := w.g
	r := record{id: g.uuid(), ref: int32(ref), title: title, status: status, owner: -1,
		createdBy: pick(g, w.writers)}
	r.created, r.updated = g.created()
	r.updatedBy = r.createdBy
	if r.updated.After(r.created) {
		r.updatedBy = pick(g, w.writers)
	}
	if g.chance(0.9) {
		r.owner = g.intn(len(w.members))
	}
	var archived any
	if g.chance(0.03) && r.updated.After(r.created) {
		archived = r.updated
	}
	w.records[reg] = append(w.records[reg], r)
	w.recordEvents(reg, len(w.records[reg])-1)
	return r, []any{archived, w.members[r.createdBy].ID, r.created, w.members[r.updatedBy].ID, r.updated}
}

// commonCols are the columns of common's values, in its order.
var commonCols = []string{"archived_at", "created_by", "created_at", "updated_by", "updated_at"}

func cols(c ...string) []string { return append(c, commonCols...) }

func (w *workspace) ownerID(r record) any {
	if r.owner < 0 {
		return nil
	}
	return w.members[r.owner].ID
}

func rows(n int, row func(i int) []any) iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for i := range n {
			if !yield(row(i)) {
				return
			}
		}
	}
}

func (w *workspace) aiRoles(ctx context.Context) error {
	roles := []struct {
		role    string
		applies bool
		note    string
	}{
		{"provider", true, "We develop models for our own products."},
		{"producer", false, ""},
		{"customer", true, "We buy AI services from cloud suppliers."},
		{"partner", w.g.chance(0.5), "Integration partner for a reseller."},
		{"subject", false, ""},
	}
	by := w.members[w.writers[0]].ID
	return w.load.insert(ctx, "ai_roles", []string{"tenant_id", "role", "applies", "note", "updated_by", "updated_at"},
		rows(len(roles), func(i int) []any {
			return []any{w.tx.TenantID, roles[i].role, roles[i].applies, roles[i].note, by, w.g.start}
		}))
}

var businessUnits = []string{"Retail banking", "Claims", "Group IT", "HR", "Marketing", "Clinical services",
	"Customer service", "Operations", "Risk and compliance", "Data science"}

func (w *workspace) contextIssues(ctx context.Context) error {
	g := w.g
	return w.load.insert(ctx, "context_issues", cols("tenant_id", "id", "ref", "title", "origin", "category",
		"description", "effect", "owner_id", "status", "review_date"),
		rows(w.size.ContextIssues, func(i int) []any {
			title := pick(g, issueTitles) + " (" + pick(g, businessUnits) + ")"
			status := weighted(g, []string{"open", "monitored", "addressed"}, []int{4, 4, 2})
			r, common := w.common(regContext, i+1, title, status)
			var review any
			if g.chance(0.7) {
				review = g.reviewDate()
			}
			return append([]any{w.tx.TenantID, r.id, r.ref, r.title, pick(g, orgcontext.IssueOrigins).Value,
				pick(g, orgcontext.IssueCategories).Value, "Raised by " + pick(g, businessUnits) + ". " + pick(g, purposes),
				pick(g, consequenceParts), w.ownerID(r), status, review}, common...)
		}))
}

func (w *workspace) parties(ctx context.Context) error {
	g := w.g
	err := w.load.insert(ctx, "parties", cols("tenant_id", "id", "ref", "name", "kind", "description", "owner_id", "status"),
		rows(w.size.Parties, func(i int) []any {
			name := pick(g, partyNames) + " — " + pick(g, businessUnits)
			status := weighted(g, []string{"active", "inactive"}, []int{9, 1})
			r, common := w.common(regParties, i+1, name, status)
			return append([]any{w.tx.TenantID, r.id, r.ref, r.title, pick(g, orgcontext.PartyKinds).Value,
				"Interested in " + pick(g, riskSubjects) + ".", w.ownerID(r), status}, common...)
		}))
	if err != nil {
		return err
	}
	parties := w.records[regParties]
	return w.load.insert(ctx, "party_requirements", []string{"tenant_id", "party_id", "position", "requirement", "legal", "addressed", "how"},
		func(yield func([]any) bool) {
			for _, p := range parties {
				for pos := range g.between(1, 3) {
					addressed := g.chance(0.7)
					how := ""
					if addressed {
						how = pick(g, controlWords) + "."
					}
					if !yield([]any{w.tx.TenantID, p.id, pos + 1, pick(g, partyRequirements), g.chance(0.4), addressed, how}) {
						return
					}
				}
			}
		})
}

func (w *workspace) aiSystems(ctx context.Context) error {
	g := w.g
	stages := []string{"idea", "design", "development", "verification_validation", "deployment", "operation", "retired"}
	classes := []string{"prohibited", "high_risk", "limited", "minimal", "not_assessed"}
	err := w.load.insert(ctx, "ai_systems", cols("tenant_id", "id", "ref", "name", "purpose", "description", "intended_use",
		"intended_users", "lifecycle_stage", "org_role", "eu_ai_act_class", "eu_ai_act_reason", "in_scope", "tooling",
		"compute", "suppliers", "owner_id"),
		rows(w.size.AISystems, func(i int) []any {
			stage := weighted(g, stages, []int{3, 5, 10, 6, 8, 25, 3})
			r, common := w.common(regSystems, i+1, g.systemName(i), stage)
			class := weighted(g, classes, []int{1, 20, 25, 40, 14})
			return append([]any{w.tx.TenantID, r.id, r.ref, r.title, pick(g, purposes),
				"Used by " + pick(g, businessUnits) + " " + pick(g, riskSubjects) + ".", pick(g, purposes), pick(g, affectedGroups),
				stage, pick(g, aisystem.OrgRoles).Value, class, "Assessed against Annex III of the EU AI Act.",
				g.chance(0.85), "MLflow, Python, scikit-learn", "Managed GPU cluster in the EU", pick(g, partyNames),
				w.ownerID(r)}, common...)
		}))
	if err != nil {
		return err
	}
	systems := w.records[regSystems]
	return w.load.insert(ctx, "ai_system_data", []string{"tenant_id", "system_id", "position", "name", "source", "personal_data"},
		func(yield func([]any) bool) {
			for _, s := range systems {
				for pos := range g.between(1, 2) {
					if !yield([]any{w.tx.TenantID, s.id, pos + 1, pick(g, businessUnits) + " records " + strconv.Itoa(g.between(2019, 2025)),
						"Internal data warehouse", g.chance(0.6)}) {
						return
					}
				}
			}
		})
}

// controls writes the custom controls and the Statement of Applicability decisions on the
// Annex A controls the tenant was seeded with.
func (w *workspace) controls(ctx context.Context) error {
	g := w.g
	rs, err := w.tx.Query(ctx, `SELECT id, code, title, created_at FROM controls WHERE tenant_id = $1 AND annex_a ORDER BY position`, w.tx.TenantID)
	if err != nil {
		return fmt.Errorf("benchseed: read Annex A controls: %w", err)
	}
	var annex []record
	for rs.Next() {
		var r record
		if err := rs.Scan(&r.id, &r.code, &r.title, &r.created); err != nil {
			rs.Close()
			return err
		}
		annex = append(annex, r)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return err
	}
	w.load.counts["controls"] += int64(len(annex)) // written by control.SeedAnnexA
	statuses := []string{"not_started", "planned", "partially_implemented", "implemented"}
	for _, r := range annex {
		r.status = weighted(g, statuses, []int{1, 2, 3, 5})
		r.owner = g.intn(len(w.members))
		r.createdBy, r.updatedBy = pick(g, w.writers), pick(g, w.writers)
		r.updated = g.timeIn(r.created.Add(time.Hour), g.now)
		applicable, reasons, justification := true, []string{"treatment"}, "Needed to treat the risks linked to it."
		switch {
		case g.chance(0.08):
			applicable, reasons, justification = false, []string{}, "Not relevant: we do not "+pick(g, riskSubjects)+"."
		case g.chance(0.3):
			reasons = []string{"treatment", "legal"}
		}
		w.load.queue(`UPDATE controls SET applicable = $3, justification = $4, inclusion_reasons = $5,
				implementation_status = $6, owner_id = $7, updated_by = $8, updated_at = $9
			WHERE tenant_id = $1 AND id = $2`, w.tx.TenantID, r.id, applicable, justification, reasons, r.status,
			w.members[r.owner].ID, w.members[r.updatedBy].ID, r.updated)
		w.records[regControls] = append(w.records[regControls], r)
		w.addEvent(event{at: r.updated, kind: evUpdate, reg: regControls, obj: int32(len(w.records[regControls]) - 1), actor: int16(r.updatedBy)})
	}
	objectives := control.Objectives()
	return w.load.insert(ctx, "controls", cols("tenant_id", "id", "code", "position", "annex_a", "title", "objective_id",
		"objective_title", "description", "applicable", "justification", "inclusion_reasons", "implementation_status", "owner_id"),
		rows(w.size.CustomControls, func(i int) []any {
			n := i + 1
			status := weighted(g, statuses, []int{2, 3, 3, 4})
			r, common := w.common(regControls, n, pick(g, controlWords), status)
			r.code = "CUS-" + strconv.Itoa(n)
			w.records[regControls][len(w.records[regControls])-1].code = r.code
			o := pick(g, objectives)
			title := o.Label[len(o.Value)+1:]
			return append([]any{w.tx.TenantID, r.id, r.code, control.CustomPositionBase + n, false, r.title, o.Value, title,
				"Our own control " + pick(g, riskSubjects) + ".", true, "Required by our risk treatment.", []string{"treatment"},
				status, w.ownerID(r)}, common...)
		}))
}

func (w *workspace) impactAssessments(ctx context.Context) error {
	g := w.g
	systems := w.records[regSystems]
	if len(systems) == 0 {
		return nil
	}
	type roundInfo struct {
		assessment int
		n          int
		state      string
		at         time.Time
		by         int
	}
	var rounds []roundInfo
	err := w.load.insert(ctx, "impact_assessments", cols("tenant_id", "id", "ref", "title", "system_id", "owner_id",
		"next_review", "current_round"),
		rows(w.size.ImpactAssessments, func(i int) []any {
			system := systems[i%len(systems)]
			k := g.between(1, 3)
			last := weighted(g, []string{"approved", "draft"}, []int{55, 45})
			r, common := w.common(regAssessments, i+1, "Impact of "+system.title+" on "+pick(g, affectedGroups), last)
			for n := 1; n <= k; n++ {
				state := "superseded"
				if n == k {
					state = last
				}
				// Rounds follow one another between the assessment's creation and its last change.
				at := r.created.Add(r.updated.Sub(r.created) * time.Duration(n) / time.Duration(k)).Truncate(time.Microsecond)
				rounds = append(rounds, roundInfo{assessment: i, n: n, state: state, at: at, by: pick(g, w.signers)})
				ai := int32(len(w.records[regAssessments]) - 1)
				if state != "draft" {
					w.addEvent(event{at: at, kind: evApprove, reg: regAssessments, obj: ai, aux: int32(n), actor: int16(rounds[len(rounds)-1].by)})
				}
				if n > 1 {
					w.addEvent(event{at: at.Add(-time.Minute), kind: evStartRound, reg: regAssessments, obj: ai, aux: int32(n), actor: int16(r.updatedBy)})
				}
			}
			return append([]any{w.tx.TenantID, r.id, r.ref, r.title, system.id, w.ownerID(r), g.reviewDate(), k}, common...)
		}))
	if err != nil {
		return err
	}
	assessments := w.records[regAssessments]
	triggers := []string{"design", "pre_deployment", "significant_change", "periodic_review", "incident", "other"}
	err = w.load.insert(ctx, "impact_assessment_rounds", []string{"tenant_id", "assessment_id", "round", "state", "trigger",
		"scope", "lifecycle_stage", "purpose", "intended_uses", "unintended_uses", "data_sources", "parties_direct",
		"mitigations", "residual_impact", "approved_by", "approved_at", "approval_note", "updated_by", "updated_at"},
		rows(len(rounds), func(i int) []any {
			ri := rounds[i]
			a := assessments[ri.assessment]
			var approvedBy, approvedAt any
			note := ""
			if ri.state != "draft" {
				approvedBy, approvedAt, note = w.members[ri.by].ID, ri.at, "Approved with the measures listed."
			}
			return []any{w.tx.TenantID, a.id, ri.n, ri.state, pick(g, triggers), "The system as deployed " + pick(g, riskSubjects) + ".",
				pick(g, impact.LifecycleStages).Value, pick(g, purposes), pick(g, purposes), pick(g, riskProblems) + " by " + pick(g, affectedGroups) + ".",
				pick(g, businessUnits) + " records", pick(g, affectedGroups), pick(g, controlWords) + ".", "Low once the measures are in place.",
				approvedBy, approvedAt, note, w.members[a.updatedBy].ID, ri.at}
		}))
	if err != nil {
		return err
	}
	return w.load.insert(ctx, "impact_assessment_impacts", []string{"tenant_id", "assessment_id", "round", "position", "kind",
		"affected", "description", "severity", "likelihood", "reversibility", "scale"},
		func(yield func([]any) bool) {
			for _, ri := range rounds {
				for pos := range g.between(2, 5) {
					kind := weighted(g, []string{"harm", "benefit"}, []int{2, 1})
					desc := pick(g, consequenceParts)
					if kind == "benefit" {
						desc = "Faster, more consistent service for " + pick(g, affectedGroups)
					}
					if !yield([]any{w.tx.TenantID, assessments[ri.assessment].id, ri.n, pos + 1, kind, pick(g, impact.AffectedWho).Value,
						desc, g.between(1, 5), g.between(1, 5), pick(g, impact.Reversibility).Value, pick(g, impact.Scales).Value}) {
						return
					}
				}
			}
		})
}

// rating draws a point on a scale of n, most often in the middle.
func (w *workspace) rating(n int) int {
	a, b := w.g.between(1, n), w.g.between(1, n)
	return (a + b + w.g.intn(2)) / 2
}

// assessment is one retained assessment of a risk.
type assessment struct {
	risk           int
	seq            int
	at             time.Time
	by             int
	il, ii, rl, ri int
}

func (w *workspace) risks(ctx context.Context) error {
	g := w.g
	c := w.criteria
	systems := w.records[regSystems]
	ias := w.records[regAssessments]
	statuses := []string{"identified", "assessed", "treatment_planned", "treated", "accepted", "closed"}
	var assessments []assessment
	type acceptance struct {
		risk  int
		at    time.Time
		by    int
		level string
	}
	var acceptances []acceptance
	level := func(l, i int) any {
		if l == 0 {
			return nil
		}
		return c.Level(l, i)
	}
	nullable := func(v int) any {
		if v == 0 {
			return nil
		}
		return v
	}
	err := w.load.insert(ctx, "risks", cols("tenant_id", "id", "ref", "title", "event", "risk_source", "objective_affected",
		"assets", "consequences", "affected_parties", "existing_controls", "inherent_likelihood", "inherent_impact",
		"inherent_level", "residual_likelihood", "residual_impact", "residual_level", "owner_id", "review_date", "status",
		"impact_assessment_id"),
		rows(w.size.Risks, func(i int) []any {
			status := weighted(g, statuses, []int{15, 20, 25, 20, 8, 12})
			r, common := w.common(regRisks, i+1, g.riskTitle(), status)
			il, ii := w.rating(c.LikelihoodCount()), w.rating(c.ImpactCount())
			var rl, ri int
			if status != "identified" && (status != "assessed" || g.chance(0.3)) {
				rl, ri = g.between(1, il), g.between(1, ii)
			}
			// The first assessment at creation, re-assessments since; the last is the current rating.
			k := weighted(g, []int{1, 2, 3}, []int{5, 3, 2})
			if !r.updated.After(r.created) {
				k = 1
			}
			for s := 1; s <= k; s++ {
				a := assessment{risk: i, seq: s, at: r.created, by: r.createdBy, il: il, ii: ii, rl: rl, ri: ri}
				if s < k { // earlier results were rated higher, before treatment
					a.il, a.ii, a.rl, a.ri = min(il+1, c.LikelihoodCount()), ii, 0, 0
				}
				if s > 1 {
					a.at = r.created.Add(r.updated.Sub(r.created) * time.Duration(s-1) / time.Duration(k-1)).Truncate(time.Microsecond)
					a.by = pick(g, w.writers)
					w.addEvent(event{at: a.at, kind: evAssess, reg: regRisks, obj: int32(i), aux: packRatings(a), actor: int16(a.by)})
				}
				assessments = append(assessments, a)
			}
			if status == risk.StatusAccepted {
				by := pick(g, w.signers)
				acceptances = append(acceptances, acceptance{risk: i, at: r.updated, by: by, level: c.Level(rl, ri)})
				w.addEvent(event{at: r.updated, kind: evAccept, reg: regRisks, obj: int32(i), actor: int16(by)})
			}
			var review, ia any
			if g.chance(0.85) {
				review = g.reviewDate()
			}
			if i < 2*len(ias) {
				ia = ias[i/2].id
			}
			return append([]any{w.tx.TenantID, r.id, r.ref, r.title, g.riskEvent(), pick(g, risk.Sources).Value,
				pick(g, risk.Objectives).Value, pick(g, businessUnits) + " data and reputation", g.consequences(),
				pick(g, affectedGroups), pick(g, controlWords), il, ii, c.Level(il, ii), nullable(rl), nullable(ri), level(rl, ri),
				w.ownerID(r), review, status, ia}, common...)
		}))
	if err != nil {
		return err
	}
	risks := w.records[regRisks]
	if len(systems) > 0 {
		err = w.load.insert(ctx, "risk_ai_systems", []string{"tenant_id", "risk_id", "system_id"},
			func(yield func([]any) bool) {
				for _, r := range risks {
					first := g.intn(len(systems))
					if !yield([]any{w.tx.TenantID, r.id, systems[first].id}) {
						return
					}
					if second := g.intn(len(systems)); second != first && g.chance(0.2) {
						if !yield([]any{w.tx.TenantID, r.id, systems[second].id}) {
							return
						}
					}
				}
			})
		if err != nil {
			return err
		}
	}
	err = w.load.insert(ctx, "risk_assessments", []string{"tenant_id", "risk_id", "seq", "assessed_at", "assessed_by",
		"inherent_likelihood", "inherent_impact", "inherent_level", "residual_likelihood", "residual_impact", "residual_level", "note"},
		rows(len(assessments), func(i int) []any {
			a := assessments[i]
			return []any{w.tx.TenantID, risks[a.risk].id, a.seq, a.at, w.members[a.by].ID, a.il, a.ii, c.Level(a.il, a.ii),
				nullable(a.rl), nullable(a.ri), level(a.rl, a.ri), pick(g, notes)}
		}))
	if err != nil {
		return err
	}
	return w.load.insert(ctx, "risk_acceptances", []string{"tenant_id", "risk_id", "seq", "accepted_by", "accepted_at",
		"residual_level", "above_threshold", "reason"},
		rows(len(acceptances), func(i int) []any {
			a := acceptances[i]
			return []any{w.tx.TenantID, risks[a.risk].id, 1, w.members[a.by].ID, a.at, a.level, !c.Acceptable(a.level),
				"Residual risk accepted: the cost of further treatment outweighs the benefit."}
		}))
}

func (w *workspace) treatments(ctx context.Context) error {
	g := w.g
	risks, controls := w.records[regRisks], w.records[regControls]
	var treated []int // risks whose status says they have a treatment
	for i, r := range risks {
		switch r.status {
		case "treatment_planned", "treated", "accepted", "closed":
			treated = append(treated, i)
		}
	}
	if len(treated) == 0 || w.size.Treatments == 0 {
		return nil
	}
	statuses := []string{"planned", "in_progress", "completed", "cancelled"}
	effectiveness := []string{"not_checked", "effective", "partially_effective", "not_effective"}
	err := w.load.insert(ctx, "treatments", cols("tenant_id", "id", "ref", "title", "option", "description", "owner_id",
		"due_date", "status", "effectiveness_check", "effectiveness"),
		rows(w.size.Treatments, func(i int) []any {
			status := weighted(g, statuses, []int{30, 35, 30, 5})
			r, common := w.common(regTreatments, i+1, g.treatmentTitle(), status)
			eff, check := "not_checked", ""
			if status == "completed" {
				eff, check = weighted(g, effectiveness, []int{2, 5, 2, 1}), "Sampled 50 decisions a month after go-live."
			}
			var due any
			switch {
			case status == "planned" || status == "in_progress":
				due = g.reviewDate()
			case g.chance(0.9):
				due = g.dateAround(r.created, 30, 300)
			}
			return append([]any{w.tx.TenantID, r.id, r.ref, r.title, weighted(g, []string{"modify", "avoid", "share", "retain"}, []int{14, 2, 3, 1}),
				"Plan agreed with " + pick(g, businessUnits) + ".", w.ownerID(r), due, status, check, eff}, common...)
		}))
	if err != nil {
		return err
	}
	treatments := w.records[regTreatments]
	// distinct draws n times and keeps the different values.
	distinct := func(n int, draw func() int) []int {
		var out []int
		for range n {
			if v := draw(); !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	err = w.load.insert(ctx, "treatment_risks", []string{"tenant_id", "treatment_id", "risk_id"},
		func(yield func([]any) bool) {
			for _, t := range treatments {
				for _, ri := range distinct(weighted(g, []int{1, 2, 3}, []int{6, 3, 1}), func() int { return pick(g, treated) }) {
					if !yield([]any{w.tx.TenantID, t.id, risks[ri].id}) {
						return
					}
				}
			}
		})
	if err != nil {
		return err
	}
	err = w.load.insert(ctx, "treatment_controls", []string{"tenant_id", "treatment_id", "control_id"},
		func(yield func([]any) bool) {
			for _, t := range treatments {
				for _, ci := range distinct(g.between(1, 3), func() int { return g.intn(len(controls)) }) {
					if !yield([]any{w.tx.TenantID, t.id, controls[ci].id}) {
						return
					}
				}
			}
		})
	if err != nil {
		return err
	}
	return w.load.insert(ctx, "treatment_actions", []string{"tenant_id", "treatment_id", "position", "title", "owner_id", "due_date", "status"},
		func(yield func([]any) bool) {
			for _, t := range treatments {
				for pos := range g.between(0, 3) {
					status := "open"
					switch t.status {
					case "completed":
						status = "done"
					case "in_progress":
						status = weighted(g, []string{"open", "in_progress", "done"}, []int{1, 1, 1})
					}
					if !yield([]any{w.tx.TenantID, t.id, pos + 1, pick(g, treatmentVerbs) + " " + pick(g, treatmentObjects),
						w.members[g.intn(len(w.members))].ID, g.dateAround(t.created, 14, 200), status}) {
						return
					}
				}
			}
		})
}

// counters sets each register's reference counter to its highest reference, so the next
// record created through the product continues the numbering (postgres.NextRef).
func (w *workspace) counters(context.Context) error {
	for _, c := range []struct {
		register string
		last     int
	}{
		{orgcontext.IssueObject, w.size.ContextIssues}, {orgcontext.PartyObject, w.size.Parties},
		{aisystem.Object, w.size.AISystems}, {control.Object, w.size.CustomControls},
		{impact.Object, len(w.records[regAssessments])}, {risk.Object, w.size.Risks},
		{treatment.Object, len(w.records[regTreatments])},
	} {
		if c.last == 0 {
			continue
		}
		w.load.queue(`INSERT INTO record_counters (tenant_id, register, last) VALUES ($1, $2, $3)
			ON CONFLICT (tenant_id, register) DO UPDATE SET last = greatest(record_counters.last, excluded.last)`,
			w.tx.TenantID, c.register, c.last)
	}
	return nil
}

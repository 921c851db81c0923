package risk

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/record"
)

// Object is the object type of risks in the audit trail and the URL slug of the register.
const Object = "risks"

// systemsColumn is the AI systems of risk r as JSON; a subquery in the select list rather
// than a lateral join, so that a list sorted without an index (a filter that matches many
// risks) reads them for the rows of the page only, after the sort, and the planner has one
// join fewer to order.
const systemsColumn = `(SELECT coalesce(json_agg(json_build_object('id', s.id, 'ref', s.ref, 'name', s.name) ORDER BY lower(s.name), s.id), '[]')
		FROM risk_ai_systems rs JOIN ai_systems s ON s.tenant_id = rs.tenant_id AND s.id = rs.system_id
		WHERE rs.tenant_id = r.tenant_id AND rs.risk_id = r.id)`

// riskColumns read a risk r.
const riskColumns = `r.id, r.ref, r.title, r.event, r.risk_source, r.objective_affected, r.assets, r.consequences,
	r.affected_parties, r.existing_controls,
	` + systemsColumn + `,
	r.inherent_likelihood, r.inherent_impact, r.inherent_level,
	coalesce(r.residual_likelihood, 0), coalesce(r.residual_impact, 0), coalesce(r.residual_level, ''),
	coalesce(r.owner_id::text, ''), coalesce(o.display_name, ''), coalesce(to_char(r.review_date, 'YYYY-MM-DD'), ''),
	r.status, coalesce(r.impact_assessment_id::text, ''), coalesce(ia.ref, 0), coalesce(ia.title, ''), r.archived_at,
	r.created_at, cb.display_name, r.updated_at, ub.display_name`

const riskFrom = `risks r
	LEFT JOIN users o ON o.id = r.owner_id
	LEFT JOIN impact_assessments ia ON ia.tenant_id = r.tenant_id AND ia.id = r.impact_assessment_id
	JOIN users cb ON cb.id = r.created_by
	JOIN users ub ON ub.id = r.updated_by`

func scanRisk(r *Risk) []any {
	return []any{&r.ID, &r.Ref, &r.Title, &r.Event, &r.RiskSource, &r.ObjectiveAffected, &r.Assets, &r.Consequences,
		&r.AffectedParties, &r.ExistingControls, &r.Systems, &r.InherentLikelihood, &r.InherentImpact, &r.InherentLevel,
		&r.ResidualLikelihood, &r.ResidualImpact, &r.ResidualLevel, &r.OwnerID, &r.OwnerName, &r.ReviewDate,
		&r.Status, &r.ImpactAssessmentID, &r.ImpactAssessmentRef, &r.ImpactAssessmentTitle, &r.ArchivedAt, &r.CreatedAt, &r.CreatedBy, &r.UpdatedAt, &r.UpdatedBy}
}

// Sorts are the orders the risk list offers; each has an index. "level" orders by the
// stored inherent_severity (level band, then likelihood × impact within the band), so that
// critical sorts above high rather than alphabetically; review dates left empty sort last.
var Sorts = map[string]postgres.SortKey{
	"ref":     {Expr: "r.ref", Type: "integer"},
	"title":   {Expr: "lower(r.title)", Type: "text"},
	"level":   {Expr: "r.inherent_severity", Type: "integer"},
	"status":  {Expr: "r.status", Type: "text"},
	"review":  {Expr: "coalesce(r.review_date, 'infinity'::date)", Type: "date"},
	"updated": {Expr: "r.updated_at", Type: "timestamptz"},
}

// List is how the risk register is listed. Besides these equality filters, ListRisks
// understands "system" (an AI system id), "cell" and "rcell" (an inherent or residual
// likelihood-impact cell such as "3-4", see Cell) and residual "none" (not yet rated).
var List = postgres.ListSpec{
	Table: "risks",
	From:  riskFrom, CountFrom: "risks r", Columns: riskColumns, IDExpr: "r.id", ArchivedExpr: "r.archived_at",
	SearchExpr: "r.search_text", Sorts: Sorts, DefaultSort: "updated",
	Filterable: map[string]string{"status": "r.status", "inherent": "r.inherent_level", "residual": "r.residual_level",
		"source": "r.risk_source", "objective": "r.objective_affected"},
	IDFilters: map[string]string{"owner": "r.owner_id", "impact_assessment": "r.impact_assessment_id"},
}

// Filters are the list's filter fields, in the order of the query string.
var Filters = []string{"status", "inherent", "residual", "source", "objective", "system", "owner", "cell", "rcell", "impact_assessment"}

// NoResidual is the residual filter value that lists risks whose residual risk is not rated.
const NoResidual = "none"

// Cell is the filter value of a heat-map cell, e.g. "3-4" for likelihood 3 and impact 4.
func Cell(likelihood, impact int) string { return fmt.Sprintf("%d-%d", likelihood, impact) }

// ParseCell reads a Cell value.
func ParseCell(s string) (likelihood, impact int, ok bool) {
	l, i, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	ln, err1 := strconv.Atoi(l)
	in, err2 := strconv.Atoi(i)
	if err1 != nil || err2 != nil || ln < 1 || in < 1 || ln > MaxScale || in > MaxScale {
		return 0, 0, false
	}
	return ln, in, true
}

// listQuery turns f into the list's query, adding the filters that are not plain equality.
// A malformed AI system or cell matches nothing rather than being ignored, so a mistyped
// link never shows the whole register as if it were the answer.
func listQuery(f postgres.Filter) postgres.ListQuery {
	fields := maps.Clone(f.Fields)
	var where []string
	args := pgx.NamedArgs{}
	if fields["residual"] == NoResidual {
		delete(fields, "residual")
		where = append(where, "r.residual_level IS NULL")
	}
	if v := fields["system"]; v != "" {
		if id, err := uuid.Parse(v); err == nil {
			where = append(where, `EXISTS (SELECT 1 FROM risk_ai_systems fs WHERE fs.tenant_id = r.tenant_id
				AND fs.risk_id = r.id AND fs.system_id = @system)`)
			args["system"] = id
		} else {
			where = append(where, "false")
		}
	}
	for _, c := range []struct{ field, prefix string }{{"cell", "inherent"}, {"rcell", "residual"}} {
		if v := fields[c.field]; v != "" {
			if l, i, ok := ParseCell(v); ok {
				where = append(where, fmt.Sprintf("r.%s_likelihood = @%s_l AND r.%s_impact = @%s_i", c.prefix, c.field, c.prefix, c.field))
				args[c.field+"_l"], args[c.field+"_i"] = l, i
			} else {
				where = append(where, "false")
			}
		}
	}
	f.Fields = fields
	q := List.Query(f)
	q.Narrow(where...)
	maps.Copy(q.Args, args)
	return q
}

// ListRisks returns a page of risks matching f, each with what a row of the list shows:
// no long texts (event, assets, consequences…), no impact assessment, no audit names.
// Reading and decoding those for 51 rows was a seventh of the list page's time.
func ListRisks(ctx context.Context, tx *postgres.Tx, f postgres.Filter) (postgres.Page[Risk], error) {
	q := listQuery(f)
	q.From, q.Columns = rowFrom, rowColumns
	return postgres.List(ctx, tx, q, scanRow)
}

// rowColumns and rowFrom read what ListRisks returns.
const rowColumns = `r.id, r.ref, r.title, r.risk_source,
	` + systemsColumn + `,
	r.inherent_likelihood, r.inherent_impact, r.inherent_level,
	coalesce(r.residual_likelihood, 0), coalesce(r.residual_impact, 0), coalesce(r.residual_level, ''),
	coalesce(r.owner_id::text, ''), coalesce(o.display_name, ''), coalesce(to_char(r.review_date, 'YYYY-MM-DD'), ''),
	r.status, r.archived_at, r.updated_at`

const rowFrom = `risks r LEFT JOIN users o ON o.id = r.owner_id`

func scanRow(r *Risk) []any {
	return []any{&r.ID, &r.Ref, &r.Title, &r.RiskSource, &r.Systems, &r.InherentLikelihood, &r.InherentImpact, &r.InherentLevel,
		&r.ResidualLikelihood, &r.ResidualImpact, &r.ResidualLevel, &r.OwnerID, &r.OwnerName, &r.ReviewDate,
		&r.Status, &r.ArchivedAt, &r.UpdatedAt}
}

// EachRisk streams every risk matching f (all pages) to fn, for the CSV export.
func EachRisk(ctx context.Context, tx *postgres.Tx, f postgres.Filter, fn func(Risk) error) error {
	return postgres.Each(ctx, tx, listQuery(f), scanRisk, fn)
}

// Find returns the risk with id.
func Find(ctx context.Context, tx *postgres.Tx, id uuid.UUID) (Risk, error) {
	return find(ctx, tx, id, "")
}

func find(ctx context.Context, tx *postgres.Tx, id uuid.UUID, lock string) (Risk, error) {
	var r Risk
	err := tx.QueryRow(ctx, `SELECT `+riskColumns+` FROM `+riskFrom+` WHERE r.tenant_id = $1 AND r.id = $2`+lock,
		tx.TenantID, id).Scan(scanRisk(&r)...)
	if postgres.IsNoRows(err) {
		return Risk{}, apperr.Errorf(apperr.NotFound, "No such risk")
	}
	if err != nil {
		return Risk{}, fmt.Errorf("risk: find %s: %w", id, err)
	}
	return r, nil
}

// Dossier is a risk with everything its page shows: its dated assessments (newest first),
// every acceptance of its residual risk (newest first) and the criteria it is rated on.
type Dossier struct {
	Risk        Risk
	Assessments []Assessment
	Acceptances []Acceptance
	Criteria    Criteria
}

// FindDossier loads the risk with id, its assessments, acceptances and the tenant's
// criteria in one round trip.
func FindDossier(ctx context.Context, tx *postgres.Tx, id uuid.UUID) (Dossier, error) {
	batch := &pgx.Batch{}
	batch.Queue(`SELECT `+riskColumns+` FROM `+riskFrom+` WHERE r.tenant_id = $1 AND r.id = $2`, tx.TenantID, id)
	batch.Queue(`SELECT a.seq, a.assessed_at, u.display_name, a.inherent_likelihood, a.inherent_impact, a.inherent_level,
			coalesce(a.residual_likelihood, 0), coalesce(a.residual_impact, 0), coalesce(a.residual_level, ''), a.note
		FROM risk_assessments a JOIN users u ON u.id = a.assessed_by
		WHERE a.tenant_id = $1 AND a.risk_id = $2 ORDER BY a.seq DESC`, tx.TenantID, id)
	batch.Queue(`SELECT a.seq, u.display_name, a.accepted_at, a.residual_level, a.above_threshold, a.reason
		FROM risk_acceptances a JOIN users u ON u.id = a.accepted_by
		WHERE a.tenant_id = $1 AND a.risk_id = $2 ORDER BY a.seq DESC`, tx.TenantID, id)
	queueCriteria(batch, tx)
	res := tx.SendBatch(ctx, batch)
	defer res.Close()
	var d Dossier
	err := res.QueryRow().Scan(scanRisk(&d.Risk)...)
	if postgres.IsNoRows(err) {
		return Dossier{}, apperr.Errorf(apperr.NotFound, "No such risk")
	}
	if err != nil {
		return Dossier{}, fmt.Errorf("risk: find %s: %w", id, err)
	}
	rows, err := res.Query()
	if err != nil {
		return Dossier{}, fmt.Errorf("risk: assessments of %s: %w", id, err)
	}
	d.Assessments, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Assessment, error) {
		var a Assessment
		return a, row.Scan(&a.Seq, &a.AssessedAt, &a.AssessedBy, &a.InherentLikelihood, &a.InherentImpact, &a.InherentLevel,
			&a.ResidualLikelihood, &a.ResidualImpact, &a.ResidualLevel, &a.Note)
	})
	if err != nil {
		return Dossier{}, fmt.Errorf("risk: assessments of %s: %w", id, err)
	}
	rows, err = res.Query()
	if err != nil {
		return Dossier{}, fmt.Errorf("risk: acceptances of %s: %w", id, err)
	}
	d.Acceptances, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Acceptance, error) {
		var a Acceptance
		return a, row.Scan(&a.Seq, &a.AcceptedBy, &a.AcceptedAt, &a.ResidualLevel, &a.AboveThreshold, &a.Reason)
	})
	if err != nil {
		return Dossier{}, fmt.Errorf("risk: acceptances of %s: %w", id, err)
	}
	if d.Criteria, err = scanCriteria(res.QueryRow()); err != nil {
		return Dossier{}, err
	}
	return d, nil
}

func riskArgs(tx *postgres.Tx, r Risk) pgx.NamedArgs {
	return pgx.NamedArgs{"tenant": tx.TenantID, "id": r.ID, "title": r.Title, "event": r.Event, "source": r.RiskSource,
		"objective": r.ObjectiveAffected, "assets": r.Assets, "consequences": r.Consequences,
		"parties": r.AffectedParties, "controls": r.ExistingControls, "owner": r.OwnerID, "review_date": r.ReviewDate,
		"status": r.Status, "actor": tx.Actor.UserID, "now": tx.Now}
}

// ratingArgs adds the ratings and their levels on c to args.
func ratingArgs(args pgx.NamedArgs, rt Ratings, c Criteria) pgx.NamedArgs {
	args["il"], args["ii"], args["ilevel"] = rt.InherentLikelihood, rt.InherentImpact, c.Level(rt.InherentLikelihood, rt.InherentImpact)
	args["rl"], args["ri"], args["rlevel"] = nil, nil, nil
	if rt.HasResidual() {
		args["rl"], args["ri"], args["rlevel"] = rt.ResidualLikelihood, rt.ResidualImpact, c.Level(rt.ResidualLikelihood, rt.ResidualImpact)
	}
	return args
}

// queueSystems queues the replacement of a risk's AI systems: the links to systems no longer
// named are deleted and those to newly named ones inserted, so a link that stays is left
// alone (deleting and inserting it again would change the system's risk count twice, and
// hold the count's row lock, for nothing). The DELETE and the INSERT are separate
// statements: in one statement the INSERT would not see the DELETE.
func queueSystems(batch *pgx.Batch, tx *postgres.Tx, riskID uuid.UUID, ids []string) {
	batch.Queue(`DELETE FROM risk_ai_systems WHERE tenant_id = $1 AND risk_id = $2
		AND system_id <> ALL (coalesce($3::uuid[], '{}'))`, tx.TenantID, riskID, ids)
	batch.Queue(`INSERT INTO risk_ai_systems (tenant_id, risk_id, system_id) SELECT $1, $2, s FROM unnest($3::uuid[]) AS s
		ON CONFLICT DO NOTHING`, tx.TenantID, riskID, ids)
}

// queueAssessment queues the next dated assessment of a risk. The risk row is locked (or
// new), so the next number cannot be taken twice.
func queueAssessment(batch *pgx.Batch, tx *postgres.Tx, riskID uuid.UUID, rt Ratings, c Criteria, note string) {
	args := ratingArgs(pgx.NamedArgs{"tenant": tx.TenantID, "risk": riskID, "actor": tx.Actor.UserID, "now": tx.Now, "note": note}, rt, c)
	batch.Queue(`INSERT INTO risk_assessments (tenant_id, risk_id, seq, assessed_at, assessed_by, inherent_likelihood,
			inherent_impact, inherent_level, residual_likelihood, residual_impact, residual_level, note)
		SELECT @tenant, @risk, coalesce(max(seq), 0) + 1, @now, @actor, @il, @ii, @ilevel, @rl, @ri, @rlevel, @note
		FROM risk_assessments WHERE tenant_id = @tenant AND risk_id = @risk`, args)
}

// linkError turns a foreign-key violation on one of a risk's links into a field message.
func linkError(err error, context string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		field, msg := "owner_id", "Choose an owner who is a member of this workspace"
		switch {
		case strings.Contains(pgErr.ConstraintName, "system"):
			field, msg = "ai_systems", "Choose AI systems from this workspace's inventory"
		case strings.Contains(pgErr.ConstraintName, "impact_assessment"):
			field, msg = "impact_assessment_id", "Choose an impact assessment of this workspace"
		}
		return &apperr.Error{Code: apperr.Invalid, Message: "Check the highlighted fields",
			Fields: []apperr.FieldError{{Field: field, Message: msg}}}
	}
	return fmt.Errorf("%s: %w", context, err)
}

// addSystems is the form field that adds AI systems by reference (the inventory is too
// large to list them).
var addSystems = record.ByRef{Table: "ai_systems", Prefix: "AIS", Noun: "AI system", Field: "add_systems", Max: MaxSystems}

// withAddedSystems adds the AI systems in.AddSystems names to in.SystemIDs.
func withAddedSystems(ctx context.Context, tx *postgres.Tx, in Risk) (Risk, error) {
	ids, err := addSystems.Resolve(ctx, tx, in.AddSystems)
	in.SystemIDs = append(in.SystemIDs, ids...)
	in.Normalize()
	return in, err
}

// Create validates and stores a new risk with its AI systems, computes its levels on the
// tenant's criteria, records its first assessment, and writes the audit entry. Impact
// assessments use it to raise a linked risk (ImpactAssessmentID).
func Create(ctx context.Context, tx *postgres.Tx, in Risk) (Risk, error) {
	c, err := criteriaForWrite(ctx, tx)
	if err != nil {
		return Risk{}, err
	}
	if in, err = withAddedSystems(ctx, tx, in); err != nil {
		return Risk{}, err
	}
	if err := in.Validate(c); err != nil {
		return Risk{}, err
	}
	if in.Status == StatusAccepted {
		return Risk{}, acceptedByDecision()
	}
	ref, err := postgres.NextRef(ctx, tx, Object)
	if err != nil {
		return Risk{}, err
	}
	args := ratingArgs(riskArgs(tx, in), in.Ratings, c)
	args["ref"], args["ia"] = ref, in.ImpactAssessmentID
	var id uuid.UUID
	err = tx.QueryRow(ctx, `INSERT INTO risks (tenant_id, ref, title, event, risk_source, objective_affected, assets,
			consequences, affected_parties, existing_controls, inherent_likelihood, inherent_impact, inherent_level,
			residual_likelihood, residual_impact, residual_level, owner_id, review_date, status, impact_assessment_id,
			created_by, created_at, updated_by, updated_at)
		VALUES (@tenant, @ref, @title, @event, @source, @objective, @assets, @consequences, @parties, @controls,
			@il, @ii, @ilevel, @rl, @ri, @rlevel, nullif(@owner, '')::uuid, nullif(@review_date, '')::date, @status,
			nullif(@ia, '')::uuid, @actor, @now, @actor, @now) RETURNING id`, args).Scan(&id)
	if err != nil {
		return Risk{}, linkError(err, "risk: create")
	}
	batch := &pgx.Batch{}
	queueSystems(batch, tx, id, in.SystemIDs)
	queueAssessment(batch, tx, id, in.Ratings, c, in.AssessmentNote)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return Risk{}, linkError(err, "risk: create links")
	}
	out, err := Find(ctx, tx, id)
	if err != nil {
		return Risk{}, err
	}
	return out, auditlog.Record(ctx, tx, auditlog.Event{Action: "risks.create", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: out.Label(), After: out})
}

func acceptedByDecision() error {
	return &apperr.Error{Code: apperr.Invalid, Message: "Check the highlighted fields", Fields: []apperr.FieldError{{Field: "status",
		Message: "A risk becomes accepted only when an executive or administrator accepts its residual risk on the risk's page"}}}
}

// Update validates and saves changes to a risk's identification, AI systems, owner, review
// date and status. Its ratings change only by re-assessment (Assess), which keeps the
// earlier result; the ones in "in" are ignored.
func Update(ctx context.Context, tx *postgres.Tx, id uuid.UUID, in Risk) (Risk, error) {
	before, err := find(ctx, tx, id, " FOR UPDATE OF r")
	if err != nil {
		return Risk{}, err
	}
	if err := before.Editable(); err != nil {
		return Risk{}, err
	}
	c, err := criteriaForWrite(ctx, tx)
	if err != nil {
		return Risk{}, err
	}
	if in, err = withAddedSystems(ctx, tx, in); err != nil {
		return Risk{}, err
	}
	in.ID, in.Ratings, in.ImpactAssessmentID = id, before.Ratings, before.ImpactAssessmentID
	// Ratings given on a scale that has since shrunk stay as they are; they are re-assessed, not edited.
	err = in.Validate(c)
	if err := withoutRatingErrors(err); err != nil {
		return Risk{}, err
	}
	if in.Status == StatusAccepted && before.Status != StatusAccepted {
		return Risk{}, acceptedByDecision()
	}
	batch := &pgx.Batch{}
	batch.Queue(`UPDATE risks SET title = @title, event = @event, risk_source = @source, objective_affected = @objective,
			assets = @assets, consequences = @consequences, affected_parties = @parties, existing_controls = @controls,
			owner_id = nullif(@owner, '')::uuid, review_date = nullif(@review_date, '')::date, status = @status,
			updated_by = @actor, updated_at = @now
		WHERE tenant_id = @tenant AND id = @id`, riskArgs(tx, in))
	queueSystems(batch, tx, id, in.SystemIDs)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return Risk{}, linkError(err, "risk: update")
	}
	after, err := Find(ctx, tx, id)
	if err != nil {
		return Risk{}, err
	}
	return after, auditlog.Record(ctx, tx, auditlog.Event{Action: "risks.update", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: after.Label(), Before: before, After: after})
}

// withoutRatingErrors drops the rating messages from a validation error.
func withoutRatingErrors(err error) error {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return err
	}
	var v apperr.Validation
	for _, f := range e.Fields {
		if !strings.HasPrefix(f.Field, "inherent_") && !strings.HasPrefix(f.Field, "residual_") {
			v.Add(f.Field, f.Message)
		}
	}
	return v.Err()
}

// Assess records a new assessment of a risk: its ratings and levels on the current criteria
// change, the earlier result is kept as a dated assessment, and the next review date is
// set. A risk still "identified" becomes "assessed"; an accepted risk whose residual level
// changes goes back to "assessed", since the acceptance was of the earlier level.
func Assess(ctx context.Context, tx *postgres.Tx, id uuid.UUID, in Reassessment) (Risk, error) {
	in.Note, in.ReviewDate = strings.TrimSpace(in.Note), strings.TrimSpace(in.ReviewDate)
	before, err := find(ctx, tx, id, " FOR UPDATE OF r")
	if err != nil {
		return Risk{}, err
	}
	if err := before.Editable(); err != nil {
		return Risk{}, err
	}
	c, err := criteriaForWrite(ctx, tx)
	if err != nil {
		return Risk{}, err
	}
	if err := in.Validate(c); err != nil {
		return Risk{}, err
	}
	status := before.Status
	residual := ""
	if in.HasResidual() {
		residual = c.Level(in.ResidualLikelihood, in.ResidualImpact)
	}
	switch {
	case status == "identified":
		status = "assessed"
	case status == StatusAccepted && residual != before.ResidualLevel:
		status = "assessed"
	}
	args := ratingArgs(pgx.NamedArgs{"tenant": tx.TenantID, "id": id, "status": status, "review_date": in.ReviewDate,
		"actor": tx.Actor.UserID, "now": tx.Now}, in.Ratings, c)
	batch := &pgx.Batch{}
	batch.Queue(`UPDATE risks SET inherent_likelihood = @il, inherent_impact = @ii, inherent_level = @ilevel,
			residual_likelihood = @rl, residual_impact = @ri, residual_level = @rlevel, status = @status,
			review_date = nullif(@review_date, '')::date, updated_by = @actor, updated_at = @now
		WHERE tenant_id = @tenant AND id = @id`, args)
	queueAssessment(batch, tx, id, in.Ratings, c, in.Note)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return Risk{}, fmt.Errorf("risk: assess %s: %w", id, err)
	}
	after, err := Find(ctx, tx, id)
	if err != nil {
		return Risk{}, err
	}
	return after, auditlog.Record(ctx, tx, auditlog.Event{Action: "risks.assess", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: after.Label(), Before: before, After: assessed{after, in.Note}})
}

// assessed is a risk as the audit trail records it after an assessment, with the note.
type assessed struct {
	Risk
	Note string `json:"assessment_note"`
}

// Accept records the acceptance of a risk's residual level (6.1.3, 8.3) with the reason
// and sets the risk's status to accepted. The server lets only roles that may approve call
// it. The residual risk must be rated; a level above the acceptance threshold may still be
// accepted, and the acceptance records that it was.
func Accept(ctx context.Context, tx *postgres.Tx, id uuid.UUID, reason string) (Risk, error) {
	reason = strings.TrimSpace(reason)
	before, err := find(ctx, tx, id, " FOR UPDATE OF r")
	if err != nil {
		return Risk{}, err
	}
	if err := before.Editable(); err != nil {
		return Risk{}, err
	}
	var v apperr.Validation
	v.Check(before.HasResidual(), "reason", before.Reference()+" has no residual rating yet. Re-assess it with a residual likelihood and impact before accepting it.")
	v.Check(reason != "", "reason", "Say why the residual risk is accepted")
	v.Check(len([]rune(reason)) <= 2000, "reason", "Keep the reason under 2,000 characters")
	if err := v.Err(); err != nil {
		return Risk{}, err
	}
	c, err := criteriaForWrite(ctx, tx)
	if err != nil {
		return Risk{}, err
	}
	above := !c.Acceptable(before.ResidualLevel)
	batch := &pgx.Batch{}
	batch.Queue(`INSERT INTO risk_acceptances (tenant_id, risk_id, seq, accepted_by, accepted_at, residual_level, above_threshold, reason)
		SELECT $1, $2, coalesce(max(seq), 0) + 1, $3, $4, $5, $6, $7 FROM risk_acceptances WHERE tenant_id = $1 AND risk_id = $2`,
		tx.TenantID, id, tx.Actor.UserID, tx.Now, before.ResidualLevel, above, reason)
	batch.Queue(`UPDATE risks SET status = 'accepted', updated_by = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2`,
		tx.TenantID, id, tx.Actor.UserID, tx.Now)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return Risk{}, fmt.Errorf("risk: accept %s: %w", id, err)
	}
	after, err := Find(ctx, tx, id)
	if err != nil {
		return Risk{}, err
	}
	return after, auditlog.Record(ctx, tx, auditlog.Event{Action: "risks.accept", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: after.Label(), Before: before,
		After: accepted{Risk: after, Reason: reason, AcceptedLevel: before.ResidualLevel, AboveThreshold: above}})
}

// accepted is a risk as the audit trail records it after an acceptance.
type accepted struct {
	Risk
	AcceptedLevel  string `json:"accepted_residual_level"`
	AboveThreshold bool   `json:"accepted_above_threshold"`
	Reason         string `json:"acceptance_reason"`
}

// archive archives and restores Risk records.
var archive = record.Archive[Risk]{Table: "risks", Object: Object, Find: find, Lock: " FOR UPDATE OF r"}

// SetArchived archives (true) or restores (false) record id; archived records leave the
// default list but keep their history and can be restored.
func SetArchived(ctx context.Context, tx *postgres.Tx, id uuid.UUID, archived bool) (Risk, error) {
	return archive.Set(ctx, tx, id, archived)
}

const optionColumns = `r.id, r.ref, r.title, r.inherent_level, coalesce(r.residual_level, ''), r.status, r.archived_at IS NOT NULL`

// options lists the risks matching where, by reference, at most limit of them (0: all).
func options(ctx context.Context, tx *postgres.Tx, where string, limit int, args ...any) ([]Option, error) {
	sql := `SELECT ` + optionColumns + ` FROM risks r WHERE r.tenant_id = $1` + where + ` ORDER BY r.ref`
	if limit > 0 {
		sql += " LIMIT " + strconv.Itoa(limit)
	}
	rows, err := tx.Query(ctx, sql, append([]any{tx.TenantID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("risk: options: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Option, error) {
		var o Option
		return o, row.Scan(&o.ID, &o.Ref, &o.Title, &o.InherentLevel, &o.ResidualLevel, &o.Status, &o.Archived)
	})
	if err != nil {
		return nil, fmt.Errorf("risk: options: %w", err)
	}
	return out, nil
}

// Options lists the first max of the tenant's risks that are not archived, by reference,
// for pickers such as a treatment's "risks treated", and says whether there are more: a
// register of 100,000 risks cannot be a list of checkboxes.
func Options(ctx context.Context, tx *postgres.Tx, max int) (opts []Option, more bool, err error) {
	opts, err = options(ctx, tx, " AND r.archived_at IS NULL", max+1)
	if len(opts) > max {
		return opts[:max], true, err
	}
	return opts, false, err
}

// OptionsByID lists the risks with the given ids, archived ones included: a form that
// already links an archived risk still shows it.
func OptionsByID(ctx context.Context, tx *postgres.Tx, ids []uuid.UUID) ([]Option, error) {
	return options(ctx, tx, " AND r.id = ANY ($2)", 0, ids)
}

// ForSystem lists the risks that concern the AI system id, archived ones included.
func ForSystem(ctx context.Context, tx *postgres.Tx, systemID uuid.UUID) ([]Option, error) {
	return options(ctx, tx, ` AND EXISTS (SELECT 1 FROM risk_ai_systems s
		WHERE s.tenant_id = r.tenant_id AND s.risk_id = r.id AND s.system_id = $2)`, 0, systemID)
}

// Count is the number of risks in the register, archived ones included: how many a change
// of the criteria re-evaluates.
func Count(ctx context.Context, tx *postgres.Tx) (int, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM risks WHERE tenant_id = $1`, tx.TenantID).Scan(&n); err != nil {
		return 0, fmt.Errorf("risk: count: %w", err)
	}
	return n, nil
}

// AssessmentLabel names the impact assessment id that risks may be raised from, e.g.
// "IA-2 Credit scoring", for the list's filter; "" when the tenant has no such assessment.
func AssessmentLabel(ctx context.Context, tx *postgres.Tx, id uuid.UUID) (string, error) {
	var label string
	err := tx.QueryRow(ctx, `SELECT 'IA-' || ref || ' ' || title FROM impact_assessments WHERE tenant_id = $1 AND id = $2`,
		tx.TenantID, id).Scan(&label)
	if postgres.IsNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("risk: impact assessment %s: %w", id, err)
	}
	return label, nil
}

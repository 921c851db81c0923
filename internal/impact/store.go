package impact

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/record"
)

const assessmentColumns = `ia.id, ia.ref, ia.title, ia.system_id::text, s.ref, s.name,
	coalesce(ia.owner_id::text, ''), coalesce(o.display_name, ''), coalesce(to_char(ia.next_review, 'YYYY-MM-DD'), ''),
	ia.current_round, r.state, r.approved_at,
	(SELECT count(*)::int FROM impact_assessment_impacts i
		WHERE i.tenant_id = ia.tenant_id AND i.assessment_id = ia.id AND i.round = ia.current_round AND i.kind = 'harm'),
	(SELECT count(*)::int FROM impact_assessment_impacts i
		WHERE i.tenant_id = ia.tenant_id AND i.assessment_id = ia.id AND i.round = ia.current_round AND i.kind = 'benefit'),
	(SELECT count(*)::int FROM risks k WHERE k.tenant_id = ia.tenant_id AND k.impact_assessment_id = ia.id AND k.archived_at IS NULL),
	ia.archived_at,
	ia.created_at, cb.display_name, ia.updated_at, ub.display_name`

// assessmentFrom joins each assessment to its AI system and its current round. The counts
// of the current round's impacts and of the live risks raised from it are subqueries in
// assessmentColumns, read for the rows of a page only; as lateral joins they made the
// planner order eight relations, about 6 ms of planning for every deep page.
const assessmentFrom = `impact_assessments ia
	JOIN ai_systems s ON s.tenant_id = ia.tenant_id AND s.id = ia.system_id
	JOIN impact_assessment_rounds r ON r.tenant_id = ia.tenant_id AND r.assessment_id = ia.id AND r.round = ia.current_round
	LEFT JOIN users o ON o.id = ia.owner_id
	JOIN users cb ON cb.id = ia.created_by
	JOIN users ub ON ub.id = ia.updated_by`

// assessmentCountFrom is what the list's total is counted over: the status filter needs the
// current round, nothing else needs a join.
const assessmentCountFrom = `impact_assessments ia
	JOIN impact_assessment_rounds r ON r.tenant_id = ia.tenant_id AND r.assessment_id = ia.id AND r.round = ia.current_round`

func scanAssessment(a *Assessment) []any {
	return []any{&a.ID, &a.Ref, &a.Title, &a.SystemID, &a.SystemRef, &a.SystemName, &a.OwnerID, &a.OwnerName,
		&a.NextReview, &a.Round, &a.State, &a.ApprovedAt, &a.Harms, &a.Benefits, &a.RiskCount, &a.ArchivedAt,
		&a.CreatedAt, &a.CreatedBy, &a.UpdatedAt, &a.UpdatedBy}
}

// reviewExpr orders and filters on the next review date; assessments without one sort last
// and are never due. The index impact_assessments_review_idx is on this expression.
const reviewExpr = "coalesce(ia.next_review, 'infinity'::date)"

// Sorts are the orders the list offers; each has an index.
var Sorts = map[string]postgres.SortKey{
	"ref":     {Expr: "ia.ref", Type: "integer"},
	"title":   {Expr: "lower(ia.title)", Type: "text"},
	"review":  {Expr: reviewExpr, Type: "date"},
	"updated": {Expr: "ia.updated_at", Type: "timestamptz"},
}

// List is how the impact-assessments register is listed. The status filter is the state of
// the current round (or archived); "due" is handled by listQuery.
var List = postgres.ListSpec{
	Table: "impact_assessments",
	From:  assessmentFrom, CountFrom: assessmentCountFrom, Columns: assessmentColumns, IDExpr: "ia.id", ArchivedExpr: "ia.archived_at",
	SearchExpr: "ia.search_text", Sorts: Sorts, DefaultSort: "updated",
	Filterable: map[string]string{"status": "r.state"},
	IDFilters:  map[string]string{"system": "ia.system_id", "owner": "ia.owner_id"},
}

// Filters are the list's filter fields, in the order of the query string. "due" ("true")
// keeps the assessments whose next review date has passed.
var Filters = []string{"system", "status", "owner", "due"}

func listQuery(tx *postgres.Tx, f postgres.Filter) postgres.ListQuery {
	q := List.Query(f)
	if f.Fields["due"] == "true" {
		q.Narrow(reviewExpr + " < @today")
		q.Args["today"] = Today(tx.Now)
	}
	return q
}

// Today is the day of t (UTC) at midnight: a review is due when its date is before it.
func Today(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ListAssessments returns a page of assessments matching f.
func ListAssessments(ctx context.Context, tx *postgres.Tx, f postgres.Filter) (postgres.Page[Assessment], error) {
	return postgres.List(ctx, tx, listQuery(tx, f), scanAssessment)
}

// EachAssessment streams every assessment matching f to fn with its current round (for the
// CSV export). The round's fields and impacts come as JSON in the same query: a query per
// assessment would be a query in a loop.
func EachAssessment(ctx context.Context, tx *postgres.Tx, f postgres.Filter, fn func(Assessment, Round) error) error {
	q := listQuery(tx, f)
	q.Columns += `, to_jsonb(r) - 'tenant_id' - 'assessment_id' - 'approved_by' - 'approved_at' - 'updated_by' - 'updated_at',
		coalesce((SELECT u.display_name FROM users u WHERE u.id = r.approved_by), ''),
		(SELECT coalesce(json_agg(json_build_object('kind', i.kind, 'affected', i.affected, 'description', i.description,
			'severity', i.severity::text, 'likelihood', i.likelihood::text, 'reversibility', i.reversibility,
			'scale', i.scale) ORDER BY i.position), '[]')
		FROM impact_assessment_impacts i WHERE i.tenant_id = r.tenant_id AND i.assessment_id = r.assessment_id AND i.round = r.round)`
	type row struct {
		a       Assessment
		fields  roundJSON
		by      string
		impacts []Impact
	}
	return postgres.Each(ctx, tx, q, func(x *row) []any {
		return append(scanAssessment(&x.a), &x.fields, &x.by, &x.impacts)
	}, func(x row) error {
		rd := x.fields.round()
		rd.Number, rd.ApprovedBy, rd.ApprovedAt, rd.Impacts = x.a.Round, x.by, x.a.ApprovedAt, x.impacts
		return fn(x.a, rd)
	})
}

// roundJSON is a round row as to_jsonb gives it, column names as keys.
type roundJSON map[string]any

func (j roundJSON) round() Round {
	var r Round
	str := func(k string) string { s, _ := j[k].(string); return s }
	r.State, r.Trigger, r.LifecycleStage, r.ApprovalNote = str("state"), str("trigger"), str("lifecycle_stage"), str("approval_note")
	for _, t := range r.texts() {
		*t.value = str(t.name)
	}
	return r
}

// FindAssessment returns the assessment with id, with its rounds and the first
// RaisedRisksShown risks raised from it (and how many there are), in one round trip.
func FindAssessment(ctx context.Context, tx *postgres.Tx, id uuid.UUID) (Assessment, error) {
	return findAssessment(ctx, tx, id, "")
}

func findAssessment(ctx context.Context, tx *postgres.Tx, id uuid.UUID, lock string) (Assessment, error) {
	batch := &pgx.Batch{}
	batch.Queue(`SELECT `+assessmentColumns+` FROM `+assessmentFrom+` WHERE ia.tenant_id = $1 AND ia.id = $2`+lock, tx.TenantID, id)
	batch.Queue(`SELECT r.round, r.state, r.trigger, coalesce(u.display_name, ''), r.approved_at, r.updated_at,
			(SELECT count(*)::int FROM impact_assessment_impacts i
				WHERE i.tenant_id = r.tenant_id AND i.assessment_id = r.assessment_id AND i.round = r.round)
		FROM impact_assessment_rounds r LEFT JOIN users u ON u.id = r.approved_by
		WHERE r.tenant_id = $1 AND r.assessment_id = $2 ORDER BY r.round DESC`, tx.TenantID, id)
	batch.Queue(`SELECT id, ref, title, inherent_level, status, archived_at IS NOT NULL, count(*) OVER ()::int FROM risks
		WHERE tenant_id = $1 AND impact_assessment_id = $2 ORDER BY ref LIMIT $3`, tx.TenantID, id, RaisedRisksShown)
	res := tx.SendBatch(ctx, batch)
	defer res.Close()
	var a Assessment
	err := res.QueryRow().Scan(scanAssessment(&a)...)
	if postgres.IsNoRows(err) {
		return Assessment{}, apperr.Errorf(apperr.NotFound, "No such impact assessment")
	}
	if err != nil {
		return Assessment{}, fmt.Errorf("impact: find assessment %s: %w", id, err)
	}
	rows, err := res.Query()
	if err != nil {
		return Assessment{}, fmt.Errorf("impact: rounds of %s: %w", id, err)
	}
	a.Rounds, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (RoundSummary, error) {
		var s RoundSummary
		return s, row.Scan(&s.Number, &s.State, &s.Trigger, &s.ApprovedBy, &s.ApprovedAt, &s.UpdatedAt, &s.Impacts)
	})
	if err != nil {
		return Assessment{}, fmt.Errorf("impact: rounds of %s: %w", id, err)
	}
	if rows, err = res.Query(); err != nil {
		return Assessment{}, fmt.Errorf("impact: risks of %s: %w", id, err)
	}
	a.RaisedRisks, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (RaisedRisk, error) {
		var k RaisedRisk
		return k, row.Scan(&k.ID, &k.Ref, &k.Title, &k.InherentLevel, &k.Status, &k.Archived, &a.RaisedTotal)
	})
	if err != nil {
		return Assessment{}, fmt.Errorf("impact: risks of %s: %w", id, err)
	}
	return a, nil
}

// roundColumns are the content columns of a round, in the order of Round.texts after the
// two picklists; a new round copies them.
var roundColumns = func() string {
	cols := []string{"trigger", "lifecycle_stage"}
	for _, t := range (&Round{}).texts() {
		cols = append(cols, t.name)
	}
	return strings.Join(cols, ", ")
}()

// FindRound returns round n of assessment id with its impacts, in one round trip; n = 0
// is the current round.
func FindRound(ctx context.Context, tx *postgres.Tx, id uuid.UUID, n int) (Round, error) {
	const which = `r.tenant_id = $1 AND r.assessment_id = $2 AND r.round = coalesce(nullif($3::int, 0),
		(SELECT current_round FROM impact_assessments WHERE tenant_id = $1 AND id = $2))`
	batch := &pgx.Batch{}
	batch.Queue(`SELECT r.round, r.state, `+prefixed("r.", roundColumns)+`, coalesce(a.display_name, ''), r.approved_at,
			r.approval_note, r.updated_at, ub.display_name
		FROM impact_assessment_rounds r LEFT JOIN users a ON a.id = r.approved_by JOIN users ub ON ub.id = r.updated_by
		WHERE `+which, tx.TenantID, id, n)
	batch.Queue(`SELECT kind, affected, description, severity::text, likelihood::text, reversibility, scale
		FROM impact_assessment_impacts r WHERE `+which+` ORDER BY position`, tx.TenantID, id, n)
	res := tx.SendBatch(ctx, batch)
	defer res.Close()
	r := Round{AssessmentID: id}
	dest := []any{&r.Number, &r.State, &r.Trigger, &r.LifecycleStage}
	for _, t := range r.texts() {
		dest = append(dest, t.value)
	}
	dest = append(dest, &r.ApprovedBy, &r.ApprovedAt, &r.ApprovalNote, &r.UpdatedAt, &r.UpdatedBy)
	err := res.QueryRow().Scan(dest...)
	if postgres.IsNoRows(err) {
		return Round{}, apperr.Errorf(apperr.NotFound, "No such round of this impact assessment")
	}
	if err != nil {
		return Round{}, fmt.Errorf("impact: find round %d of %s: %w", n, id, err)
	}
	rows, err := res.Query()
	if err != nil {
		return Round{}, fmt.Errorf("impact: impacts of %s: %w", id, err)
	}
	r.Impacts, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Impact, error) {
		var i Impact
		return i, row.Scan(&i.Kind, &i.Affected, &i.Description, &i.Severity, &i.Likelihood, &i.Reversibility, &i.Scale)
	})
	if err != nil {
		return Round{}, fmt.Errorf("impact: impacts of %s: %w", id, err)
	}
	if r.Impacts == nil {
		r.Impacts = []Impact{}
	}
	return r, nil
}

func prefixed(prefix, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = prefix + parts[i]
	}
	return strings.Join(parts, ", ")
}

func assessmentArgs(tx *postgres.Tx, a Assessment) pgx.NamedArgs {
	return pgx.NamedArgs{"tenant": tx.TenantID, "id": a.ID, "title": a.Title, "system": a.SystemID, "owner": a.OwnerID,
		"next_review": a.NextReview, "actor": tx.Actor.UserID, "now": tx.Now}
}

// linkError turns a foreign-key violation on the AI system or the owner into a message
// beside the field: the id came from a form and names nothing in this tenant.
func linkError(err error, context string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		switch {
		case strings.Contains(pgErr.ConstraintName, "system_id"):
			return fieldError("system_id", "Choose an AI system of this workspace")
		case strings.Contains(pgErr.ConstraintName, "owner_id"):
			return fieldError("owner_id", "Choose an owner who is a member of this workspace")
		}
	}
	return fmt.Errorf("%s: %w", context, err)
}

func fieldError(field, message string) error {
	return &apperr.Error{Code: apperr.Invalid, Message: "Check the highlighted fields",
		Fields: []apperr.FieldError{{Field: field, Message: message}}}
}

// CreateAssessment validates and stores a new assessment with its first round, an empty
// draft, and records it in the audit trail.
func CreateAssessment(ctx context.Context, tx *postgres.Tx, in Assessment) (Assessment, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Assessment{}, err
	}
	ref, err := postgres.NextRef(ctx, tx, Object)
	if err != nil {
		return Assessment{}, err
	}
	args := assessmentArgs(tx, in)
	args["ref"] = ref
	var id uuid.UUID
	err = tx.QueryRow(ctx, `WITH ia AS (
			INSERT INTO impact_assessments (tenant_id, ref, title, system_id, owner_id, next_review, current_round,
				created_by, created_at, updated_by, updated_at)
			VALUES (@tenant, @ref, @title, @system::uuid, nullif(@owner, '')::uuid, @next_review::date, 1, @actor, @now, @actor, @now)
			RETURNING id)
		INSERT INTO impact_assessment_rounds (tenant_id, assessment_id, round, state, updated_by, updated_at)
		SELECT @tenant, id, 1, 'draft', @actor, @now FROM ia RETURNING assessment_id`, args).Scan(&id)
	if err != nil {
		return Assessment{}, linkError(err, "impact: create assessment")
	}
	out, err := FindAssessment(ctx, tx, id)
	if err != nil {
		return Assessment{}, err
	}
	return out, auditlog.Record(ctx, tx, auditlog.Event{Action: Object + ".create", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: out.Label(), After: out})
}

// UpdateAssessment validates and saves the assessment's own fields. The AI system assessed
// is fixed once a round has been approved: the approval was given for that system.
func UpdateAssessment(ctx context.Context, tx *postgres.Tx, id uuid.UUID, in Assessment) (Assessment, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Assessment{}, err
	}
	before, err := findAssessment(ctx, tx, id, " FOR UPDATE OF ia")
	if err != nil {
		return Assessment{}, err
	}
	if err := before.Editable(); err != nil {
		return Assessment{}, err
	}
	if in.SystemID != before.SystemID && before.everApproved() {
		return Assessment{}, fieldError("system_id", "The AI system cannot be changed once a round has been approved. Start a new assessment for another system.")
	}
	in.ID = id
	if _, err := tx.Exec(ctx, `UPDATE impact_assessments SET title = @title, system_id = @system::uuid,
			owner_id = nullif(@owner, '')::uuid, next_review = @next_review::date, updated_by = @actor, updated_at = @now
		WHERE tenant_id = @tenant AND id = @id`, assessmentArgs(tx, in)); err != nil {
		return Assessment{}, linkError(err, "impact: update assessment")
	}
	after, err := FindAssessment(ctx, tx, id)
	if err != nil {
		return Assessment{}, err
	}
	return after, auditlog.Record(ctx, tx, auditlog.Event{Action: Object + ".update", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: after.Label(), Before: before, After: after})
}

// everApproved reports whether any round of the assessment has been approved.
func (a Assessment) everApproved() bool {
	return a.Round > 1 || a.State != StateDraft
}

// archive archives and restores Assessment records.
var archive = record.Archive[Assessment]{Table: "impact_assessments", Object: Object, Find: findAssessment, Lock: " FOR UPDATE OF ia"}

// SetArchived archives (true) or restores (false) record id; archived records leave the
// default list but keep their history and can be restored.
func SetArchived(ctx context.Context, tx *postgres.Tx, id uuid.UUID, archived bool) (Assessment, error) {
	return archive.Set(ctx, tx, id, archived)
}

// lockCurrent locks the assessment and loads its current round, refusing an archived
// assessment; every change to a round starts here.
func lockCurrent(ctx context.Context, tx *postgres.Tx, id uuid.UUID) (Assessment, Round, error) {
	a, err := findAssessment(ctx, tx, id, " FOR UPDATE OF ia")
	if err != nil {
		return Assessment{}, Round{}, err
	}
	if err := a.Editable(); err != nil {
		return Assessment{}, Round{}, err
	}
	r, err := FindRound(ctx, tx, id, a.Round)
	return a, r, err
}

// roundLabel is how the trail names a change to a round of a, e.g. "IA-2 Triage (round 3)".
func roundLabel(a Assessment, n int) string { return a.Label() + " (round " + strconv.Itoa(n) + ")" }

// notEditable explains why round n cannot be changed.
func notEditable(a Assessment, n int, state string) error {
	switch {
	case n != a.Round:
		return apperr.Errorf(apperr.Conflict, "Round %d of %s has been superseded by round %d and is kept read-only as an earlier result.",
			n, a.Reference(), a.Round)
	case state == StateApproved:
		return apperr.Errorf(apperr.Conflict, "Round %d of %s has been approved and can no longer be edited. Start a new round to revise the assessment.",
			n, a.Reference())
	}
	return apperr.Errorf(apperr.Conflict, "Round %d of %s cannot be edited.", n, a.Reference())
}

// EditableRound returns round n of assessment id for its edit form, or a conflict when
// the round is not the current draft.
func EditableRound(ctx context.Context, tx *postgres.Tx, id uuid.UUID, n int) (Assessment, Round, error) {
	a, err := FindAssessment(ctx, tx, id)
	if err != nil {
		return Assessment{}, Round{}, err
	}
	r, err := FindRound(ctx, tx, id, n)
	if err != nil {
		return Assessment{}, Round{}, err
	}
	if err := a.Editable(); err != nil {
		return Assessment{}, Round{}, err
	}
	if n != a.Round || !r.Editable() {
		return Assessment{}, Round{}, notEditable(a, n, r.State)
	}
	return a, r, nil
}

// SaveRound validates and saves round n of assessment id with its impacts. Only the
// current round, while it is a draft, can be changed.
func SaveRound(ctx context.Context, tx *postgres.Tx, id uuid.UUID, n int, in Round) (Round, error) {
	a, before, err := lockCurrent(ctx, tx, id)
	if err != nil {
		return Round{}, err
	}
	if n < 1 || n > a.Round {
		return Round{}, apperr.Errorf(apperr.NotFound, "No such round of this impact assessment")
	}
	if n != a.Round || !before.Editable() {
		// An earlier round is superseded; only the current one's state is loaded.
		state := before.State
		if n != a.Round {
			state = StateSuperseded
		}
		return Round{}, notEditable(a, n, state)
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Round{}, err
	}
	args := pgx.NamedArgs{"tenant": tx.TenantID, "id": id, "round": n, "trigger": in.Trigger,
		"lifecycle_stage": in.LifecycleStage, "actor": tx.Actor.UserID, "now": tx.Now}
	set := []string{"trigger = @trigger", "lifecycle_stage = @lifecycle_stage"}
	for _, t := range in.texts() {
		args[t.name] = *t.value
		set = append(set, t.name+" = @"+t.name)
	}
	batch := &pgx.Batch{}
	batch.Queue(`UPDATE impact_assessment_rounds SET `+strings.Join(set, ", ")+`, updated_by = @actor, updated_at = @now
		WHERE tenant_id = @tenant AND assessment_id = @id AND round = @round`, args)
	queueImpacts(batch, tx, id, n, in.Impacts)
	batch.Queue(`UPDATE impact_assessments SET updated_by = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2`,
		tx.TenantID, id, tx.Actor.UserID, tx.Now)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return Round{}, fmt.Errorf("impact: save round %d of %s: %w", n, id, err)
	}
	after, err := FindRound(ctx, tx, id, n)
	if err != nil {
		return Round{}, err
	}
	return after, auditlog.Record(ctx, tx, auditlog.Event{Action: Object + ".update_round", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: roundLabel(a, n), Before: before.auditView(), After: after.auditView()})
}

// queueImpacts replaces the impacts of a round. The DELETE and the INSERT are separate
// statements: in one statement (a data-modifying CTE) the INSERT does not see the DELETE
// and collides with the old rows' keys.
func queueImpacts(batch *pgx.Batch, tx *postgres.Tx, id uuid.UUID, n int, impacts []Impact) {
	cols := make([][]string, 7)
	for i := range cols {
		cols[i] = make([]string, len(impacts))
	}
	for i, im := range impacts {
		for c, v := range []string{im.Kind, im.Affected, im.Description, im.Severity, im.Likelihood, im.Reversibility, im.Scale} {
			cols[c][i] = v
		}
	}
	batch.Queue(`DELETE FROM impact_assessment_impacts WHERE tenant_id = $1 AND assessment_id = $2 AND round = $3`, tx.TenantID, id, n)
	batch.Queue(`INSERT INTO impact_assessment_impacts (tenant_id, assessment_id, round, position, kind, affected,
			description, severity, likelihood, reversibility, scale)
		SELECT $1, $2, $3, x.n, x.k, x.a, x.d, x.s::int, x.l::int, x.r, x.c
		FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
			WITH ORDINALITY AS x (k, a, d, s, l, r, c, n)`,
		tx.TenantID, id, n, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6])
}

// Approve approves the current round of assessment id with the approver's note (42005
// 5.11): the round is frozen, and who approved it, when and why is recorded. Only a draft
// round that holds the minimum record can be approved.
func Approve(ctx context.Context, tx *postgres.Tx, id uuid.UUID, note string) (Round, error) {
	a, before, err := lockCurrent(ctx, tx, id)
	if err != nil {
		return Round{}, err
	}
	if !before.Editable() {
		return Round{}, apperr.Errorf(apperr.Conflict, "Round %d of %s is already %s.", before.Number, a.Reference(), before.State)
	}
	note = strings.TrimSpace(note)
	var v apperr.Validation
	for _, m := range before.ReadyForApproval() {
		v.Add("round-"+m.Field, m.Message)
	}
	v.Check(note != "", "approval_note", "Say what you approve and on what conditions, if any")
	v.Check(len([]rune(note)) <= 2000, "approval_note", "Keep the note under 2,000 characters")
	if err := v.Err(); err != nil {
		return Round{}, err
	}
	batch := &pgx.Batch{}
	batch.Queue(`UPDATE impact_assessment_rounds SET state = 'approved', approved_by = $4, approved_at = $5,
			approval_note = $6, updated_by = $4, updated_at = $5
		WHERE tenant_id = $1 AND assessment_id = $2 AND round = $3`, tx.TenantID, id, a.Round, tx.Actor.UserID, tx.Now, note)
	batch.Queue(`UPDATE impact_assessments SET updated_by = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2`,
		tx.TenantID, id, tx.Actor.UserID, tx.Now)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return Round{}, fmt.Errorf("impact: approve %s: %w", id, err)
	}
	after, err := FindRound(ctx, tx, id, a.Round)
	if err != nil {
		return Round{}, err
	}
	return after, auditlog.Record(ctx, tx, auditlog.Event{Action: Object + ".approve", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: roundLabel(a, a.Round), Before: before.auditView(), After: after.auditView()})
}

// CanStartRound returns a conflict unless a new round can be started: the assessment is
// live and its current round approved.
func CanStartRound(a Assessment) error {
	if err := a.Editable(); err != nil {
		return err
	}
	if a.State != StateApproved {
		return apperr.Errorf(apperr.Conflict, "Round %d of %s is still a draft. Finish and approve it before starting round %d; until then, keep editing round %d.",
			a.Round, a.Reference(), a.Round+1, a.Round)
	}
	return nil
}

// StartRound starts round n+1 of assessment id as a draft copy of the approved round n,
// impacts included, and marks round n superseded: it stays, read-only, as an earlier
// result. The trigger is left for the new round to state.
func StartRound(ctx context.Context, tx *postgres.Tx, id uuid.UUID) (Round, error) {
	a, err := findAssessment(ctx, tx, id, " FOR UPDATE OF ia")
	if err != nil {
		return Round{}, err
	}
	if err := CanStartRound(a); err != nil {
		return Round{}, err
	}
	prev, next := a.Round, a.Round+1
	copied := strings.Replace(roundColumns, "trigger, ", "", 1)
	copied = strings.Replace(copied, "timing, ", "", 1)
	batch := &pgx.Batch{}
	batch.Queue(`INSERT INTO impact_assessment_rounds (tenant_id, assessment_id, round, state, `+copied+`, updated_by, updated_at)
		SELECT tenant_id, assessment_id, $4, 'draft', `+copied+`, $5, $6 FROM impact_assessment_rounds
		WHERE tenant_id = $1 AND assessment_id = $2 AND round = $3`, tx.TenantID, id, prev, next, tx.Actor.UserID, tx.Now)
	batch.Queue(`INSERT INTO impact_assessment_impacts (tenant_id, assessment_id, round, position, kind, affected,
			description, severity, likelihood, reversibility, scale)
		SELECT tenant_id, assessment_id, $4, position, kind, affected, description, severity, likelihood, reversibility, scale
		FROM impact_assessment_impacts WHERE tenant_id = $1 AND assessment_id = $2 AND round = $3`, tx.TenantID, id, prev, next)
	batch.Queue(`UPDATE impact_assessment_rounds SET state = 'superseded'
		WHERE tenant_id = $1 AND assessment_id = $2 AND round = $3`, tx.TenantID, id, prev)
	batch.Queue(`UPDATE impact_assessments SET current_round = $3, updated_by = $4, updated_at = $5
		WHERE tenant_id = $1 AND id = $2`, tx.TenantID, id, next, tx.Actor.UserID, tx.Now)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return Round{}, fmt.Errorf("impact: start round %d of %s: %w", next, id, err)
	}
	out, err := FindRound(ctx, tx, id, next)
	if err != nil {
		return Round{}, err
	}
	return out, auditlog.Record(ctx, tx, auditlog.Event{Action: Object + ".start_round", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: roundLabel(a, next),
		Before: map[string]any{"current_round": prev, "state": StateApproved},
		After:  map[string]any{"current_round": next, "state": StateDraft, "superseded_round": prev}})
}

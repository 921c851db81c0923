package benchseed

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/auditlog"
)

// evKind is the kind of a trail entry the seed writes.
type evKind uint8

const (
	evCreate evKind = iota
	evUpdate
	evAssess
	evAccept
	evApprove
	evStartRound
	evSignIn
	evSignOut
	evSignInFailed
	evDenied
)

// event is a trail entry to write, kept small (the large tenant has half a million): what
// happened, when, by which member (-1: the system), to which record of which register, and
// a detail (a round number, packed ratings).
type event struct {
	at    time.Time
	obj   int32
	aux   int32
	kind  evKind
	reg   register
	actor int16
}

func (w *workspace) addEvent(e event) { w.events = append(w.events, e) }

// recordEvents adds the creation of record i of reg and, if it changed since, its last change.
func (w *workspace) recordEvents(reg register, i int) {
	r := w.records[reg][i]
	w.addEvent(event{at: r.created, kind: evCreate, reg: reg, obj: int32(i), actor: int16(r.createdBy)})
	if r.updated.After(r.created) {
		w.addEvent(event{at: r.updated, kind: evUpdate, reg: reg, obj: int32(i), actor: int16(r.updatedBy)})
	}
}

func packRatings(a assessment) int32 { return int32(a.il<<24 | a.ii<<16 | a.rl<<8 | a.ri) }

// complete makes the events exactly n long: the surplus is dropped (creations last), and a
// shortfall is made up with what fills a real trail between the records' changes: further
// edits, sign-ins and sign-outs, failed sign-ins and refused requests.
func (w *workspace) complete(n int) {
	g := w.g
	if len(w.events) > n {
		creates := slices.DeleteFunc(slices.Clone(w.events), func(e event) bool { return e.kind != evCreate })
		others := slices.DeleteFunc(w.events, func(e event) bool { return e.kind == evCreate })
		g.r.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
		w.events = append(others, creates...)[len(others)+len(creates)-n:]
		return
	}
	total := 0
	for _, rs := range w.records {
		total += len(rs)
	}
	var refusable []int // auditors and executives, who are refused register writes
	for i := range w.members {
		if !slices.Contains(w.writers, i) {
			refusable = append(refusable, i)
		}
	}
	for len(w.events) < n {
		switch p := g.intn(100); {
		case p < 45 && total > 0:
			k := g.intn(total)
			reg := register(0)
			for k >= len(w.records[reg]) {
				k -= len(w.records[reg])
				reg++
			}
			r := w.records[reg][k]
			if !r.updated.After(r.created) {
				continue
			}
			w.addEvent(event{at: g.timeIn(r.created.Add(time.Second), r.updated), kind: evUpdate, reg: reg, obj: int32(k), actor: int16(pick(g, w.writers))})
		case p < 94:
			m := int16(g.intn(len(w.members)))
			at := g.timeIn(g.start.Add(time.Hour), g.now)
			w.addEvent(event{at: at, kind: evSignIn, actor: m})
			if out := at.Add(time.Duration(g.between(5, 240)) * time.Minute); out.Before(g.now) && len(w.events) < n && g.chance(0.8) {
				w.addEvent(event{at: out, kind: evSignOut, actor: m})
			}
		case p < 97:
			w.addEvent(event{at: g.timeIn(g.start.Add(time.Hour), g.now), kind: evSignInFailed, actor: int16(g.intn(len(w.members)))})
		default:
			if len(refusable) > 0 {
				w.addEvent(event{at: g.timeIn(g.start.Add(time.Hour), g.now), kind: evDenied, reg: register(g.intn(int(regCount))),
					actor: int16(pick(g, refusable))})
			}
		}
	}
}

// snapshot is the state of a record an entry shows before or after a change.
type snapshot struct {
	Ref    int32  `json:"ref,omitempty"`
	Code   string `json:"code,omitempty"`
	Title  string `json:"title,omitempty"`
	Status string `json:"status,omitempty"`
	Owner  string `json:"owner,omitempty"`
}

// statusChoices are values a record's status had before a change, per register.
var statusChoices = [regCount][]string{
	regContext:     {"open", "monitored"},
	regParties:     {"active", "inactive"},
	regSystems:     {"idea", "design", "development", "verification_validation", "deployment"},
	regControls:    {"not_started", "planned", "partially_implemented"},
	regAssessments: {"draft"},
	regRisks:       {"identified", "assessed", "treatment_planned"},
	regTreatments:  {"planned", "in_progress"},
}

// entry turns an event into the fields of a trail entry: action, object, label, before, after.
func (w *workspace) entry(e event) auditlog.Entry {
	g := w.g
	en := auditlog.Entry{TenantID: w.tx.TenantID, OccurredAt: e.at.UTC(), RequestID: g.requestID(), ActorLabel: "system"}
	if e.actor >= 0 {
		m := w.members[e.actor]
		en.ActorID, en.ActorLabel = m.ID, m.Email
	}
	marshal := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // plain structs and maps of strings always encode
		}
		return b
	}
	switch e.kind {
	case evSignIn, evSignOut, evSignInFailed:
		m := w.members[e.actor]
		en.Action, en.ObjectType, en.ObjectID, en.ObjectLabel = "auth.sign_in", "session", m.ID.String(), m.Email
		switch e.kind {
		case evSignOut:
			en.Action = "auth.sign_out"
		case evSignInFailed:
			en.Action = "auth.sign_in_failed"
			en.After = marshal(map[string]string{"client": "10.0." + strconv.Itoa(g.intn(256)) + "." + strconv.Itoa(g.intn(256))})
		}
		return en
	case evDenied:
		en.Action, en.ObjectType = "access.denied", "route"
		en.ObjectID = "POST /t/" + w.slug + "/" + registerInfo[e.reg].object
		en.After = marshal(map[string]string{"permission": "registers:write", "role": string(w.members[e.actor].Role)})
		return en
	}
	r := w.records[e.reg][e.obj]
	object := registerInfo[e.reg].object
	en.ObjectType, en.ObjectID, en.ObjectLabel = object, r.id.String(), r.label(e.reg)
	owner := ""
	if r.owner >= 0 {
		owner = w.members[r.owner].Name
	}
	switch e.kind {
	case evCreate:
		en.Action = object + ".create"
		en.After = marshal(snapshot{Ref: r.ref, Code: r.code, Title: r.title, Status: r.status, Owner: owner})
	case evUpdate:
		en.Action = object + ".update"
		en.Before = marshal(snapshot{Status: pick(g, statusChoices[e.reg]), Owner: w.members[g.intn(len(w.members))].Name})
		en.After = marshal(snapshot{Status: r.status, Owner: owner})
	case evAssess:
		c := w.criteria
		il, ii, rl, ri := int(e.aux>>24), int(e.aux>>16&0xff), int(e.aux>>8&0xff), int(e.aux&0xff)
		en.Action = object + ".assess"
		en.Before = marshal(map[string]string{"inherent_level": c.Level(min(il+1, c.LikelihoodCount()), ii)})
		en.After = marshal(map[string]string{"inherent_level": c.Level(il, ii), "residual_level": c.Level(rl, ri), "note": pick(g, notes)})
	case evAccept:
		en.Action = object + ".accept"
		en.Before = marshal(snapshot{Status: "treated"})
		en.After = marshal(map[string]string{"status": "accepted", "reason": "Residual risk accepted: the cost of further treatment outweighs the benefit."})
	case evApprove:
		en.Action, en.ObjectLabel = object+".approve", fmt.Sprintf("%s (round %d)", en.ObjectLabel, e.aux)
		en.Before = marshal(map[string]any{"round": e.aux, "state": "Draft"})
		en.After = marshal(map[string]any{"round": e.aux, "state": "Approved", "approval_note": "Approved with the measures listed.",
			"approved_by": w.members[e.actor].Name})
	case evStartRound:
		en.Action, en.ObjectLabel = object+".start_round", fmt.Sprintf("%s (round %d)", en.ObjectLabel, e.aux)
		en.Before = marshal(map[string]any{"current_round": e.aux - 1, "state": "approved"})
		en.After = marshal(map[string]any{"current_round": e.aux, "state": "draft", "superseded_round": e.aux - 1})
	}
	return en
}

// trail writes the tenant's audit trail: the events gathered while the registers were
// written, made up to the size asked for, in time order, continuing the chain after the
// entries the seed already wrote through auditlog.Record (read by auditlog.Head, under the
// chain's lock, in the same transaction). Each entry's hash is computed here exactly as
// Record computes it, so auditlog.Verify accepts the chain.
func (w *workspace) trail(ctx context.Context) error {
	head, prev, err := auditlog.Head(ctx, w.tx)
	if err != nil {
		return fmt.Errorf("benchseed: read the trail's head: %w", err)
	}
	n := w.size.AuditEvents - int(head)
	if n <= 0 {
		return nil
	}
	w.complete(n)
	slices.SortStableFunc(w.events, func(a, b event) int { return a.at.Compare(b.at) })
	seq := head
	events := w.events
	return w.load.insert(ctx, "audit_events", []string{"tenant_id", "seq", "occurred_at", "actor_id", "actor_label", "action",
		"object_type", "object_id", "object_label", "request_id", "before", "after", "prev_hash", "hash"},
		rows(len(events), func(i int) []any {
			en := w.entry(events[i])
			seq++
			en.Seq, en.PrevHash = seq, prev
			en.Hash = en.ComputeHash()
			prev = en.Hash
			var actor any
			if en.ActorID != uuid.Nil {
				actor = en.ActorID
			}
			return []any{en.TenantID, en.Seq, en.OccurredAt, actor, en.ActorLabel, en.Action, en.ObjectType, en.ObjectID,
				en.ObjectLabel, en.RequestID, jsonText(en.Before), jsonText(en.After), en.PrevHash, en.Hash}
		}))
}

// jsonText is the stored text of a json column: exactly the bytes that were hashed.
func jsonText(m json.RawMessage) any {
	if m == nil {
		return nil
	}
	return string(m)
}

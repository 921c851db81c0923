-- AI system impact assessments (6.1.4, 8.4, A.5), following the ISO/IEC 42005 fields of the
-- catalog. An assessment is done in rounds; approving or starting a new round freezes the
-- previous one, so every result is retained.

CREATE TABLE impact_assessments (
  tenant_id    uuid NOT NULL REFERENCES tenants (id),
  id           uuid NOT NULL DEFAULT gen_random_uuid(),
  ref          integer NOT NULL,
  title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  system_id    uuid NOT NULL,
  owner_id     uuid,
  next_review  date,
  current_round integer NOT NULL DEFAULT 1,
  archived_at  timestamptz,
  created_by   uuid NOT NULL REFERENCES users (id),
  created_at   timestamptz NOT NULL,
  updated_by   uuid NOT NULL REFERENCES users (id),
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, ref),
  FOREIGN KEY (tenant_id, system_id) REFERENCES ai_systems (tenant_id, id),
  FOREIGN KEY (tenant_id, owner_id) REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (owner_id)
);
CREATE INDEX impact_assessments_updated_idx ON impact_assessments (tenant_id, updated_at, id);
CREATE INDEX impact_assessments_title_idx ON impact_assessments (tenant_id, lower(title), id);
CREATE INDEX impact_assessments_system_idx ON impact_assessments (tenant_id, system_id, id);
-- Assessments without a review date sort last and are never due.
CREATE INDEX impact_assessments_review_idx ON impact_assessments (tenant_id, coalesce(next_review, 'infinity'::date), id);
CREATE INDEX impact_assessments_owner_idx ON impact_assessments (tenant_id, owner_id);
CREATE INDEX impact_assessments_search_idx ON impact_assessments USING gin (title gin_trgm_ops);
ALTER TABLE impact_assessments ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON impact_assessments
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON impact_assessments TO aims_app;

-- One round of an assessment: the 42005 record-level fields, its state and its approval.
CREATE TABLE impact_assessment_rounds (
  tenant_id       uuid NOT NULL,
  assessment_id   uuid NOT NULL,
  round           integer NOT NULL CHECK (round > 0),
  state           text NOT NULL CHECK (state IN ('draft', 'approved', 'superseded')),
  -- 42005 5.4: what prompted this round (design, pre-deployment, significant change,
  -- periodic review, incident) and when it was done.
  trigger         text NOT NULL DEFAULT '' CHECK (trigger IN ('', 'design', 'pre_deployment',
                    'significant_change', 'periodic_review', 'incident', 'other')),
  timing          text NOT NULL DEFAULT '',
  -- 6.2 scope: what is assessed, at which life-cycle stage, which version.
  scope           text NOT NULL DEFAULT '',
  lifecycle_stage text NOT NULL DEFAULT '' CHECK (lifecycle_stage IN ('', 'idea', 'design', 'development',
                    'verification_validation', 'deployment', 'operation', 'retired')),
  system_version  text NOT NULL DEFAULT '',
  -- 6.3 the AI system: functionalities, purpose, intended and unintended uses.
  functionalities text NOT NULL DEFAULT '',
  purpose         text NOT NULL DEFAULT '',
  intended_uses   text NOT NULL DEFAULT '',
  unintended_uses text NOT NULL DEFAULT '',  -- and foreseeable misuse
  -- 6.4 data: sources, quality characteristics, known limitations and bias.
  data_sources    text NOT NULL DEFAULT '',
  data_quality    text NOT NULL DEFAULT '',
  data_bias       text NOT NULL DEFAULT '',
  -- 6.5 algorithms and models: what is used, development history and versions, limitations.
  model_algorithms  text NOT NULL DEFAULT '',
  model_versions    text NOT NULL DEFAULT '',
  model_limitations text NOT NULL DEFAULT '',
  -- 6.6 deployment environment: geography, languages, complexity and constraints.
  deployment_geography   text NOT NULL DEFAULT '',
  deployment_languages   text NOT NULL DEFAULT '',
  deployment_constraints text NOT NULL DEFAULT '',
  -- 6.7 interested parties: directly and indirectly affected, vulnerable groups.
  parties_direct     text NOT NULL DEFAULT '',
  parties_indirect   text NOT NULL DEFAULT '',
  parties_vulnerable text NOT NULL DEFAULT '',
  -- 6.9 measures: mitigations of harms, enhancement of benefits, the impact that remains.
  mitigations      text NOT NULL DEFAULT '',
  benefit_measures text NOT NULL DEFAULT '',
  residual_impact  text NOT NULL DEFAULT '',
  -- Links to related assessments kept elsewhere (a DPIA, an EU AI Act FRIA).
  related_assessments text NOT NULL DEFAULT '',
  approved_by     uuid REFERENCES users (id),
  approved_at     timestamptz,
  approval_note   text NOT NULL DEFAULT '',
  updated_by      uuid NOT NULL REFERENCES users (id),
  updated_at      timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, assessment_id, round),
  FOREIGN KEY (tenant_id, assessment_id) REFERENCES impact_assessments (tenant_id, id) ON DELETE CASCADE,
  CHECK ((state = 'approved') <= (approved_by IS NOT NULL AND approved_at IS NOT NULL))
);
-- The list filters on the state of each assessment's current round.
CREATE INDEX impact_assessment_rounds_state_idx ON impact_assessment_rounds (tenant_id, state, assessment_id, round);
ALTER TABLE impact_assessment_rounds ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON impact_assessment_rounds
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON impact_assessment_rounds TO aims_app;

-- The impacts table of a round (42005 6.8): benefits and harms, on whom, how severe.
CREATE TABLE impact_assessment_impacts (
  tenant_id     uuid NOT NULL,
  assessment_id uuid NOT NULL,
  round         integer NOT NULL,
  position      integer NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('benefit', 'harm')),
  affected      text NOT NULL CHECK (affected IN ('individuals', 'groups', 'society')),
  description   text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
  severity      integer NOT NULL CHECK (severity BETWEEN 1 AND 5),
  likelihood    integer NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
  reversibility text NOT NULL CHECK (reversibility IN ('reversible', 'partly_reversible', 'irreversible')),
  scale         text NOT NULL CHECK (scale IN ('few', 'many', 'very_many')),
  PRIMARY KEY (tenant_id, assessment_id, round, position),
  FOREIGN KEY (tenant_id, assessment_id, round) REFERENCES impact_assessment_rounds (tenant_id, assessment_id, round) ON DELETE CASCADE
);
ALTER TABLE impact_assessment_impacts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON impact_assessment_impacts
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON impact_assessment_impacts TO aims_app;

-- Risks raised from an assessment point back to it. Validating a new foreign key scans the
-- existing rows as the schema owner, which forced row-level security would refuse outside a
-- tenant transaction; the owner is exempted for this statement only.
ALTER TABLE risks NO FORCE ROW LEVEL SECURITY;
ALTER TABLE impact_assessments NO FORCE ROW LEVEL SECURITY;
ALTER TABLE risks ADD FOREIGN KEY (tenant_id, impact_assessment_id) REFERENCES impact_assessments (tenant_id, id);
ALTER TABLE risks FORCE ROW LEVEL SECURITY;
ALTER TABLE impact_assessments FORCE ROW LEVEL SECURITY;
CREATE INDEX risks_impact_assessment_idx ON risks (tenant_id, impact_assessment_id);

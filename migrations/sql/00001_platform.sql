-- The platform's whole schema (DESIGN.md section 3). Later changes add
-- columns in new files; this one is never edited once released.

-- +goose Up
CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    prefix       text NOT NULL UNIQUE,
    key_hash     text NOT NULL,
    scopes       text[] NOT NULL DEFAULT '{}',
    created_by   uuid REFERENCES api_keys (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_keys_created_idx ON api_keys (created_at, id);

CREATE TABLE jwt_revocations (
    jti        text PRIMARY KEY,
    api_key_id uuid REFERENCES api_keys (id) ON DELETE CASCADE,
    revoked_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX jwt_revocations_expires_idx ON jwt_revocations (expires_at);

CREATE TABLE idempotency_keys (
    api_key_id    uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    method        text NOT NULL,
    path          text NOT NULL,
    request_hash  bytea NOT NULL,
    status        int,
    response_body bytea,
    response_type text,
    response_headers jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (api_key_id, key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    api_key_id uuid REFERENCES api_keys (id) ON DELETE SET NULL,
    action     text NOT NULL,
    target     text NOT NULL DEFAULT '',
    target_id  text NOT NULL DEFAULT '',
    details    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target, target_id);

CREATE TABLE companies (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    domain            text NOT NULL CHECK (domain = lower(btrim(domain)) AND domain <> ''),
    name              text NOT NULL DEFAULT '',
    industry          text NOT NULL DEFAULT '',
    employee_count    int CHECK (employee_count >= 0),
    country           text NOT NULL DEFAULT '',
    technologies      text[] NOT NULL DEFAULT '{}',
    enrichment_status text NOT NULL DEFAULT 'pending'
        CHECK (enrichment_status IN ('pending', 'enriched', 'not_found', 'failed')),
    enrichment_source text NOT NULL DEFAULT '',
    enrichment        jsonb NOT NULL DEFAULT '{}',
    enrichment_error  text NOT NULL DEFAULT '',
    enriched_at       timestamptz,
    hubspot_id        text,
    synced_at         timestamptz,
    sync_error        text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX companies_domain_key ON companies (domain);
CREATE INDEX companies_created_idx ON companies (created_at, id);
CREATE INDEX companies_industry_idx ON companies (industry);
CREATE UNIQUE INDEX companies_hubspot_key ON companies (hubspot_id) WHERE hubspot_id IS NOT NULL;

CREATE TABLE imports (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    api_key_id  uuid REFERENCES api_keys (id) ON DELETE SET NULL,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
    format      text NOT NULL CHECK (format IN ('csv', 'jsonl')),
    filename    text NOT NULL DEFAULT '',
    mapping     jsonb NOT NULL DEFAULT '{}',
    rows_read   bigint NOT NULL DEFAULT 0,
    inserted    bigint NOT NULL DEFAULT 0,
    updated     bigint NOT NULL DEFAULT 0,
    skipped     bigint NOT NULL DEFAULT 0,
    invalid     bigint NOT NULL DEFAULT 0,
    error       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX imports_created_idx ON imports (created_at, id);

CREATE TABLE import_errors (
    import_id  uuid NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    row_number bigint NOT NULL,
    field      text NOT NULL DEFAULT '',
    reason     text NOT NULL,
    PRIMARY KEY (import_id, row_number, field)
);

CREATE TABLE contacts (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email             text NOT NULL CHECK (email = lower(btrim(email)) AND email <> ''),
    first_name        text NOT NULL DEFAULT '',
    last_name         text NOT NULL DEFAULT '',
    title             text NOT NULL DEFAULT '',
    seniority         text NOT NULL DEFAULT '',
    phone             text NOT NULL DEFAULT '',
    linkedin_url      text NOT NULL DEFAULT '',
    company_id        uuid REFERENCES companies (id) ON DELETE SET NULL,
    company_name      text NOT NULL DEFAULT '',
    domain            text NOT NULL DEFAULT '' CHECK (domain = lower(btrim(domain))),
    country           text NOT NULL DEFAULT '',
    timezone          text NOT NULL DEFAULT '',
    tags              text[] NOT NULL DEFAULT '{}',
    custom_fields     jsonb NOT NULL DEFAULT '{}',
    source            text NOT NULL DEFAULT '',
    import_id         uuid REFERENCES imports (id) ON DELETE SET NULL,
    icp_profile_id    uuid,
    icp_score         smallint CHECK (icp_score BETWEEN 0 AND 100),
    icp_explanation   jsonb NOT NULL DEFAULT '{}',
    scored_at         timestamptz,
    enrichment_status text NOT NULL DEFAULT 'pending'
        CHECK (enrichment_status IN ('pending', 'enriched', 'not_found', 'failed')),
    enrichment_source text NOT NULL DEFAULT '',
    enrichment        jsonb NOT NULL DEFAULT '{}',
    enrichment_error  text NOT NULL DEFAULT '',
    enriched_at       timestamptz,
    hubspot_id        text,
    sync_status       text NOT NULL DEFAULT 'pending' CHECK (sync_status IN ('pending', 'synced', 'failed')),
    sync_error        text NOT NULL DEFAULT '',
    synced_at         timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX contacts_email_key ON contacts (email);
CREATE INDEX contacts_created_idx ON contacts (created_at, id);
CREATE INDEX contacts_company_idx ON contacts (company_id);
CREATE INDEX contacts_domain_idx ON contacts (domain);
CREATE INDEX contacts_score_idx ON contacts (icp_score, id);
CREATE INDEX contacts_enrichment_idx ON contacts (enrichment_status, created_at);
CREATE INDEX contacts_sync_idx ON contacts (sync_status) WHERE sync_status <> 'synced';
CREATE INDEX contacts_tags_idx ON contacts USING gin (tags);
CREATE UNIQUE INDEX contacts_hubspot_key ON contacts (hubspot_id) WHERE hubspot_id IS NOT NULL;

CREATE TABLE icp_profiles (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    criteria    jsonb NOT NULL DEFAULT '{}',
    min_score   smallint NOT NULL DEFAULT 60 CHECK (min_score BETWEEN 0 AND 100),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX icp_profiles_name_key ON icp_profiles (lower(name));
ALTER TABLE contacts ADD CONSTRAINT contacts_icp_profile_fk
    FOREIGN KEY (icp_profile_id) REFERENCES icp_profiles (id) ON DELETE SET NULL;

CREATE TABLE suppressions (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind       text NOT NULL CHECK (kind IN ('email', 'domain')),
    -- value is the normalised address or domain; erased contacts keep only
    -- value_hash (a keyed hash), never the address itself.
    value      text CHECK (value IS NULL OR value = lower(btrim(value))),
    value_hash bytea NOT NULL,
    reason     text NOT NULL DEFAULT 'manual'
        CHECK (reason IN ('manual', 'unsubscribed', 'bounced', 'erased', 'complaint')),
    source     text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX suppressions_hash_key ON suppressions (kind, value_hash);
CREATE INDEX suppressions_created_idx ON suppressions (created_at, id);

CREATE TABLE campaign_templates (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description    text NOT NULL DEFAULT '',
    email_sequence jsonb NOT NULL DEFAULT '[]',
    settings       jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaign_templates_created_idx ON campaign_templates (created_at, id);

CREATE TABLE campaign_instances (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    template_id         uuid NOT NULL REFERENCES campaign_templates (id) ON DELETE RESTRICT,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status              text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused', 'completed')),
    lemlist_campaign_id text,
    daily_cap           int NOT NULL DEFAULT 100 CHECK (daily_cap >= 0),
    settings            jsonb NOT NULL DEFAULT '{}',
    metrics             jsonb NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    completed_at        timestamptz
);
CREATE INDEX campaign_instances_template_idx ON campaign_instances (template_id);
CREATE INDEX campaign_instances_created_idx ON campaign_instances (created_at, id);

CREATE TABLE enrollments (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    instance_id     uuid NOT NULL REFERENCES campaign_instances (id) ON DELETE CASCADE,
    template_id     uuid NOT NULL REFERENCES campaign_templates (id) ON DELETE RESTRICT,
    contact_id      uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    status          text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'active', 'paused', 'completed', 'stopped', 'failed')),
    current_step    int NOT NULL DEFAULT 0,
    variant         text NOT NULL DEFAULT '',
    lemlist_lead_id text,
    personalization jsonb NOT NULL DEFAULT '{}',
    stop_reason     text NOT NULL DEFAULT '',
    enrolled_at     timestamptz,
    stopped_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (instance_id, contact_id)
);
-- A contact is never in two active instances of the same template.
CREATE UNIQUE INDEX enrollments_one_active_key ON enrollments (template_id, contact_id)
    WHERE status IN ('pending', 'active', 'paused');
CREATE INDEX enrollments_contact_idx ON enrollments (contact_id);
CREATE INDEX enrollments_instance_status_idx ON enrollments (instance_id, status);

CREATE TABLE campaign_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id     uuid REFERENCES campaign_instances (id) ON DELETE CASCADE,
    enrollment_id   uuid REFERENCES enrollments (id) ON DELETE CASCADE,
    contact_id      uuid REFERENCES contacts (id) ON DELETE SET NULL,
    type            text NOT NULL,
    step            int,
    vendor          text NOT NULL DEFAULT 'lemlist',
    vendor_event_id text,
    payload         jsonb NOT NULL DEFAULT '{}',
    occurred_at     timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX campaign_events_vendor_key ON campaign_events (vendor, vendor_event_id)
    WHERE vendor_event_id IS NOT NULL;
CREATE INDEX campaign_events_instance_idx ON campaign_events (instance_id, occurred_at);
CREATE INDEX campaign_events_enrollment_idx ON campaign_events (enrollment_id);

CREATE TABLE workflow_definitions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name         text NOT NULL,
    version      int NOT NULL CHECK (version >= 1),
    title        text NOT NULL DEFAULT '',
    content_hash bytea NOT NULL,
    source       text NOT NULL,
    origin       text NOT NULL DEFAULT 'api' CHECK (origin IN ('library', 'api')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, version),
    UNIQUE (name, content_hash)
);

CREATE TABLE workflow_states (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    definition_id   uuid NOT NULL REFERENCES workflow_definitions (id) ON DELETE RESTRICT,
    workflow_name   text NOT NULL,
    version         int NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'running', 'paused', 'waiting', 'completed', 'failed', 'cancelled')),
    dry_run         boolean NOT NULL DEFAULT false,
    inputs          jsonb NOT NULL DEFAULT '{}',
    context         jsonb NOT NULL DEFAULT '{}',
    outputs         jsonb,
    current_step    text NOT NULL DEFAULT '',
    error           text NOT NULL DEFAULT '',
    api_key_id      uuid REFERENCES api_keys (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflow_states_created_idx ON workflow_states (created_at, id);
CREATE INDEX workflow_states_status_idx ON workflow_states (status, workflow_name);

CREATE TABLE workflow_step_runs (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    run_id      uuid NOT NULL REFERENCES workflow_states (id) ON DELETE CASCADE,
    step_id     text NOT NULL,
    item_index  int NOT NULL DEFAULT -1,
    status      text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'queued', 'running', 'waiting', 'completed', 'failed', 'skipped', 'cancelled')),
    attempts    int NOT NULL DEFAULT 0,
    output      jsonb,
    error       text NOT NULL DEFAULT '',
    job_id      bigint,
    started_at  timestamptz,
    finished_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (run_id, step_id, item_index)
);

CREATE TABLE workflow_failures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workflow_id uuid NOT NULL REFERENCES workflow_states (id) ON DELETE CASCADE,
    failed_step text NOT NULL,
    item_index  int NOT NULL DEFAULT -1,
    error       text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflow_failures_workflow_idx ON workflow_failures (workflow_id);

CREATE TABLE vendor_usage (
    vendor       text NOT NULL,
    day          date NOT NULL,
    bucket       text NOT NULL DEFAULT '',
    calls        bigint NOT NULL DEFAULT 0,
    errors       bigint NOT NULL DEFAULT 0,
    rate_limited bigint NOT NULL DEFAULT 0,
    credits      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (vendor, day, bucket)
);

CREATE TABLE yolo_settings (
    id                   boolean PRIMARY KEY DEFAULT true CHECK (id),
    enabled              boolean NOT NULL DEFAULT false,
    kill_switch          boolean NOT NULL DEFAULT false,
    approval_mode        boolean NOT NULL DEFAULT true,
    daily_enrollment_cap int NOT NULL DEFAULT 50 CHECK (daily_enrollment_cap >= 0),
    daily_credit_cap     int NOT NULL DEFAULT 500 CHECK (daily_credit_cap >= 0),
    cycle_interval       interval NOT NULL DEFAULT '1 hour',
    updated_at           timestamptz NOT NULL DEFAULT now()
);
INSERT INTO yolo_settings DEFAULT VALUES;

CREATE TABLE yolo_decisions (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    run_id         uuid REFERENCES workflow_states (id) ON DELETE SET NULL,
    icp_profile_id uuid REFERENCES icp_profiles (id) ON DELETE SET NULL,
    contact_id     uuid REFERENCES contacts (id) ON DELETE CASCADE,
    instance_id    uuid REFERENCES campaign_instances (id) ON DELETE SET NULL,
    decision       text NOT NULL CHECK (decision IN ('enroll', 'skip')),
    status         text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'executed')),
    reasons        jsonb NOT NULL DEFAULT '[]',
    created_at     timestamptz NOT NULL DEFAULT now(),
    decided_at     timestamptz
);
CREATE INDEX yolo_decisions_created_idx ON yolo_decisions (created_at, id);
CREATE INDEX yolo_decisions_status_idx ON yolo_decisions (status) WHERE status = 'pending';

-- +goose Down
DROP TABLE yolo_decisions, yolo_settings, vendor_usage, workflow_failures, workflow_step_runs,
    workflow_states, workflow_definitions, campaign_events, enrollments, campaign_instances,
    campaign_templates, suppressions, contacts, icp_profiles, import_errors, imports, companies,
    audit_log, idempotency_keys, jwt_revocations, api_keys;

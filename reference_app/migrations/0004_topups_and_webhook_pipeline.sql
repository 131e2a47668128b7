-- The top-up flow: each Checkout Session from creation to credit, the webhook inbox, per-org API
-- tokens, the registered webhook endpoint's signing secret, and worker heartbeats.
-- depends: 0003_wallet_functions

create table topups (
    checkout_session_id      text primary key,
    org_id                   uuid not null references organizations (id),
    amount_pence             bigint not null check (amount_pence > 0),
    currency                 text not null default 'gbp',
    -- created: sent to Checkout; awaiting_payment: completed, a delayed method still settling;
    -- credited: in the ledger; failed / expired: no money came
    status                   text not null default 'created'
        check (status in ('created', 'awaiting_payment', 'credited', 'failed', 'expired')),
    -- which path credited it: the worker (webhook), the landing page, or the reconciliation sweep
    fulfilled_by             text check (fulfilled_by in ('webhook', 'landing', 'reconcile')),
    credit_transaction_id    bigint references credit_transactions (id),
    stripe_payment_intent_id text,
    failure_reason           text,
    created_at               timestamptz not null default now(),
    updated_at               timestamptz not null default now(),
    credited_at              timestamptz,
    constraint topups_credited_has_path check (
        status <> 'credited' or (fulfilled_by is not null and credit_transaction_id is not null)
    )
);

create index topups_org_created_idx on topups (org_id, created_at desc);

-- Every verified Stripe event, stored before any processing (unique on the event id).
create table stripe_event_inbox (
    event_id     text primary key,
    event_type   text not null,
    object_id    text,
    payload      jsonb not null,
    received_at  timestamptz not null default now(),
    -- queued -> processed | ignored | failed (kept, visible in recent-failures)
    status       text not null default 'queued'
        check (status in ('queued', 'processed', 'ignored', 'failed')),
    attempts     integer not null default 0,
    last_stage   text,
    last_error   text,
    processed_at timestamptz
);

create index stripe_event_inbox_status_idx on stripe_event_inbox (status, received_at);
create index stripe_event_inbox_object_idx on stripe_event_inbox (object_id);

-- Per-organisation API tokens for scripts: only the SHA-256 of a token is kept.
create table api_tokens (
    token_sha256 text primary key,
    org_id       uuid not null references organizations (id),
    label        text not null default 'default',
    created_at   timestamptz not null default now()
);

-- The webhook endpoint registered with Stripe at start-up, and the secret Stripe returned.
create table stripe_webhook_endpoints (
    url            text primary key,
    endpoint_id    text not null,
    signing_secret text not null,
    enabled_events text[] not null,
    created_at     timestamptz not null default now()
);

create table worker_heartbeats (
    worker_name text primary key,
    beat_at     timestamptz not null default now()
);

-- Deliveries refused before they reached the inbox (bad, stale or missing signature, bad body):
-- visible in GET /api/webhook-metrics/recent-failures.
create table webhook_rejections (
    id          bigint generated always as identity primary key,
    received_at timestamptz not null default now(),
    reason      text not null,
    event_id    text,
    signature   text
);

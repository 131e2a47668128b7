-- The express-wallet schema: the bug report's names (organizations.wallet_balance_pence,
-- credit_transactions, add_wallet_credits), so the harness's defaults read its ledger as they
-- are. Idempotent: `npm run migrate` may run on every start.

create table if not exists organizations (
    id                   uuid primary key default gen_random_uuid(),
    name                 text not null,
    email                text not null unique,
    wallet_balance_pence bigint not null default 0,
    debt_limit_pence     bigint not null default 0 check (debt_limit_pence >= 0),
    created_at           timestamptz not null default now()
);

create table if not exists users (
    id            uuid primary key default gen_random_uuid(),
    org_id        uuid not null references organizations (id),
    email         text not null unique,
    password_hash text not null,  -- scrypt$<salt>$<hash>
    role          text not null default 'member' check (role in ('member', 'admin'))
);

create table if not exists api_tokens (
    token_sha256 text primary key,
    org_id       uuid not null references organizations (id),
    label        text not null
);

-- The ledger, as the report describes it: one row per movement, with the balance around it.
create table if not exists credit_transactions (
    id                         bigint generated always as identity primary key,
    org_id                     uuid not null references organizations (id),
    type                       text not null,  -- topup | sms | call | phone_number | refund | adjustment
    direction                  text not null check (direction in ('credit', 'debit')),
    amount_pence               bigint not null check (amount_pence > 0),
    balance_before_pence       bigint not null,
    balance_after_pence        bigint not null,
    stripe_payment_intent_id   text,
    stripe_checkout_session_id text,
    description                text,
    created_at                 timestamptz not null default clock_timestamp()
);

-- A top-up's business key is its Checkout Session: Stripe may deliver one change many times.
create unique index if not exists credit_transactions_one_topup_per_session
    on credit_transactions (stripe_checkout_session_id) where type = 'topup';

-- Each Checkout Session the dashboard or the API started, and which path credited it.
create table if not exists wallet_topups (
    checkout_session_id      text primary key,
    org_id                   uuid not null references organizations (id),
    amount_pence             bigint not null,
    -- created: sent to Checkout; awaiting_payment: a bank debit settling; credited; failed; expired
    status                   text not null default 'created'
        check (status in ('created', 'awaiting_payment', 'credited', 'failed', 'expired')),
    fulfilled_by             text check (fulfilled_by in ('webhook', 'landing', 'reconcile')),
    stripe_payment_intent_id text,
    failure_reason           text,
    created_at               timestamptz not null default now(),
    updated_at               timestamptz not null default now()
);

-- Webhook deliveries refused before they reached the queue (a bad signature, a bad body): the
-- admin's recent failures list them.
create table if not exists webhook_rejections (
    id          bigint generated always as identity primary key,
    received_at timestamptz not null default now(),
    reason      text not null,
    event_id    text
);

-- Jobs that failed for good (after their retries), copied from BullMQ by the worker so the
-- admin's recent failures can list them next to the rejections.
create table if not exists failed_jobs (
    id          bigint generated always as identity primary key,
    failed_at   timestamptz not null default now(),
    event_id    text not null,
    event_type  text not null,
    object_id   text,
    error       text not null,
    attempts    integer not null
);

-- The webhook endpoint the app registered at Stripe, kept for restarts (the report's app
-- auto-registers its endpoint at start-up).
create table if not exists stripe_webhook_endpoints (
    url        text primary key,
    endpoint_id text not null,
    secret     text not null
);

-- Where the last complete reconciliation sweep started, on the app's clock (src/reconcile.js):
-- the next sweep looks back at least that far. One row at most.
create table if not exists reconcile_watermark (
    only_row   boolean primary key default true check (only_row),
    swept_from timestamptz not null
);

-- add_wallet_credits: lock the organisation, write the row and the balance together. A top-up
-- credits once per Checkout Session: a second call for the same session changes nothing and
-- says so (applied = false).
create or replace function add_wallet_credits(
    p_org_id                     uuid,
    p_amount_pence               bigint,
    p_type                       text,
    p_stripe_payment_intent_id   text default null,
    p_stripe_checkout_session_id text default null,
    p_description                text default null
) returns table (transaction_id bigint, balance_after_pence bigint, applied boolean)
language plpgsql as $$
#variable_conflict use_column
declare
    v_balance bigint;
    v_existing credit_transactions%rowtype;
    v_id bigint;
begin
    if p_amount_pence is null or p_amount_pence < 1 then
        raise exception 'amount_pence must be at least 1, got %', p_amount_pence using errcode = '22023';
    end if;
    if p_type = 'topup' and p_stripe_checkout_session_id is null then
        raise exception 'a topup must name its checkout session' using errcode = '22023';
    end if;
    select o.wallet_balance_pence into v_balance from organizations o where o.id = p_org_id for update;
    if not found then
        raise exception 'unknown organisation %', p_org_id using errcode = 'WL002';
    end if;
    if p_type = 'topup' then
        select t.* into v_existing from credit_transactions t
         where t.stripe_checkout_session_id = p_stripe_checkout_session_id and t.type = 'topup';
        if found then
            if v_existing.org_id <> p_org_id or v_existing.amount_pence <> p_amount_pence then
                raise exception 'checkout session % was already credited: % pence to organisation %, not % pence to %',
                    p_stripe_checkout_session_id, v_existing.amount_pence, v_existing.org_id,
                    p_amount_pence, p_org_id using errcode = 'WL003';
            end if;
            return query select v_existing.id, v_existing.balance_after_pence, false;
            return;
        end if;
    end if;
    insert into credit_transactions (
        org_id, type, direction, amount_pence, balance_before_pence, balance_after_pence,
        stripe_payment_intent_id, stripe_checkout_session_id, description
    ) values (
        p_org_id, p_type, 'credit', p_amount_pence, v_balance, v_balance + p_amount_pence,
        p_stripe_payment_intent_id, p_stripe_checkout_session_id, p_description
    ) returning id into v_id;
    update organizations set wallet_balance_pence = v_balance + p_amount_pence where id = p_org_id;
    return query select v_id, v_balance + p_amount_pence, true;
end;
$$;

-- deduct_wallet_credits: the same, for a debit, never below minus the debt limit.
create or replace function deduct_wallet_credits(
    p_org_id       uuid,
    p_amount_pence bigint,
    p_type         text,
    p_description  text default null
) returns table (transaction_id bigint, balance_after_pence bigint)
language plpgsql as $$
#variable_conflict use_column
declare
    v_balance bigint;
    v_limit bigint;
    v_id bigint;
begin
    if p_amount_pence is null or p_amount_pence < 1 then
        raise exception 'amount_pence must be at least 1, got %', p_amount_pence using errcode = '22023';
    end if;
    select o.wallet_balance_pence, o.debt_limit_pence into v_balance, v_limit
      from organizations o where o.id = p_org_id for update;
    if not found then
        raise exception 'unknown organisation %', p_org_id using errcode = 'WL002';
    end if;
    if v_balance - p_amount_pence < -v_limit then
        raise exception 'insufficient funds: balance % pence, debit of % pence refused',
            v_balance, p_amount_pence using errcode = 'WL001';
    end if;
    insert into credit_transactions (
        org_id, type, direction, amount_pence, balance_before_pence, balance_after_pence, description
    ) values (
        p_org_id, p_type, 'debit', p_amount_pence, v_balance, v_balance - p_amount_pence, p_description
    ) returning id into v_id;
    update organizations set wallet_balance_pence = v_balance - p_amount_pence where id = p_org_id;
    return query select v_id, v_balance - p_amount_pence;
end;
$$;

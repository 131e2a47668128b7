-- Organisations own a wallet; users log in to an organisation.
-- Table and column names follow the bug report (seed/topup-bug-report.md).
-- The balance is never written directly: see 0002 and 0003.

create table organizations (
    id                   uuid primary key default gen_random_uuid(),
    name                 text not null check (length(btrim(name)) > 0),
    email                text not null unique,
    wallet_balance_pence bigint not null default 0,
    -- how far below zero debits may take the balance (0: never below zero)
    debt_limit_pence     bigint not null default 0 check (debt_limit_pence >= 0),
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now()
);

create table users (
    id            uuid primary key default gen_random_uuid(),
    org_id        uuid not null references organizations (id),
    email         text not null check (position('@' in email) > 1),
    password_hash text not null,
    role          text not null default 'member' check (role in ('member', 'admin')),
    created_at    timestamptz not null default now()
);

create unique index users_email_key on users (lower(email));
create index users_org_id_idx on users (org_id);

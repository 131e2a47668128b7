-- The ledger: an immutable audit trail of every movement of wallet money.
-- depends: 0001_organizations_and_users

create table credit_transactions (
    -- allocated while the organisation row is locked, so per organisation it orders the
    -- balance chain (created_at alone cannot: concurrent transactions may start out of order)
    id                         bigint generated always as identity primary key,
    org_id                     uuid not null references organizations (id),
    type                       text not null
        check (type in ('topup', 'call', 'sms', 'phone_number', 'refund', 'adjustment')),
    direction                  text not null check (direction in ('credit', 'debit')),
    amount_pence               bigint not null check (amount_pence > 0),
    balance_before_pence       bigint not null,
    balance_after_pence        bigint not null,
    stripe_payment_intent_id   text,
    stripe_checkout_session_id text,
    description                text,
    created_at                 timestamptz not null default clock_timestamp(),

    constraint credit_transactions_balance_arithmetic check (
        balance_after_pence = case direction
            when 'credit' then balance_before_pence + amount_pence
            else balance_before_pence - amount_pence
        end
    ),
    constraint credit_transactions_type_direction check (
        (type = 'topup' and direction = 'credit')
        or (type in ('call', 'sms', 'phone_number') and direction = 'debit')
        or type in ('refund', 'adjustment')
    ),
    constraint credit_transactions_topup_names_session check (
        type <> 'topup' or stripe_checkout_session_id is not null
    )
);

-- Stripe may deliver one change several times, even under different event ids:
-- the business key of a top-up is its checkout session.
create unique index credit_transactions_one_topup_per_session
    on credit_transactions (stripe_checkout_session_id)
    where type = 'topup';

create index credit_transactions_org_chain_idx on credit_transactions (org_id, id);

-- Immutable: the database itself refuses UPDATE and DELETE, whoever asks.
-- TRUNCATE (statement level, owner only) stays possible so a test harness can empty the table.
create function credit_transactions_refuse_change() returns trigger
language plpgsql as $$
begin
    raise exception 'credit_transactions is an immutable ledger: % refused', tg_op
        using errcode = 'WL004',
              hint = 'Correct a mistake with a new adjustment row.';
end;
$$;

create trigger credit_transactions_immutable
    before update or delete on credit_transactions
    for each row execute function credit_transactions_refuse_change();

-- The balance moves only together with a ledger row: only the two wallet functions (0003)
-- may change it, and a new organisation starts at zero.
create function organizations_guard_balance() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        if new.wallet_balance_pence <> 0 then
            raise exception 'a new organisation starts with a zero balance, not % pence',
                new.wallet_balance_pence
                using errcode = 'WL005',
                      hint = 'Credit it with add_wallet_credits().';
        end if;
    elsif new.wallet_balance_pence is distinct from old.wallet_balance_pence
          and coalesce(current_setting('wallet.ledger_write', true), '') <> 'on' then
        raise exception 'wallet_balance_pence of organisation % changes only through add_wallet_credits() or deduct_wallet_credits()',
            old.id
            using errcode = 'WL005';
    end if;
    return new;
end;
$$;

create trigger organizations_balance_guard
    before insert or update on organizations
    for each row execute function organizations_guard_balance();

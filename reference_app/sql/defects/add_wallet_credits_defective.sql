-- add_wallet_credits as an app built without one or more of the ledger's safeguards writes it.
-- Installed at start-up by reference_app/defect_schema.py when a ledger defect is switched on,
-- and replaced by the original (migrations/0003) when the app starts without it.
-- The three flags are literals filled in by defect_schema.py:
--   non-idempotent-credit: no per-session check (the unique index is dropped as well)
--   lost-update:           the balance is read without FOR UPDATE, then written after a pause
--   ledger-row-missing:    the balance moves, no credit_transactions row is written
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
    -- defect: reference_app.defect_schema
    c_non_idempotent     constant boolean := {non_idempotent_credit};
    c_lost_update        constant boolean := {lost_update};
    c_ledger_row_missing constant boolean := {ledger_row_missing};
    v_balance  bigint;
    v_existing credit_transactions%rowtype;
    v_id       bigint;
begin
    perform wallet_check_amount(p_amount_pence);
    if p_type is null or p_type not in ('topup', 'refund', 'adjustment') then
        raise exception 'type must be one of topup, refund, adjustment for a credit, got %',
            coalesce(p_type, 'NULL')
            using errcode = '22023';
    end if;

    if c_lost_update then
        -- read now, write later, no lock: a concurrent credit in between is overwritten
        select o.wallet_balance_pence into v_balance from organizations o where o.id = p_org_id;
    else
        select o.wallet_balance_pence into v_balance
          from organizations o where o.id = p_org_id
           for update;
    end if;
    if not found then
        raise exception 'unknown organisation %', p_org_id using errcode = 'WL002';
    end if;

    if p_type = 'topup' and not c_non_idempotent then
        select t.* into v_existing
          from credit_transactions t
         where t.stripe_checkout_session_id = p_stripe_checkout_session_id
           and t.type = 'topup';
        if found then
            return query select v_existing.id, v_existing.balance_after_pence, false;
            return;
        end if;
    end if;

    if c_lost_update then
        perform pg_sleep(0.5);  -- the handler's other work between the read and the write
    end if;

    if not c_ledger_row_missing then
        insert into credit_transactions (
            org_id, type, direction, amount_pence, balance_before_pence, balance_after_pence,
            stripe_payment_intent_id, stripe_checkout_session_id, description
        ) values (
            p_org_id, p_type, 'credit', p_amount_pence, v_balance, v_balance + p_amount_pence,
            p_stripe_payment_intent_id, p_stripe_checkout_session_id, p_description
        )
        returning id into v_id;
    end if;

    perform set_config('wallet.ledger_write', 'on', true);
    update organizations
       set wallet_balance_pence = v_balance + p_amount_pence, updated_at = now()
     where id = p_org_id;
    perform set_config('wallet.ledger_write', 'off', true);
    return query select v_id, v_balance + p_amount_pence, true;
end;
$$;

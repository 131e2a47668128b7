-- The single way money moves: add_wallet_credits() and deduct_wallet_credits().
-- Both lock the organisation row first, then write the ledger row and the new balance
-- in the caller's transaction.
--
-- SQLSTATEs raised (class WL is this project's own):
--   22023  invalid argument (amount out of range, unknown or wrong-direction type)
--   WL001  insufficient funds: the debit would pass the organisation's debt limit
--   WL002  unknown organisation
--   WL003  checkout session already credited with another organisation or amount
--   WL004  the ledger is immutable (0002)
--   WL005  balance changed outside these functions (0002)
-- depends: 0002_credit_transactions

-- Largest single movement: £10,000.00. A top-up or debit above it is refused.
create function wallet_max_movement_pence() returns bigint
language sql immutable as $$ select 1000000::bigint $$;

create function wallet_check_amount(p_amount_pence bigint) returns void
language plpgsql immutable as $$
begin
    if p_amount_pence is null or p_amount_pence < 1
       or p_amount_pence > wallet_max_movement_pence() then
        raise exception 'amount_pence must be a whole number from 1 to %, got %',
            wallet_max_movement_pence(), coalesce(p_amount_pence::text, 'NULL')
            using errcode = '22023';
    end if;
end;
$$;

create function add_wallet_credits(
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
    if p_type = 'topup' and p_stripe_checkout_session_id is null then
        raise exception 'a topup must name its stripe_checkout_session_id'
            using errcode = '22023';
    end if;

    select o.wallet_balance_pence into v_balance
      from organizations o where o.id = p_org_id
       for update;
    if not found then
        raise exception 'unknown organisation %', p_org_id using errcode = 'WL002';
    end if;

    if p_type = 'topup' then
        select t.* into v_existing
          from credit_transactions t
         where t.stripe_checkout_session_id = p_stripe_checkout_session_id
           and t.type = 'topup';
        if found then
            if v_existing.org_id <> p_org_id or v_existing.amount_pence <> p_amount_pence then
                raise exception 'checkout session % was already credited: % pence to organisation %, not % pence to %',
                    p_stripe_checkout_session_id, v_existing.amount_pence, v_existing.org_id,
                    p_amount_pence, p_org_id
                    using errcode = 'WL003';
            end if;
            return query select v_existing.id, v_existing.balance_after_pence, false;
            return;
        end if;
    end if;

    begin
        insert into credit_transactions (
            org_id, type, direction, amount_pence, balance_before_pence, balance_after_pence,
            stripe_payment_intent_id, stripe_checkout_session_id, description
        ) values (
            p_org_id, p_type, 'credit', p_amount_pence, v_balance, v_balance + p_amount_pence,
            p_stripe_payment_intent_id, p_stripe_checkout_session_id, p_description
        )
        returning id into v_id;
    exception when unique_violation then
        -- Only a concurrent top-up of the same session to another organisation gets here:
        -- calls for the same organisation are serialised by the row lock above.
        raise exception 'checkout session % was already credited to another organisation',
            p_stripe_checkout_session_id
            using errcode = 'WL003';
    end;

    -- the balance guard (0002) lets this one update through
    perform set_config('wallet.ledger_write', 'on', true);
    update organizations
       set wallet_balance_pence = v_balance + p_amount_pence, updated_at = now()
     where id = p_org_id;
    perform set_config('wallet.ledger_write', 'off', true);
    return query select v_id, v_balance + p_amount_pence, true;
end;
$$;

create function deduct_wallet_credits(
    p_org_id       uuid,
    p_amount_pence bigint,
    p_type         text,
    p_description  text default null
) returns table (transaction_id bigint, balance_after_pence bigint)
language plpgsql as $$
#variable_conflict use_column
declare
    v_balance    bigint;
    v_debt_limit bigint;
    v_id         bigint;
begin
    perform wallet_check_amount(p_amount_pence);
    if p_type is null or p_type not in ('call', 'sms', 'phone_number', 'refund', 'adjustment') then
        raise exception 'type must be one of call, sms, phone_number, refund, adjustment for a debit, got %',
            coalesce(p_type, 'NULL')
            using errcode = '22023';
    end if;

    select o.wallet_balance_pence, o.debt_limit_pence into v_balance, v_debt_limit
      from organizations o where o.id = p_org_id
       for update;
    if not found then
        raise exception 'unknown organisation %', p_org_id using errcode = 'WL002';
    end if;

    if v_balance - p_amount_pence < -v_debt_limit then
        raise exception 'insufficient funds: balance % pence, debt limit % pence, debit of % pence refused',
            v_balance, v_debt_limit, p_amount_pence
            using errcode = 'WL001';
    end if;

    insert into credit_transactions (
        org_id, type, direction, amount_pence, balance_before_pence, balance_after_pence,
        description
    ) values (
        p_org_id, p_type, 'debit', p_amount_pence, v_balance, v_balance - p_amount_pence,
        p_description
    )
    returning id into v_id;

    -- the balance guard (0002) lets this one update through
    perform set_config('wallet.ledger_write', 'on', true);
    update organizations
       set wallet_balance_pence = v_balance - p_amount_pence, updated_at = now()
     where id = p_org_id;
    perform set_config('wallet.ledger_write', 'off', true);
    return query select v_id, v_balance - p_amount_pence;
end;
$$;

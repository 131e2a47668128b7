-- The reconciliation sweep's watermark: where its last complete sweep started, on the app's
-- clock. The next sweep looks back at least that far, so events from an outage longer than its
-- default look-back are still found while Stripe lists them. One row at most.
-- depends: 0005_job_queue

create table reconcile_watermark (
    only_row    boolean primary key default true check (only_row),
    swept_from  timestamptz not null,  -- the start of the last sweep that read every page
    updated_at  timestamptz not null default now()
);

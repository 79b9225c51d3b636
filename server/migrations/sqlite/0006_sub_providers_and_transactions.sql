-- 子服务商 registered by provider accounts; Cloud Pay's own record of each sub-merchant's
-- payments, attributed to a sub-provider; and jobs about one subject (a re-attribution is
-- about one sub-merchant).
CREATE TABLE sub_providers (
    account_id               TEXT NOT NULL REFERENCES accounts (id),
    sub_provider_account_id  TEXT NOT NULL,
    name                     TEXT NOT NULL,
    rebate_ratio             TEXT NOT NULL DEFAULT '',
    remark                   TEXT NOT NULL DEFAULT '',
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    PRIMARY KEY (account_id, sub_provider_account_id)
) WITHOUT ROWID;
CREATE INDEX sub_providers_by_account ON sub_providers (sub_provider_account_id);

CREATE TABLE transactions (
    id                       INTEGER PRIMARY KEY,
    account_id               TEXT NOT NULL,
    sub_merchant_id          INTEGER NOT NULL REFERENCES sub_merchants (id),
    upstream_id              TEXT NOT NULL UNIQUE,
    sub_provider_account_id  TEXT,
    amount_fen               INTEGER NOT NULL,
    paid_at                  INTEGER NOT NULL
);
-- A sub-merchant's transactions in id order: the re-attribution walks them by keyset.
CREATE INDEX transactions_by_sub_merchant ON transactions (sub_merchant_id);
CREATE INDEX transactions_by_account ON transactions (account_id, paid_at);
CREATE INDEX transactions_by_sub_provider ON transactions (sub_provider_account_id, paid_at);

CREATE INDEX sub_merchants_by_sub_provider ON sub_merchants (sub_provider_account_id)
    WHERE sub_provider_account_id IS NOT NULL;

ALTER TABLE jobs ADD COLUMN subject TEXT NOT NULL DEFAULT '';
DROP INDEX jobs_one_active_per_account;
-- One sub-merchant sync at a time per account (queued or running) ...
CREATE UNIQUE INDEX jobs_one_active_sync ON jobs (account_id)
    WHERE state IN ('queued', 'running') AND kind = 'sub_merchant_sync';
-- ... and at most one job waiting per subject: later changes join it.
CREATE UNIQUE INDEX jobs_one_queued_per_subject ON jobs (account_id, kind, subject)
    WHERE state = 'queued' AND kind <> 'sub_merchant_sync';

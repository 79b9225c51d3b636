-- 子商户 synced from WeChat Maidan, and durable jobs (one active sub-merchant sync per account,
-- enforced here rather than in memory).
CREATE TABLE sub_merchants (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id               TEXT NOT NULL REFERENCES accounts (id),
    provider_id              TEXT NOT NULL REFERENCES providers (provider_id),
    merchant_id              TEXT NOT NULL,
    name                     TEXT NOT NULL,
    maidan_opened            INTEGER NOT NULL,
    channel                  TEXT NOT NULL DEFAULT 'official_direct'
                               CHECK (channel IN ('official_direct', 'wechat_maidan')),
    sub_provider_account_id  TEXT,
    keys_set                 INTEGER NOT NULL DEFAULT 0,
    synced_at                INTEGER NOT NULL,
    UNIQUE (provider_id, merchant_id)
);
CREATE INDEX sub_merchants_by_account ON sub_merchants (account_id, id);

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY NOT NULL,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    kind         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    processed    INTEGER NOT NULL DEFAULT 0,
    total        INTEGER NOT NULL DEFAULT 0,
    counts       TEXT NOT NULL DEFAULT '{"new":0,"updated":0,"unchanged":0,"failed":0}',
    failures     TEXT NOT NULL DEFAULT '[]',
    checkpoint   TEXT,
    error        TEXT,
    lease_until  INTEGER,
    created_at   INTEGER NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX jobs_one_active_per_account ON jobs (account_id, kind)
    WHERE state IN ('queued', 'running');
CREATE INDEX jobs_claimable ON jobs (state, lease_until);

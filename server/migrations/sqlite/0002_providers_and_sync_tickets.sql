-- WeChat Maidan providers synced into an account, and the QR tickets that sync them.
CREATE TABLE providers (
    provider_id            TEXT PRIMARY KEY NOT NULL,
    account_id             TEXT NOT NULL REFERENCES accounts (id),
    name                   TEXT NOT NULL,
    wechat_pay_configured  INTEGER NOT NULL DEFAULT 0,
    alipay_configured      INTEGER NOT NULL DEFAULT 0,
    synced_at              INTEGER NOT NULL,
    created_at             INTEGER NOT NULL
);
CREATE INDEX providers_by_account ON providers (account_id, name);

CREATE TABLE provider_sync_tickets (
    id            TEXT PRIMARY KEY NOT NULL,
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    -- Only the session that asked for the code may read it.
    session_hash  TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN
                    ('pending', 'scanned', 'syncing', 'completed', 'failed', 'cancelled')),
    requested_ip  TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    confirmed_by  TEXT,
    result        TEXT
);
CREATE INDEX provider_sync_tickets_by_session ON provider_sync_tickets (session_hash, created_at);

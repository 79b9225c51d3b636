-- Console accounts (Tencent Cloud accounts), their sessions and recent wrong passwords.
CREATE TABLE accounts (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('provider', 'sub_provider')),
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id, expires_at);

CREATE TABLE login_failures (
    account_id TEXT NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX login_failures_by_account ON login_failures (account_id, at);

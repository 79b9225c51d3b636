-- 修改服务商信息: each section of a provider's configuration as JSON (secrets inside are
-- sealed by the server's vault), and the account's audit trail (never secret values).
ALTER TABLE providers ADD COLUMN basic_info TEXT;
ALTER TABLE providers ADD COLUMN wechat_pay TEXT;
ALTER TABLE providers ADD COLUMN alipay TEXT;

CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    fields      TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX audit_events_by_account ON audit_events (account_id, id);

-- A wrong password locks the (account, client address) pair it came from, not the account: a
-- stranger cannot lock the owner out from elsewhere. Every attempt is written before it is
-- judged, and forgotten when it succeeds.
ALTER TABLE login_failures ADD COLUMN ip TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_by_pair ON login_failures (account_id, ip, at);

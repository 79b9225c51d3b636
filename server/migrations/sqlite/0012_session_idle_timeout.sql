-- A session ends after 30 idle minutes (sliding) as well as 8 hours after sign-in.
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen_at = created_at;

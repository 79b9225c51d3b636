-- An operator can disable an account (`cloud-pay-console accounts disable`): it can no longer
-- sign in, and its sessions end at once.
ALTER TABLE accounts ADD COLUMN disabled_at INTEGER;

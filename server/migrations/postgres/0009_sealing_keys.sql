-- The sealing keys this database's secrets were sealed with: each key's ID and an HMAC of a
-- constant under it, never the key. The one not replaced is current; a console started with
-- any other key refuses, so that two replicas never seal with different keys.
CREATE TABLE sealing_keys (
    key_id       TEXT PRIMARY KEY,
    check_value  TEXT NOT NULL,
    added_at     BIGINT NOT NULL,
    replaced_at  BIGINT
);
-- At most one current key, whoever starts at the same time.
CREATE UNIQUE INDEX sealing_keys_one_current ON sealing_keys ((replaced_at IS NULL))
    WHERE replaced_at IS NULL;

-- Every write to an account's sub-merchants bumps its version in the same transaction, so a
-- list total counted at one version stays exact until the version moves.
CREATE TABLE sub_merchant_versions (
    account_id  TEXT PRIMARY KEY NOT NULL REFERENCES accounts (id),
    version     INTEGER NOT NULL
) WITHOUT ROWID;

-- The list is ordered by provider, then merchant ID, and reaches an account's rows through
-- its providers: the unique (provider_id, merchant_id) index serves every filter, and the sync
-- maintains no other.
DROP INDEX sub_merchants_by_account;

-- A transaction's sub-provider lives in a narrow table of its own, as on PostgreSQL (see
-- its 0008): re-attributing a sub-merchant's history rewrites these small rows, and a
-- transaction is written once and never updated. A row is written and deleted with its
-- transaction, in the same database transaction.
CREATE TABLE transaction_attributions (
    transaction_id           INTEGER PRIMARY KEY,
    sub_provider_account_id  TEXT,
    paid_at                  INTEGER NOT NULL
);
INSERT INTO transaction_attributions (transaction_id, sub_provider_account_id, paid_at)
SELECT id, sub_provider_account_id, paid_at FROM transactions;
-- A sub-provider's transactions, newest first.
CREATE INDEX transaction_attributions_by_sub_provider
    ON transaction_attributions (sub_provider_account_id, paid_at);

DROP INDEX transactions_by_sub_provider;
ALTER TABLE transactions DROP COLUMN sub_provider_account_id;

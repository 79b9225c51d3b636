-- A sub-merchant's transactions newest first (the 交易查询 page filtered by sub-merchant),
-- without walking the account's.
CREATE INDEX transactions_by_sub_merchant_time ON transactions (sub_merchant_id, paid_at);

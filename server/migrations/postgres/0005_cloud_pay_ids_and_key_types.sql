-- Cloud Pay's own IDs, what a cash register is configured with: 云支付服务商 ID (out_mch_id)
-- and 云支付子商户 ID (out_sub_mch_id), assigned once when a row is first synced (never changed
-- by a re-sync) and unique in the account. Rows synced before get theirs now. (Nullable as
-- in SQLite, which cannot add a NOT NULL column without a default; every insert sets it.)
ALTER TABLE providers ADD COLUMN out_mch_id TEXT;
UPDATE providers SET out_mch_id = 'sp' || substr(md5(gen_random_uuid()::text), 1, 18)
    WHERE out_mch_id IS NULL;
CREATE UNIQUE INDEX providers_by_out_mch_id ON providers (account_id, out_mch_id);

ALTER TABLE sub_merchants ADD COLUMN out_sub_mch_id TEXT;
UPDATE sub_merchants SET out_sub_mch_id = 'sm' || substr(md5(gen_random_uuid()::text), 1, 18)
    WHERE out_sub_mch_id IS NULL;
CREATE UNIQUE INDEX sub_merchants_by_out_sub_mch_id ON sub_merchants (account_id, out_sub_mch_id);

-- 认证类型 and 签名类型 of a sub-merchant's keys.
ALTER TABLE sub_merchant_keys ADD COLUMN authentication_type TEXT NOT NULL DEFAULT 'HMAC-SHA256';
ALTER TABLE sub_merchant_keys ADD COLUMN signature_type TEXT NOT NULL DEFAULT 'RSASSA-PSS-2048-SHA256';

-- 获取验证码 is counted per (merchant ID, mobile) and per client address: requests to mobiles
-- that are not the merchant's registered one no longer spend the allowance of the one that is.
ALTER TABLE binding_code_sends ADD COLUMN mobile TEXT NOT NULL DEFAULT '';
DROP INDEX binding_code_sends_by_merchant;
CREATE INDEX binding_code_sends_by_merchant_mobile ON binding_code_sends (merchant_id, mobile, at);

-- 获取验证码 is limited to five an hour per merchant ID and per client address; every request is
-- written before the code goes out.
CREATE TABLE binding_code_sends (
    merchant_id TEXT NOT NULL,
    ip          TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX binding_code_sends_by_merchant ON binding_code_sends (merchant_id, at);
CREATE INDEX binding_code_sends_by_ip ON binding_code_sends (ip, at);

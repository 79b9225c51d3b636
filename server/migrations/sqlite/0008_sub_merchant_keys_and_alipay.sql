-- 修改子商户信息: the keys a sub-merchant's devices use (认证密钥 and the verification public key
-- of 签名公私钥), and its Alipay sub-merchant authorization. Provider-sync tickets become QR
-- tickets of several kinds, about a subject (the sub-merchant, for an Alipay authorization).
CREATE TABLE sub_merchant_keys (
    sub_merchant_id           INTEGER PRIMARY KEY NOT NULL REFERENCES sub_merchants (id),
    -- Sealed with the console's secret key (AES-256-GCM); returned once, by the reset.
    authentication_key        TEXT NOT NULL,
    authentication_key_last4  TEXT NOT NULL,
    -- RSA 2048 SubjectPublicKeyInfo, base64 DER; the private key never reaches the server.
    signing_public_key        TEXT NOT NULL,
    public_key_sha256         TEXT NOT NULL,
    reset_at                  INTEGER NOT NULL,
    reset_by                  TEXT NOT NULL
);

ALTER TABLE sub_merchants ADD COLUMN alipay_user_id TEXT;
ALTER TABLE sub_merchants ADD COLUMN alipay_authorized_at INTEGER;

ALTER TABLE provider_sync_tickets RENAME TO qr_tickets;
ALTER TABLE qr_tickets ADD COLUMN kind TEXT NOT NULL DEFAULT 'provider_sync'
    CHECK (kind IN ('provider_sync', 'alipay_authorization'));
ALTER TABLE qr_tickets ADD COLUMN subject TEXT NOT NULL DEFAULT '';

-- Who is on the phone: a QR ticket is confirmed only by the phone browser that signed in through
-- WeChat OAuth (provider sync) or Alipay app authorization, never by what the phone claims.
CREATE TABLE oauth_states (
    -- SHA-256 of the random `state` sent through the identity provider; single use.
    state_hash    TEXT PRIMARY KEY NOT NULL,
    ticket_id     TEXT NOT NULL REFERENCES qr_tickets (id),
    -- SHA-256 of the phone browser's HttpOnly cookie that started the sign-in.
    browser_hash  TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
);
CREATE INDEX oauth_states_by_expiry ON oauth_states (expires_at);

-- The sign-in that came back: which browser, who (openid or Alipay user ID) and their name,
-- and for Alipay the app auth token, sealed.
ALTER TABLE qr_tickets ADD COLUMN phone_browser_hash TEXT;
ALTER TABLE qr_tickets ADD COLUMN phone_identity TEXT;
ALTER TABLE qr_tickets ADD COLUMN phone_name TEXT;
ALTER TABLE qr_tickets ADD COLUMN phone_grant TEXT;

-- Sealed: lets the provider's Alipay application act for the sub-merchant.
ALTER TABLE sub_merchants ADD COLUMN alipay_app_auth_token TEXT;

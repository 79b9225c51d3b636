-- The language the phone page was in when its sign-in started (a BCP 47 tag), so that the
-- pages of the round trip through WeChat or Alipay speak it too. Never used for identity.
ALTER TABLE oauth_states ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh-CN';

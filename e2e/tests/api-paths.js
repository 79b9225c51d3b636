// The JSON API's paths, written by `cargo xtask api-paths` from domain/src/paths.rs
// (the table the server's router and the console's client use): do not edit.
// A path is relative to BASE; `{name}` marks a parameter (see `api` in fixtures.js).
'use strict';

const BASE = '/api/v1';

const PATHS = Object.freeze({
  HEALTH: '/health',
  HEALTH_READY: '/health/ready',
  SESSION: '/session',
  SESSION_PASSWORD: '/session/password',
  SESSIONS: '/sessions',
  AUDIT_EVENTS: '/audit-events',
  JOBS: '/jobs',
  JOB: '/jobs/{id}',
  PROVIDER_SYNC_TICKETS: '/provider-sync-tickets',
  PROVIDER_SYNC_TICKET: '/provider-sync-tickets/{id}',
  PROVIDERS: '/providers',
  PROVIDER: '/providers/{id}',
  PROVIDER_ALIPAY: '/providers/{id}/alipay',
  PROVIDER_BASIC_INFO: '/providers/{id}/basic-info',
  PROVIDER_WECHAT_PAY: '/providers/{id}/wechat-pay',
  SUB_MERCHANT_SYNCS: '/sub-merchant-syncs',
  SUB_MERCHANTS: '/sub-merchants',
  SUB_MERCHANTS_CSV: '/sub-merchants.csv',
  SUB_MERCHANT: '/sub-merchants/{id}',
  SUB_MERCHANT_ALIPAY_AUTHORIZATIONS: '/sub-merchants/{id}/alipay-authorizations',
  SUB_MERCHANT_ALIPAY_AUTHORIZATION: '/sub-merchants/{id}/alipay-authorizations/{ticket}',
  SUB_MERCHANT_BASIC_INFO: '/sub-merchants/{id}/basic-info',
  SUB_MERCHANT_KEY_RESETS: '/sub-merchants/{id}/key-resets',
  SUB_MERCHANT_PROFILE: '/sub-merchants/{id}/profile',
  SUB_MERCHANT_SUB_PROVIDER: '/sub-merchants/{id}/sub-provider',
  SUB_MERCHANT_WECHAT_CHANNEL: '/sub-merchants/{id}/wechat-channel',
  SUB_PROVIDERS: '/sub-providers',
  SUB_PROVIDER: '/sub-providers/{account_id}',
  TRANSACTIONS: '/transactions',
  PHONE_ALIPAY_AUTHORIZATION: '/m/alipay-authorizations/{id}',
  PHONE_ALIPAY_AUTHORIZATION_CANCEL: '/m/alipay-authorizations/{id}/cancel',
  PHONE_ALIPAY_AUTHORIZATION_CONFIRM: '/m/alipay-authorizations/{id}/confirm',
  PHONE_ALIPAY_OAUTH_CALLBACK: '/m/alipay-oauth/callback',
  PHONE_ALIPAY_OAUTH_START: '/m/alipay-oauth/start',
  PHONE_MAIDAN_BINDINGS: '/m/maidan/bindings',
  PHONE_MAIDAN_SMS_CODES: '/m/maidan/sms-codes',
  PHONE_PROVIDER_SYNC_TICKET: '/m/provider-sync-tickets/{id}',
  PHONE_PROVIDER_SYNC_TICKET_CANCEL: '/m/provider-sync-tickets/{id}/cancel',
  PHONE_PROVIDER_SYNC_TICKET_CONFIRM: '/m/provider-sync-tickets/{id}/confirm',
  PHONE_WECHAT_OAUTH_CALLBACK: '/m/wechat-oauth/callback',
  PHONE_WECHAT_OAUTH_START: '/m/wechat-oauth/start',
  SANDBOX_LATENCY: '/sandbox/latency',
  SANDBOX_MERCHANT: '/sandbox/merchants/{merchant_id}',
  SANDBOX_PROVIDERS: '/sandbox/providers',
  SANDBOX_SMS_CODE: '/sandbox/sms-codes/{mobile}',
  SANDBOX_WECHAT_USERS: '/sandbox/wechat-users',
});

// `name`'s path under BASE with its `{…}` parameters replaced, in order, by `values`:
// api('SUB_MERCHANT', 42) is '/api/v1/sub-merchants/42'.
function api(name, ...values) {
  const path = PATHS[name];
  if (path === undefined) throw new Error(`no API path is named ${name}`);
  let next = 0;
  const filled = path.replace(/\{[^}]+\}/g, (parameter) => {
    if (next >= values.length) throw new Error(`${name} needs a value for ${parameter}`);
    return String(values[next++]);
  });
  if (next < values.length) throw new Error(`${name} takes ${next} value(s)`);
  return BASE + filled;
}

module.exports = { BASE, PATHS, api };

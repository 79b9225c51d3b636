//! Who is on the phone: WeChat OAuth (`snsapi_base`) and Alipay app authorization, spoken over
//! HTTP exactly as the real services expect. The sandbox serves the same endpoints
//! ([`crate::upstream::sandbox_oauth`]), so the console runs this code in both modes.
//!
//! - WeChat: the phone goes to `{oauth}/connect/oauth2/authorize?appid&redirect_uri&
//!   response_type=code&scope=snsapi_base&state#wechat_redirect`, comes back with `code`, which
//!   `{api}/sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code` turns into
//!   the openid.
//! - Alipay: the phone goes to `{oauth}/oauth2/appToAppAuth.htm?app_id&redirect_uri&state`,
//!   comes back with `app_auth_code`, which the gateway method `alipay.open.auth.token.app`
//!   (RSA2-signed form post) turns into the user ID and the app auth token.
//!
//! Over 400 lines: both providers' requests, answers and refusals are written out beside each
//! other, so that the two sign-ins read as one protocol with two dialects.

use std::{sync::Arc, time::Duration};

use rsa::{
    RsaPrivateKey, RsaPublicKey,
    pkcs1v15::{Signature, SigningKey, VerifyingKey},
    signature::{SignatureEncoding, Signer, Verifier},
};
use serde::Deserialize;
use sha2::Sha256;

/// Where the identity providers are and who the console is to them.
#[derive(Clone)]
pub struct OAuthConfig {
    pub wechat_app_id: String,
    pub wechat_app_secret: String,
    /// Where phones are sent to sign in (`https://open.weixin.qq.com`); may be a path on the
    /// console itself (the in-process sandbox).
    pub wechat_oauth_url: String,
    /// Where the server exchanges codes (`https://api.weixin.qq.com`).
    pub wechat_api_url: String,
    pub alipay_app_id: String,
    /// The application's RSA 2048 private key: signs gateway calls (RSA2).
    pub alipay_private_key: Arc<RsaPrivateKey>,
    /// Alipay's public key: the gateway's answers must verify with it.
    pub alipay_public_key: Arc<RsaPublicKey>,
    pub alipay_oauth_url: String,
    pub alipay_gateway_url: String,
}

impl std::fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("wechat_app_id", &self.wechat_app_id)
            .field("wechat_oauth_url", &self.wechat_oauth_url)
            .field("wechat_api_url", &self.wechat_api_url)
            .field("alipay_app_id", &self.alipay_app_id)
            .field("alipay_oauth_url", &self.alipay_oauth_url)
            .field("alipay_gateway_url", &self.alipay_gateway_url)
            .finish_non_exhaustive()
    }
}

/// Why a sign-in could not be completed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OAuthError {
    /// The provider refused the code (unknown, used, expired, or issued to another app).
    #[error("the identity provider refused the code: {0}")]
    Refused(String),
    /// The provider could not be reached or answered nonsense.
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
}

/// What an Alipay app authorization grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlipayGrant {
    /// The authorizing Alipay user (`2088` + 12 digits).
    pub user_id: String,
    /// Lets the provider's app act for the merchant; sealed at rest.
    pub app_auth_token: domain::Secret,
}

/// The HTTP client for both identity providers.
#[derive(Debug, Clone)]
pub struct IdentityProviders {
    config: OAuthConfig,
    http: reqwest::Client,
}

/// `application/x-www-form-urlencoded` of some pairs, in order.
fn form(pairs: &[(&str, &str)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish()
}

/// The text Alipay signs: every parameter but `sign`, sorted by name, `k=v` joined by `&`,
/// unencoded, empty values left out.
pub fn alipay_signing_text(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, v)| k != "sign" && !v.is_empty())
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// RSA2: SHA256withRSA (PKCS#1 v1.5) over [`alipay_signing_text`], base64.
pub fn alipay_sign(key: &RsaPrivateKey, params: &[(String, String)]) -> String {
    rsa2_sign(key, alipay_signing_text(params).as_bytes())
}

/// SHA256withRSA (PKCS#1 v1.5) of `text`, base64: how Alipay signs both ways.
pub fn rsa2_sign(key: &RsaPrivateKey, text: &[u8]) -> String {
    use base64::Engine;
    let signature = SigningKey::<Sha256>::new(key.clone()).sign(text);
    base64::engine::general_purpose::STANDARD.encode(signature.to_bytes())
}

/// Whether `sign` (base64) is `key`'s SHA256withRSA signature of `text`.
pub fn rsa2_verify(key: &RsaPublicKey, text: &[u8], sign: &str) -> bool {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(sign)
        .ok()
        .and_then(|bytes| Signature::try_from(bytes.as_slice()).ok())
        .is_some_and(|signature| {
            VerifyingKey::<Sha256>::new(key.clone())
                .verify(text, &signature)
                .is_ok()
        })
}

#[derive(Deserialize)]
struct WechatTokenAnswer {
    openid: Option<String>,
    errcode: Option<i64>,
    errmsg: Option<String>,
}

/// A gateway answer as sent: Alipay signs its response node's text exactly as it stands in
/// the body. A key given twice is refused by the parser, so the node read is the node signed.
#[derive(Deserialize)]
struct AlipayTokenAnswer<'a> {
    #[serde(borrow)]
    alipay_open_auth_token_app_response: &'a serde_json::value::RawValue,
    sign: Option<String>,
}

#[derive(Deserialize)]
struct AlipayTokenResponse {
    code: String,
    msg: Option<String>,
    sub_code: Option<String>,
    sub_msg: Option<String>,
    /// The current answer lists the tokens; older answers put one token's fields here.
    #[serde(default)]
    tokens: Vec<AlipayToken>,
    user_id: Option<String>,
    app_auth_token: Option<String>,
}

#[derive(Deserialize)]
struct AlipayToken {
    user_id: String,
    app_auth_token: String,
    /// The application the token is for (the current answer names it).
    auth_app_id: Option<String>,
}

impl IdentityProviders {
    pub fn new(config: OAuthConfig) -> Result<IdentityProviders, OAuthError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| OAuthError::Unavailable(e.to_string()))?;
        Ok(IdentityProviders { config, http })
    }

    pub fn config(&self) -> &OAuthConfig {
        &self.config
    }

    /// Where to send the phone to sign in with WeChat.
    pub fn wechat_authorize_url(&self, redirect_uri: &str, state: &str) -> String {
        let query = form(&[
            ("appid", &self.config.wechat_app_id),
            ("redirect_uri", redirect_uri),
            ("response_type", "code"),
            ("scope", "snsapi_base"),
            ("state", state),
        ]);
        format!(
            "{}/connect/oauth2/authorize?{query}#wechat_redirect",
            self.config.wechat_oauth_url.trim_end_matches('/')
        )
    }

    /// The openid of the WeChat user a `code` was issued for (single use, minutes to live).
    pub async fn wechat_openid(&self, code: &str) -> Result<String, OAuthError> {
        let query = form(&[
            ("appid", &self.config.wechat_app_id),
            ("secret", &self.config.wechat_app_secret),
            ("code", code),
            ("grant_type", "authorization_code"),
        ]);
        let url = format!(
            "{}/sns/oauth2/access_token?{query}",
            self.config.wechat_api_url.trim_end_matches('/')
        );
        let answer: WechatTokenAnswer = answer_of(self.http.get(url)).await?;
        match (answer.openid, answer.errcode) {
            (Some(openid), None | Some(0)) if !openid.is_empty() => Ok(openid),
            (_, errcode) => Err(OAuthError::Refused(format!(
                "errcode {} {}",
                errcode.unwrap_or_default(),
                answer.errmsg.unwrap_or_default()
            ))),
        }
    }

    /// Where to send the phone to authorize the provider's Alipay application.
    pub fn alipay_authorize_url(&self, redirect_uri: &str, state: &str) -> String {
        let query = form(&[
            ("app_id", &self.config.alipay_app_id),
            ("redirect_uri", redirect_uri),
            ("state", state),
        ]);
        format!(
            "{}/oauth2/appToAppAuth.htm?{query}",
            self.config.alipay_oauth_url.trim_end_matches('/')
        )
    }

    /// Exchanges an `app_auth_code` at the gateway (`alipay.open.auth.token.app`).
    pub async fn alipay_grant(&self, code: &str, now_ms: i64) -> Result<AlipayGrant, OAuthError> {
        let biz = serde_json::json!({"grant_type": "authorization_code", "code": code});
        let mut params: Vec<(String, String)> = [
            ("app_id", self.config.alipay_app_id.as_str()),
            ("method", "alipay.open.auth.token.app"),
            ("format", "JSON"),
            ("charset", "utf-8"),
            ("sign_type", "RSA2"),
            ("timestamp", &alipay_timestamp(now_ms)),
            ("version", "1.0"),
            ("biz_content", &biz.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let sign = alipay_sign(&self.config.alipay_private_key, &params);
        params.push(("sign".to_owned(), sign));
        let body = {
            let mut out = url::form_urlencoded::Serializer::new(String::new());
            out.extend_pairs(params.iter());
            out.finish()
        };
        let body = body_of(
            self.http
                .post(&self.config.alipay_gateway_url)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded;charset=utf-8",
                )
                .body(body),
        )
        .await?;
        let text = String::from_utf8(body)
            .map_err(|_| OAuthError::Unavailable("the answer is not UTF-8".to_owned()))?;
        let response = verified_gateway_answer(&text, &self.config.alipay_public_key)?;
        if response.code != "10000" {
            return Err(OAuthError::Refused(format!(
                "{} {} {} {}",
                response.code,
                response.msg.unwrap_or_default(),
                response.sub_code.unwrap_or_default(),
                response.sub_msg.unwrap_or_default()
            )));
        }
        let single =
            response
                .user_id
                .zip(response.app_auth_token)
                .map(|(user_id, app_auth_token)| AlipayToken {
                    user_id,
                    app_auth_token,
                    auth_app_id: None,
                });
        let token = response
            .tokens
            .into_iter()
            .next()
            .or(single)
            .ok_or_else(|| OAuthError::Unavailable("no token in the answer".to_owned()))?;
        if token
            .auth_app_id
            .as_ref()
            .is_some_and(|app| *app != self.config.alipay_app_id)
        {
            return Err(OAuthError::Unavailable(
                "the token is for another application".to_owned(),
            ));
        }
        if domain::rules::alipay_pid(&token.user_id).is_err() || token.app_auth_token.is_empty() {
            return Err(OAuthError::Unavailable(
                "the answer names no Alipay user".to_owned(),
            ));
        }
        Ok(AlipayGrant {
            user_id: token.user_id,
            app_auth_token: domain::Secret::new(token.app_auth_token),
        })
    }
}

/// The response node of a gateway answer, read from the very text its signature covers. An
/// answer whose signature does not verify with Alipay's public key did not come from Alipay;
/// a refusal may come unsigned, and is then only a refusal.
fn verified_gateway_answer(
    text: &str,
    alipay_key: &RsaPublicKey,
) -> Result<AlipayTokenResponse, OAuthError> {
    let unreadable = |e: serde_json::Error| OAuthError::Unavailable(e.to_string());
    let answer: AlipayTokenAnswer<'_> = serde_json::from_str(text).map_err(unreadable)?;
    let node = answer.alipay_open_auth_token_app_response.get();
    let response: AlipayTokenResponse = serde_json::from_str(node).map_err(unreadable)?;
    let sign = answer.sign.as_deref().filter(|s| !s.is_empty());
    let verified = sign.is_some_and(|sign| rsa2_verify(alipay_key, node.as_bytes(), sign));
    if !verified && (sign.is_some() || response.code == "10000") {
        return Err(OAuthError::Unavailable(
            "the gateway's answer does not verify with ALIPAY_PUBLIC_KEY_FILE".to_owned(),
        ));
    }
    Ok(response)
}

/// A provider's JSON answer; anything short of one (no connection, an HTTP error, not the
/// JSON expected, more than [`crate::answers::ANSWER_LIMIT`]) is `Unavailable`, without the URL
/// (it may carry a code or a secret).
async fn answer_of<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
) -> Result<T, OAuthError> {
    let body = body_of(request).await?;
    serde_json::from_slice(&body).map_err(|e| OAuthError::Unavailable(e.to_string()))
}

/// A provider's answer's body, read within the limit.
async fn body_of(request: reqwest::RequestBuilder) -> Result<Vec<u8>, OAuthError> {
    let response = request
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| OAuthError::Unavailable(e.without_url().to_string()))?;
    crate::answers::read_limited(response)
        .await
        .map_err(|e| OAuthError::Unavailable(e.to_string()))
}

/// Reads an RSA public key (PEM, SubjectPublicKeyInfo or PKCS#1): Alipay's.
pub fn read_public_key(path: &std::path::Path) -> Result<RsaPublicKey, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    crate::keys::rsa_public_key(&text)
        .map_err(|_| format!("{}: not an RSA 2048 public key in PEM", path.display()))
}

/// Reads an RSA private key (PKCS#8 or PKCS#1 PEM).
pub fn read_private_key(path: &std::path::Path) -> Result<RsaPrivateKey, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // Like the vault key: a private key its group or others may read is refused.
    if crate::vault::readable_by_others(path).map_err(|e| format!("{}: {e}", path.display()))? {
        return Err(format!(
            "{}: readable by group or others; run `chmod 600 {}`",
            path.display(),
            path.display()
        ));
    }
    crate::keys::rsa_private_key(&text)
        .map_err(|_| format!("{}: not an RSA private key in PEM", path.display()))
}

/// The key at `path`, or a new RSA 2048 key written there (mode 0600) when there is none: the
/// sandbox's application key, made once per data directory.
pub fn private_key_or_new(path: &std::path::Path) -> Result<RsaPrivateKey, String> {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    if path.exists() {
        return read_private_key(path);
    }
    let key = RsaPrivateKey::new(&mut argon2::password_hash::rand_core::OsRng, 2048)
        .map_err(|e| e.to_string())?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::vault::create_private_dir(dir).map_err(|e| e.to_string())?;
    }
    crate::vault::write_private(path, &pem).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(key)
}

/// Alipay's `timestamp`: `yyyy-MM-dd HH:mm:ss` in China Standard Time (UTC+8).
pub fn alipay_timestamp(now_ms: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp(now_ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.checked_to_offset(time::macros::offset!(+8)))
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signing_text_is_sorted_and_leaves_out_sign_and_empty_values() {
        let params: Vec<(String, String)> = [("b", "2"), ("sign", "x"), ("a", "1"), ("c", "")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(alipay_signing_text(&params), "a=1&b=2");
    }

    fn gateway_key() -> RsaPrivateKey {
        crate::keys::rsa_private_key(include_str!(
            "../tests/fixtures/alipay-gateway-private-2048.pem"
        ))
        .unwrap()
    }

    fn signed(node: &str) -> String {
        rsa2_sign(&gateway_key(), node.as_bytes())
    }

    const GENUINE: &str = r#"{"code":"10000","msg":"Success","tokens":[{"user_id":"2088000000000011","app_auth_token":"genuine"}]}"#;
    const FORGED: &str = r#"{"code":"10000","msg":"Success","tokens":[{"user_id":"2088000000000099","app_auth_token":"forged"}]}"#;

    #[test]
    fn only_the_signed_node_is_read() {
        let key = gateway_key().to_public_key();
        let sign = signed(GENUINE);
        let body =
            format!(r#"{{"alipay_open_auth_token_app_response" : {GENUINE},"sign":"{sign}"}}"#);
        let read = verified_gateway_answer(&body, &key).unwrap();
        assert_eq!(read.tokens[0].app_auth_token, "genuine");

        // The genuine node and its signature, beside a forged node: refused.
        for forged in [
            format!(
                r#"{{"x":{{"alipay_open_auth_token_app_response":{GENUINE}}},"alipay_open_auth_token_app_response":{FORGED},"sign":"{sign}"}}"#
            ),
            format!(
                r#"{{"alipay_open_auth_token_app_response":{GENUINE},"alipay_open_auth_token_app_response":{FORGED},"sign":"{sign}"}}"#
            ),
            format!(r#"{{"alipay_open_auth_token_app_response":{FORGED},"sign":"{sign}"}}"#),
            format!(r#"{{"alipay_open_auth_token_app_response":{FORGED}}}"#),
        ] {
            assert!(verified_gateway_answer(&forged, &key).is_err(), "{forged}");
        }
        // Another key's signature is no signature.
        let other = crate::keys::rsa_private_key(include_str!(
            "../tests/fixtures/alipay-app-private-2048.pem"
        ))
        .unwrap();
        let body = format!(
            r#"{{"alipay_open_auth_token_app_response":{GENUINE},"sign":"{}"}}"#,
            rsa2_sign(&other, GENUINE.as_bytes())
        );
        assert!(verified_gateway_answer(&body, &key).is_err());
        // An unsigned refusal is read as the refusal it is.
        let refusal =
            r#"{"alipay_open_auth_token_app_response":{"code":"40002","msg":"Invalid Arguments"}}"#;
        assert_eq!(
            verified_gateway_answer(refusal, &key).unwrap().code,
            "40002"
        );
    }

    #[test]
    fn alipay_timestamps_are_in_china_standard_time() {
        // 2026-11-30T00:00:00Z
        assert_eq!(alipay_timestamp(1_795_996_800_000), "2026-11-30 08:00:00");
    }
}

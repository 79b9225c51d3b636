//! Where the console exchanges a sign-in code: WeChat's `sns/oauth2/access_token` (the code
//! becomes the openid) and Alipay's gateway (`alipay.open.auth.token.app`, signed both ways).

use std::collections::HashMap;

use axum::{
    Form, Json,
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use base64::Engine;
use rsa::{
    pkcs1v15::{Signature, VerifyingKey},
    signature::Verifier,
};
use serde::Deserialize;
use sha2::Sha256;

use super::SandboxOAuth;
use crate::{oauth::alipay_signing_text, upstream::sandbox::IdentityProvider};

#[derive(Debug, Deserialize)]
pub(super) struct WechatAccessToken {
    appid: String,
    secret: String,
    code: String,
    grant_type: String,
}

fn wechat_error(errcode: i64, errmsg: &str) -> Response {
    Json(serde_json::json!({"errcode": errcode, "errmsg": errmsg})).into_response()
}

/// `sns/oauth2/access_token`: the code becomes the openid (and a token the console ignores).
pub(super) async fn wechat_access_token(
    State(oauth): State<SandboxOAuth>,
    Query(q): Query<WechatAccessToken>,
) -> Response {
    if q.appid != oauth.wechat_app_id || q.secret != oauth.wechat_app_secret {
        return wechat_error(40125, "invalid appsecret");
    }
    if q.grant_type != "authorization_code" {
        return wechat_error(40002, "invalid grant_type");
    }
    let Some(openid) = oauth
        .sandbox
        .take_sign_in_code(IdentityProvider::Wechat, &q.appid, &q.code)
    else {
        return wechat_error(40029, "invalid code");
    };
    let mut token = [0_u8; 16];
    let _ = getrandom::fill(&mut token);
    Json(serde_json::json!({
        "access_token": crate::auth::hex(&token),
        "expires_in": 7200,
        "refresh_token": "",
        "openid": openid,
        "scope": "snsapi_base",
    }))
    .into_response()
}

/// An answer as Alipay's gateway gives it: the response node, and its signature.
fn gateway_answer(oauth: &SandboxOAuth, body: &serde_json::Value) -> Response {
    let node = body.to_string();
    let sign = crate::oauth::rsa2_sign(&oauth.gateway_key, node.as_bytes());
    let text = format!(
        "{{\"alipay_open_auth_token_app_response\":{node},\"sign\":{}}}",
        serde_json::Value::String(sign)
    );
    (
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        text,
    )
        .into_response()
}

fn gateway_refusal(
    oauth: &SandboxOAuth,
    code: &str,
    msg: &str,
    sub_code: &str,
    sub_msg: &str,
) -> Response {
    gateway_answer(
        oauth,
        &serde_json::json!({
            "code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg,
        }),
    )
}

/// The gateway, for `alipay.open.auth.token.app`: the signature must verify with the app's
/// public key, then the `app_auth_code` becomes the user ID and an app auth token.
pub(super) async fn alipay_gateway(
    State(oauth): State<SandboxOAuth>,
    Form(params): Form<Vec<(String, String)>>,
) -> Response {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if get("app_id") != Some(oauth.alipay_app_id.as_str()) {
        return gateway_refusal(
            &oauth,
            "40002",
            "Invalid Arguments",
            "isv.invalid-app-id",
            "无效的AppID参数",
        );
    }
    if get("sign_type") != Some("RSA2") {
        return gateway_refusal(
            &oauth,
            "40002",
            "Invalid Arguments",
            "isv.invalid-signature-type",
            "无效的签名类型",
        );
    }
    let verified = get("sign")
        .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
        .and_then(|bytes| Signature::try_from(bytes.as_slice()).ok())
        .is_some_and(|signature| {
            VerifyingKey::<Sha256>::new(oauth.alipay_public_key.clone())
                .verify(alipay_signing_text(&params).as_bytes(), &signature)
                .is_ok()
        });
    if !verified {
        return gateway_refusal(
            &oauth,
            "40002",
            "Invalid Arguments",
            "isv.invalid-signature",
            "验签出错",
        );
    }
    if get("method") != Some("alipay.open.auth.token.app") {
        return gateway_refusal(
            &oauth,
            "40004",
            "Business Failed",
            "isv.invalid-method",
            "不存在的方法名",
        );
    }
    let biz: HashMap<String, String> = get("biz_content")
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default();
    if biz.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return gateway_refusal(
            &oauth,
            "40002",
            "Invalid Arguments",
            "isv.grant-type-invalid",
            "grant_type无效",
        );
    }
    let Some(user_id) = biz.get("code").and_then(|code| {
        oauth
            .sandbox
            .take_sign_in_code(IdentityProvider::Alipay, &oauth.alipay_app_id, code)
    }) else {
        return gateway_refusal(
            &oauth,
            "40002",
            "Invalid Arguments",
            "isv.code-invalid",
            "授权码code无效",
        );
    };
    let mut token = [0_u8; 20];
    let _ = getrandom::fill(&mut token);
    let app_auth_token = format!("sandbox{}", crate::auth::hex(&token));
    gateway_answer(
        &oauth,
        &serde_json::json!({
            "code": "10000",
            "msg": "Success",
            "tokens": [{
                "app_auth_token": app_auth_token,
                "app_refresh_token": "",
                "auth_app_id": oauth.alipay_app_id,
                "expires_in": 31_536_000,
                "re_expires_in": 32_140_800,
                "user_id": user_id,
            }],
        }),
    )
}

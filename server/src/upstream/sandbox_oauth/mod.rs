//! The sandbox playing WeChat's and Alipay's sign-in services, over HTTP, with the paths and
//! parameters of the real ones (see [`crate::oauth`]): the console's OAuth code cannot tell
//! them apart. What a phone sees, the authorize pages, is in [`authorize`]; what the console
//! calls with the code, WeChat's token endpoint and Alipay's gateway, in [`exchange`].

mod authorize;
mod exchange;

use std::sync::Arc;

use axum::{
    Router,
    routing::{get, post},
};
use rsa::{RsaPrivateKey, RsaPublicKey};

use super::sandbox::Sandbox;

/// Where the console mounts these pages when it runs with the in-process sandbox.
pub const MOUNT: &str = "/sandbox-upstream";

/// Who the sandbox's sign-in services expect the console to be.
#[derive(Clone)]
pub struct SandboxOAuth {
    pub sandbox: Arc<Sandbox>,
    pub wechat_app_id: String,
    pub wechat_app_secret: String,
    pub alipay_app_id: String,
    /// The public half of the console's Alipay application key: gateway calls are checked
    /// against it.
    pub alipay_public_key: RsaPublicKey,
    /// What the sandbox's Alipay gateway signs its answers with (Alipay's own key, played):
    /// the console checks them with the public half.
    pub gateway_key: Arc<RsaPrivateKey>,
    /// The hosts the apps are registered with (WeChat's 网页授权域名, Alipay's 授权回调地址)
    /// besides the one these pages are served from.
    pub redirect_hosts: Vec<String>,
}

/// `/connect/oauth2/authorize`, `/sns/oauth2/access_token`, `/oauth2/appToAppAuth.htm`,
/// `/gateway.do` and the pages' stylesheet.
pub fn router(oauth: SandboxOAuth) -> Router {
    Router::new()
        .route("/connect/oauth2/authorize", get(authorize::wechat))
        .route(
            "/sns/oauth2/access_token",
            get(exchange::wechat_access_token),
        )
        .route("/oauth2/appToAppAuth.htm", get(authorize::alipay))
        .route("/gateway.do", post(exchange::alipay_gateway))
        .route("/sandbox.css", get(authorize::stylesheet))
        .with_state(oauth)
}

//! The outside services as the settings describe them: the sandbox's world, and WeChat and
//! Alipay (real, or as the sandbox plays them) with the keys each side signs with.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use super::{Config, Production, SandboxUpstreamSettings};
use crate::{
    oauth::{OAuthConfig, private_key_or_new, read_private_key, read_public_key},
    upstream::{Sandbox, SandboxConfig, sandbox_oauth::SandboxOAuth},
};

/// The sandbox's WeChat official account (`wx` + 16).
const SANDBOX_WECHAT_APP_ID: &str = "wxsandbox000000001";
/// The sandbox's Alipay application.
const SANDBOX_ALIPAY_APP_ID: &str = "2021000000000001";

impl Config {
    /// The sandbox's world, as large and as slow as `SANDBOX_*` say.
    pub fn sandbox_world(&self) -> Arc<Sandbox> {
        Arc::new(Sandbox::new(SandboxConfig {
            seed: self.sandbox_seed,
            sub_merchants: self.sandbox_sub_merchants,
            latency: Duration::from_millis(self.sandbox_latency_ms),
            fault_rate: self.sandbox_fault_rate,
            transactions_per_sub_merchant: self.sandbox_transactions_per_sub_merchant,
        }))
    }

    /// The console's public host, registered with the sandbox's apps as WeChat's and Alipay's
    /// are with the real ones.
    pub fn registered_hosts(&self) -> Vec<String> {
        self.public_origin
            .as_deref()
            .and_then(|origin| url::Url::parse(origin).ok())
            .and_then(|u| u.host_str().map(str::to_owned))
            .into_iter()
            .collect()
    }

    /// WeChat and Alipay as the in-process sandbox plays them: its sign-in pages are served by
    /// this console under `/sandbox-upstream`, and codes are exchanged over HTTP with this very
    /// process (listening on `bound`), through the same client as in production. Settings
    /// given explicitly still win.
    pub fn sandbox_identity(
        &self,
        sandbox: &Arc<Sandbox>,
        bound: SocketAddr,
    ) -> Result<(OAuthConfig, SandboxOAuth), String> {
        let mut loopback = bound;
        if loopback.ip().is_unspecified() {
            loopback.set_ip(match bound {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        let mount = crate::upstream::sandbox_oauth::MOUNT;
        let pages = format!(
            "{}{mount}",
            self.public_origin
                .as_deref()
                .unwrap_or_default()
                .trim_end_matches('/')
        );
        let api = format!("http://{loopback}{mount}");
        let key_file = self.alipay_app_private_key_file.clone().unwrap_or_else(|| {
            self.secret_key_file
                .parent()
                .unwrap_or_else(|| std::path::Path::new("."))
                .join("alipay-app-private.pem")
        });
        let key = private_key_or_new(&key_file)
            .map_err(|e| format!("the Alipay application key: {e}"))?;
        // Alipay's own key, as the sandbox's gateway plays it.
        let gateway_key_file = self
            .sandbox_alipay_private_key_file
            .clone()
            .unwrap_or_else(|| key_file.with_file_name("sandbox-alipay-private.pem"));
        let gateway_key = Arc::new(
            private_key_or_new(&gateway_key_file)
                .map_err(|e| format!("the sandbox's Alipay gateway key: {e}"))?,
        );
        // A gateway elsewhere (a `sandbox-upstream` of its own) signs with its own key.
        let alipay_public_key = match &self.alipay_public_key_file {
            Some(path) => {
                read_public_key(path).map_err(|e| format!("ALIPAY_PUBLIC_KEY_FILE: {e}"))?
            }
            None => gateway_key.to_public_key(),
        };
        let secret = match &self.wechat_app_secret {
            Some(secret) => secret.expose().to_owned(),
            None => {
                let mut bytes = [0_u8; 16];
                getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
                crate::auth::hex(&bytes)
            }
        };
        let oauth = OAuthConfig {
            wechat_app_id: self
                .wechat_app_id
                .clone()
                .unwrap_or_else(|| SANDBOX_WECHAT_APP_ID.to_owned()),
            wechat_app_secret: secret,
            wechat_oauth_url: self
                .wechat_oauth_url
                .clone()
                .unwrap_or_else(|| pages.clone()),
            wechat_api_url: self.wechat_api_url.clone().unwrap_or_else(|| api.clone()),
            alipay_app_id: self
                .alipay_app_id
                .clone()
                .unwrap_or_else(|| SANDBOX_ALIPAY_APP_ID.to_owned()),
            alipay_private_key: Arc::new(key),
            alipay_public_key: Arc::new(alipay_public_key),
            alipay_oauth_url: self.alipay_oauth_url.clone().unwrap_or(pages),
            alipay_gateway_url: self
                .alipay_gateway_url
                .clone()
                .unwrap_or_else(|| format!("{api}/gateway.do")),
        };
        let sandbox_oauth = SandboxOAuth {
            sandbox: sandbox.clone(),
            wechat_app_id: oauth.wechat_app_id.clone(),
            wechat_app_secret: oauth.wechat_app_secret.clone(),
            alipay_app_id: oauth.alipay_app_id.clone(),
            alipay_public_key: oauth.alipay_private_key.to_public_key(),
            gateway_key,
            redirect_hosts: self.registered_hosts(),
        };
        Ok((oauth, sandbox_oauth))
    }

    /// What `sandbox-upstream` plays of WeChat and Alipay for the sandbox `world`; an
    /// unreadable key file is one line naming its setting.
    pub fn sandbox_upstream_identity(
        &self,
        settings: &SandboxUpstreamSettings,
        world: Arc<Sandbox>,
    ) -> Result<SandboxOAuth, String> {
        let key = read_private_key(&settings.alipay_app_private_key_file)
            .map_err(|why| format!("ALIPAY_APP_PRIVATE_KEY_FILE: {why}"))?;
        let gateway_key = read_private_key(&settings.alipay_gateway_private_key_file)
            .map_err(|why| format!("SANDBOX_ALIPAY_PRIVATE_KEY_FILE: {why}"))?;
        Ok(SandboxOAuth {
            sandbox: world,
            wechat_app_id: settings.wechat_app_id.clone(),
            wechat_app_secret: settings.wechat_app_secret.expose().to_owned(),
            alipay_app_id: settings.alipay_app_id.clone(),
            alipay_public_key: key.to_public_key(),
            gateway_key: Arc::new(gateway_key),
            redirect_hosts: self.registered_hosts(),
        })
    }
}

impl Production {
    /// The real WeChat and Alipay apps; an unreadable key file is one line naming its setting.
    pub fn identity(&self) -> Result<OAuthConfig, String> {
        let key = read_private_key(&self.alipay_app_private_key_file)
            .map_err(|why| format!("ALIPAY_APP_PRIVATE_KEY_FILE: {why}"))?;
        let alipay_key = read_public_key(&self.alipay_public_key_file)
            .map_err(|why| format!("ALIPAY_PUBLIC_KEY_FILE: {why}"))?;
        Ok(OAuthConfig {
            wechat_app_id: self.wechat_app_id.clone(),
            wechat_app_secret: self.wechat_app_secret.expose().to_owned(),
            wechat_oauth_url: self.wechat_oauth_url.clone(),
            wechat_api_url: self.wechat_api_url.clone(),
            alipay_app_id: self.alipay_app_id.clone(),
            alipay_private_key: Arc::new(key),
            alipay_public_key: Arc::new(alipay_key),
            alipay_oauth_url: self.alipay_oauth_url.clone(),
            alipay_gateway_url: self.alipay_gateway_url.clone(),
        })
    }
}

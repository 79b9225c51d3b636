//! A deterministic WeChat Maidan sandbox: the same seed gives the same world.
//!
//! It owns WeChat users, providers with their assistant admins, and (sized by
//! `sub_merchants`) the sub-merchants later flows sync. Latency and transient faults can be
//! injected so that retries and resumption are testable.

use std::{sync::RwLock, time::Duration};

use async_trait::async_trait;

use super::{MaidanUpstream, UpstreamError, UpstreamProvider, WechatUser};

/// How the sandbox is sized and how badly it behaves.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub seed: u64,
    pub sub_merchants: u64,
    pub latency: Duration,
    /// Share of calls (0.0–1.0) that fail with a transient error.
    pub fault_rate: f64,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 20_261_127,
            sub_merchants: 3_000,
            latency: Duration::ZERO,
            fault_rate: 0.0,
        }
    }
}

/// The sandbox WeChat user who administers three providers (one already bound elsewhere).
pub const ADMIN_1: &str = "o_sandbox_admin_1";
/// The sandbox WeChat user who administers one more provider.
pub const ADMIN_2: &str = "o_sandbox_admin_2";
/// A sandbox WeChat user who administers nothing.
pub const STAFF_1: &str = "o_sandbox_staff_1";

#[derive(Debug)]
struct World {
    users: Vec<WechatUser>,
    providers: Vec<UpstreamProvider>,
}

/// The seeded sandbox upstream.
#[derive(Debug)]
pub struct Sandbox {
    config: SandboxConfig,
    world: RwLock<World>,
    calls: std::sync::atomic::AtomicU64,
}

/// SplitMix64: a tiny, well-known deterministic generator, enough for sandbox data.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0.0..1.0`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }
}

fn user(openid: &str, nickname: &str) -> WechatUser {
    WechatUser {
        openid: openid.into(),
        nickname: nickname.into(),
    }
}

fn provider(id: &str, name: &str, admin: &str) -> UpstreamProvider {
    UpstreamProvider {
        provider_id: id.into(),
        name: name.into(),
        admins: vec![admin.into()],
    }
}

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Sandbox {
        let world = World {
            users: vec![
                user(ADMIN_1, "沙箱管理员·林"),
                user(ADMIN_2, "沙箱管理员·周"),
                user(STAFF_1, "沙箱店员·陈"),
            ],
            providers: vec![
                provider("1900000101", "杭州西湖买单服务商", ADMIN_1),
                provider("1900000102", "苏州园区买单服务商", ADMIN_1),
                provider("1900000103", "深圳南山买单服务商", ADMIN_1),
                provider("1900000201", "成都锦江买单服务商", ADMIN_2),
            ],
        };
        Sandbox {
            config,
            world: RwLock::new(world),
            calls: std::sync::atomic::AtomicU64::new(0),
        }
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// Every sandbox WeChat user, for the phone page's identity picker.
    pub fn wechat_users(&self) -> Vec<WechatUser> {
        self.world
            .read()
            .map(|w| w.users.clone())
            .unwrap_or_default()
    }

    /// Every sandbox provider.
    pub fn providers(&self) -> Vec<UpstreamProvider> {
        self.world
            .read()
            .map(|w| w.providers.clone())
            .unwrap_or_default()
    }

    /// Adds a provider administered by `admin` (sandbox control: "a provider was added in
    /// WeChat Maidan"). Its ID continues the sandbox's numbering.
    pub fn add_provider(&self, name: &str, admin: &str) -> Option<UpstreamProvider> {
        let mut world = self.world.write().ok()?;
        let id = 1_900_000_300 + world.providers.len() as u64;
        let provider = provider(&id.to_string(), name, admin);
        world.providers.push(provider.clone());
        Some(provider)
    }

    /// Injected latency and faults; deterministic per call number for a given seed.
    async fn behave(&self) -> Result<(), UpstreamError> {
        if !self.config.latency.is_zero() {
            tokio::time::sleep(self.config.latency).await;
        }
        if self.config.fault_rate > 0.0 {
            let n = self
                .calls
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let mut rng = SplitMix64::new(self.config.seed ^ n.wrapping_mul(0x2545_F491_4F6C_DD1D));
            if rng.next_f64() < self.config.fault_rate {
                return Err(UpstreamError::Transient(format!(
                    "sandbox fault on call {n}"
                )));
            }
        }
        Ok(())
    }
}

#[async_trait]
impl MaidanUpstream for Sandbox {
    fn kind(&self) -> &'static str {
        "sandbox"
    }

    fn sandbox(&self) -> Option<&Sandbox> {
        Some(self)
    }

    async fn wechat_user(&self, openid: &str) -> Result<Option<WechatUser>, UpstreamError> {
        self.behave().await?;
        Ok(self.wechat_users().into_iter().find(|u| u.openid == openid))
    }

    async fn providers_administered_by(
        &self,
        openid: &str,
    ) -> Result<Vec<UpstreamProvider>, UpstreamError> {
        self.behave().await?;
        Ok(self
            .providers()
            .into_iter()
            .filter(|p| p.admins.iter().any(|a| a == openid))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn admins_administer_the_documented_providers() {
        let sandbox = Sandbox::new(SandboxConfig::default());
        assert_eq!(
            sandbox
                .providers_administered_by(ADMIN_1)
                .await
                .unwrap()
                .len(),
            3
        );
        assert_eq!(
            sandbox
                .providers_administered_by(ADMIN_2)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            sandbox
                .providers_administered_by(STAFF_1)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(sandbox.wechat_user(STAFF_1).await.unwrap().is_some());
        assert!(sandbox.wechat_user("o_nobody").await.unwrap().is_none());
    }

    #[test]
    fn the_generator_is_deterministic() {
        let a: Vec<u64> = (0..4)
            .scan(SplitMix64::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..4)
            .scan(SplitMix64::new(7), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a[0], a[1]);
    }

    #[tokio::test]
    async fn injected_faults_are_transient_errors() {
        let sandbox = Sandbox::new(SandboxConfig {
            fault_rate: 1.0,
            ..SandboxConfig::default()
        });
        assert!(matches!(
            sandbox.wechat_user(ADMIN_1).await,
            Err(UpstreamError::Transient(_))
        ));
    }
}

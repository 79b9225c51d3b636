//! A deterministic WeChat Maidan sandbox: the same seed gives the same world.
//!
//! It owns WeChat users, providers with their assistant admins, and (sized by
//! `sub_merchants`) the sub-merchants later flows sync. Latency and transient faults can be
//! injected so that retries and resumption are testable.
//!
//! This module is the `MaidanUpstream` implementation and the sandbox's controls; what the
//! seed generates is in [`world`], the binding codes in [`binding`], the sign-in accounts and
//! codes in [`sign_in`]. Its OAuth pages and its HTTP server are modules of their own.

mod binding;
mod sign_in;
mod world;

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, RwLock, RwLockWriteGuard,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;

use domain::api::MaidanBinding;

pub use binding::{CODE_COOLDOWN_S, CODE_LIFETIME_S, CODE_TRIES};
pub use sign_in::{ALIPAY_USERS, AlipayUser, IdentityProvider, SIGN_IN_CODE_LIFETIME_MS};
pub use world::SplitMix64;

use super::{
    BindingError, BindingRefusal, CodeSent, MaidanUpstream, PageAnswer, SubMerchantPage,
    UpstreamCause, UpstreamError, UpstreamProvider, UpstreamSubMerchant, UpstreamTransaction,
    WechatUser,
};
use crate::clock::{Clock, SystemClock};
use world::{provider, user};

/// How the sandbox is sized and how badly it behaves.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub seed: u64,
    pub sub_merchants: u64,
    pub latency: Duration,
    /// Share of calls (0.0–1.0) that fail with a transient error.
    pub fault_rate: f64,
    /// Historical transactions of each sub-merchant.
    pub transactions_per_sub_merchant: u32,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 20_261_127,
            sub_merchants: 3_000,
            latency: Duration::ZERO,
            fault_rate: 0.0,
            transactions_per_sub_merchant: 5,
        }
    }
}

/// The sandbox WeChat user who administers three providers (one already bound elsewhere).
pub const ADMIN_1: &str = "o_sandbox_admin_1";
/// The sandbox WeChat user who administers one more provider.
pub const ADMIN_2: &str = "o_sandbox_admin_2";
/// A sandbox WeChat user who administers nothing.
pub const STAFF_1: &str = "o_sandbox_staff_1";

/// What changes while the sandbox runs (the rest is generated from the seed).
#[derive(Debug)]
struct World {
    users: Vec<WechatUser>,
    providers: Vec<UpstreamProvider>,
    /// Merchant IDs that opened WeChat Maidan after start-up (the phone binding flow).
    opened: HashSet<String>,
    /// The latest binding code per mobile.
    codes: HashMap<String, binding::SentCode>,
    /// Wrong binding tries per merchant ID since its latest code was sent ([`CODE_TRIES`] once
    /// it is used up or bound): one count for all of its codes, so that the answer never
    /// depends on which mobile was typed.
    binding_tries: HashMap<String, u32>,
    /// Sign-in codes handed out by the sandbox's WeChat and Alipay authorize pages.
    sign_in_codes: HashMap<String, sign_in::SignInCode>,
}

/// The seeded sandbox upstream.
#[derive(Debug)]
pub struct Sandbox {
    config: SandboxConfig,
    world: RwLock<World>,
    calls: AtomicU64,
    /// Injected latency per call, changeable at run time (sandbox control).
    latency_ms: AtomicU64,
    /// Every call fails, as in an outage (tests of readiness).
    down: AtomicBool,
    /// Time for binding codes (a test's manual clock).
    clock: Arc<dyn Clock>,
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
            opened: HashSet::new(),
            codes: HashMap::new(),
            binding_tries: HashMap::new(),
            sign_in_codes: HashMap::new(),
        };
        let latency_ms = u64::try_from(config.latency.as_millis()).unwrap_or(u64::MAX);
        Sandbox {
            config,
            world: RwLock::new(world),
            calls: AtomicU64::new(0),
            latency_ms: AtomicU64::new(latency_ms),
            down: AtomicBool::new(false),
            clock: Arc::new(SystemClock),
        }
    }

    /// The same sandbox, telling time by `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Sandbox {
        self.clock = clock;
        self
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// Takes the sandbox down (every call fails as a transient outage would) or back up.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::Relaxed);
    }

    /// Sets the latency every later upstream call waits (sandbox control: "WeChat is slow").
    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.latency_ms.store(ms, Ordering::Relaxed);
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

    /// The world, to change it.
    fn world_mut(&self) -> Result<RwLockWriteGuard<'_, World>, UpstreamError> {
        self.world.write().map_err(|_| {
            UpstreamError::unavailable(UpstreamCause::Internal, "sandbox lock poisoned")
        })
    }

    /// Injected latency and faults; deterministic per call number for a given seed.
    async fn behave(&self) -> Result<(), UpstreamError> {
        if self.down.load(Ordering::Relaxed) {
            return Err(UpstreamError::unavailable(
                UpstreamCause::SandboxDown,
                "sandbox is down",
            ));
        }
        let latency_ms = self.latency_ms.load(Ordering::Relaxed);
        if latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(latency_ms)).await;
        }
        if self.config.fault_rate > 0.0 {
            let n = self.calls.fetch_add(1, Ordering::Relaxed);
            let mut rng = SplitMix64::new(self.config.seed ^ n.wrapping_mul(0x2545_F491_4F6C_DD1D));
            if rng.next_f64() < self.config.fault_rate {
                return Err(UpstreamError::unavailable(
                    UpstreamCause::SandboxFault,
                    format!("sandbox fault on call {n}"),
                ));
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

    async fn sub_merchants(&self, provider_id: &str, cursor: u64, limit: u32) -> PageAnswer {
        self.behave().await?;
        let providers = self.providers();
        let Some(ordinal) = providers.iter().position(|p| p.provider_id == provider_id) else {
            return Err(UpstreamError::refused(
                UpstreamCause::NotFound,
                format!("no provider {provider_id}"),
            ));
        };
        let total = self.sub_merchant_count(ordinal);
        let end = cursor.saturating_add(u64::from(limit.max(1))).min(total);
        let world = self.world.read().map_err(|_| {
            UpstreamError::unavailable(UpstreamCause::Internal, "sandbox lock poisoned")
        })?;
        let items = (cursor.min(end)..end)
            .map(|i| {
                let mut item = self.sub_merchant(ordinal, provider_id, i);
                item.maidan_opened |= world.opened.contains(&item.merchant_id);
                item
            })
            .collect();
        Ok(SubMerchantPage {
            items,
            next_cursor: (end < total).then_some(end),
            total,
        })
    }

    async fn send_binding_code(
        &self,
        merchant_id: &str,
        mobile: &str,
    ) -> Result<CodeSent, BindingError> {
        self.behave().await?;
        self.send_code(merchant_id, mobile)
    }

    async fn bind_merchant(&self, binding: &MaidanBinding) -> Result<(), BindingError> {
        self.behave().await?;
        self.bind(binding)
    }

    async fn maidan_opened(&self, merchant_id: &str) -> Result<Option<bool>, UpstreamError> {
        self.behave().await?;
        Ok(self.sub_merchant_by_id(merchant_id).map(|m| {
            m.maidan_opened
                || self
                    .world
                    .read()
                    .is_ok_and(|world| world.opened.contains(merchant_id))
        }))
    }

    async fn transactions(
        &self,
        merchant_id: &str,
    ) -> Result<Vec<UpstreamTransaction>, UpstreamError> {
        self.behave().await?;
        self.history(merchant_id)
    }

    async fn transactions_of(
        &self,
        merchant_ids: &[String],
    ) -> Result<Vec<UpstreamTransaction>, UpstreamError> {
        self.behave().await?;
        let mut all = Vec::new();
        for id in merchant_ids {
            all.extend(self.history(id)?);
        }
        Ok(all)
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

    async fn all_sub_merchants(
        sandbox: &Sandbox,
        provider_id: &str,
        limit: u32,
    ) -> Vec<UpstreamSubMerchant> {
        let mut out = Vec::new();
        let mut cursor = Some(0);
        while let Some(at) = cursor {
            let page = sandbox.sub_merchants(provider_id, at, limit).await.unwrap();
            out.extend(page.items);
            cursor = page.next_cursor;
        }
        out
    }

    #[tokio::test]
    async fn the_sub_merchant_total_is_the_configured_size_and_pages_cover_each_once() {
        let sandbox = Sandbox::new(SandboxConfig {
            sub_merchants: 3_001,
            ..SandboxConfig::default()
        });
        let mut ids = std::collections::BTreeSet::new();
        let mut total = 0;
        for provider in sandbox.providers() {
            let all = all_sub_merchants(&sandbox, &provider.provider_id, 97).await;
            let first = sandbox
                .sub_merchants(&provider.provider_id, 0, 1)
                .await
                .unwrap();
            assert_eq!(first.total, all.len() as u64);
            total += all.len();
            for m in all {
                assert_eq!(m.merchant_id.len(), 10);
                assert_eq!(m.provider_id, provider.provider_id);
                assert!(ids.insert(m.merchant_id), "duplicate merchant ID");
            }
        }
        assert_eq!(total, 3_001);
    }

    #[tokio::test]
    async fn the_same_seed_gives_the_same_world_and_another_seed_another() {
        let a = Sandbox::new(SandboxConfig::default());
        let b = Sandbox::new(SandboxConfig::default());
        let c = Sandbox::new(SandboxConfig {
            seed: 7,
            ..SandboxConfig::default()
        });
        let first = a.sub_merchants("1900000101", 0, 50).await.unwrap().items;
        assert_eq!(
            first,
            b.sub_merchants("1900000101", 0, 50).await.unwrap().items
        );
        assert_ne!(
            first,
            c.sub_merchants("1900000101", 0, 50).await.unwrap().items
        );
        assert_eq!(
            a.transactions("1600000007").await.unwrap(),
            b.transactions("1600000007").await.unwrap()
        );
    }

    #[tokio::test]
    async fn a_million_sub_merchants_need_no_memory_up_front() {
        let sandbox = Sandbox::new(SandboxConfig {
            sub_merchants: 1_000_000,
            ..SandboxConfig::default()
        });
        let last = sandbox
            .sub_merchants("1900000201", 99_999, 10)
            .await
            .unwrap();
        assert_eq!(last.total, 100_000);
        assert_eq!(last.items.len(), 1);
        assert_eq!(last.next_cursor, None);
        assert_eq!(last.items[0].merchant_id, "1603099999");
    }

    #[tokio::test]
    async fn an_added_provider_has_its_own_sub_merchants() {
        let sandbox = Sandbox::new(SandboxConfig::default());
        let added = sandbox
            .add_provider("南京新街口买单服务商", ADMIN_1)
            .unwrap();
        let all = all_sub_merchants(&sandbox, &added.provider_id, 20).await;
        assert_eq!(all.len(), 50);
        assert!(all.iter().all(|m| m.merchant_id.starts_with("1604")));
    }

    #[tokio::test]
    async fn transactions_are_deterministic_and_plausible() {
        let sandbox = Sandbox::new(SandboxConfig {
            transactions_per_sub_merchant: 12,
            ..SandboxConfig::default()
        });
        let txs = sandbox.transactions("1601000042").await.unwrap();
        assert_eq!(txs.len(), 12);
        assert!(
            txs.iter()
                .all(|t| t.amount_fen >= 100 && t.merchant_id == "1601000042")
        );
        assert!(txs.windows(2).all(|w| w[0].paid_at_ms < w[1].paid_at_ms));
        assert!(sandbox.transactions("not-a-merchant").await.is_err());
    }

    #[tokio::test]
    async fn injected_faults_are_transient_errors() {
        let sandbox = Sandbox::new(SandboxConfig {
            fault_rate: 1.0,
            ..SandboxConfig::default()
        });
        assert!(matches!(
            sandbox.wechat_user(ADMIN_1).await,
            Err(UpstreamError::Transient {
                cause: UpstreamCause::SandboxFault,
                ..
            })
        ));
    }
}

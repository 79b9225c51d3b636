//! A deterministic WeChat Maidan sandbox: the same seed gives the same world.
//!
//! It owns WeChat users, providers with their assistant admins, and (sized by
//! `sub_merchants`) the sub-merchants later flows sync. Latency and transient faults can be
//! injected so that retries and resumption are testable.
//!
//! One file because it is one `MaidanUpstream` implementation over one world (users,
//! providers, generated sub-merchants and transactions, the binding codes); its OAuth pages
//! and its HTTP server are modules of their own. A fifth of the file is its tests.

use std::{sync::RwLock, time::Duration};

use async_trait::async_trait;

use domain::api::MaidanBinding;

use super::{
    BindingError, BindingRefusal, CodeSent, MaidanUpstream, SubMerchantPage, UpstreamCause,
    UpstreamError, UpstreamProvider, UpstreamSubMerchant, UpstreamTransaction, WechatUser,
};
use crate::clock::{Clock, SystemClock};

/// A binding code may be asked for again after this long (per mobile).
pub const CODE_COOLDOWN_S: u64 = 60;
/// A binding code lives this long.
pub const CODE_LIFETIME_S: u64 = 300;
/// Wrong tries that use a binding code up.
pub const CODE_TRIES: u32 = 5;

/// A binding code the sandbox "texted".
#[derive(Debug, Clone)]
struct SentCode {
    merchant_id: String,
    code: String,
    sent_at_ms: i64,
}

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

#[derive(Debug)]
struct World {
    users: Vec<WechatUser>,
    providers: Vec<UpstreamProvider>,
    /// Merchant IDs that opened WeChat Maidan after start-up (the phone binding flow).
    opened: std::collections::HashSet<String>,
    /// The latest binding code per mobile.
    codes: std::collections::HashMap<String, SentCode>,
    /// Wrong binding tries per merchant ID since its latest code was sent ([`CODE_TRIES`] once
    /// it is used up or bound): one count for all of its codes, so that the answer never
    /// depends on which mobile was typed.
    binding_tries: std::collections::HashMap<String, u32>,
    /// Sign-in codes handed out by the sandbox's WeChat and Alipay authorize pages.
    sign_in_codes: std::collections::HashMap<String, SignInCode>,
}

/// A code the sandbox's authorize page issued: who signed in, for which app, when.
#[derive(Debug, Clone)]
struct SignInCode {
    provider: IdentityProvider,
    app_id: String,
    user: String,
    issued_at_ms: i64,
}

/// The two identity providers the sandbox plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityProvider {
    Wechat,
    Alipay,
}

/// A sign-in code lives this long (WeChat: five minutes).
pub const SIGN_IN_CODE_LIFETIME_MS: i64 = 5 * 60 * 1000;

/// A sandbox Alipay account (a merchant's), for the app authorization page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlipayUser {
    /// `2088` + 12 digits.
    pub user_id: String,
    pub name: String,
}

/// The sandbox's Alipay accounts.
pub const ALIPAY_USERS: [(&str, &str); 2] = [
    ("2088000000000011", "沙箱商户·林"),
    ("2088000000000022", "沙箱商户·周"),
];

/// Sub-merchants of a provider that was added after start-up (sandbox control).
const ADDED_PROVIDER_SUB_MERCHANTS: u64 = 50;
/// The demo providers' shares of `sub_merchants`, in order.
const SHARES: [u64; 4] = [4, 3, 2, 1];

const CITIES: [&str; 8] = [
    "杭州", "苏州", "深圳", "成都", "南京", "武汉", "西安", "厦门",
];
const SHOPS: [&str; 10] = [
    "面馆",
    "咖啡",
    "茶饮",
    "烘焙",
    "便利店",
    "花店",
    "书店",
    "火锅",
    "烧烤",
    "水果",
];
const BRANDS: [&str; 10] = [
    "小林", "阿周", "老陈", "青禾", "云朵", "拾光", "半山", "禾木", "知味", "鹿角",
];

/// A deterministic 64-bit mix of the seed and some numbers.
fn mix(seed: u64, a: u64, b: u64) -> u64 {
    SplitMix64::new(
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F),
    )
    .next_u64()
}

/// The seeded sandbox upstream.
#[derive(Debug)]
pub struct Sandbox {
    config: SandboxConfig,
    world: RwLock<World>,
    calls: std::sync::atomic::AtomicU64,
    /// Injected latency per call, changeable at run time (sandbox control).
    latency_ms: std::sync::atomic::AtomicU64,
    /// Every call fails, as in an outage (tests of readiness).
    down: std::sync::atomic::AtomicBool,
    /// Time for binding codes (a test's manual clock).
    clock: std::sync::Arc<dyn Clock>,
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
            opened: std::collections::HashSet::new(),
            codes: std::collections::HashMap::new(),
            binding_tries: std::collections::HashMap::new(),
            sign_in_codes: std::collections::HashMap::new(),
        };
        let latency_ms = u64::try_from(config.latency.as_millis()).unwrap_or(u64::MAX);
        Sandbox {
            config,
            world: RwLock::new(world),
            calls: std::sync::atomic::AtomicU64::new(0),
            latency_ms: std::sync::atomic::AtomicU64::new(latency_ms),
            down: std::sync::atomic::AtomicBool::new(false),
            clock: std::sync::Arc::new(SystemClock),
        }
    }

    /// The same sandbox, telling time by `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: std::sync::Arc<dyn Clock>) -> Sandbox {
        self.clock = clock;
        self
    }

    /// The contact mobile and settlement card registered with a merchant ID (what the phone
    /// binding must match), deterministic per seed.
    pub fn merchant_contact(&self, merchant_id: &str) -> Option<(String, String)> {
        let (ordinal, index) = merchant_ordinal(merchant_id)?;
        self.sub_merchant_by_id(merchant_id)?;
        let r = mix(self.config.seed ^ 0x636F_6E74, ordinal as u64, index);
        let mobile = format!("1{}{:09}", 3 + r % 7, (r >> 8) % 1_000_000_000);
        let body = format!("6222{:011}", (r >> 20) % 100_000_000_000);
        let check = (0..=9)
            .find(|d| domain::rules::luhn(&format!("{body}{d}")))
            .unwrap_or(0);
        Some((mobile, format!("{body}{check}")))
    }

    /// The latest binding code texted to a mobile (sandbox control, for tests).
    pub fn latest_code(&self, mobile: &str) -> Option<String> {
        self.world
            .read()
            .ok()?
            .codes
            .get(mobile)
            .map(|c| c.code.clone())
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// Sets the latency every later upstream call waits (sandbox control: "WeChat is slow").
    /// Takes the sandbox down (every call fails as a transient outage would) or back up.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.latency_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Every sandbox WeChat user, for the phone page's identity picker.
    pub fn wechat_users(&self) -> Vec<WechatUser> {
        self.world
            .read()
            .map(|w| w.users.clone())
            .unwrap_or_default()
    }

    /// Every sandbox Alipay account.
    pub fn alipay_users(&self) -> Vec<AlipayUser> {
        ALIPAY_USERS
            .iter()
            .map(|(user_id, name)| AlipayUser {
                user_id: (*user_id).to_owned(),
                name: (*name).to_owned(),
            })
            .collect()
    }

    /// The authorize page: `user` signed in to `provider` for `app_id`; returns the single-use
    /// code the phone carries back to the console.
    pub fn issue_sign_in_code(
        &self,
        provider: IdentityProvider,
        app_id: &str,
        user: &str,
    ) -> Option<String> {
        let mut bytes = [0_u8; 16];
        getrandom::fill(&mut bytes).ok()?;
        let code = crate::auth::hex(&bytes);
        let now = self.clock.now_ms();
        let mut world = self.world.write().ok()?;
        world
            .sign_in_codes
            .retain(|_, c| now - c.issued_at_ms < SIGN_IN_CODE_LIFETIME_MS);
        world.sign_in_codes.insert(
            code.clone(),
            SignInCode {
                provider,
                app_id: app_id.to_owned(),
                user: user.to_owned(),
                issued_at_ms: now,
            },
        );
        Some(code)
    }

    /// The code exchange: who signed in, if the code was issued by `provider` for `app_id`, is
    /// fresh, and was not exchanged before (it is spent either way).
    pub fn take_sign_in_code(
        &self,
        provider: IdentityProvider,
        app_id: &str,
        code: &str,
    ) -> Option<String> {
        let now = self.clock.now_ms();
        let issued = self.world.write().ok()?.sign_in_codes.remove(code)?;
        (issued.provider == provider
            && issued.app_id == app_id
            && now - issued.issued_at_ms < SIGN_IN_CODE_LIFETIME_MS)
            .then_some(issued.user)
    }

    /// Every sandbox provider.
    pub fn providers(&self) -> Vec<UpstreamProvider> {
        self.world
            .read()
            .map(|w| w.providers.clone())
            .unwrap_or_default()
    }

    /// How many sub-merchants a provider has (its ordinal is its place in the world).
    fn sub_merchant_count(&self, ordinal: usize) -> u64 {
        let total = self.config.sub_merchants;
        let weight: u64 = SHARES.iter().sum();
        match SHARES.get(ordinal) {
            // The last demo provider takes the rounding remainder, so the demo total is exact.
            Some(_) if ordinal == SHARES.len() - 1 => {
                total
                    - SHARES[..ordinal]
                        .iter()
                        .map(|s| total * s / weight)
                        .sum::<u64>()
            }
            Some(share) => total * share / weight,
            None => ADDED_PROVIDER_SUB_MERCHANTS,
        }
    }

    fn sub_merchant(&self, ordinal: usize, provider_id: &str, index: u64) -> UpstreamSubMerchant {
        let seed = self.config.seed;
        let r = mix(seed, ordinal as u64, index);
        let pick =
            |list: &[&'static str], shift: u32| list[((r >> shift) % list.len() as u64) as usize];
        UpstreamSubMerchant {
            // "16" + provider ordinal (2 digits) + index (6 digits): unique, 10 digits.
            merchant_id: format!("16{:02}{:06}", ordinal % 100, index % 1_000_000),
            provider_id: provider_id.to_owned(),
            name: format!(
                "{}·{}{} {:04}",
                pick(&CITIES, 0),
                pick(&BRANDS, 8),
                pick(&SHOPS, 16),
                index % 10_000
            ),
            maidan_opened: (r >> 32) % 10 < 7,
        }
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
        if self.down.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(UpstreamError::unavailable(
                UpstreamCause::SandboxDown,
                "sandbox is down",
            ));
        }
        let latency_ms = self.latency_ms.load(std::sync::atomic::Ordering::Relaxed);
        if latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(latency_ms)).await;
        }
        if self.config.fault_rate > 0.0 {
            let n = self
                .calls
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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

impl Sandbox {
    /// A sub-merchant by its merchant ID, as its provider's pages list it.
    pub fn sub_merchant_by_id(&self, merchant_id: &str) -> Option<UpstreamSubMerchant> {
        let (ordinal, index) = merchant_ordinal(merchant_id)?;
        let provider = self.providers().into_iter().nth(ordinal)?;
        (index < self.sub_merchant_count(ordinal))
            .then(|| self.sub_merchant(ordinal, &provider.provider_id, index))
    }

    /// A sub-merchant's deterministic payment history.
    fn history(&self, merchant_id: &str) -> Result<Vec<UpstreamTransaction>, UpstreamError> {
        let Some((ordinal, index)) = merchant_ordinal(merchant_id) else {
            return Err(UpstreamError::refused(
                UpstreamCause::NotFound,
                format!("no sub-merchant {merchant_id}"),
            ));
        };
        // 2026-01-01T00:00:00Z, then one payment every few hours.
        const START_MS: i64 = 1_767_225_600_000;
        let seed = self.config.seed;
        Ok((0..u64::from(self.config.transactions_per_sub_merchant))
            .map(|n| {
                let r = mix(seed ^ 0x7472_616E, (ordinal as u64) << 32 | index, n);
                UpstreamTransaction {
                    id: format!("{merchant_id}{n:06}"),
                    merchant_id: merchant_id.to_owned(),
                    amount_fen: 100 + (r % 50_000) as i64,
                    paid_at_ms: START_MS
                        + (n as i64) * 3 * 3_600_000
                        + ((r >> 20) % 3_600_000) as i64,
                }
            })
            .collect())
    }

    /// Marks a merchant ID as having opened WeChat Maidan (what the phone binding does).
    pub fn open_maidan(&self, merchant_id: &str) -> bool {
        if self.sub_merchant_by_id(merchant_id).is_none() {
            return false;
        }
        let Ok(mut world) = self.world.write() else {
            return false;
        };
        world.opened.insert(merchant_id.to_owned());
        true
    }
}

fn merchant_ordinal(merchant_id: &str) -> Option<(usize, u64)> {
    let digits = merchant_id.strip_prefix("16")?;
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits[..2].parse().ok()?, digits[2..].parse().ok()?))
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

    async fn sub_merchants(
        &self,
        provider_id: &str,
        cursor: u64,
        limit: u32,
    ) -> Result<SubMerchantPage, UpstreamError> {
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
        if self.sub_merchant_by_id(merchant_id).is_none() {
            return Err(BindingError::Refused(BindingRefusal::UnknownMerchant));
        }
        let now = self.clock.now_ms();
        let mut world = self.world.write().map_err(|_| {
            UpstreamError::unavailable(UpstreamCause::Internal, "sandbox lock poisoned")
        })?;
        if let Some(sent) = world.codes.get(mobile) {
            let waited_s = u64::try_from((now - sent.sent_at_ms) / 1000).unwrap_or(0);
            if waited_s < CODE_COOLDOWN_S {
                return Err(BindingError::Cooldown(CODE_COOLDOWN_S - waited_s));
            }
        }
        let mut bytes = [0_u8; 4];
        getrandom::fill(&mut bytes)
            .map_err(|e| UpstreamError::unavailable(UpstreamCause::Internal, e))?;
        let code = format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000);
        world.codes.insert(
            mobile.to_owned(),
            SentCode {
                merchant_id: merchant_id.to_owned(),
                code: code.clone(),
                sent_at_ms: now,
            },
        );
        world.binding_tries.insert(merchant_id.to_owned(), 0);
        Ok(CodeSent {
            cooldown_s: CODE_COOLDOWN_S,
            expires_in_s: CODE_LIFETIME_S,
            sandbox_code: Some(code),
        })
    }

    async fn bind_merchant(&self, binding: &MaidanBinding) -> Result<(), BindingError> {
        self.behave().await?;
        let merchant_id = binding.merchant_id.trim();
        let Some((mobile, card)) = self.merchant_contact(merchant_id) else {
            return Err(BindingError::Refused(BindingRefusal::UnknownMerchant));
        };
        let now = self.clock.now_ms();
        let mut world = self.world.write().map_err(|_| {
            UpstreamError::unavailable(UpstreamCause::Internal, "sandbox lock poisoned")
        })?;
        let lifetime_ms = i64::try_from(CODE_LIFETIME_S * 1000).unwrap_or(i64::MAX);
        let tries = world
            .binding_tries
            .get(merchant_id)
            .copied()
            .unwrap_or(CODE_TRIES);
        let live = |sent: &SentCode| {
            sent.merchant_id == merchant_id && now - sent.sent_at_ms <= lifetime_ms
        };
        // Some code of this merchant ID is still valid, and tries remain.
        if tries >= CODE_TRIES || !world.codes.values().any(live) {
            return Err(BindingError::Refused(BindingRefusal::CodeExpired));
        }
        let entered_mobile = binding.mobile.trim();
        let entered_card: String = binding
            .bank_card
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        // The code texted to the mobile typed (a code someone else asked for the same merchant
        // ID, to another mobile, neither replaces nor spends it). The mobile, the card and the
        // code are all compared before answering, and a mismatch of any is one answer that
        // uses up one of the merchant ID's tries: what is registered is never confirmed on its
        // own, and which mobiles hold a code is never told.
        let code_matches = world
            .codes
            .get(entered_mobile)
            .filter(|sent| live(sent))
            .is_some_and(|sent| sent.code == binding.code.trim());
        let matches = (entered_mobile == mobile) & (entered_card == card) & code_matches;
        if !matches {
            let wrong = tries + 1;
            world.binding_tries.insert(merchant_id.to_owned(), wrong);
            return Err(BindingError::Refused(if wrong >= CODE_TRIES {
                BindingRefusal::CodeExpired
            } else {
                BindingRefusal::DetailsMismatch {
                    tries_left: CODE_TRIES - wrong,
                }
            }));
        }
        // Used once: the merchant ID's codes are spent, and it has opened Maidan. The cooldown
        // still holds for the mobile.
        world
            .binding_tries
            .insert(merchant_id.to_owned(), CODE_TRIES);
        world.opened.insert(merchant_id.to_owned());
        Ok(())
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

    #[test]
    fn every_merchant_has_a_valid_registered_mobile_and_card() {
        let sandbox = Sandbox::new(SandboxConfig::default());
        for merchant_id in ["1600000000", "1600000005", "1601000042", "1603000299"] {
            let (mobile, card) = sandbox.merchant_contact(merchant_id).unwrap();
            assert!(domain::rules::mobile(&mobile).is_ok(), "{mobile}");
            assert!(domain::rules::bank_card(&card).is_ok(), "{card}");
            assert_eq!(sandbox.merchant_contact(merchant_id), Some((mobile, card)));
        }
        assert_eq!(sandbox.merchant_contact("1699999999"), None);
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

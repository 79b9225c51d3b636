//! What the seed generates: the demo providers' sub-merchants (names, whether Maidan is
//! open), each merchant's registered mobile and card, and its payment history. Nothing here is
//! stored: the same seed and number give the same answer, so a million sub-merchants cost no
//! memory.

use super::{
    Sandbox, UpstreamCause, UpstreamError, UpstreamProvider, UpstreamSubMerchant,
    UpstreamTransaction, WechatUser,
};

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

/// A deterministic 64-bit mix of the seed and some numbers.
fn mix(seed: u64, a: u64, b: u64) -> u64 {
    SplitMix64::new(
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F),
    )
    .next_u64()
}

pub(super) fn user(openid: &str, nickname: &str) -> WechatUser {
    WechatUser {
        openid: openid.into(),
        nickname: nickname.into(),
    }
}

pub(super) fn provider(id: &str, name: &str, admin: &str) -> UpstreamProvider {
    UpstreamProvider {
        provider_id: id.into(),
        name: name.into(),
        admins: vec![admin.into()],
    }
}

/// The provider ordinal and the index of a merchant ID ("16" + 2 + 6 digits).
fn merchant_ordinal(merchant_id: &str) -> Option<(usize, u64)> {
    let digits = merchant_id.strip_prefix("16")?;
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits[..2].parse().ok()?, digits[2..].parse().ok()?))
}

impl Sandbox {
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

    /// How many sub-merchants a provider has (its ordinal is its place in the world).
    pub(super) fn sub_merchant_count(&self, ordinal: usize) -> u64 {
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

    /// The `index`th sub-merchant of the provider at `ordinal`, as generated (before any
    /// binding opened Maidan).
    pub(super) fn sub_merchant(
        &self,
        ordinal: usize,
        provider_id: &str,
        index: u64,
    ) -> UpstreamSubMerchant {
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

    /// A sub-merchant by its merchant ID, as its provider's pages list it.
    pub fn sub_merchant_by_id(&self, merchant_id: &str) -> Option<UpstreamSubMerchant> {
        let (ordinal, index) = merchant_ordinal(merchant_id)?;
        let provider = self.providers().into_iter().nth(ordinal)?;
        (index < self.sub_merchant_count(ordinal))
            .then(|| self.sub_merchant(ordinal, &provider.provider_id, index))
    }

    /// A sub-merchant's deterministic payment history.
    pub(super) fn history(
        &self,
        merchant_id: &str,
    ) -> Result<Vec<UpstreamTransaction>, UpstreamError> {
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
}

#[cfg(test)]
mod tests {
    use super::super::SandboxConfig;
    use super::*;

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
}

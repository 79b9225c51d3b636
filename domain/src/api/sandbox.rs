//! What the sandbox upstream shows and lets a tester change (sandbox only).

use serde::{Deserialize, Serialize};

/// `POST /sandbox/providers`: add a provider upstream (sandbox only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewSandboxProvider {
    /// 1–64 characters.
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 64))]
    pub name: String,
    /// One of the sandbox's WeChat users (`GET /sandbox/wechat-users`).
    pub admin_openid: String,
}

/// `GET /sandbox/merchants/{merchant_id}`: what the sandbox registered for a merchant ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SandboxMerchant {
    pub merchant_id: String,
    pub name: String,
    pub mobile: String,
    pub bank_card: String,
    pub maidan_opened: bool,
}

/// `GET /sandbox/sms-codes/{mobile}`: the latest code texted there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SandboxSmsCode {
    pub mobile: String,
    pub code: String,
}

/// `PUT /sandbox/latency`: how long every later upstream call waits (sandbox only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SandboxLatency {
    /// Milliseconds, at most 10,000.
    #[cfg_attr(feature = "openapi", schema(maximum = 10_000))]
    #[serde(deserialize_with = "whole_number")]
    pub latency_ms: u32,
}

/// A JSON integer as JSON Schema counts one: `5` and `5.0` alike (a fraction or a negative number
/// is refused).
fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = u32;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number from 0 to 4294967295")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u32, E> {
            u32::try_from(v).map_err(|_| E::custom("number too large"))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u32, E> {
            u32::try_from(v).map_err(|_| E::custom("number out of range"))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<u32, E> {
            if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) {
                // Whole and in range: the cast is exact.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                Ok(v as u32)
            } else {
                Err(E::custom("not a whole number"))
            }
        }
    }
    deserializer.deserialize_any(Whole)
}

impl SandboxLatency {
    /// The longest latency the sandbox accepts, so that a demo cannot be made to hang.
    pub const MAX_MS: u32 = 10_000;
}

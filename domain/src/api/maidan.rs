//! 开通微信买单 from a phone: the SMS code and the binding.

use serde::{Deserialize, Serialize};

use crate::rules::{self, FormErrors, form_errors};

/// `POST /m/maidan/sms-codes`: send an SMS code to the mobile, for binding a merchant ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaidanSmsRequest {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]{8,32}$"))]
    pub merchant_id: String,
    #[cfg_attr(feature = "openapi", schema(pattern = r"^1[3-9][0-9]{9}$"))]
    pub mobile: String,
}

/// A code was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaidanSmsSent {
    /// Seconds before another code may be asked for.
    pub cooldown_s: u64,
    /// Seconds the code stays valid.
    pub expires_in_s: u64,
    /// The code itself, only from the sandbox (shown in its 沙箱 banner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox_code: Option<String>,
}

/// `POST /m/maidan/bindings`: 已有商户号？立即绑定 — open WeChat Maidan for a merchant ID.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaidanBinding {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]{8,32}$"))]
    pub merchant_id: String,
    #[cfg_attr(feature = "openapi", schema(pattern = r"^1[3-9][0-9]{9}$"))]
    pub mobile: String,
    /// 12–19 digits (spaces between them are ignored) passing the Luhn check.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^ *([0-9] *){12,19}$"))]
    pub bank_card: String,
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]{6}$"))]
    pub code: String,
}

impl MaidanBinding {
    /// Every field by its rule (what the phone checks as the user types).
    pub fn check(&self) -> FormErrors {
        form_errors([
            ("merchant_id", rules::merchant_id(&self.merchant_id).err()),
            ("mobile", rules::mobile(&self.mobile).err()),
            ("bank_card", rules::bank_card(&self.bank_card).err()),
            ("code", rules::sms_code(&self.code).err()),
        ])
    }
}

/// The merchant ID has opened WeChat Maidan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaidanBound {
    pub merchant_id: String,
    pub maidan_opened: bool,
}

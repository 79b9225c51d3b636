//! A sub-merchant's keys and its Alipay authorization by QR code.

use serde::{Deserialize, Serialize};

use super::providers::{PhoneIdentity, TicketState};

/// `POST /sub-merchants/{id}/key-resets`: the public half of a signing key pair made in the
/// browser. The private half never leaves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyReset {
    /// RSA 2048 SubjectPublicKeyInfo, PEM or bare base64 DER (RSASSA-PSS, SHA-256).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 8_192))]
    pub signing_public_key: String,
}

crate::wire_enum! {
    /// 认证类型: how a device's request authentication code is made with the authentication
    /// key.
    pub enum AuthenticationType {
        HmacSha256 = "HMAC-SHA256",
    }
}

crate::wire_enum! {
    /// 签名类型: how the signing private key (kept on the device) signs a reversal or a
    /// refund, checked with the verification public key the server keeps.
    pub enum SignatureType {
        /// RSASSA-PSS with an RSA 2048 key and SHA-256.
        RsassaPss2048Sha256 = "RSASSA-PSS-2048-SHA256",
    }
}

/// What the console may show of a sub-merchant's keys: their types and fingerprints, never
/// the keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubMerchantKeys {
    pub authentication_type: AuthenticationType,
    pub signature_type: SignatureType,
    /// SHA-256 of the public key's SubjectPublicKeyInfo (DER), lower-case hex.
    pub public_key_sha256: String,
    /// The last 4 characters of the authentication key.
    pub authentication_key_last4: String,
    pub reset_at: String,
    pub reset_by: String,
}

/// The answer to a key reset: the authentication key, this once, and its fingerprints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyResetIssued {
    /// 32 letters and digits; no later answer carries it again.
    pub authentication_key: crate::Secret,
    pub keys: SubMerchantKeys,
}

/// An Alipay sub-merchant authorization that was confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlipayAuthorized {
    /// The Alipay user ID (`2088` + 12 digits) that authorized.
    pub user_id: String,
    pub authorized_at: String,
}

/// A 支付宝授权 QR code as the console sees it, polled until confirmed, cancelled or expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlipayAuthorizationTicket {
    pub id: String,
    /// `pending`, `scanned`, `completed`, `cancelled` or `expired`.
    pub state: TicketState,
    pub sub_merchant_id: i64,
    pub expires_at: String,
    pub expires_in_s: u64,
    /// Set once confirmed.
    pub authorized: Option<AlipayAuthorized>,
}

/// What the phone shows before the merchant authorizes: who asks, for which sub-merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MobileAlipayAuthorization {
    pub id: String,
    pub state: TicketState,
    pub sub_merchant_name: String,
    pub merchant_id: String,
    pub provider_name: String,
    pub expires_in_s: u64,
    pub authorized: Option<AlipayAuthorized>,
    /// The Alipay account that authorized the provider's app on this phone browser; `None` on
    /// any other browser, and before (the page then starts Alipay's app authorization).
    pub signed_in_as: Option<PhoneIdentity>,
}

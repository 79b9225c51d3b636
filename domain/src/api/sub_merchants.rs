//! Sub-merchants (子商户): the list, the detail page, its profile (基本信息), the channel switch.

use serde::{Deserialize, Serialize};

use crate::{
    provider_config::IMAGE_MAX_KB,
    rules::{self, FormErrors, form_errors, optional},
};

use super::audit::AuditEvent;
use super::channel::WechatChannel;
use super::jobs::Job;
use super::keys::{AlipayAuthorized, SubMerchantKeys};
use super::list::paged_query;

/// A sub-merchant (子商户) as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubMerchantSummary {
    /// The console's own ID of the row (its pages' addresses).
    pub id: i64,
    /// 云支付子商户 ID (`out_sub_mch_id`): assigned when first synced, unique in the account,
    /// what a cash register is configured with.
    pub out_sub_mch_id: String,
    /// Its provider's 云支付服务商 ID (`out_mch_id`).
    pub out_mch_id: String,
    pub merchant_id: String,
    pub name: String,
    pub provider_id: String,
    pub provider_name: String,
    pub channel: WechatChannel,
    pub maidan_opened: bool,
    pub sub_provider_account_id: Option<String>,
    pub keys_set: bool,
    /// When a sync last brought the row, RFC 3339.
    pub synced_at: String,
}

/// A sub-merchant's detail page: what the list shows, when it was last synced, and its
/// change history (newest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubMerchantDetail {
    pub sub_merchant: SubMerchantSummary,
    pub synced_at: String,
    pub history: Vec<AuditEvent>,
    /// The re-attribution of its transactions, while one is queued or running.
    pub reattribution: Option<Job>,
    /// Fingerprints of its keys, once they have been reset.
    pub keys: Option<SubMerchantKeys>,
    /// Its Alipay sub-merchant authorization, once confirmed.
    pub alipay: Option<AlipayAuthorized>,
    /// The profile (基本信息) the provider entered (empty until then).
    #[serde(default)]
    pub basic: SubMerchantProfile,
}

// In a macro, to take the OpenAPI patterns of URLs and images (`rules::with_patterns!`).
macro_rules! profile {
    ($https_url:literal, $image:literal, $optional_ratio:literal) => {
        /// A sub-merchant's profile (基本信息) as Cloud Pay's console holds it, beside the name synced
        /// from WeChat Maidan: all optional, a missing field is empty. `PUT` at [`Self::path`] answers
        /// what was stored (trimmed).
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(default)]
        pub struct SubMerchantProfile {
            /// 简称.
            #[cfg_attr(feature = "openapi", schema(max_length = 32))]
            pub short_name: String,
            /// 管理员姓名.
            #[cfg_attr(feature = "openapi", schema(max_length = 32))]
            pub admin_name: String,
            /// 管理员邮箱: empty, or one address such as `admin@example.com` (at most 254 characters, 64
            /// before the `@`; whitespace around it is trimmed).
            // The pattern states `rules::email` whole: whitespace as Rust trims it, the lengths
            // as lookaheads; of the domain's letters it names Latin-1's and CJK's (the rule
            // takes any script).
            #[cfg_attr(
                feature = "openapi",
                schema(
                    pattern = r#"^[\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$|^[\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?![^@]{65})(?![^\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]{255})[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000@<>()\[\]\\,;:".]+(?:\.[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000@<>()\[\]\\,;:".]+)*@(?:[0-9A-Za-z\xC0-\xD6\xD8-\xF6\xF8-\xFF\u4E00-\u9FFF](?:[0-9A-Za-z\xC0-\xD6\xD8-\xF6\xF8-\xFF\u4E00-\u9FFF-]{0,61}[0-9A-Za-z\xC0-\xD6\xD8-\xF6\xF8-\xFF\u4E00-\u9FFF])?\.)+[A-Za-z\xC0-\xD6\xD8-\xF6\xF8-\xFF\u4E00-\u9FFF]{2,63}[\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"#
                )
            )]
            pub admin_email: String,
            /// The logo as a `data:` URL (PNG or JPEG, at most 200 KB); empty for none.
            #[cfg_attr(feature = "openapi", schema(pattern = $image))]
            pub logo: String,
            /// 广告链接 (https only, at most 256 characters; whitespace around it is trimmed).
            #[cfg_attr(feature = "openapi", schema(pattern = $https_url))]
            pub ad_url: String,
            /// 广告图片 as a `data:` URL (PNG or JPEG, at most 200 KB); empty for none.
            #[cfg_attr(feature = "openapi", schema(pattern = $image))]
            pub ad_image: String,
            /// 备注.
            #[cfg_attr(feature = "openapi", schema(max_length = 256))]
            pub remark: String,
        }
    };
}
rules::with_patterns!(profile);

impl SubMerchantProfile {
    /// Where a sub-merchant's profile is saved (`PUT`), under `/api/v1`. Its former address,
    /// `/sub-merchants/{id}/basic-info`, answers `308` to this one for a release.
    pub fn path(sub_merchant_id: i64) -> String {
        format!("/sub-merchants/{sub_merchant_id}/profile")
    }

    /// Every field's rule (all optional).
    pub fn check(&self) -> FormErrors {
        form_errors([
            ("short_name", rules::text(&self.short_name, 32).err()),
            ("admin_name", rules::text(&self.admin_name, 32).err()),
            ("admin_email", optional(&self.admin_email, rules::email)),
            (
                "logo",
                rules::image_data_url(&self.logo, IMAGE_MAX_KB).err(),
            ),
            ("ad_url", optional(&self.ad_url, rules::https_url)),
            (
                "ad_image",
                rules::image_data_url(&self.ad_image, IMAGE_MAX_KB).err(),
            ),
            ("remark", rules::text(&self.remark, 256).err()),
        ])
    }

    /// The same information with the text fields trimmed, as it is stored.
    pub fn trimmed(self) -> Self {
        SubMerchantProfile {
            short_name: self.short_name.trim().to_owned(),
            admin_name: self.admin_name.trim().to_owned(),
            admin_email: self.admin_email.trim().to_owned(),
            ad_url: self.ad_url.trim().to_owned(),
            remark: self.remark.trim().to_owned(),
            ..self
        }
    }

    /// Names of the fields whose values differ from `other`'s (for the audit record).
    pub fn changed_fields(&self, other: &Self) -> Vec<String> {
        [
            ("short_name", self.short_name != other.short_name),
            ("admin_name", self.admin_name != other.admin_name),
            ("admin_email", self.admin_email != other.admin_email),
            ("logo", self.logo != other.logo),
            ("ad_url", self.ad_url != other.ad_url),
            ("ad_image", self.ad_image != other.ad_image),
            ("remark", self.remark != other.remark),
        ]
        .into_iter()
        .filter(|(_, differs)| *differs)
        .map(|(name, _)| name.to_owned())
        .collect()
    }
}

/// `PUT /sub-merchants/{id}/wechat-channel`: 切换渠道.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelChange {
    pub channel: WechatChannel,
}

paged_query! {
    /// Filters of `GET /sub-merchants`.
    pub struct SubMerchantQuery {
        pub provider_id: Option<String>,
        /// `official_direct` or `wechat_maidan`.
        #[cfg_attr(feature = "openapi", param(value_type = Option<WechatChannel>))]
        pub channel: Option<String>,
        /// Name or merchant ID contains this (at most 100 characters).
        #[cfg_attr(feature = "openapi", param(max_length = 100))]
        pub q: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FieldError;

    const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    #[test]
    fn the_profile_is_optional_and_each_field_has_its_rule() {
        assert!(SubMerchantProfile::default().check().is_empty());
        let good = SubMerchantProfile {
            short_name: "老王面馆".into(),
            admin_name: "王磊".into(),
            admin_email: "wang@example.com".into(),
            logo: PNG.into(),
            ad_url: "https://example.com/menu".into(),
            ad_image: PNG.into(),
            remark: "周一店休".into(),
        };
        assert!(good.check().is_empty());
        let bad = SubMerchantProfile {
            short_name: "面".repeat(33),
            admin_name: "王".repeat(33),
            admin_email: "wang@example".into(),
            logo: "data:image/gif;base64,R0lGODlh".into(),
            ad_url: "http://example.com".into(),
            ad_image: "data:image/png;base64,/9j/4AAQSkZJRg==".into(),
            remark: "x".repeat(257),
        };
        assert_eq!(
            bad.check(),
            vec![
                ("short_name", FieldError::TooLong { max: 32 }),
                ("admin_name", FieldError::TooLong { max: 32 }),
                ("admin_email", FieldError::Email),
                ("logo", FieldError::Image),
                ("ad_url", FieldError::HttpsUrl),
                ("ad_image", FieldError::Image),
                ("remark", FieldError::TooLong { max: 256 }),
            ]
        );
    }

    #[test]
    fn stored_text_is_trimmed_and_changes_are_named() {
        let before = SubMerchantProfile {
            short_name: "老王面馆".into(),
            ..SubMerchantProfile::default()
        };
        let after = SubMerchantProfile {
            short_name: " 老王面馆 ".into(),
            admin_email: " wang@example.com ".into(),
            ..SubMerchantProfile::default()
        }
        .trimmed();
        assert_eq!(after.admin_email, "wang@example.com");
        assert_eq!(after.changed_fields(&before), vec!["admin_email"]);
        assert!(after.changed_fields(&after).is_empty());
    }
}

//! Sub-providers (子服务商) and the transactions attributed to them.

use serde::{Deserialize, Serialize};

use crate::rules::{self, AccountId, FormErrors, form_errors, optional};

use super::list::paged_query;

/// `PUT /sub-merchants/{id}/sub-provider`: 修改子商户所属的子服务商.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubProviderChange {
    /// The sub-provider's Tencent Cloud account ID; one of the provider's sub-providers.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]{5,20}$"))]
    pub account_id: String,
}

// In a macro, to take the OpenAPI pattern of a rebate ratio (`rules::with_patterns!`).
macro_rules! sub_provider {
    ($https_url:literal, $image:literal, $optional_ratio:literal) => {
        /// A sub-provider (子服务商) registered by a provider account.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct SubProvider {
            /// Its Tencent Cloud account ID.
            #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]{5,20}$"))]
            pub account_id: String,
            /// 1–50 characters.
            #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 50))]
            pub name: String,
            /// Percent, two decimals at most (statistics only); empty when not set.
            #[serde(default)]
            #[cfg_attr(feature = "openapi", schema(pattern = $optional_ratio))]
            pub rebate_ratio: String,
            #[serde(default)]
            #[cfg_attr(feature = "openapi", schema(max_length = 200))]
            pub remark: String,
        }
    };
}
rules::with_patterns!(sub_provider);

impl SubProvider {
    /// Every field by its rule; the fields that break one.
    pub fn check(&self) -> FormErrors {
        form_errors([
            ("account_id", AccountId::parse(&self.account_id).err()),
            (
                "name",
                rules::required(&self.name)
                    .and_then(|n| rules::text(n, 50))
                    .err(),
            ),
            (
                "rebate_ratio",
                optional(&self.rebate_ratio, rules::rebate_ratio),
            ),
            ("remark", rules::text(&self.remark, 200).err()),
        ])
    }

    /// The rule `field` breaks, if it breaks one (a form's inline check of that field).
    pub fn error_of(&self, field: &str) -> Option<crate::FieldError> {
        self.check()
            .into_iter()
            .find(|(f, _)| *f == field)
            .map(|(_, e)| e)
    }
}

/// One payment of a sub-merchant, as Cloud Pay recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transaction {
    pub id: i64,
    pub sub_merchant_id: i64,
    pub merchant_id: String,
    pub sub_merchant_name: String,
    /// The sub-provider the payment is attributed to.
    pub sub_provider_account_id: Option<String>,
    /// In fen (0.01 CNY).
    pub amount_fen: i64,
    pub paid_at: String,
}

paged_query! {
    /// Filters of `GET /transactions`; `from`/`to` are dates (`YYYY-MM-DD`, inclusive, UTC+8).
    pub struct TransactionQuery {
        /// The console's row ID of one sub-merchant (its page links here).
        pub sub_merchant_id: Option<i64>,
        /// A sub-merchant's 微信支付商户号, or a part of its name (at most 100 characters).
        #[cfg_attr(feature = "openapi", param(max_length = 100))]
        pub q: Option<String>,
        /// The sub-provider's Tencent Cloud account ID (5–20 digits).
        #[cfg_attr(feature = "openapi", param(pattern = "^[0-9]{5,20}$"))]
        pub sub_provider_account_id: Option<String>,
        /// First day, `YYYY-MM-DD`.
        #[cfg_attr(feature = "openapi", param(format = Date))]
        pub from: Option<String>,
        /// Last day, `YYYY-MM-DD`.
        #[cfg_attr(feature = "openapi", param(format = Date))]
        pub to: Option<String>,
    }
}

/// A page of transactions with the totals of the whole filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransactionPage {
    pub items: Vec<Transaction>,
    pub total: u64,
    pub amount_fen: i64,
    pub page: u32,
    pub page_size: u32,
    /// A re-attribution that touches this filter is running: the totals are changing.
    pub changing: bool,
}

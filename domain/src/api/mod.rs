//! Request and response types of the JSON API under `/api/v1`, one file per area; every
//! type is re-exported here, so callers name them `domain::api::X`.

mod audit;
mod channel;
mod jobs;
mod keys;
mod list;
mod maidan;
mod providers;
mod sandbox;
mod session;
mod sub_merchants;
mod sub_providers;
mod upstream;

pub use audit::{AuditAction, AuditEvent, AuditTarget};
pub use channel::WechatChannel;
pub use jobs::{Job, JobCounts, JobError, JobFailure, JobKind, JobState, RowFailureCode};
pub use keys::{
    AlipayAuthorizationTicket, AlipayAuthorized, AuthenticationType, KeyReset, KeyResetIssued,
    MobileAlipayAuthorization, SignatureType, SubMerchantKeys,
};
pub use list::{ListQuery, Page, check_paging};
pub use maidan::{MaidanBinding, MaidanBound, MaidanSmsRequest, MaidanSmsSent};
pub use providers::{
    MobileProviderSyncTicket, PhoneIdentity, ProviderSummary, ProviderSyncResult,
    ProviderSyncTicket, SkipReason, SkippedProvider, SyncedProvider, TicketState, UnbindProvider,
    WechatUser,
};
pub use sandbox::{NewSandboxProvider, SandboxLatency, SandboxMerchant, SandboxSmsCode};
pub use session::{
    Account, AccountRole, Health, LoginRequest, PartHealth, PasswordChange, Readiness,
    ReadinessCheck, ReadinessState, SessionInfo,
};
pub use sub_merchants::{
    ChannelChange, SubMerchantDetail, SubMerchantProfile, SubMerchantQuery, SubMerchantSummary,
};
pub use sub_providers::{
    SubProvider, SubProviderChange, Transaction, TransactionPage, TransactionQuery,
};
pub use upstream::UpstreamCause;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FieldError;

    #[test]
    fn a_latency_is_a_whole_number_however_json_writes_it() {
        let latency =
            |body: &str| serde_json::from_str::<SandboxLatency>(body).map(|l| l.latency_ms);
        assert_eq!(latency(r#"{"latency_ms": 250}"#).unwrap(), 250);
        assert_eq!(latency(r#"{"latency_ms": 250.0}"#).unwrap(), 250);
        for bad in ["250.5", "-1", "4294967296", "\"250\""] {
            assert!(
                latency(&format!(r#"{{"latency_ms": {bad}}}"#)).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn paging_refuses_pages_past_the_last_one_served() {
        assert!(check_paging(Some(ListQuery::MAX_PAGE), Some(100), None).is_empty());
        assert_eq!(
            check_paging(Some(ListQuery::MAX_PAGE + 1), None, None),
            vec![("page", FieldError::TooLarge { max: 100_000 })]
        );
    }

    #[test]
    fn a_filter_value_outside_its_options_names_the_options() {
        assert_eq!(
            crate::rules::choice("wechat_maidan", &WechatChannel::ALL, WechatChannel::as_str),
            Ok(WechatChannel::WechatMaidan)
        );
        let error = crate::rules::choice("", &JobKind::ALL, JobKind::as_str).unwrap_err();
        assert_eq!(
            error.message(crate::Lang::En),
            "Choose one of: sub_merchant_sync, reattribution."
        );
    }
}

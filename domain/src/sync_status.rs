//! What the sub-merchant page says about the account's syncs before the next one: the
//! providers whose sub-merchants were never synced since they were bound (unbinding forgets
//! it, so a provider bound again counts as new), and whether the
//! providers themselves were last synced before the last sub-merchant sync began (new
//! providers added in WeChat Maidan since then would be missed).

use crate::api::{Job, ProviderSummary};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus<'a> {
    /// Never synced for their sub-merchants since they were bound.
    pub unsynced: Vec<&'a ProviderSummary>,
    /// The providers' latest sync, when it is older than the last sub-merchant sync's start.
    pub providers_synced_before: Option<&'a str>,
}

/// The status of `providers` given the account's `last` sub-merchant sync, if any.
pub fn sync_status<'a>(providers: &'a [ProviderSummary], last: Option<&Job>) -> SyncStatus<'a> {
    let unsynced = providers
        .iter()
        .filter(|p| p.sub_merchants_synced_at.is_none())
        .collect();
    let latest = providers
        .iter()
        .map(|p| p.synced_at.as_str())
        .max_by_key(|at| instant(at));
    let began = last.map(|job| job.started_at.as_deref().unwrap_or(&job.created_at));
    let providers_synced_before = match (latest, began) {
        (Some(latest), Some(began)) if instant(latest) < instant(began) => Some(latest),
        _ => None,
    };
    SyncStatus {
        unsynced,
        providers_synced_before,
    }
}

/// An RFC 3339 UTC time as something that orders: whole seconds, then milliseconds (the
/// fraction is optional on the wire).
fn instant(at: &str) -> (&str, u32) {
    let at = at.trim_end_matches('Z');
    match at.split_once('.') {
        Some((seconds, fraction)) => {
            let millis = format!("{fraction:0<3}");
            (seconds, millis[..3].parse().unwrap_or(0))
        }
        None => (at, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{JobKind, JobState};

    fn provider(id: &str, synced_at: &str, sub_merchants: Option<&str>) -> ProviderSummary {
        ProviderSummary {
            provider_id: id.to_owned(),
            out_mch_id: format!("sp{id}"),
            name: format!("服务商 {id}"),
            wechat_pay_configured: false,
            alipay_configured: false,
            synced_at: synced_at.to_owned(),
            sub_merchants_synced_at: sub_merchants.map(str::to_owned),
        }
    }

    fn sync_started(at: &str) -> Job {
        Job {
            started_at: Some(at.to_owned()),
            ..Job::new(
                "job".to_owned(),
                JobKind::SubMerchantSync,
                JobState::Succeeded,
                at.to_owned(),
            )
        }
    }

    #[test]
    fn providers_never_synced_for_their_sub_merchants_are_named() {
        let providers = [
            provider(
                "1900000101",
                "2026-11-30T08:00:00Z",
                Some("2026-11-30T08:05:00.5Z"),
            ),
            provider("1900000102", "2026-11-30T09:00:00Z", None),
            // Scanned again after its sub-merchants were synced: nothing new to sync for it.
            provider(
                "1900000103",
                "2026-11-30T09:00:00.100Z",
                Some("2026-11-30T09:00:00Z"),
            ),
        ];
        let status = sync_status(&providers, None);
        let named: Vec<_> = status.unsynced.iter().map(|p| &p.provider_id[..]).collect();
        assert_eq!(named, ["1900000102"]);
        assert_eq!(
            status.providers_synced_before, None,
            "no sub-merchant sync yet"
        );
    }

    #[test]
    fn providers_synced_before_the_last_sub_merchant_sync_began_are_said_to_be_older() {
        let providers = [
            provider(
                "1900000101",
                "2026-11-30T08:00:00.250Z",
                Some("2026-11-30T08:05:00Z"),
            ),
            provider(
                "1900000102",
                "2026-11-30T07:00:00Z",
                Some("2026-11-30T08:05:00Z"),
            ),
        ];
        let later = sync_started("2026-11-30T08:01:00Z");
        assert_eq!(
            sync_status(&providers, Some(&later)).providers_synced_before,
            Some("2026-11-30T08:00:00.250Z")
        );
        // A provider sync within the same second, after the sub-merchant sync began.
        let earlier = sync_started("2026-11-30T08:00:00.2Z");
        assert_eq!(
            sync_status(&providers, Some(&earlier)).providers_synced_before,
            None
        );
        assert!(sync_status(&providers, Some(&later)).unsynced.is_empty());
    }
}

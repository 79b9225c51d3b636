//! Totals of filtered lists, remembered per account data version.
//!
//! Counting the rows that match a filter (and above all a text search) means reading every
//! candidate row, while the page itself stops after a few dozen. The total of a filter only
//! changes when the account's sub-merchants change, and every such write bumps the account's
//! version in the same transaction; so a total counted at version `v` is exact for as long as
//! the version is still `v`. The version is read from the database on every request, which
//! keeps this correct with several API replicas in front of one database.
//!
//! Requests that miss the same total together wait for one count (single flight per key); a
//! miss on another key, another tenant's above all, never waits for it. The cache is bounded
//! by the bytes of its keys, least useful entries leaving first.

use moka::future::Cache;

use super::StoreError;

/// The memory the kept totals may take (their keys' text and a fixed overhead each).
const MAX_BYTES: u64 = 4 * 1024 * 1024;
/// A fixed share per entry: the version, the total and the cache's own bookkeeping.
const ENTRY_BYTES: usize = 96;

/// What a total depends on besides the account version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountKey {
    pub account_id: String,
    pub provider_id: Option<String>,
    pub channel: Option<&'static str>,
    pub search: Option<String>,
}

impl CountKey {
    fn bytes(&self) -> usize {
        let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        ENTRY_BYTES + self.account_id.len() + text(&self.provider_id) + text(&self.search)
    }
}

#[derive(Debug, Clone)]
pub struct CountCache {
    totals: Cache<(CountKey, i64), u64>,
}

impl Default for CountCache {
    fn default() -> Self {
        CountCache::with_max_bytes(MAX_BYTES)
    }
}

impl CountCache {
    fn with_max_bytes(max_bytes: u64) -> CountCache {
        let totals = Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|(key, _): &(CountKey, i64), _: &u64| {
                u32::try_from(key.bytes()).unwrap_or(u32::MAX)
            })
            .build();
        CountCache { totals }
    }

    /// The total of `key` at `version`, counted by `count` only if nobody has (or is doing so
    /// right now: then this waits for that count).
    pub async fn get_or_count<F, Fut>(
        &self,
        key: CountKey,
        version: i64,
        count: F,
    ) -> Result<u64, StoreError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<u64, StoreError>>,
    {
        self.totals
            .try_get_with((key, version), count())
            .await
            .map_err(StoreError::Shared)
    }

    /// The total counted for `key` at `version`, if any.
    #[cfg(test)]
    async fn get(&self, key: &CountKey, version: i64) -> Option<u64> {
        self.totals.get(&(key.clone(), version)).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    };

    use super::*;

    fn key(account: &str, search: &str) -> CountKey {
        CountKey {
            account_id: account.into(),
            provider_id: None,
            channel: None,
            search: Some(search.into()),
        }
    }

    async fn counted(cache: &CountCache, key: CountKey, version: i64, total: u64) -> u64 {
        cache
            .get_or_count(key, version, || async { Ok(total) })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_total_holds_only_for_the_version_it_was_counted_at() {
        let cache = CountCache::default();
        assert_eq!(counted(&cache, key("1", "苏"), 7, 2491).await, 2491);
        assert_eq!(counted(&cache, key("1", "苏"), 7, 0).await, 2491, "kept");
        assert_eq!(cache.get(&key("1", "苏"), 8).await, None);
        assert_eq!(cache.get(&key("1", "杭"), 7).await, None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_missing_together_count_once() {
        let cache = Arc::new(CountCache::default());
        let counts = Arc::new(AtomicU32::new(0));
        let herd: Vec<_> = (0..16)
            .map(|_| {
                let (cache, counts) = (cache.clone(), counts.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_count(key("1", "苏"), 3, || async {
                            counts.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            Ok(2491)
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        for request in herd {
            assert_eq!(request.await.unwrap(), 2491);
        }
        assert_eq!(counts.load(Ordering::SeqCst), 1);
    }

    /// A slow first count for one tenant does not hold up another tenant's count.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_tenants_slow_count_does_not_block_another() {
        let cache = Arc::new(CountCache::default());
        let (release, held) = tokio::sync::oneshot::channel::<()>();
        let slow = {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .get_or_count(key("1", "苏"), 1, || async {
                        let _ = held.await;
                        Ok(1)
                    })
                    .await
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let other = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            counted(&cache, key("2", "杭"), 1, 2),
        )
        .await;
        assert_eq!(
            other.ok(),
            Some(2),
            "answered while the first count still runs"
        );
        release.send(()).unwrap();
        assert_eq!(slow.await.unwrap().unwrap(), 1);
    }

    #[tokio::test]
    async fn the_cache_stays_within_its_memory_bound() {
        let cache = CountCache::with_max_bytes(64 * 1024);
        for i in 0..5_000 {
            counted(&cache, key("1", &format!("search {i}")), 1, 1).await;
        }
        cache.totals.run_pending_tasks().await;
        let weight = cache.totals.weighted_size();
        assert!(weight <= 64 * 1024, "{weight} bytes kept");
        assert!(cache.totals.entry_count() > 100, "and it still keeps many");
    }
}

//! Totals of filtered lists, remembered per account data version.
//!
//! Counting the rows that match a filter (and above all a text search) means reading every
//! candidate row, while the page itself stops after a few dozen. The total of a filter only
//! changes when the account's sub-merchants change, and every such write bumps the account's
//! version in the same transaction; so a total counted at version `v` is exact for as long as
//! the version is still `v`. The version is read from the database on every request, which
//! keeps this correct with several API replicas in front of one database.

use std::{collections::HashMap, sync::Mutex};

/// Entries kept before the cache starts over (a few hundred KB at most).
const CAPACITY: usize = 4_096;

/// What a total depends on besides the account version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountKey {
    pub account_id: String,
    pub provider_id: Option<String>,
    pub channel: Option<&'static str>,
    pub search: Option<String>,
}

#[derive(Debug, Default)]
pub struct CountCache {
    entries: Mutex<HashMap<CountKey, (i64, u64)>>,
    /// Held while a missing total is counted: requests that miss together wait for the first
    /// count instead of each scanning the same rows (a herd on a cold filter).
    counting: tokio::sync::Mutex<()>,
}

impl CountCache {
    /// The total of `key` at `version`, counted by `count` only if nobody has (or is doing so).
    pub async fn get_or_count<E, F, Fut>(
        &self,
        key: CountKey,
        version: i64,
        count: F,
    ) -> Result<u64, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<u64, E>>,
    {
        if let Some(total) = self.get(&key, version) {
            return Ok(total);
        }
        let _one_at_a_time = self.counting.lock().await;
        if let Some(total) = self.get(&key, version) {
            return Ok(total);
        }
        let total = count().await?;
        self.put(key, version, total);
        Ok(total)
    }

    /// The total counted for `key` at `version`, if any.
    pub fn get(&self, key: &CountKey, version: i64) -> Option<u64> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .and_then(|&(at, total)| (at == version).then_some(total))
    }

    pub fn put(&self, key: CountKey, version: i64, total: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (version, total));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(search: &str) -> CountKey {
        CountKey {
            account_id: "100000000001".into(),
            provider_id: None,
            channel: None,
            search: Some(search.into()),
        }
    }

    #[test]
    fn a_total_holds_only_for_the_version_it_was_counted_at() {
        let cache = CountCache::default();
        cache.put(key("苏"), 7, 2491);
        assert_eq!(cache.get(&key("苏"), 7), Some(2491));
        assert_eq!(cache.get(&key("苏"), 8), None);
        assert_eq!(cache.get(&key("杭"), 7), None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_missing_together_count_once() {
        use std::sync::atomic::{AtomicU32, Ordering};
        let cache = std::sync::Arc::new(CountCache::default());
        let counted = std::sync::Arc::new(AtomicU32::new(0));
        let herd: Vec<_> = (0..16)
            .map(|_| {
                let (cache, counted) = (cache.clone(), counted.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_count(key("苏"), 3, || async {
                            counted.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            Ok::<_, ()>(2491)
                        })
                        .await
                })
            })
            .collect();
        for request in herd {
            assert_eq!(request.await.unwrap(), Ok(2491));
        }
        assert_eq!(counted.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_full_cache_starts_over_instead_of_growing() {
        let cache = CountCache::default();
        for i in 0..CAPACITY + 10 {
            cache.put(key(&i.to_string()), 1, 1);
        }
        let len = cache.entries.lock().unwrap().len();
        assert!(len <= CAPACITY, "{len}");
        assert_eq!(cache.get(&key(&(CAPACITY + 9).to_string()), 1), Some(1));
    }
}

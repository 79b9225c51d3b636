//! The console's sealing key over its life: the start's check that this process seals with the
//! database's key (a second replica with another key, or a restore without the key file, is
//! refused instead of leaving secrets some replicas cannot open), the rotation to a new key, and
//! `keys reseal`, which seals every stored secret anew under the current key.

use std::fmt::Write as _;

use crate::{
    store::{RowKey, SealedColumn, SealedSwap, Store, StoreError},
    vault::{KeyCheck, Vault, VaultError},
};

/// Where a provider's configuration section (`wechat_pay`, `alipay`) keeps its secrets; each
/// is sealed for this followed by its path in the section (`…/wechat_pay/certificate/p12`).
pub fn provider_section_context(provider_id: &str, section: &str) -> String {
    format!("provider/{provider_id}/{section}")
}

/// Where a sub-merchant's sealed authentication key belongs: a sealed value moved to another
/// sub-merchant does not open.
pub fn authentication_key_context(sub_merchant_id: i64) -> String {
    format!("sub_merchant/{sub_merchant_id}/authentication_key")
}

/// Where a sub-merchant's Alipay app auth token belongs.
pub fn alipay_app_auth_token_context(sub_merchant_id: i64) -> String {
    format!("sub_merchant/{sub_merchant_id}/alipay_app_auth_token")
}

/// The context a value of `column` in the row `key` was sealed for; for JSON columns, the
/// context of the section, to which each secret's path inside is appended.
fn context(column: SealedColumn, key: &RowKey) -> String {
    match (column, key) {
        (SealedColumn::ProviderWechatPay, _) => {
            provider_section_context(&key.to_string(), "wechat_pay")
        }
        (SealedColumn::ProviderAlipay, _) => provider_section_context(&key.to_string(), "alipay"),
        (SealedColumn::SubMerchantAuthenticationKey, RowKey::Number(id)) => {
            authentication_key_context(*id)
        }
        (SealedColumn::SubMerchantAlipayToken, RowKey::Number(id)) => {
            alipay_app_auth_token_context(*id)
        }
        (SealedColumn::TicketPhoneGrant, _) => crate::phone::ticket_grant_context(&key.to_string()),
        (_, RowKey::Text(text)) => text.clone(),
    }
}

/// Why a start or a command refuses this sealing key: one line that names the setting and the
/// key IDs.
#[derive(Debug, thiserror::Error)]
pub enum KeyRefusal {
    #[error(
        "{setting} holds sealing key {ours}, but this database's secrets are sealed with key {database}: start with that key (it is backed up with the database), or rotate to this one with the old key in CONSOLE_SECRET_KEY_PREVIOUS"
    )]
    Other {
        setting: &'static str,
        ours: String,
        database: String,
    },
    #[error(
        "{setting} holds sealing key {ours}, which key {database} replaced: start with key {database} (and {ours} in CONSOLE_SECRET_KEY_PREVIOUS until `keys reseal` is done)"
    )]
    Replaced {
        setting: &'static str,
        ours: String,
        database: String,
    },
    #[error(
        "{setting} holds sealing key {ours}, which does not open every secret already in this database ({column}): start with the key they were sealed with"
    )]
    OpensNothing {
        setting: &'static str,
        ours: String,
        column: String,
    },
    #[error(
        "{setting} holds sealing key {ours}, but this database's current key is still {database}: start a replica with key {ours} (and {database} in CONSOLE_SECRET_KEY_PREVIOUS) first, then reseal"
    )]
    NotYetRotated {
        setting: &'static str,
        ours: String,
        database: String,
    },
    #[error("reading the sealing keys: {0}")]
    Store(#[from] StoreError),
}

/// What the start's check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatus {
    /// The database's current key.
    Current,
    /// The first start with key checks: this key is now the database's.
    Adopted,
    /// A rotation: this key replaced `from`, which opens what it sealed until `keys reseal`.
    Rotated { from: String },
}

/// Checks that `vault` seals with the database's current key; records it on a first start, or,
/// when `may_rotate`, on a rotation (the database's key among the vault's previous ones).
/// `setting` names where the key came from, for the refusal.
pub async fn check_key(
    store: &dyn Store,
    vault: &Vault,
    setting: &'static str,
    now_ms: i64,
    may_rotate: bool,
) -> Result<KeyStatus, KeyRefusal> {
    let ours = vault.current();
    // Another process may win a race to record its key: then look again.
    for _ in 0..3 {
        let known = store.sealing_keys().await?;
        let current: Vec<&KeyCheck> = known
            .iter()
            .filter(|k| k.replaced_at_ms.is_none())
            .map(|k| &k.key)
            .collect();
        let ids = |keys: &[&KeyCheck]| {
            keys.iter()
                .map(|k| k.key_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if known.is_empty() {
            // A database from before key checks may hold secrets already: they must all open.
            if let Some(column) = first_unopenable(store, vault).await? {
                return Err(KeyRefusal::OpensNothing {
                    setting,
                    ours: ours.key_id,
                    column: column.name(),
                });
            }
            if store.add_sealing_key(&ours, None, now_ms).await? {
                return Ok(KeyStatus::Adopted);
            }
            continue;
        }
        if let [only] = current.as_slice() {
            if **only == ours {
                return Ok(KeyStatus::Current);
            }
            if vault.previous().contains(only) {
                if !may_rotate {
                    return Err(KeyRefusal::NotYetRotated {
                        setting,
                        ours: ours.key_id,
                        database: only.key_id.clone(),
                    });
                }
                if store
                    .add_sealing_key(&ours, Some(&only.key_id), now_ms)
                    .await?
                {
                    return Ok(KeyStatus::Rotated {
                        from: only.key_id.clone(),
                    });
                }
                continue;
            }
        }
        if known.iter().any(|k| k.key == ours) {
            return Err(KeyRefusal::Replaced {
                setting,
                ours: ours.key_id,
                database: ids(&current),
            });
        }
        return Err(KeyRefusal::Other {
            setting,
            ours: ours.key_id,
            database: ids(&current),
        });
    }
    Err(KeyRefusal::Store(StoreError::Corrupt(
        "the sealing keys kept changing while this start read them".to_owned(),
    )))
}

/// Whether `vault`'s key is still the database's current one; a replica whose key a
/// rotation replaced stops sealing with it (what it sealed, its peers could not open).
pub async fn still_current(store: &dyn Store, vault: &Vault) -> Result<bool, StoreError> {
    let ours = vault.current();
    let known = store.sealing_keys().await?;
    Ok(known
        .iter()
        .any(|k| k.replaced_at_ms.is_none() && k.key == ours))
}

/// Watches the database's current key every `every`: when a rotation replaces this
/// replica's key, its vault stops sealing (readiness then takes the replica out).
pub async fn watch(
    store: std::sync::Arc<dyn Store>,
    vault: std::sync::Arc<Vault>,
    every: std::time::Duration,
) {
    loop {
        tokio::time::sleep(every).await;
        match still_current(store.as_ref(), &vault).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::error!(
                    key = %vault.current().key_id,
                    "another sealing key replaced this replica's: it no longer seals; restart it with the new key (and this one in CONSOLE_SECRET_KEY_PREVIOUS)"
                );
                vault.retire();
                return;
            }
            Err(error) => tracing::warn!(%error, "reading the sealing keys"),
        }
    }
}
/// The first sealed column holding a value the vault cannot open (every value is tried once:
/// a database sealed with two keys before key checks is found out here, not later).
async fn first_unopenable(
    store: &dyn Store,
    vault: &Vault,
) -> Result<Option<SealedColumn>, StoreError> {
    for column in SealedColumn::ALL {
        let mut after = column.first_key();
        loop {
            let page = store.sealed_values(column, &after, 1_000).await?;
            let Some((last, _)) = page.last() else { break };
            after = last.clone();
            if page
                .iter()
                .any(|(key, value)| resealed(vault, column, key, value).is_err())
            {
                return Ok(Some(column));
            }
        }
    }
    Ok(None)
}

/// A stored value with every secret in it sealed under the current key; `None` when each
/// already is.
fn resealed(
    vault: &Vault,
    column: SealedColumn,
    key: &RowKey,
    value: &str,
) -> Result<Option<String>, VaultError> {
    let context = context(column, key);
    if !column.is_json() {
        return vault.reseal(value, &context);
    }
    let mut json: serde_json::Value =
        serde_json::from_str(value).map_err(|_| VaultError::Tampered)?;
    let changed = reseal_inside(vault, &mut json, &context)?;
    Ok(changed.then(|| json.to_string()))
}

/// Reseals each `{"sealed": …}` object inside `json`, whose context is `context` followed by
/// its path (`provider/19…/wechat_pay` + `/certificate/p12`); whether any changed.
fn reseal_inside(
    vault: &Vault,
    json: &mut serde_json::Value,
    context: &str,
) -> Result<bool, VaultError> {
    let serde_json::Value::Object(map) = json else {
        return Ok(false);
    };
    if let Some(serde_json::Value::String(sealed)) = map.get_mut("sealed") {
        return match vault.reseal(sealed, context)? {
            Some(new) => {
                *sealed = new;
                Ok(true)
            }
            None => Ok(false),
        };
    }
    let mut changed = false;
    for (name, inner) in map.iter_mut() {
        changed |= reseal_inside(vault, inner, &format!("{context}/{name}"))?;
    }
    Ok(changed)
}

/// What `keys reseal` did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ResealReport {
    /// Values sealed anew under the current key.
    pub resealed: u64,
    /// Values already under it.
    pub current: u64,
    /// Values that changed while being resealed (written meanwhile by a replica, under the
    /// current key): left as they are; a second run looks again.
    pub changed_meanwhile: u64,
    /// Values no key opens: `table.column` and the row.
    pub unopenable: Vec<String>,
}

/// Seals every stored secret anew under the vault's current key, `batch` rows at a time, each
/// batch one transaction that writes a row only if it still holds what was read (replicas may
/// be writing beside it). Safe to run again: what is done is skipped. `progress` hears of each
/// batch.
pub async fn reseal(
    store: &dyn Store,
    vault: &Vault,
    batch: u32,
    mut progress: impl FnMut(SealedColumn, &ResealReport),
) -> Result<ResealReport, StoreError> {
    let mut report = ResealReport::default();
    for column in SealedColumn::ALL {
        let mut after = column.first_key();
        loop {
            let page = store.sealed_values(column, &after, batch).await?;
            let Some((last, _)) = page.last() else { break };
            after = last.clone();
            let mut swaps = Vec::new();
            for (key, value) in page {
                match resealed(vault, column, &key, &value) {
                    Ok(Some(new)) => swaps.push(SealedSwap {
                        key,
                        old: value,
                        new,
                    }),
                    Ok(None) => report.current += 1,
                    Err(_) => report
                        .unopenable
                        .push(format!("{} of {key}", column.name())),
                }
            }
            if !swaps.is_empty() {
                let written = store.swap_sealed_values(column, &swaps).await?;
                report.resealed += written;
                report.changed_meanwhile += swaps.len() as u64 - written;
            }
            progress(column, &report);
        }
    }
    Ok(report)
}

impl std::fmt::Display for ResealReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut line = format!(
            "{} resealed, {} already under the current key",
            self.resealed, self.current
        );
        if self.changed_meanwhile > 0 {
            let _ = write!(
                line,
                ", {} changed meanwhile (run again to check them)",
                self.changed_meanwhile
            );
        }
        if !self.unopenable.is_empty() {
            let _ = write!(
                line,
                ", {} open with no key given: {}",
                self.unopenable.len(),
                self.unopenable.join(", ")
            );
        }
        f.write_str(&line)
    }
}

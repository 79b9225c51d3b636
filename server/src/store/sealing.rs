//! What the database keeps of the sealing keys (their IDs and check values) and where sealed
//! secrets live, for the start's key check and `cloud-pay-console keys reseal`. Each query is
//! written once: both backends run the same text.

use super::{Result, dialect::area, sql::BindAll};
use crate::vault::KeyCheck;

/// A sealing key the database has seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealingKeyRecord {
    pub key: KeyCheck,
    pub added_at_ms: i64,
    /// When a rotation put another key in its place; `None` for the current key.
    pub replaced_at_ms: Option<i64>,
}

/// A column that holds sealed secrets: a ciphertext, or JSON with ciphertexts inside
/// (`{"sealed": …}` objects, as a provider's configuration sections keep them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedColumn {
    ProviderWechatPay,
    ProviderAlipay,
    SubMerchantAuthenticationKey,
    SubMerchantAlipayToken,
    TicketPhoneGrant,
}

impl SealedColumn {
    pub const ALL: [SealedColumn; 5] = [
        SealedColumn::ProviderWechatPay,
        SealedColumn::ProviderAlipay,
        SealedColumn::SubMerchantAuthenticationKey,
        SealedColumn::SubMerchantAlipayToken,
        SealedColumn::TicketPhoneGrant,
    ];

    /// The table, its key column, the column, and whether the key is a number.
    const fn place(self) -> (&'static str, &'static str, &'static str, bool) {
        match self {
            SealedColumn::ProviderWechatPay => ("providers", "provider_id", "wechat_pay", false),
            SealedColumn::ProviderAlipay => ("providers", "provider_id", "alipay", false),
            SealedColumn::SubMerchantAuthenticationKey => (
                "sub_merchant_keys",
                "sub_merchant_id",
                "authentication_key",
                true,
            ),
            SealedColumn::SubMerchantAlipayToken => {
                ("sub_merchants", "id", "alipay_app_auth_token", true)
            }
            SealedColumn::TicketPhoneGrant => ("qr_tickets", "id", "phone_grant", false),
        }
    }

    /// `table.column`, for messages.
    pub fn name(self) -> String {
        let (table, _, column, _) = self.place();
        format!("{table}.{column}")
    }

    /// Whether the column holds JSON with sealed values inside.
    pub const fn is_json(self) -> bool {
        matches!(
            self,
            SealedColumn::ProviderWechatPay | SealedColumn::ProviderAlipay
        )
    }

    /// Before every row's key.
    pub fn first_key(self) -> RowKey {
        if self.place().3 {
            RowKey::Number(i64::MIN)
        } else {
            RowKey::Text(String::new())
        }
    }

    fn page_sql(self) -> String {
        let (table, key, column, _) = self.place();
        format!(
            "SELECT {key} AS row_key, {column} AS sealed FROM {table} \
             WHERE {column} IS NOT NULL AND {key} > $1 ORDER BY {key} LIMIT $2"
        )
    }

    fn swap_sql(self) -> String {
        let (table, key, column, _) = self.place();
        format!("UPDATE {table} SET {column} = $1 WHERE {key} = $2 AND {column} = $3")
    }
}

/// A row's primary key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKey {
    Number(i64),
    Text(String),
}

impl std::fmt::Display for RowKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowKey::Number(n) => write!(f, "{n}"),
            RowKey::Text(t) => f.write_str(t),
        }
    }
}

/// A stored value and what replaces it, if it is still what was read.
#[derive(Debug, Clone)]
pub struct SealedSwap {
    pub key: RowKey,
    pub old: String,
    pub new: String,
}

const KEYS: &str = "SELECT key_id, check_value, added_at, replaced_at FROM sealing_keys \
                    ORDER BY added_at, key_id";
const ADD_KEY: &str = "INSERT INTO sealing_keys (key_id, check_value, added_at) \
                       VALUES ($1, $2, $3) \
                       ON CONFLICT (key_id) DO UPDATE SET replaced_at = NULL";
const REPLACE_KEY: &str = "UPDATE sealing_keys SET replaced_at = $1 \
                           WHERE key_id = $2 AND replaced_at IS NULL";

area! {
    /// The sealing keys and the sealed columns.
    pub trait SealingStore {
        /// Every key the database has seen, oldest first.
        async fn sealing_keys(&self) -> Result<Vec<SealingKeyRecord>> {
            let rows: Vec<(String, String, i64, Option<i64>)> =
                sqlx::query_as(KEYS).fetch_all(self.pool()).await?;
            let record = |(key_id, check, added_at_ms, replaced_at_ms)| SealingKeyRecord {
                key: KeyCheck { key_id, check },
                added_at_ms,
                replaced_at_ms,
            };
            Ok(rows.into_iter().map(record).collect())
        }

        /// Makes `key` the current key: the first one (`replacing` is `None`, and the table must
        /// hold no current key), or in place of `replacing`, which must still be current. A key
        /// replaced before becomes current again. `false` when another process got there first
        /// (nothing written).
        async fn add_sealing_key(
            &self,
            key: &KeyCheck,
            replacing: Option<&str>,
            now_ms: i64,
        ) -> Result<bool> {
            let mut tx = self.pool().begin().await?;
            if let Some(old) = replacing {
                let replaced = sqlx::query(REPLACE_KEY)
                    .binds((now_ms, old))
                    .execute(&mut *tx)
                    .await?;
                if replaced.rows_affected() == 0 {
                    return Ok(false);
                }
            }
            let added = sqlx::query(ADD_KEY)
                .binds((&key.key_id, &key.check, now_ms))
                .execute(&mut *tx)
                .await;
            match added {
                // Another key became current meanwhile (the one-current index).
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
                Err(e) => Err(e.into()),
                Ok(_) => {
                    tx.commit().await?;
                    Ok(true)
                }
            }
        }

        /// Up to `limit` non-empty values of `column`, in key order, after `after`.
        async fn sealed_values(
            &self,
            column: SealedColumn,
            after: &RowKey,
            limit: u32,
        ) -> Result<Vec<(RowKey, String)>> {
            use super::sql::StoreRow;
            let sql = column.page_sql();
            let query = match after {
                RowKey::Number(n) => sqlx::query(&sql).bind(*n),
                RowKey::Text(t) => sqlx::query(&sql).bind(t.as_str()),
            };
            let rows = query.bind(i64::from(limit)).fetch_all(self.pool()).await?;
            rows.iter()
                .map(|row| {
                    let key = match after {
                        RowKey::Number(_) => RowKey::Number(row.int("row_key")?),
                        RowKey::Text(_) => RowKey::Text(row.text("row_key")?),
                    };
                    Ok((key, row.text("sealed")?))
                })
                .collect()
        }

        /// Writes each swap whose row still holds its `old` value, in one transaction; how many
        /// were written (a row changed meanwhile is left as it is).
        async fn swap_sealed_values(
            &self,
            column: SealedColumn,
            swaps: &[SealedSwap],
        ) -> Result<u64> {
            let sql = column.swap_sql();
            let mut tx = self.pool().begin().await?;
            let mut written = 0;
            for swap in swaps {
                let query = sqlx::query(&sql).bind(swap.new.as_str());
                let query = match &swap.key {
                    RowKey::Number(n) => query.bind(*n),
                    RowKey::Text(t) => query.bind(t.as_str()),
                };
                written += query
                    .bind(swap.old.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            tx.commit().await?;
            Ok(written)
        }
    }
}

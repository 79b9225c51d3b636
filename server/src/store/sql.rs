//! What both SQL backends share: binding a statement's parameters, reading a row into the
//! store's types, the job columns, LIKE escaping, JSON columns, and what a worker's single-row
//! write did.

use domain::{
    api::{
        Account, AccountRole, AuditAction, AuditEvent, AuthenticationType, JobKind, JobState,
        ProviderSyncResult, SignatureType, SubMerchantSummary, WechatChannel,
    },
    rules::AccountId,
};

use super::{Checkpoint, Held, JobRecord, Result, StoreError, StoredKeys};
use crate::clock::rfc3339;

/// Values bound in order to a statement's `$1`, `$2`, …: a tuple of them.
pub(crate) trait Params<'q, DB: sqlx::Database> {
    fn bind_to<Q: BindAll<'q, DB>>(self, query: Q) -> Q;
}

/// A statement of either backend that takes parameters: `sqlx::query`, `query_as` and
/// `query_scalar` alike.
pub(crate) trait BindAll<'q, DB: sqlx::Database>: Sized {
    fn bind_one<T: 'q + sqlx::Encode<'q, DB> + sqlx::Type<DB>>(self, value: T) -> Self;

    /// Binds `params` to the next parameters, in order: `.binds((id, account_id, now_ms))`.
    fn binds(self, params: impl Params<'q, DB>) -> Self {
        params.bind_to(self)
    }
}

macro_rules! bind_all {
    ($($query:ident $(<$o:ident>)?),*) => {$(
        impl<'q, DB: sqlx::Database, $($o)?> BindAll<'q, DB>
            for sqlx::query::$query<'q, DB, $($o,)? <DB as sqlx::Database>::Arguments<'q>>
        {
            fn bind_one<T: 'q + sqlx::Encode<'q, DB> + sqlx::Type<DB>>(self, value: T) -> Self {
                self.bind(value)
            }
        }
    )*};
}

bind_all!(Query, QueryAs<O>, QueryScalar<O>);

macro_rules! params {
    ($($value:ident),+) => {
        impl<'q, DB: sqlx::Database, $($value: 'q + sqlx::Encode<'q, DB> + sqlx::Type<DB>),+>
            Params<'q, DB> for ($($value,)+)
        {
            #[allow(non_snake_case)]
            fn bind_to<Q: BindAll<'q, DB>>(self, query: Q) -> Q {
                let ($($value,)+) = self;
                query$(.bind_one($value))+
            }
        }
    };
}

params!(A, B);
params!(A, B, C);
params!(A, B, C, D);
params!(A, B, C, D, E);
params!(A, B, C, D, E, F);
params!(A, B, C, D, E, F, G);
params!(A, B, C, D, E, F, G, H);
params!(A, B, C, D, E, F, G, H, I);

/// A result row of either backend, read by column name.
pub(crate) trait StoreRow {
    fn text(&self, column: &str) -> Result<String>;
    fn maybe_text(&self, column: &str) -> Result<Option<String>>;
    fn int(&self, column: &str) -> Result<i64>;
    fn maybe_int(&self, column: &str) -> Result<Option<i64>>;
    fn flag(&self, column: &str) -> Result<bool>;
}

macro_rules! store_row {
    ($row:ty) => {
        impl StoreRow for $row {
            fn text(&self, column: &str) -> Result<String> {
                Ok(sqlx::Row::try_get(self, column)?)
            }
            fn maybe_text(&self, column: &str) -> Result<Option<String>> {
                Ok(sqlx::Row::try_get(self, column)?)
            }
            fn int(&self, column: &str) -> Result<i64> {
                Ok(sqlx::Row::try_get(self, column)?)
            }
            fn maybe_int(&self, column: &str) -> Result<Option<i64>> {
                Ok(sqlx::Row::try_get(self, column)?)
            }
            fn flag(&self, column: &str) -> Result<bool> {
                Ok(sqlx::Row::try_get(self, column)?)
            }
        }
    };
}

store_row!(sqlx::sqlite::SqliteRow);
store_row!(sqlx::postgres::PgRow);

pub(crate) fn account_from_row(row: &impl StoreRow) -> Result<Account> {
    let id = row.text("id")?;
    Ok(Account {
        id: AccountId::parse(&id).map_err(|e| StoreError::Corrupt(format!("account id: {e}")))?,
        name: row.text("name")?,
        role: decode("account role", &row.text("role")?, AccountRole::parse)?,
    })
}

pub(crate) fn audit_from_row(row: &impl StoreRow) -> Result<AuditEvent> {
    Ok(AuditEvent {
        at: rfc3339(row.int("at")?),
        actor: row.text("actor")?,
        action: decode("audit action", &row.text("action")?, AuditAction::parse)?,
        target: row.text("target")?,
        fields: from_json("audit fields", &row.text("fields")?)?,
    })
}

pub(crate) fn sub_merchant_from_row(row: &impl StoreRow) -> Result<SubMerchantSummary> {
    Ok(SubMerchantSummary {
        id: row.int("id")?,
        out_sub_mch_id: row.text("out_sub_mch_id")?,
        out_mch_id: row.text("out_mch_id")?,
        merchant_id: row.text("merchant_id")?,
        name: row.text("name")?,
        provider_id: row.text("provider_id")?,
        provider_name: row.text("provider_name")?,
        channel: decode("channel", &row.text("channel")?, WechatChannel::parse)?,
        maidan_opened: row.flag("maidan_opened")?,
        sub_provider_account_id: row.maybe_text("sub_provider_account_id")?,
        keys_set: row.flag("keys_set")?,
        synced_at: rfc3339(row.int("synced_at")?),
    })
}

/// The columns [`keys_from_row`] reads.
pub(crate) const KEY_COLUMNS: &str = "authentication_type, signature_type, authentication_key, authentication_key_last4, signing_public_key, public_key_sha256, reset_at, reset_by";

pub(crate) fn keys_from_row(row: &impl StoreRow) -> Result<StoredKeys> {
    Ok(StoredKeys {
        authentication_type: decode(
            "authentication type",
            &row.text("authentication_type")?,
            AuthenticationType::parse,
        )?,
        signature_type: decode(
            "signature type",
            &row.text("signature_type")?,
            SignatureType::parse,
        )?,
        authentication_key_sealed: row.text("authentication_key")?,
        authentication_key_last4: row.text("authentication_key_last4")?,
        signing_public_key: row.text("signing_public_key")?,
        public_key_sha256: row.text("public_key_sha256")?,
        reset_at_ms: row.int("reset_at")?,
        reset_by: row.text("reset_by")?,
    })
}

/// The providers a sync brought into the account (new, renamed or as they were), as its
/// audit event names them.
pub(crate) fn synced_provider_ids(result: &ProviderSyncResult) -> Vec<String> {
    [&result.new, &result.updated, &result.unchanged]
        .into_iter()
        .flatten()
        .map(|p| p.provider_id.clone())
        .collect()
}

pub(crate) const JOB_COLUMNS: &str = "id, account_id, kind, state, processed, total, counts, failures, checkpoint, subject, error, requested_by, request_id, created_at, started_at, finished_at, updated_at, claim_token, lease_until";

pub(crate) fn job_from_row(row: &impl StoreRow) -> Result<JobRecord> {
    Ok(JobRecord {
        id: row.text("id")?,
        account_id: row.text("account_id")?,
        kind: decode("job kind", &row.text("kind")?, JobKind::parse)?,
        state: decode("job state", &row.text("state")?, JobState::parse)?,
        processed: u64::try_from(row.int("processed")?).unwrap_or_default(),
        total: u64::try_from(row.int("total")?).unwrap_or_default(),
        counts: from_json("job counts", &row.text("counts")?)?,
        failures: from_json("job failures", &row.text("failures")?)?,
        checkpoint: (row.maybe_text("checkpoint")?)
            .map(|c| from_json::<Checkpoint>("job checkpoint", &c))
            .transpose()?,
        subject: row.text("subject")?,
        error: row.maybe_text("error")?,
        requested_by: row.maybe_text("requested_by")?,
        request_id: row.maybe_text("request_id")?,
        created_at_ms: row.int("created_at")?,
        started_at_ms: row.maybe_int("started_at")?,
        finished_at_ms: row.maybe_int("finished_at")?,
        updated_at_ms: row.int("updated_at")?,
        claim_token: row.int("claim_token")?,
        lease_until_ms: row.maybe_int("lease_until")?,
    })
}

/// A stored wire name read back as its enum; an unknown name means the row is corrupt.
pub(crate) fn decode<T>(what: &str, value: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(value).ok_or_else(|| StoreError::Corrupt(format!("{what} {value:?}")))
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub(crate) fn escape_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A worker's single-row write: written when its claim still held.
pub(crate) fn held(rows_affected: u64) -> Held {
    if rows_affected == 1 {
        Held::Written(())
    } else {
        Held::LeaseLost
    }
}

/// A JSON column read back as `what`; text that does not parse means the row is corrupt.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("encoding: {e}")))
}

/// The rows of an `INSERT INTO transactions (account_id, sub_merchant_id, upstream_id,
/// amount_fen, paid_at) SELECT `: upstream transactions, each stored with the account and
/// joined by merchant ID to its sub-merchant of the provider (one the provider does not have is
/// left out). How the statement begins and ends is each backend's.
pub(crate) fn push_upstream_transactions<'a, DB: sqlx::Database>(
    insert: &mut sqlx::QueryBuilder<'a, DB>,
    account_id: &'a str,
    provider_id: &'a str,
    transactions: &'a [crate::upstream::UpstreamTransaction],
) where
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    insert
        .push_bind(account_id)
        .push(", s.id, v.column1, v.column2, v.column3 FROM (");
    insert.push_values(transactions, |mut b, t| {
        b.push_bind(&t.id)
            .push_bind(t.amount_fen)
            .push_bind(t.paid_at_ms)
            .push_bind(&t.merchant_id);
    });
    insert
        .push(") v JOIN sub_merchants s ON s.provider_id = ")
        .push_bind(provider_id)
        .push(" AND s.merchant_id = v.column4");
}

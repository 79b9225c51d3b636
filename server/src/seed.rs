//! The demo accounts (fixed: checks outside this repo sign in with them).

use domain::{
    api::{Account, AuditAction},
    rules::AccountId,
};

use crate::{
    audit::AuditTarget,
    auth::{self, HashError},
    store::{NewAccount, NewAuditEvent, Store, StoreError, SubProviderWrite},
};

pub use domain::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD};

/// Why the demo data could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error("hashing thread: {0}")]
    Thread(#[from] tokio::task::JoinError),
    #[error("demo account ID {0:?}: {1}")]
    AccountId(&'static str, domain::FieldError),
}

/// Creates the demo accounts that do not exist yet. Idempotent; hashes only what it inserts.
pub async fn demo_accounts(store: &dyn Store) -> Result<(), SeedError> {
    for (id, name, role) in DEMO_ACCOUNTS {
        if store.account_credentials(id).await?.is_some() {
            continue;
        }
        let id = AccountId::parse(id).map_err(|e| SeedError::AccountId(id, e))?;
        let password_hash =
            tokio::task::spawn_blocking(|| auth::hash_password(DEMO_PASSWORD)).await??;
        let account = Account {
            id,
            name: name.to_owned(),
            role,
        };
        // Seeding is idempotent: an account seeded before is left as it is.
        let _inserted = store
            .insert_account_if_missing(&NewAccount {
                account,
                password_hash,
            })
            .await?;
    }
    Ok(())
}

/// The provider that `100000000004` already owns: `o_sandbox_admin_1` administers it too, so a
/// sync by another account must skip it. Idempotent.
pub async fn demo_bindings(
    store: &dyn Store,
    sandbox: &crate::upstream::Sandbox,
    now_ms: i64,
) -> Result<(), SeedError> {
    const OWNER: &str = "100000000004";
    const PROVIDER: &str = "1900000103";
    let bound: Vec<domain::api::SyncedProvider> = sandbox
        .providers()
        .into_iter()
        .filter(|p| p.provider_id == PROVIDER)
        .map(|p| domain::api::SyncedProvider {
            provider_id: p.provider_id,
            name: p.name,
        })
        .collect();
    let existing = store.list_providers(OWNER, Some(PROVIDER), 1, 1).await?;
    if existing.items.is_empty() {
        let audit = NewAuditEvent::new(
            OWNER,
            AuditAction::ProvidersSynced,
            AuditTarget::Account(OWNER),
            now_ms,
        )
        .by("sandbox");
        store.sync_providers(&bound, &audit).await?;
    }
    // The demo sub-provider accounts are 演示服务商's sub-providers.
    const PROVIDER_ACCOUNT: &str = "100000000001";
    for (id, name, role) in DEMO_ACCOUNTS {
        if role != domain::api::AccountRole::SubProvider {
            continue;
        }
        let sub_provider = domain::api::SubProvider {
            account_id: id.to_owned(),
            name: name.to_owned(),
            rebate_ratio: String::new(),
            remark: "沙箱演示子服务商".to_owned(),
        };
        // Registered already on every start after the first.
        let _registered = store
            .save_sub_provider(
                PROVIDER_ACCOUNT,
                &sub_provider,
                SubProviderWrite::Register,
                now_ms,
                None,
            )
            .await?;
    }
    Ok(())
}

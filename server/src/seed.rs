//! The demo accounts (fixed: checks outside this repo sign in with them).

use domain::{api::Account, rules::AccountId};

use crate::{
    AppError, auth,
    store::{NewAccount, Store},
};

pub use domain::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD};

/// Creates the demo accounts that do not exist yet. Idempotent; hashes only what it inserts.
pub async fn demo_accounts(store: &dyn Store) -> Result<(), AppError> {
    for (id, name, role) in DEMO_ACCOUNTS {
        if store.account_credentials(id).await?.is_some() {
            continue;
        }
        let id = AccountId::parse(id).map_err(AppError::internal)?;
        let password_hash = tokio::task::spawn_blocking(|| auth::hash_password(DEMO_PASSWORD))
            .await
            .map_err(AppError::internal)??;
        let account = Account {
            id,
            name: name.to_owned(),
            role,
        };
        store
            .insert_account_if_missing(&NewAccount {
                account,
                password_hash,
            })
            .await?;
    }
    Ok(())
}

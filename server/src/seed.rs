//! The demo accounts (fixed: checks outside this repo sign in with them).

use domain::{
    api::{Account, AccountRole},
    rules::AccountId,
};

use crate::{
    AppError, auth,
    store::{NewAccount, Store},
};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "sandbox-demo";

/// `(account ID, name, role)` of each demo account.
pub const DEMO_ACCOUNTS: [(&str, &str, AccountRole); 4] = [
    ("100000000001", "演示服务商", AccountRole::Provider),
    ("100000000002", "演示子服务商·甲", AccountRole::SubProvider),
    ("100000000003", "演示子服务商·乙", AccountRole::SubProvider),
    ("100000000004", "另一服务商", AccountRole::Provider),
];

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

//! What a session may see and change: a provider account its own sub-merchants, a
//! sub-provider account those assigned to it (and nothing to change).

use domain::api::{AccountRole, SubMerchantSummary};

use super::AppState;
use crate::{
    AppError,
    auth::{CurrentSession, ProviderSession},
    store::Viewer,
};

impl CurrentSession {
    /// Whose eyes: a provider account sees its own, a sub-provider what is assigned to it.
    pub fn viewer(&self) -> Viewer<'_> {
        match self.account.role {
            AccountRole::Provider => Viewer::Provider(self.account.id.as_str()),
            AccountRole::SubProvider => Viewer::SubProvider(self.account.id.as_str()),
        }
    }
}

/// A sub-merchant a provider session may change: 404 for another account's (or none).
pub async fn changeable_sub_merchant(
    state: &AppState,
    session: &ProviderSession,
    id: i64,
) -> Result<SubMerchantSummary, AppError> {
    let found = state
        .store
        .sub_merchant(session.viewer(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(found.summary)
}

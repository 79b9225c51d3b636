//! One module per screen.

pub mod audit;
pub mod change_password;
pub mod login;
pub mod mobile_alipay;
pub mod mobile_maidan;
pub mod mobile_provider_sync;
pub mod not_found;
pub mod open_maidan;
pub mod overview;
pub mod provider_detail;
pub mod providers;
pub mod sub_merchant_detail;
pub mod sub_merchants;
pub mod sub_providers;
pub mod transactions;

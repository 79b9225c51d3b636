//! The sandbox's demo console accounts (fixed: checks outside this repo sign in with them).

use crate::api::AccountRole;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "sandbox-demo";

/// `(Tencent Cloud account ID, name, role)` of each demo account.
pub const DEMO_ACCOUNTS: [(&str, &str, AccountRole); 4] = [
    ("100000000001", "演示服务商", AccountRole::Provider),
    ("100000000002", "演示子服务商·甲", AccountRole::SubProvider),
    ("100000000003", "演示子服务商·乙", AccountRole::SubProvider),
    ("100000000004", "另一服务商", AccountRole::Provider),
];

//! The sandbox's sign-in accounts and codes: the WeChat users and Alipay accounts its
//! authorize pages ([`crate::upstream::sandbox_oauth`]) offer, and the single-use codes those
//! pages hand the phone for the console to exchange.

use super::Sandbox;

/// The two identity providers the sandbox plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityProvider {
    Wechat,
    Alipay,
}

/// A sign-in code lives this long (WeChat: five minutes).
pub const SIGN_IN_CODE_LIFETIME_MS: i64 = 5 * 60 * 1000;

/// A code the sandbox's authorize page issued: who signed in, for which app, when.
#[derive(Debug, Clone)]
pub(super) struct SignInCode {
    provider: IdentityProvider,
    app_id: String,
    user: String,
    issued_at_ms: i64,
}

/// A sandbox Alipay account (a merchant's), for the app authorization page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlipayUser {
    /// `2088` + 12 digits.
    pub user_id: String,
    pub name: String,
}

/// The sandbox's Alipay accounts.
pub const ALIPAY_USERS: [(&str, &str); 2] = [
    ("2088000000000011", "沙箱商户·林"),
    ("2088000000000022", "沙箱商户·周"),
];

impl Sandbox {
    /// Every sandbox Alipay account.
    pub fn alipay_users(&self) -> Vec<AlipayUser> {
        ALIPAY_USERS
            .iter()
            .map(|(user_id, name)| AlipayUser {
                user_id: (*user_id).to_owned(),
                name: (*name).to_owned(),
            })
            .collect()
    }

    /// The authorize page: `user` signed in to `provider` for `app_id`; returns the single-use
    /// code the phone carries back to the console.
    pub fn issue_sign_in_code(
        &self,
        provider: IdentityProvider,
        app_id: &str,
        user: &str,
    ) -> Option<String> {
        let mut bytes = [0_u8; 16];
        getrandom::fill(&mut bytes).ok()?;
        let code = crate::auth::hex(&bytes);
        let now = self.clock.now_ms();
        let mut world = self.world.write().ok()?;
        world
            .sign_in_codes
            .retain(|_, c| now - c.issued_at_ms < SIGN_IN_CODE_LIFETIME_MS);
        world.sign_in_codes.insert(
            code.clone(),
            SignInCode {
                provider,
                app_id: app_id.to_owned(),
                user: user.to_owned(),
                issued_at_ms: now,
            },
        );
        Some(code)
    }

    /// The code exchange: who signed in, if the code was issued by `provider` for `app_id`, is
    /// fresh, and was not exchanged before (it is spent either way).
    pub fn take_sign_in_code(
        &self,
        provider: IdentityProvider,
        app_id: &str,
        code: &str,
    ) -> Option<String> {
        let now = self.clock.now_ms();
        let issued = self.world.write().ok()?.sign_in_codes.remove(code)?;
        (issued.provider == provider
            && issued.app_id == app_id
            && now - issued.issued_at_ms < SIGN_IN_CODE_LIFETIME_MS)
            .then_some(issued.user)
    }
}

//! The console's own accounts: the Tencent Cloud account ID they sign in with and their
//! passwords.

use serde::{Deserialize, Serialize};

use super::FieldError;
use super::general::digits;

/// A Tencent Cloud account ID (uin): digits only, 5–20 of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct AccountId(String);

impl AccountId {
    pub const MIN_LEN: usize = 5;
    pub const MAX_LEN: usize = 20;

    /// Checks a typed account ID (surrounding spaces are ignored).
    pub fn parse(value: &str) -> Result<AccountId, FieldError> {
        digits(value, Self::MIN_LEN, Self::MAX_LEN).map(|v| AccountId(v.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A login password: required, at most 128 characters (longer input is refused rather than
/// hashed, so that nobody can make the server hash megabytes).
pub fn login_password(value: &str) -> Result<&str, FieldError> {
    const MAX: usize = 128;
    if value.is_empty() {
        Err(FieldError::Required)
    } else if value.chars().count() > MAX {
        Err(FieldError::TooLong { max: MAX })
    } else {
        Ok(value)
    }
}

/// The shortest and longest password an account may be given.
pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 128;

/// A new password for an account (修改密码, `accounts add` and `set-password`): 12–128
/// characters.
pub fn new_password(value: &str) -> Result<&str, FieldError> {
    let length = value.chars().count();
    if value.is_empty() {
        Err(FieldError::Required)
    } else if length < PASSWORD_MIN {
        Err(FieldError::TooShort { min: PASSWORD_MIN })
    } else if length > PASSWORD_MAX {
        Err(FieldError::TooLong { max: PASSWORD_MAX })
    } else {
        Ok(value)
    }
}

/// The new password typed a second time.
pub fn same_password<'a>(first: &str, second: &'a str) -> Result<&'a str, FieldError> {
    if second.is_empty() {
        Err(FieldError::Required)
    } else if first == second {
        Ok(second)
    } else {
        Err(FieldError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn account_ids_are_five_to_twenty_digits() {
        assert!(AccountId::parse("100000000001").is_ok());
        assert!(AccountId::parse("12345").is_ok());
        assert!(AccountId::parse("12345678901234567890").is_ok());
        assert_eq!(
            AccountId::parse(" 100000000001 ").map(|a| a.to_string()),
            Ok("100000000001".to_owned())
        );
        assert_eq!(AccountId::parse(""), Err(FieldError::Required));
        assert_eq!(AccountId::parse("   "), Err(FieldError::Required));
        let wrong = Err(FieldError::Digits { min: 5, max: 20 });
        assert_eq!(AccountId::parse("1234"), wrong);
        assert_eq!(AccountId::parse("123456789012345678901"), wrong);
        assert_eq!(AccountId::parse("10000a000001"), wrong);
        assert_eq!(AccountId::parse("１２３４５"), wrong, "full-width digits");
        assert_eq!(AccountId::parse("-12345"), wrong);
    }

    #[test]
    fn passwords_are_required_and_bounded() {
        assert_eq!(login_password(""), Err(FieldError::Required));
        assert_eq!(new_password(""), Err(FieldError::Required));
        assert_eq!(
            new_password("eleven-char"),
            Err(FieldError::TooShort { min: 12 })
        );
        assert!(new_password("twelve-chars").is_ok());
        assert!(
            new_password("十二个汉字的密码也可以用的").is_ok(),
            "counted in characters"
        );
        assert_eq!(
            new_password(&"x".repeat(129)),
            Err(FieldError::TooLong { max: 128 })
        );
        assert_eq!(
            same_password("a-new-password", ""),
            Err(FieldError::Required)
        );
        assert_eq!(
            same_password("a-new-password", "a-new-passwort"),
            Err(FieldError::Mismatch)
        );
        assert!(same_password("a-new-password", "a-new-password").is_ok());
        assert!(login_password("sandbox-demo").is_ok());
        assert_eq!(
            login_password(&"x".repeat(129)),
            Err(FieldError::TooLong { max: 128 })
        );
    }

    proptest! {
        #[test]
        fn any_five_to_twenty_digits_is_an_account_id(s in "[0-9]{5,20}") {
            prop_assert_eq!(AccountId::parse(&s).map(|a| a.to_string()), Ok(s));
        }

        #[test]
        fn anything_with_a_non_digit_is_refused(s in "[0-9]{0,10}[^0-9\\s]+[0-9]{0,10}") {
            prop_assert!(AccountId::parse(&s).is_err());
        }
    }
}

//! Field rules, written once and used twice: inline in the browser as the user types, and
//! authoritatively on the server. Each failure is a [`FieldError`] whose message says what is
//! expected, in both languages.

use serde::{Deserialize, Serialize};

use crate::Lang;

/// Why a field's value is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldError {
    /// Nothing was entered.
    #[error("required")]
    Required,
    /// Only digits are allowed, `min`..=`max` of them.
    #[error("digits only, {min} to {max}")]
    Digits { min: usize, max: usize },
    /// Too long.
    #[error("at most {max} characters")]
    TooLong { max: usize },
}

impl FieldError {
    /// The sentence shown under the field.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (FieldError::Required, Lang::Zh) => "此项必填，请输入内容。".into(),
            (FieldError::Required, Lang::En) => "Required: please enter a value.".into(),
            (FieldError::Digits { min, max }, Lang::Zh) => {
                format!("只能填写数字，长度为 {min}–{max} 位，请检查后重新输入。")
            }
            (FieldError::Digits { min, max }, Lang::En) => {
                format!("Use digits only, {min} to {max} of them.")
            }
            (FieldError::TooLong { max }, Lang::Zh) => {
                format!("最多 {max} 个字符，请删减后重新输入。")
            }
            (FieldError::TooLong { max }, Lang::En) => format!("Use at most {max} characters."),
        }
    }
}

fn digits(value: &str, min: usize, max: usize) -> Result<&str, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::Required);
    }
    let ok = value.bytes().all(|b| b.is_ascii_digit()) && (min..=max).contains(&value.len());
    if ok {
        Ok(value)
    } else {
        Err(FieldError::Digits { min, max })
    }
}

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
    fn messages_say_what_is_expected_in_both_languages() {
        let e = FieldError::Digits { min: 5, max: 20 };
        assert!(e.message(Lang::Zh).contains("5–20"));
        assert!(e.message(Lang::En).contains("5 to 20"));
        assert!(FieldError::Required.message(Lang::En).contains("Required"));
    }

    #[test]
    fn field_errors_travel_tagged() {
        let json = serde_json::to_value(FieldError::Digits { min: 5, max: 20 }).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "digits", "min": 5, "max": 20})
        );
    }

    #[test]
    fn passwords_are_required_and_bounded() {
        assert_eq!(login_password(""), Err(FieldError::Required));
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
        fn anything_with_a_non_digit_is_refused(s in "[0-9]{0,10}[^0-9 ]+[0-9]{0,10}") {
            prop_assert!(AccountId::parse(&s).is_err());
        }
    }
}

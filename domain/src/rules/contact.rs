//! How a person is reached and identified: an email address, a mainland mobile number and
//! its SMS code, a bank card number.

use super::FieldError;
use super::general::required;

/// The longest email address accepted (RFC 5321's path limit less its brackets).
pub const EMAIL_MAX: usize = 254;

/// An email address as a person types it: one `@`, a local part of at most 64 characters
/// without spaces, and a domain of dot-separated labels (letters, digits, inner hyphens; any
/// script) ending in a top-level label of two or more letters.
pub fn email(value: &str) -> Result<&str, FieldError> {
    let value = required(value)?;
    if value.chars().count() > EMAIL_MAX {
        return Err(FieldError::TooLong { max: EMAIL_MAX });
    }
    let (local, domain) = value.split_once('@').ok_or(FieldError::Email)?;
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && !local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "@<>()[]\\,;:\"".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.chars().count() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let top_ok = labels
        .last()
        .is_some_and(|t| t.chars().count() >= 2 && t.chars().all(char::is_alphabetic));
    if local_ok && labels.len() >= 2 && labels.iter().all(label_ok) && top_ok {
        Ok(value)
    } else {
        Err(FieldError::Email)
    }
}

/// A mainland China mobile number: `1[3-9]` + 9 digits.
pub fn mobile(value: &str) -> Result<&str, FieldError> {
    let value = required(value)?;
    let b = value.as_bytes();
    let ok = b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit);
    if ok {
        Ok(value)
    } else {
        Err(FieldError::Mobile)
    }
}

/// An SMS verification code: six digits.
pub fn sms_code(value: &str) -> Result<&str, FieldError> {
    let value = required(value)?;
    if value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value)
    } else {
        Err(FieldError::SmsCode)
    }
}

/// True when the digits pass the Luhn check.
pub fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// A bank card number: 12–19 digits (spaces allowed) passing the Luhn check.
pub fn bank_card(value: &str) -> Result<String, FieldError> {
    let compact: String = required(value)?.chars().filter(|c| *c != ' ').collect();
    let ok = (12..=19).contains(&compact.len())
        && compact.bytes().all(|b| b.is_ascii_digit())
        && luhn(&compact);
    if ok {
        Ok(compact)
    } else {
        Err(FieldError::BankCard)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn an_email_address_is_whole() {
        for ok in [
            "admin@example.com",
            " admin@example.com ",
            "li.lei+maidan@shop.example.com.cn",
            "店长@例子.中国",
        ] {
            assert_eq!(email(ok), Ok(ok.trim()), "{ok}");
        }
        for bad in [
            "admin",
            "admin@",
            "@example.com",
            "admin@example",
            "admin@example.c",
            "admin@@example.com",
            "ad min@example.com",
            "admin@exa mple.com",
            "admin@-example.com",
            "admin@example..com",
            ".admin@example.com",
            "admin.@example.com",
            "a..b@example.com",
            "admin@example.com1",
        ] {
            assert_eq!(email(bad), Err(FieldError::Email), "{bad}");
        }
        assert_eq!(email(" "), Err(FieldError::Required));
        let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(190));
        assert_eq!(email(&long), Err(FieldError::TooLong { max: EMAIL_MAX }));
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(email(&long_local), Err(FieldError::Email));
    }

    #[test]
    fn mobile_numbers_are_mainland_numbers() {
        assert!(mobile("13800138000").is_ok());
        assert!(mobile("19912345678").is_ok());
        assert_eq!(mobile("12800138000"), Err(FieldError::Mobile));
        assert_eq!(mobile("1380013800"), Err(FieldError::Mobile));
        assert_eq!(mobile("+8613800138000"), Err(FieldError::Mobile));
    }

    #[test]
    fn bank_cards_pass_luhn() {
        assert_eq!(
            bank_card("6222 0202 0000 0000 014").map(|c| c.len()),
            Ok(19)
        );
        assert!(bank_card("4111111111111111").is_ok());
        assert_eq!(bank_card("4111111111111112"), Err(FieldError::BankCard));
        assert_eq!(bank_card("41111111111"), Err(FieldError::BankCard));
        assert_eq!(bank_card(""), Err(FieldError::Required));
    }

    /// Appends the Luhn check digit to a body of digits.
    fn with_check_digit(body: &str) -> String {
        (0..10)
            .map(|d| format!("{body}{d}"))
            .find(|n| luhn(n))
            .expect("one digit always fits")
    }

    proptest! {
        #[test]
        fn any_mainland_mobile_passes_and_other_shapes_fail(
            second in "[3-9]",
            rest in "[0-9]{9}",
            bad_second in "[0-2]",
            short in "[0-9]{1,10}",
        ) {
            let good = format!("1{second}{rest}");
            prop_assert_eq!(mobile(&good), Ok(good.as_str()));
            let bad = format!("1{bad_second}{rest}");
            prop_assert_eq!(mobile(&bad), Err(FieldError::Mobile));
            prop_assert!(mobile(&short).is_err());
            let long = format!("{good}0");
            prop_assert!(mobile(&long).is_err());
        }

        #[test]
        fn a_card_with_its_check_digit_passes_and_a_changed_digit_fails(
            body in "[0-9]{11,18}",
            pos in 0usize..11,
            bump in 1u8..10,
        ) {
            let card = with_check_digit(&body);
            prop_assert!(bank_card(&card).is_ok());
            let mut bytes = card.clone().into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + bump) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(bank_card(&changed).is_err(), "{} vs {}", card, changed);
        }
    }
}

//! A form's problems, field by field: each field's name beside what its rule found, in the
//! form's order.

use super::FieldError;

/// Field problems of a form, by field name.
pub type FormErrors = Vec<(&'static str, FieldError)>;

/// The fields that break their rules, in the order given. Each field is its name and its
/// rule's error, if any (`rule(value).err()`).
pub fn form_errors<const N: usize>(fields: [(&'static str, Option<FieldError>); N]) -> FormErrors {
    fields
        .into_iter()
        .filter_map(|(name, error)| Some((name, error?)))
        .collect()
}

/// `rule`'s error for a field that may be left blank: none when it is.
pub fn optional<'a, T>(
    value: &'a str,
    rule: impl FnOnce(&'a str) -> Result<T, FieldError>,
) -> Option<FieldError> {
    if value.trim().is_empty() {
        None
    } else {
        rule(value).err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{https_url, text};

    #[test]
    fn only_broken_fields_are_named_in_order_and_a_blank_optional_one_passes() {
        let errors = form_errors([
            ("a", text("12345", 4).err()),
            ("b", optional(" ", https_url)),
            ("c", optional("http://example.com", https_url)),
            ("d", text("1234", 4).err()),
        ]);
        assert_eq!(
            errors,
            vec![
                ("a", FieldError::TooLong { max: 4 }),
                ("c", FieldError::HttpsUrl),
            ]
        );
    }
}

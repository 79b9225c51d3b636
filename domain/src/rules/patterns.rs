//! The OpenAPI patterns that state a field rule whole, written once for every field that
//! follows the rule.
//!
//! A derive's attribute takes a pattern only as a literal, so the types with such fields are
//! written inside a `macro_rules!` that takes the patterns, and `with_patterns!`
//! hands them to it.

/// Calls `$define!(https_url, image, optional_ratio)` with the patterns, in that order.
macro_rules! with_patterns {
    ($define:ident) => {
        $define!(
            // `rules::https_url`, or blank: whitespace as Rust trims it, the length as a
            // lookahead.
            r"^[\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$|^[\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?![^\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]{257})https://[^\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000/?#@]*\.[^\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000/?#@]*(?:[/?#][^\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*)?[\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$",
            // What `rules::image_data_url` reads, or blank: the type and the file's signature.
            r"^$|^data:image/png;base64,iVBORw0KGg[o-r][A-Za-z0-9+/][A-Za-z0-9+/=]*$|^data:image/jpeg;base64,/9j/[A-Za-z0-9+/]{8}[A-Za-z0-9+/=]*$",
            // `rules::rebate_ratio`, or blank.
            r"^$|^(([0-9]{1,2}|0[0-9]{2})(\.[0-9]{0,2})?|100(\.0{0,2})?)$"
        );
    };
}
pub(crate) use with_patterns;

//! Rules of no one family of fields: something entered, free text, one of a list, a date,
//! a typed confirmation, and the digits-only shape the ID rules share.

use super::FieldError;

/// Only ASCII digits, `min`..=`max` of them (surrounding spaces aside).
pub(super) fn digits(value: &str, min: usize, max: usize) -> Result<&str, FieldError> {
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

/// Something other than blanks, trimmed.
pub fn required(value: &str) -> Result<&str, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        Err(FieldError::Required)
    } else {
        Ok(value)
    }
}

/// Free text of at most `max` characters (optional fields may be empty).
pub fn text(value: &str, max: usize) -> Result<&str, FieldError> {
    let value = value.trim();
    if value.chars().count() > max {
        Err(FieldError::TooLong { max })
    } else {
        Ok(value)
    }
}

/// One of `options`, by its wire name (`as_str`); anything else names the choices.
pub fn choice<T: Copy>(
    value: &str,
    options: &[T],
    as_str: fn(T) -> &'static str,
) -> Result<T, FieldError> {
    options
        .iter()
        .copied()
        .find(|o| as_str(*o) == value)
        .ok_or_else(|| FieldError::Choice {
            values: options.iter().map(|o| as_str(*o).to_owned()).collect(),
        })
}

/// A calendar date `YYYY-MM-DD` (years 0001–9999, as RFC 3339's `full-date` and OpenAPI's
/// `format: date`), as days since 1970-01-01 (negative before it).
pub fn date(value: &str) -> Result<i64, FieldError> {
    let b = value.trim().as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        b.get(r)?.iter().try_fold(0_i64, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let parsed = (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
        .then(|| Some((digits(0..4)?, digits(5..7)?, digits(8..10)?)))
        .flatten();
    let (y, m, d) = parsed.ok_or(FieldError::Date)?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=9999).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > days_in[(m - 1) as usize]
    {
        return Err(FieldError::Date);
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok(era * 146_097 + doe - 719_468)
}

/// A destructive step's confirmation: `typed` must be `expected` (surrounding spaces aside).
pub fn typed_confirmation<'a>(typed: &'a str, expected: &str) -> Result<&'a str, FieldError> {
    match typed.trim() {
        "" => Err(FieldError::Required),
        typed if typed == expected => Ok(typed),
        _ => Err(FieldError::TypedConfirmation {
            expected: expected.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_confirmation_is_the_expected_value_exactly() {
        assert_eq!(
            typed_confirmation(" 1900000101 ", "1900000101"),
            Ok("1900000101")
        );
        assert_eq!(
            typed_confirmation("", "1900000101"),
            Err(FieldError::Required)
        );
        let wrong = Err(FieldError::TypedConfirmation {
            expected: "1900000101".to_owned(),
        });
        assert_eq!(typed_confirmation("190000010", "1900000101"), wrong);
        assert_eq!(typed_confirmation("19000001011", "1900000101"), wrong);
    }

    #[test]
    fn dates_count_days_from_1970_and_refuse_what_is_not_a_day() {
        assert_eq!(date("1970-01-01"), Ok(0));
        assert_eq!(date("2026-01-01"), Ok(20_454));
        assert_eq!(date("2024-02-29"), Ok(19_782));
        assert_eq!(date("1969-12-31"), Ok(-1));
        assert_eq!(date("0001-01-01"), Ok(-719_162));
        assert_eq!(date("9999-12-31"), Ok(2_932_896));
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-1-01",
            "26-01-01",
            "",
            "2026/01/01",
            "0000-01-01",
            "2026-01-32",
        ] {
            assert_eq!(date(bad), Err(FieldError::Date), "{bad}");
        }
    }
}

//! A provider's payment platforms: WeChat Pay and Alipay IDs, the WeChat Pay API key, Cloud
//! Pay's own IDs, and the rebate ratio.

use super::FieldError;
use super::general::{digits, required, text};

/// A WeChat Pay merchant ID (mch_id / sub_mch_id): digits only, 8–32 (usually 10).
pub fn merchant_id(value: &str) -> Result<&str, FieldError> {
    digits(value, 8, 32)
}

/// A WeChat AppID: `wx` + 16 letters or digits.
pub fn wechat_app_id(value: &str) -> Result<&str, FieldError> {
    let value = required(value)?;
    let ok = value.len() == 18
        && value.starts_with("wx")
        && value[2..].bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(value)
    } else {
        Err(FieldError::WechatAppId)
    }
}

/// A WeChat Pay API key (v2 or v3): exactly 32 letters or digits.
pub fn wechat_api_key(value: &str) -> Result<&str, FieldError> {
    let value = required(value)?;
    if value.len() == 32 && value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(value)
    } else {
        Err(FieldError::Alphanumeric { len: 32 })
    }
}

/// An Alipay PID or user ID: `2088` + 12 digits.
pub fn alipay_pid(value: &str) -> Result<&str, FieldError> {
    let value = required(value)?;
    if value.len() == 16 && value.starts_with("2088") && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value)
    } else {
        Err(FieldError::AlipayPid)
    }
}

/// An Alipay application AppID: digits, 16 (up to 32).
pub fn alipay_app_id(value: &str) -> Result<&str, FieldError> {
    digits(value, 16, 32)
}

/// A Cloud Pay ID (out_mch_id, out_sub_mch_id) or authentication key: 1–32 characters.
pub fn cloud_pay_id(value: &str) -> Result<&str, FieldError> {
    text(required(value)?, 32)
}

/// A rebate ratio (返佣比例) in percent: 0–100 with at most two decimals, as hundredths.
pub fn rebate_ratio(value: &str) -> Result<u32, FieldError> {
    let value = required(value)?;
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 3
        || fraction.len() > 2
        || !digits_only(whole)
        || !digits_only(fraction)
    {
        return Err(FieldError::Ratio);
    }
    let whole: u32 = whole.parse().map_err(|_| FieldError::Ratio)?;
    let fraction: u32 = format!("{fraction:0<2}")
        .parse()
        .map_err(|_| FieldError::Ratio)?;
    let hundredths = whole * 100 + fraction;
    if hundredths <= 100 * 100 {
        Ok(hundredths)
    } else {
        Err(FieldError::Ratio)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn merchant_ids_are_eight_to_thirty_two_digits() {
        assert!(merchant_id("1900000109").is_ok());
        assert!(merchant_id("12345678").is_ok());
        assert_eq!(
            merchant_id("1234567"),
            Err(FieldError::Digits { min: 8, max: 32 })
        );
        assert_eq!(
            merchant_id("19000001O9"),
            Err(FieldError::Digits { min: 8, max: 32 })
        );
    }

    #[test]
    fn wechat_app_ids_are_wx_and_sixteen() {
        assert!(wechat_app_id("wx8888888888888888").is_ok());
        assert!(wechat_app_id("wxd678efh567hg6787").is_ok());
        assert_eq!(
            wechat_app_id("wx888888888888888"),
            Err(FieldError::WechatAppId)
        );
        assert_eq!(
            wechat_app_id("wa8888888888888888"),
            Err(FieldError::WechatAppId)
        );
        assert_eq!(
            wechat_app_id("wx88888888888888-8"),
            Err(FieldError::WechatAppId)
        );
        assert_eq!(wechat_app_id(""), Err(FieldError::Required));
    }

    #[test]
    fn alipay_pids_start_with_2088() {
        assert!(alipay_pid("2088102146225135").is_ok());
        assert_eq!(alipay_pid("2089102146225135"), Err(FieldError::AlipayPid));
        assert_eq!(alipay_pid("208810214622513"), Err(FieldError::AlipayPid));
        assert_eq!(alipay_pid("20881021462251350"), Err(FieldError::AlipayPid));
        assert_eq!(alipay_pid("2088"), Err(FieldError::AlipayPid));
        assert!(alipay_app_id("2021000122671234").is_ok());
        assert!(alipay_app_id("202100012267123").is_err());
    }

    #[test]
    fn rebate_ratios_are_percentages_with_two_decimals() {
        assert_eq!(rebate_ratio("0"), Ok(0));
        assert_eq!(rebate_ratio("100"), Ok(10_000));
        assert_eq!(rebate_ratio("100.00"), Ok(10_000));
        assert_eq!(rebate_ratio("12.5"), Ok(1_250));
        assert_eq!(rebate_ratio("0.01"), Ok(1));
        assert_eq!(rebate_ratio("5."), Ok(500), "a trailing point is harmless");
        for bad in ["100.01", "101", "-1", "1.234", ".5", "1e2", "abc", "1,5"] {
            assert_eq!(rebate_ratio(bad), Err(FieldError::Ratio), "{bad}");
        }
        assert_eq!(rebate_ratio(""), Err(FieldError::Required));
    }

    proptest! {
        #[test]
        fn any_thirty_two_letters_or_digits_is_an_api_key(key in "[A-Za-z0-9]{32}") {
            prop_assert_eq!(wechat_api_key(&key), Ok(key.as_str()));
        }

        #[test]
        fn any_other_length_is_not_an_api_key(key in "[A-Za-z0-9]{1,31}|[A-Za-z0-9]{33,40}") {
            prop_assert_eq!(wechat_api_key(&key), Err(FieldError::Alphanumeric { len: 32 }));
        }

        #[test]
        fn a_symbol_spoils_an_api_key(head in "[A-Za-z0-9]{10}", sym in "[^A-Za-z0-9 ]", tail in "[A-Za-z0-9]{21}") {
            let key = format!("{head}{sym}{tail}");
            prop_assert!(wechat_api_key(&key).is_err());
        }

        #[test]
        fn any_2088_pid_passes(rest in "[0-9]{12}") {
            let pid = format!("2088{rest}");
            prop_assert!(alipay_pid(&pid).is_ok());
        }

        #[test]
        fn ratios_round_trip_through_hundredths(h in 0u32..=10_000) {
            let text = format!("{}.{:02}", h / 100, h % 100);
            prop_assert_eq!(rebate_ratio(&text), Ok(h));
        }
    }
}

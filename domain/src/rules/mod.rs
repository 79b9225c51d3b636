//! Field rules, written once and used twice: inline in the browser as the user types, and
//! authoritatively on the server. Each failure is a [`FieldError`] whose message says what is
//! expected, in both languages.
//!
//! One file per family of fields, each rule beside its tests; every rule is named from here,
//! `domain::rules::…`:
//! - `field_error`: [`FieldError`], how it travels and its sentences;
//! - `general`: something entered, free text, one of a list, a date, a typed confirmation;
//! - `account`: the console's account IDs and passwords;
//! - `payment`: WeChat Pay, Alipay and Cloud Pay IDs, the API key, the rebate ratio;
//! - `contact`: email, mobile, SMS code, bank card;
//! - `web`: `https://` addresses and images;
//! - `form`: a whole form's problems, field by field.

mod account;
mod contact;
mod field_error;
mod form;
mod general;
mod patterns;
mod payment;
mod web;

pub use account::{
    AccountId, PASSWORD_MAX, PASSWORD_MIN, login_password, new_password, same_password,
};
pub use contact::{EMAIL_MAX, bank_card, email, luhn, mobile, sms_code};
pub use field_error::FieldError;
pub use form::{FormErrors, form_errors, optional};
pub use general::{choice, date, required, text, typed_confirmation};
pub(crate) use patterns::with_patterns;
pub use payment::{
    alipay_app_id, alipay_pid, cloud_pay_id, merchant_id, rebate_ratio, wechat_api_key,
    wechat_app_id,
};
pub use web::{https_url, image_data_url, image_type};

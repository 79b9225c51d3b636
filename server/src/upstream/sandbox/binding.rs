//! The phone binding of an existing merchant ID (已有商户号？立即绑定): the codes the sandbox
//! "texts" to a mobile, and the check of mobile, card and code that opens WeChat Maidan.

use domain::api::MaidanBinding;

use super::{BindingError, BindingRefusal, CodeSent, Sandbox, UpstreamCause, UpstreamError};

/// A binding code may be asked for again after this long (per mobile).
pub const CODE_COOLDOWN_S: u64 = 60;
/// A binding code lives this long.
pub const CODE_LIFETIME_S: u64 = 300;
/// Wrong tries that use a binding code up.
pub const CODE_TRIES: u32 = 5;

/// A binding code the sandbox "texted".
#[derive(Debug, Clone)]
pub(super) struct SentCode {
    merchant_id: String,
    code: String,
    sent_at_ms: i64,
}

impl Sandbox {
    /// The latest binding code texted to a mobile (sandbox control, for tests).
    pub fn latest_code(&self, mobile: &str) -> Option<String> {
        self.world
            .read()
            .ok()?
            .codes
            .get(mobile)
            .map(|c| c.code.clone())
    }

    /// Marks a merchant ID as having opened WeChat Maidan (what the phone binding does).
    pub fn open_maidan(&self, merchant_id: &str) -> bool {
        if self.sub_merchant_by_id(merchant_id).is_none() {
            return false;
        }
        let Ok(mut world) = self.world.write() else {
            return false;
        };
        world.opened.insert(merchant_id.to_owned());
        true
    }

    /// 获取验证码: a new code for the mobile, unless one went out less than a cooldown ago.
    pub(super) fn send_code(
        &self,
        merchant_id: &str,
        mobile: &str,
    ) -> Result<CodeSent, BindingError> {
        if self.sub_merchant_by_id(merchant_id).is_none() {
            return Err(BindingError::Refused(BindingRefusal::UnknownMerchant));
        }
        let now = self.clock.now_ms();
        let mut world = self.world_mut()?;
        if let Some(sent) = world.codes.get(mobile) {
            let waited_s = u64::try_from((now - sent.sent_at_ms) / 1000).unwrap_or(0);
            if waited_s < CODE_COOLDOWN_S {
                return Err(BindingError::Cooldown(CODE_COOLDOWN_S - waited_s));
            }
        }
        let mut bytes = [0_u8; 4];
        getrandom::fill(&mut bytes)
            .map_err(|e| UpstreamError::unavailable(UpstreamCause::Internal, e))?;
        let code = format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000);
        world.codes.insert(
            mobile.to_owned(),
            SentCode {
                merchant_id: merchant_id.to_owned(),
                code: code.clone(),
                sent_at_ms: now,
            },
        );
        world.binding_tries.insert(merchant_id.to_owned(), 0);
        Ok(CodeSent {
            cooldown_s: CODE_COOLDOWN_S,
            expires_in_s: CODE_LIFETIME_S,
            sandbox_code: Some(code),
        })
    }

    /// Opens Maidan for the merchant ID when the mobile, the card and the code all match.
    pub(super) fn bind(&self, binding: &MaidanBinding) -> Result<(), BindingError> {
        let merchant_id = binding.merchant_id.trim();
        let Some((mobile, card)) = self.merchant_contact(merchant_id) else {
            return Err(BindingError::Refused(BindingRefusal::UnknownMerchant));
        };
        let now = self.clock.now_ms();
        let mut world = self.world_mut()?;
        let lifetime_ms = i64::try_from(CODE_LIFETIME_S * 1000).unwrap_or(i64::MAX);
        let tries = world
            .binding_tries
            .get(merchant_id)
            .copied()
            .unwrap_or(CODE_TRIES);
        let live = |sent: &SentCode| {
            sent.merchant_id == merchant_id && now - sent.sent_at_ms <= lifetime_ms
        };
        // Some code of this merchant ID is still valid, and tries remain.
        if tries >= CODE_TRIES || !world.codes.values().any(live) {
            return Err(BindingError::Refused(BindingRefusal::CodeExpired));
        }
        let entered_mobile = binding.mobile.trim();
        let entered_card: String = binding
            .bank_card
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        // The code texted to the mobile typed (a code someone else asked for the same merchant
        // ID, to another mobile, neither replaces nor spends it). The mobile, the card and the
        // code are all compared before answering, and a mismatch of any is one answer that
        // uses up one of the merchant ID's tries: what is registered is never confirmed on its
        // own, and which mobiles hold a code is never told.
        let code_matches = world
            .codes
            .get(entered_mobile)
            .filter(|sent| live(sent))
            .is_some_and(|sent| sent.code == binding.code.trim());
        let matches = (entered_mobile == mobile) & (entered_card == card) & code_matches;
        if !matches {
            let wrong = tries + 1;
            world.binding_tries.insert(merchant_id.to_owned(), wrong);
            return Err(BindingError::Refused(if wrong >= CODE_TRIES {
                BindingRefusal::CodeExpired
            } else {
                BindingRefusal::DetailsMismatch {
                    tries_left: CODE_TRIES - wrong,
                }
            }));
        }
        // Used once: the merchant ID's codes are spent, and it has opened Maidan. The cooldown
        // still holds for the mobile.
        world
            .binding_tries
            .insert(merchant_id.to_owned(), CODE_TRIES);
        world.opened.insert(merchant_id.to_owned());
        Ok(())
    }
}

//! Pieces that pages share.

pub mod alipay_dialog;
pub mod channel_switch;
pub mod config_form;
pub mod copy_button;
pub mod dialog;
pub mod error_note;
pub mod field;
pub mod job_progress;
pub mod key_reset_dialog;
pub mod language_switch;
pub mod loaded;
pub mod mobile_shell;
pub mod pager;
pub mod phone_ticket;
pub mod provider_sync_dialog;
pub mod qr_canvas;
pub mod qr_ticket_panel;
pub mod shell;
pub mod sub_merchant_profile;
pub mod unbind_provider;

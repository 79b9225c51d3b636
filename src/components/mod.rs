//! Pieces that pages share.

pub mod error_note;
pub mod field;
pub mod language_switch;
pub mod shell;

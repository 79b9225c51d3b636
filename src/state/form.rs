//! A form in progress and the one rule for when a field's error shows: the field's own rule as
//! soon as something is typed in it (a missing value only once the form has been submitted),
//! else the server's verdict on that field, held until the field changes. (The fields that
//! show it are in `components::field`; a [`ServerWrite`](super::write::ServerWrite) files the
//! server's verdicts here.)

use domain::FieldError;
use leptos::prelude::*;

use crate::{api::ApiError, i18n::use_i18n};

/// The rule: the field's own verdict once typed in (`Required` once submitted), else the
/// server's.
pub fn shown_error(
    local: Option<FieldError>,
    typed: bool,
    submitted: bool,
    server: Option<FieldError>,
) -> Option<FieldError> {
    local
        .filter(|e| submitted || (typed && *e != FieldError::Required))
        .or(server)
}

/// A form in progress: whether it was submitted, and the server's verdict on its fields.
#[derive(Debug, Clone, Copy)]
pub struct Form {
    submitted: RwSignal<bool>,
    server: RwSignal<Vec<(String, FieldError)>>,
    edits: RwSignal<u32>,
}

impl Default for Form {
    fn default() -> Self {
        Form {
            submitted: RwSignal::new(false),
            server: RwSignal::new(Vec::new()),
            edits: RwSignal::new(0),
        }
    }
}

impl Form {
    pub fn new() -> Form {
        Form::default()
    }

    /// Every rule's verdict shows from now on; the server's last verdicts are forgotten.
    pub fn submit(&self) {
        self.submitted.set(true);
        self.server.set(Vec::new());
    }

    /// Back to a fresh form (after it was saved, or reset to stored values).
    pub fn reset(&self) {
        self.submitted.set(false);
        self.server.set(Vec::new());
    }

    /// Keeps the server's verdict on each field its refusal names.
    pub fn refused(&self, error: &ApiError) {
        if let ApiError::Api(body) = error {
            self.server.set(
                body.fields
                    .iter()
                    .map(|(name, issue)| (name.clone(), issue.rule.clone()))
                    .collect(),
            );
        }
    }

    /// How many edits the user has made (reactive): something shown until the next edit
    /// compares with it.
    pub fn edits(&self) -> u32 {
        self.edits.get()
    }

    pub fn edits_untracked(&self) -> u32 {
        self.edits.get_untracked()
    }

    /// The user changed the field `name`: the server's verdict on it no longer holds.
    pub fn edited(&self, name: &str) {
        self.edits.update(|n| *n += 1);
        if self
            .server
            .with_untracked(|s| s.iter().any(|(n, _)| n == name))
        {
            self.server.update(|s| s.retain(|(n, _)| n != name));
        }
    }

    /// The error to show for the field `name` holding `value`, of which its rule says `local`.
    pub fn error(&self, name: &str, value: &str, local: Option<FieldError>) -> Option<FieldError> {
        let server = self
            .server
            .with(|s| s.iter().find(|(n, _)| n == name).map(|(_, e)| e.clone()));
        shown_error(
            local,
            !value.trim().is_empty(),
            self.submitted.get(),
            server,
        )
    }

    /// The message [`TextField`](crate::components::field::TextField) shows for the field `name` holding `value`, whose rule is
    /// `rule` (it may look at other fields too), in the current language.
    pub fn message(
        self,
        name: &'static str,
        value: RwSignal<String>,
        rule: impl Fn(&str) -> Option<FieldError> + Send + Sync + 'static,
    ) -> Signal<Option<String>> {
        let i18n = use_i18n();
        Signal::derive(move || {
            value
                .with(|v| self.error(name, v, rule(v)))
                .map(|e| e.message(i18n.lang()))
        })
    }
}

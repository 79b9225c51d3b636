//! Writes to the server, one way: sent one at a time, the page told whether one is on its
//! way, the refusal kept to show until the write is tried again, the answer handed on.
//!
//! (The state is a few signals and the call is boxed, so that each write costs the bundles
//! little: a page has several, and the login page counts every byte.)

use std::{future::Future, pin::Pin, rc::Rc};

use leptos::prelude::*;

use crate::{api::ApiError, state::form::Form};

type Call<I, O> = Rc<dyn Fn(I) -> Pin<Box<dyn Future<Output = Result<O, ApiError>>>>>;

/// A write a page sends: whether it is on its way, and how the last attempt ended.
pub struct ServerWrite<I: 'static, O: 'static> {
    pending: RwSignal<bool>,
    error: RwSignal<Option<ApiError>>,
    /// Counts attempts: only the latest one's answer counts.
    attempts: StoredValue<u32>,
    call: StoredValue<Call<I, O>, LocalStorage>,
    done: StoredValue<Rc<dyn Fn(O)>, LocalStorage>,
    /// The form whose fields show the server's verdicts.
    form: Option<Form>,
}

impl<I, O> Clone for ServerWrite<I, O> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<I, O> Copy for ServerWrite<I, O> {}

impl<I: 'static, O: 'static> ServerWrite<I, O> {
    /// `call` sends the write; `done` receives each answer.
    pub fn new<Fu>(call: impl Fn(&I) -> Fu + 'static, done: impl Fn(O) + 'static) -> Self
    where
        Fu: Future<Output = Result<O, ApiError>> + 'static,
    {
        let call: Call<I, O> = Rc::new(move |input| Box::pin(call(&input)));
        ServerWrite {
            pending: RwSignal::new(false),
            error: RwSignal::new(None),
            attempts: StoredValue::new(0),
            call: StoredValue::new_local(call),
            done: StoredValue::new_local(Rc::new(done)),
            form: None,
        }
    }

    /// A form's write: the server's verdict on a field shows at that field.
    pub fn for_form<Fu>(
        form: Form,
        call: impl Fn(&I) -> Fu + 'static,
        done: impl Fn(O) + 'static,
    ) -> Self
    where
        Fu: Future<Output = Result<O, ApiError>> + 'static,
    {
        ServerWrite {
            form: Some(form),
            ..ServerWrite::new(call, done)
        }
    }

    /// Sends the write; the last attempt's refusal is forgotten.
    pub fn send(&self, input: I) {
        let this = *self;
        this.error.set(None);
        this.pending.set(true);
        this.attempts.update_value(|n| *n += 1);
        let attempt = this.attempts.get_value();
        let answer = (this.call.get_value())(input);
        leptos::task::spawn_local(async move {
            let answer = answer.await;
            // A later attempt, or the page went away: this answer is not shown.
            if this.attempts.try_get_value() != Some(attempt) {
                return;
            }
            this.pending.set(false);
            match answer {
                Ok(answer) => {
                    if let Some(done) = this.done.try_get_value() {
                        done(answer);
                    }
                }
                Err(e) => {
                    if let Some(form) = this.form {
                        form.refused(&e);
                    }
                    this.error.set(Some(e));
                }
            }
        });
    }

    /// Forgets how the last attempt ended (the form was cancelled).
    pub fn forget(&self) {
        self.error.set(None);
    }

    /// True while the write is on its way (reactive).
    pub fn pending(&self) -> Signal<bool> {
        self.pending.into()
    }

    /// How the server refused the last attempt (reactive).
    pub fn error(&self) -> Signal<Option<ApiError>> {
        self.error.into()
    }
}

//! Any upstream, timed: each call's latency and outcome in
//! `console_upstream_call_duration_seconds` (see [`crate::metrics`]).

use std::{sync::Arc, time::Instant};

use async_trait::async_trait;

use super::{
    BindingError, CodeSent, MaidanUpstream, PageAnswer, Sandbox, UpstreamError, UpstreamProvider,
    UpstreamTransaction, WechatUser,
};

/// Wraps the upstream the console talks to; answers exactly what it answers.
pub struct Observed(pub Arc<dyn MaidanUpstream>);

fn record(call: &'static str, outcome: &'static str, started: Instant) {
    metrics::histogram!(
        "console_upstream_call_duration_seconds",
        "call" => call,
        "outcome" => outcome,
    )
    .record(started.elapsed().as_secs_f64());
}

fn outcome_of(error: &UpstreamError) -> &'static str {
    match error {
        UpstreamError::Transient { .. } => "unavailable",
        UpstreamError::Rejected { .. } => "rejected",
    }
}

/// Times `call`, naming its outcome `ok` or by its error.
async fn timed<T, E>(
    call: &'static str,
    outcome: impl Fn(&E) -> &'static str,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let started = Instant::now();
    let answer = work.await;
    record(
        call,
        answer.as_ref().map_or_else(outcome, |_| "ok"),
        started,
    );
    answer
}

fn binding_outcome(error: &BindingError) -> &'static str {
    match error {
        // WeChat answered: the merchant's details, not the service, were at fault.
        BindingError::Refused(_) | BindingError::Cooldown(_) => "refused",
        BindingError::Upstream(error) => outcome_of(error),
    }
}

#[async_trait]
impl MaidanUpstream for Observed {
    fn kind(&self) -> &'static str {
        self.0.kind()
    }

    fn sandbox(&self) -> Option<&Sandbox> {
        self.0.sandbox()
    }

    async fn wechat_user(&self, openid: &str) -> Result<Option<WechatUser>, UpstreamError> {
        timed("wechat_user", outcome_of, self.0.wechat_user(openid)).await
    }

    async fn providers_administered_by(
        &self,
        openid: &str,
    ) -> Result<Vec<UpstreamProvider>, UpstreamError> {
        timed(
            "providers_administered_by",
            outcome_of,
            self.0.providers_administered_by(openid),
        )
        .await
    }

    async fn sub_merchants(&self, provider_id: &str, cursor: u64, limit: u32) -> PageAnswer {
        timed(
            "sub_merchants",
            outcome_of,
            self.0.sub_merchants(provider_id, cursor, limit),
        )
        .await
    }

    async fn maidan_opened(&self, merchant_id: &str) -> Result<Option<bool>, UpstreamError> {
        timed(
            "maidan_opened",
            outcome_of,
            self.0.maidan_opened(merchant_id),
        )
        .await
    }

    async fn send_binding_code(
        &self,
        merchant_id: &str,
        mobile: &str,
    ) -> Result<CodeSent, BindingError> {
        timed(
            "send_binding_code",
            binding_outcome,
            self.0.send_binding_code(merchant_id, mobile),
        )
        .await
    }

    async fn bind_merchant(
        &self,
        binding: &domain::api::MaidanBinding,
    ) -> Result<(), BindingError> {
        timed(
            "bind_merchant",
            binding_outcome,
            self.0.bind_merchant(binding),
        )
        .await
    }

    async fn transactions(
        &self,
        merchant_id: &str,
    ) -> Result<Vec<UpstreamTransaction>, UpstreamError> {
        timed("transactions", outcome_of, self.0.transactions(merchant_id)).await
    }

    async fn transactions_of(
        &self,
        merchant_ids: &[String],
    ) -> Result<Vec<UpstreamTransaction>, UpstreamError> {
        timed(
            "transactions_of",
            outcome_of,
            self.0.transactions_of(merchant_ids),
        )
        .await
    }
}

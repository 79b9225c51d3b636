//! Durable jobs and their progress.

use serde::{Deserialize, Serialize};

crate::wire_enum! {
    /// What kind of long-running work a job does.
    pub enum JobKind {
        /// 同步买单子商户: every sub-merchant of every provider of the account.
        SubMerchantSync = "sub_merchant_sync",
        /// 历史交易归属调整: a sub-merchant's transactions follow its new sub-provider.
        Reattribution = "reattribution",
    }
}

crate::wire_enum! {
    /// Where a job is in its life.
    pub enum JobState {
        Queued = "queued",
        Running = "running",
        Succeeded = "succeeded",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

impl JobState {
    /// Queued or running.
    pub const fn is_active(self) -> bool {
        matches!(self, JobState::Queued | JobState::Running)
    }
}

/// What a sub-merchant sync did so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobCounts {
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub failed: u64,
}

/// A row a job could not process, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobFailure {
    pub provider_id: String,
    pub merchant_id: String,
    /// The reason in Chinese (the console's default language).
    pub reason: String,
    /// The rule the row broke, which the console words in the reader's language (as `rule`
    /// of a field in a validation error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub rule: Option<crate::FieldError>,
}

impl JobFailure {
    /// The reason in `lang`.
    pub fn reason(&self, lang: crate::Lang) -> String {
        self.rule
            .as_ref()
            .map_or_else(|| self.reason.clone(), |rule| rule.message(lang))
    }
}

/// Why a job failed, as data: the console words it in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobError {
    /// WeChat Maidan stayed unreachable through every retry while the job read a provider's
    /// sub-merchants (from `cursor`, once the first page was read). `detail` is the
    /// upstream's own words.
    UpstreamUnavailable {
        provider_id: String,
        cursor: Option<u64>,
        detail: String,
    },
    /// The job names a subject the console does not know (a re-attribution's sub-merchant).
    UnknownSubject,
}

impl JobError {
    /// The sentence in `lang`.
    pub fn message(&self, lang: crate::Lang) -> String {
        match (self, lang) {
            (
                JobError::UpstreamUnavailable {
                    provider_id,
                    cursor,
                    detail,
                },
                crate::Lang::Zh,
            ) => {
                let at = cursor.map(|c| format!("，第 {c} 条起")).unwrap_or_default();
                format!("微信买单持续无法访问（服务商 {provider_id}{at}）：{detail}")
            }
            (
                JobError::UpstreamUnavailable {
                    provider_id,
                    cursor,
                    detail,
                },
                crate::Lang::En,
            ) => {
                let at = cursor
                    .map(|c| format!(", from row {c}"))
                    .unwrap_or_default();
                format!("WeChat Maidan stayed unreachable (provider {provider_id}{at}): {detail}")
            }
            (JobError::UnknownSubject, crate::Lang::Zh) => "任务指向的子商户不存在。".to_owned(),
            (JobError::UnknownSubject, crate::Lang::En) => {
                "The job names a sub-merchant that does not exist.".to_owned()
            }
        }
    }
}

/// `GET /jobs/{id}`: a job's progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: String,
    pub kind: JobKind,
    pub state: JobState,
    pub processed: u64,
    /// Estimated total (known once the upstream has been asked).
    pub total: u64,
    pub counts: JobCounts,
    /// At most the first 100 failed rows.
    pub failures: Vec<JobFailure>,
    /// Rows per second since the job started.
    pub rate_per_s: f64,
    /// Seconds left at the current rate.
    pub eta_s: Option<u64>,
    pub created_at: String,
    /// The account that asked for the job.
    pub requested_by: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Why the job failed, when it did, in Chinese.
    pub error: Option<String>,
    /// Why the job failed, as data (the console words it in the reader's language).
    pub failure: Option<JobError>,
    /// When another instance may take the job over (its lease runs out; it resumes from the
    /// last committed page). Set while the job runs but its worker has committed nothing for
    /// over half its lease: a live worker's retries end by then, so its instance has most
    /// likely stopped. Progress and `eta_s` are frozen meanwhile.
    pub takeover_at: Option<String>,
    /// The same as seconds from now (0 once due: at the next look of any worker).
    pub takeover_in_s: Option<u64>,
}

impl Job {
    /// Why the job failed, in `lang`.
    pub fn error(&self, lang: crate::Lang) -> Option<String> {
        self.failure
            .as_ref()
            .map(|f| f.message(lang))
            .or_else(|| self.error.clone())
    }
}

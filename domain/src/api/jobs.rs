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
    pub reason: String,
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
    /// Why the job failed, when it did.
    pub error: Option<String>,
}

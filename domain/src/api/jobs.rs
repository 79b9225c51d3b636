//! Durable jobs and their progress.
//!
//! Over 400 lines only with its tests, which read every way a job or a row can fail in both
//! languages; why WeChat Maidan did not answer is `upstream`'s.

use serde::{Deserialize, Serialize};

use super::upstream::UpstreamCause;

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

crate::wire_enum! {
    /// Why a row of a job was not processed.
    pub enum RowFailureCode {
        /// The merchant ID WeChat Maidan listed breaks the rule for merchant IDs (the broken
        /// rule is the failure's `rule`).
        InvalidMerchantId = "invalid_merchant_id",
    }
}

/// A row a job could not process, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobFailure {
    pub provider_id: String,
    pub merchant_id: String,
    /// The reason in Chinese (the console's default language), for clients that do not read
    /// `code`.
    pub reason: String,
    /// The rule the row broke, which the console words in the reader's language (as `rule`
    /// of a field in a validation error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub rule: Option<crate::FieldError>,
    /// Why, as a code the console words in the reader's language (absent on rows failed
    /// before codes were kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<RowFailureCode>,
}

impl JobFailure {
    /// A merchant ID from WeChat Maidan that breaks `rule`.
    pub fn invalid_merchant_id(
        provider_id: String,
        merchant_id: String,
        rule: crate::FieldError,
    ) -> JobFailure {
        let mut failure = JobFailure {
            provider_id,
            merchant_id,
            reason: String::new(),
            rule: Some(rule),
            code: Some(RowFailureCode::InvalidMerchantId),
        };
        failure.reason = failure.reason(crate::Lang::Zh);
        failure
    }

    /// The reason in `lang`.
    pub fn reason(&self, lang: crate::Lang) -> String {
        // Rows failed before codes were kept carry only a rule, or only the Chinese text.
        let code = self.code.or_else(|| {
            self.rule
                .as_ref()
                .map(|_| RowFailureCode::InvalidMerchantId)
        });
        match code {
            Some(RowFailureCode::InvalidMerchantId) => {
                let lead = lang.pick(
                    "微信买单返回的商户号无效。",
                    "WeChat Maidan listed an invalid merchant ID.",
                );
                match (&self.rule, lang) {
                    (Some(rule), crate::Lang::Zh) => format!("{lead}{}", rule.message(lang)),
                    (Some(rule), crate::Lang::En) => format!("{lead} {}", rule.message(lang)),
                    (None, _) => lead.to_owned(),
                }
            }
            None => in_language(&self.reason, lang)
                .unwrap_or(lang.pick("该行未能同步。", "This row could not be synced."))
                .to_owned(),
        }
    }
}

/// A text stored in one language, when it is in `lang` (Chinese when it holds a CJK character).
fn in_language(text: &str, lang: crate::Lang) -> Option<&str> {
    let chinese = text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    (!text.is_empty() && chinese == (lang == crate::Lang::Zh)).then_some(text)
}

/// Why a job failed, as data: the console words it in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobError {
    /// WeChat Maidan did not answer as asked through every retry while the job read a
    /// provider's sub-merchants (from `cursor`, once the first page was read).
    UpstreamUnavailable {
        provider_id: String,
        cursor: Option<u64>,
        /// Why (absent on jobs failed before causes were kept).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<UpstreamCause>,
        /// The cause in English, for clients that do not read `cause` (on jobs failed before
        /// causes were kept: the upstream's own words). The console words `cause` instead.
        #[serde(default)]
        detail: String,
    },
    /// The job names a subject the console does not know (a re-attribution's sub-merchant).
    UnknownSubject,
}

impl JobError {
    /// WeChat Maidan failed a call for `cause` while the job read `provider_id`'s
    /// sub-merchants (from `cursor`).
    pub fn upstream(provider_id: String, cursor: Option<u64>, cause: UpstreamCause) -> JobError {
        JobError::UpstreamUnavailable {
            provider_id,
            cursor,
            cause: Some(cause),
            detail: cause.message(crate::Lang::En),
        }
    }

    /// The sentence in `lang`.
    pub fn message(&self, lang: crate::Lang) -> String {
        use crate::Lang::{En, Zh};
        match self {
            JobError::UpstreamUnavailable {
                provider_id,
                cursor,
                cause,
                detail,
            } => {
                let cause = cause.or_else(|| UpstreamCause::from_legacy_detail(detail));
                let at = match (cursor, lang) {
                    (Some(c), Zh) => format!("，第 {c} 条起"),
                    (Some(c), En) => format!(", from row {c}"),
                    (None, _) => String::new(),
                };
                let why = cause.map_or_else(
                    || {
                        lang.pick("原因未记录", "the cause was not recorded")
                            .to_owned()
                    },
                    |c| c.message(lang),
                );
                match (cause.is_none_or(UpstreamCause::is_transient), lang) {
                    (true, Zh) => format!(
                        "微信买单持续无法访问（服务商 {provider_id}{at}）：{why}。请稍后重新同步。"
                    ),
                    (true, En) => format!(
                        "WeChat Maidan stayed unreachable (provider {provider_id}{at}): {why}. Sync again later."
                    ),
                    (false, Zh) => {
                        format!("无法从微信买单读取子商户（服务商 {provider_id}{at}）：{why}。")
                    }
                    (false, En) => format!(
                        "Could not read the sub-merchants from WeChat Maidan (provider {provider_id}{at}): {why}."
                    ),
                }
            }
            JobError::UnknownSubject => lang
                .pick(
                    "任务指向的子商户不存在。",
                    "The job names a sub-merchant that does not exist.",
                )
                .to_owned(),
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
    /// A job of `kind` in `state`, created at `created_at` (RFC 3339), that has done nothing
    /// yet: no rows, no rate, not started, asked for by no one, no failure.
    pub fn new(id: String, kind: JobKind, state: JobState, created_at: String) -> Job {
        Job {
            id,
            kind,
            state,
            processed: 0,
            total: 0,
            counts: JobCounts::default(),
            failures: Vec::new(),
            rate_per_s: 0.0,
            eta_s: None,
            created_at,
            requested_by: None,
            started_at: None,
            finished_at: None,
            error: None,
            failure: None,
            takeover_at: None,
            takeover_in_s: None,
        }
    }

    /// Why the job failed, in `lang`.
    pub fn error(&self, lang: crate::Lang) -> Option<String> {
        if let Some(failure) = &self.failure {
            return Some(failure.message(lang));
        }
        // A text stored before failures were data, shown when it is in the reader's language.
        self.error.as_deref().map(|text| {
            in_language(text, lang)
                .unwrap_or(lang.pick("任务失败。", "The job failed."))
                .to_owned()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FieldError, Lang};

    /// A CJK character or a CJK or full-width punctuation mark.
    fn cjk(c: char) -> bool {
        ('\u{3000}'..='\u{303f}').contains(&c)
            || ('\u{ff00}'..='\u{ffef}').contains(&c)
            || ('\u{4e00}'..='\u{9fff}').contains(&c)
    }

    /// The longest run of ASCII letters.
    fn latin_run(text: &str) -> usize {
        text.split(|c: char| !c.is_ascii_alphabetic())
            .map(str::len)
            .max()
            .unwrap_or(0)
    }

    /// In English nothing Chinese; in Chinese no English word (IDs and numbers are digits).
    fn one_language_each(texts: impl Fn(Lang) -> String) {
        let (en, zh) = (texts(Lang::En), texts(Lang::Zh));
        assert!(!en.is_empty() && !en.chars().any(cjk), "{en}");
        assert!(zh.chars().any(cjk) && latin_run(&zh) < 3, "{zh}");
    }

    const CAUSES: [UpstreamCause; 13] = [
        UpstreamCause::Timeout,
        UpstreamCause::ConnectionFailed,
        UpstreamCause::HttpStatus { status: 503 },
        UpstreamCause::HttpStatus { status: 404 },
        UpstreamCause::Unavailable,
        UpstreamCause::Unauthorized,
        UpstreamCause::NotFound,
        UpstreamCause::Refused,
        UpstreamCause::UnreadableAnswer,
        UpstreamCause::AnswerTooLarge,
        UpstreamCause::SandboxFault,
        UpstreamCause::SandboxDown,
        UpstreamCause::Internal,
    ];

    #[test]
    fn every_job_failure_reads_in_one_language_at_a_time() {
        let mut failures: Vec<JobError> = CAUSES
            .iter()
            .flat_map(|cause| {
                [None, Some(1000)]
                    .map(|cursor| JobError::upstream("1900000101".into(), cursor, *cause))
            })
            .collect();
        failures.push(JobError::UnknownSubject);
        // Failed before causes were kept: only the upstream's words.
        for detail in [
            "upstream temporarily unavailable: sandbox fault on call 7",
            "upstream temporarily unavailable: HTTP 502 Bad Gateway",
            "upstream temporarily unavailable: something else entirely",
            "",
        ] {
            failures.push(JobError::UpstreamUnavailable {
                provider_id: "1900000101".into(),
                cursor: Some(5),
                cause: None,
                detail: detail.into(),
            });
        }
        for failure in &failures {
            one_language_each(|lang| failure.message(lang));
            let en = failure.message(Lang::En);
            assert!(
                !en.contains("upstream temporarily unavailable"),
                "the upstream's words stay out: {en}"
            );
        }
    }

    #[test]
    fn every_failed_row_reads_in_one_language_at_a_time() {
        let rules = ["", "16x", "123"].map(|id| crate::rules::merchant_id(id).unwrap_err());
        let rules = rules.into_iter();
        let mut rows: Vec<JobFailure> = rules
            .map(|rule| JobFailure::invalid_merchant_id("1900000101".into(), "16x".into(), rule))
            .collect();
        rows.push(JobFailure {
            rule: None,
            ..rows[0].clone()
        });
        // Failed before codes were kept: with the rule, or with the Chinese text only.
        rows.push(JobFailure {
            code: None,
            ..rows[0].clone()
        });
        rows.push(JobFailure {
            code: None,
            rule: None,
            reason: "商户号格式不正确".into(),
            ..rows[0].clone()
        });
        for row in &rows {
            one_language_each(|lang| row.reason(lang));
        }
        assert_eq!(rows[0].reason, rows[0].reason(Lang::Zh));
        assert!(
            rows[1]
                .reason(Lang::En)
                .ends_with("Use digits only, 8 to 32 of them.")
        );
    }

    #[test]
    fn a_job_failed_before_causes_were_kept_still_reads() {
        let stored = r#"{"kind":"upstream_unavailable","provider_id":"1900000101","cursor":null,
            "detail":"upstream temporarily unavailable: sandbox fault on call 3"}"#;
        let failure: JobError = serde_json::from_str(stored).unwrap();
        assert_eq!(
            failure.message(Lang::En),
            "WeChat Maidan stayed unreachable (provider 1900000101): a fault injected by the \
             sandbox. Sync again later."
        );
        assert_eq!(
            failure.message(Lang::Zh),
            "微信买单持续无法访问（服务商 1900000101）：沙箱注入的故障。请稍后重新同步。"
        );
        let row: JobFailure = serde_json::from_value(serde_json::json!({
            "provider_id": "1900000101",
            "merchant_id": "16x",
            "reason": "只能填写数字，长度为 8–32 位，请检查后重新输入。",
            "rule": FieldError::Digits { min: 8, max: 32 },
        }))
        .unwrap();
        assert!(row.reason(Lang::En).starts_with("WeChat Maidan listed"));
    }

    #[test]
    fn a_new_failure_keeps_the_fields_clients_read_and_adds_its_cause() {
        let failure = JobError::upstream("1900000101".into(), Some(3), UpstreamCause::Timeout);
        let json = serde_json::to_value(&failure).unwrap();
        assert_eq!(json["kind"], "upstream_unavailable");
        assert_eq!(json["cause"]["code"], "timeout");
        assert_eq!(json["detail"], "the request timed out");
        assert_eq!(serde_json::from_value::<JobError>(json).unwrap(), failure);
        let status = serde_json::to_value(UpstreamCause::HttpStatus { status: 502 }).unwrap();
        assert_eq!(
            status,
            serde_json::json!({"code": "http_status", "status": 502})
        );
    }

    #[test]
    fn a_job_text_from_before_failures_were_data_shows_only_in_its_language() {
        let job = |error: &str| Job {
            error: Some(error.into()),
            ..Job::new(
                "job_1".into(),
                JobKind::SubMerchantSync,
                JobState::Failed,
                String::new(),
            )
        };
        let chinese = job("微信买单持续无法访问");
        assert_eq!(chinese.error(Lang::Zh).unwrap(), "微信买单持续无法访问");
        assert_eq!(chinese.error(Lang::En).unwrap(), "The job failed.");
        let english = job("upstream temporarily unavailable");
        assert_eq!(english.error(Lang::Zh).unwrap(), "任务失败。");
    }
}

//! Reading what another service answered (the upstream, WeChat, Alipay): at most
//! [`ANSWER_LIMIT`] bytes, so that a broken or hostile peer cannot fill the console's memory.

/// The most an answer may hold.
pub const ANSWER_LIMIT: usize = 1 << 20;

/// Why an answer was not read.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    #[error("the answer is larger than {ANSWER_LIMIT} bytes")]
    TooLarge,
    #[error("reading the answer: {0}")]
    Read(reqwest::Error),
}

/// The answer's body, chunk by chunk, refused as soon as it passes the limit.
pub async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, AnswerError> {
    if response
        .content_length()
        .is_some_and(|n| n > ANSWER_LIMIT as u64)
    {
        return Err(AnswerError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| AnswerError::Read(e.without_url()))?
    {
        if body.len() + chunk.len() > ANSWER_LIMIT {
            return Err(AnswerError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

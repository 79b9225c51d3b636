//! A secret as it crosses the wire or sits in a setting: a password, an API key, a private key,
//! an authentication key. It travels as a plain JSON string, and its `Debug` prints
//! `[redacted]`, so that no log line or panic message can show it.

use serde::{Deserialize, Serialize};

/// A string that is never printed.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The value, giving the wrapper up.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_owned())
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Secret, Self::Err> {
        Ok(Secret(value.to_owned()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn a_secret_travels_as_a_string_and_is_never_printed() {
        let secret = Secret::new("sandbox-demo");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(
            format!(
                "{:?}",
                crate::api::LoginRequest {
                    account_id: "100000000001".into(),
                    password: secret.clone(),
                }
            ),
            "LoginRequest { account_id: \"100000000001\", password: [redacted] }"
        );
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"sandbox-demo\"");
        let back: Secret = serde_json::from_str("\"sandbox-demo\"").unwrap();
        assert_eq!(back.expose(), "sandbox-demo");
    }
}

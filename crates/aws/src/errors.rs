//! Turning SDK errors into [`SourceError`]s a user can act on: which account, what failed,
//! and what to run to fix it.

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sagemaker::error::{ConnectorError, ProvideErrorMetadata, SdkError};

use sagescope_core::config::AccountConfig;
use sagescope_engine::fetch::source::SourceError;

/// What an error message needs to know about the account it happened in.
#[derive(Debug, Clone)]
pub(crate) struct AccountContext {
    pub name: String,
    pub profile: Option<String>,
    pub role_arn: Option<String>,
}

impl AccountContext {
    pub fn new(account: &AccountConfig) -> Self {
        AccountContext {
            name: account.name.clone(),
            profile: account.profile.clone(),
            role_arn: account.role_arn.clone(),
        }
    }

    /// What to run when the base credentials are missing or expired.
    pub fn login_hint(&self) -> String {
        match &self.profile {
            Some(profile) => format!(
                "run `aws sso login --profile {profile}` if the profile uses SSO, otherwise check \
                 its keys with `aws configure --profile {profile}`"
            ),
            None => "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run \
                     `aws sso login` / `aws configure`"
                .to_string(),
        }
    }

    fn credentials_message(&self, what: &str, detail: &str) -> String {
        let base = match &self.profile {
            Some(profile) => format!("profile `{profile}`"),
            None => "the default credential chain".to_string(),
        };
        let role = match &self.role_arn {
            Some(role) => format!(
                "; if the base credentials work, check that they may call sts:AssumeRole on \
                 {role} and that the role trusts them"
            ),
            None => String::new(),
        };
        format!(
            "{what} for account `{}` (from {base}): {detail}; {}{role}",
            self.name,
            self.login_hint()
        )
    }
}

const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
];
const THROTTLED: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
];
const EXPIRED: &[&str] = &["ExpiredToken", "ExpiredTokenException", "RequestExpired"];
const BAD_CREDENTIALS: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
];

/// Classifies a failed SDK call made for `operation` in the account described by `ctx`.
pub(crate) fn classify<E, R>(
    err: SdkError<E, R>,
    operation: &'static str,
    ctx: &AccountContext,
) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    // The SDK reports a failed credential lookup as a dispatch failure ("other" kind), and a
    // network failure inside it (the STS call of an assumed role) as a credentials error:
    // look for the real cause, or users chase the wrong fix.
    let credentials = find::<CredentialsError>(&err);
    let network = match credentials {
        Some(c) => find::<ConnectorError>(c),
        None => find::<ConnectorError>(&err),
    }
    .filter(|c| c.is_io() || c.is_timeout());
    if let Some(connector) = network {
        return if connector.is_timeout() {
            SourceError::Timeout { operation }
        } else {
            SourceError::Network {
                operation,
                message: chain(connector),
            }
        };
    }
    if let Some(credentials) = credentials {
        let (what, detail) = match credentials {
            CredentialsError::CredentialsNotLoaded(_) => (
                "no AWS credentials",
                match &ctx.profile {
                    Some(profile) => format!(
                        "profile `{profile}` has no keys, SSO session, role or credential_process"
                    ),
                    None => "none in the environment, the AWS config files, the SSO cache or \
                             instance metadata"
                        .to_string(),
                },
            ),
            CredentialsError::ProviderTimedOut(_) => {
                ("timed out loading AWS credentials", chain(credentials))
            }
            CredentialsError::InvalidConfiguration(_) => {
                ("invalid AWS credentials configuration", chain(credentials))
            }
            _ => ("cannot get AWS credentials", chain(credentials)),
        };
        return SourceError::Credentials(ctx.credentials_message(what, &detail));
    }
    match &err {
        SdkError::TimeoutError(_) => SourceError::Timeout { operation },
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            SourceError::Timeout { operation }
        }
        SdkError::DispatchFailure(_) => SourceError::Network {
            operation,
            message: chain(&err),
        },
        _ => {
            let code = err.code().unwrap_or_default();
            let message = err.message().unwrap_or_default().to_string();
            if ACCESS_DENIED.contains(&code) {
                SourceError::AccessDenied { operation, message }
            } else if THROTTLED.contains(&code) {
                SourceError::Throttled { operation }
            } else if EXPIRED.contains(&code) {
                SourceError::Credentials(
                    ctx.credentials_message(
                        "expired AWS credentials",
                        &format!("{code}: {message}"),
                    ),
                )
            } else if BAD_CREDENTIALS.contains(&code) {
                SourceError::Credentials(ctx.credentials_message(
                    "AWS rejected the credentials",
                    &format!("{code}: {message}"),
                ))
            } else if code.is_empty() {
                SourceError::Other {
                    operation,
                    message: chain(&err),
                }
            } else {
                SourceError::Other {
                    operation,
                    message: format!("{code}: {message}"),
                }
            }
        }
    }
}

/// The first error of type `T` in the chain of causes.
fn find<'a, T: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// An error and its causes on one line, each message once ("dispatch failure: io error:
/// tcp connect error: Connection refused (os error 111)").
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        let text = one_line(&e.to_string());
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// Multi-line SDK messages folded onto one line for error lists and the status bar.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// AWS's code and message, or what stopped the request from reaching AWS (the sources whose
/// errors are text: the Price List, Athena).
pub(super) fn sdk_message<
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
>(
    err: &SdkError<E, R>,
) -> String {
    match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            format!(
                "{}: {}",
                e.code().unwrap_or("error"),
                sagescope_core::sanitize::plain(e.message().unwrap_or_default())
            )
        }
        other => {
            let mut text = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("inner\n  detail")]
    struct Inner;

    #[test]
    fn chain_puts_every_cause_on_one_line_once() {
        assert_eq!(chain(&Outer(Inner)), "outer: inner detail");
    }

    #[test]
    fn find_reaches_through_the_causes() {
        assert!(find::<Inner>(&Outer(Inner)).is_some());
        assert!(find::<CredentialsError>(&Outer(Inner)).is_none());
    }

    #[test]
    fn login_hint_names_the_profile() {
        let ctx = AccountContext {
            name: "prod".into(),
            profile: Some("ml-prod".into()),
            role_arn: None,
        };
        let message = ctx.credentials_message("no AWS credentials", "x");
        assert!(message.contains("account `prod`"), "{message}");
        assert!(
            message.contains("aws sso login --profile ml-prod"),
            "{message}"
        );
    }
}

//! Turning SDK errors into [`SourceError`]s a user can act on: which account, what failed,
//! and what to run to fix it.

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sagemaker::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::config::AccountConfig;
use crate::fetch::source::SourceError;

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
    if let Some(credentials) = find_credentials_error(&err) {
        let what = match credentials {
            CredentialsError::CredentialsNotLoaded(_) => "no AWS credentials",
            CredentialsError::ProviderTimedOut(_) => "timed out loading AWS credentials",
            CredentialsError::InvalidConfiguration(_) => "invalid AWS credentials configuration",
            _ => "cannot get AWS credentials",
        };
        return SourceError::Credentials(ctx.credentials_message(
            what,
            &one_line(&DisplayErrorContext(credentials).to_string()),
        ));
    }
    match &err {
        SdkError::TimeoutError(_) => SourceError::Timeout { operation },
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            SourceError::Timeout { operation }
        }
        SdkError::DispatchFailure(_) => SourceError::Network {
            operation,
            message: one_line(&DisplayErrorContext(&err).to_string()),
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
                    message: one_line(&DisplayErrorContext(&err).to_string()),
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

/// The credentials error somewhere in the chain of causes, if credentials were the problem.
fn find_credentials_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a CredentialsError> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<CredentialsError>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// Multi-line SDK messages folded onto one line for error lists and the status bar.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

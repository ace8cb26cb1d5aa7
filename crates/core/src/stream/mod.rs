//! SageMaker's EventBridge events as they land in a CloudWatch Logs group, decoded into the
//! state of one resource.
//!
//! An EventBridge rule with a CloudWatch Logs target writes each event's whole JSON envelope
//! (`id`, `time`, `account`, `region`, `source`, `detail-type`, `detail`) as one log event's
//! message. [`decode`] turns one such message into a [`StreamChange`], says the event is of a
//! known kind that is no row's state ([`Decoded::Ignored`]), or says why it was skipped
//! ([`Skip`]).
//!
//! Anyone who can write to the log group (or name a job) chooses these bytes, and AWS's own
//! published samples disagree with its API (times as epoch milliseconds, numbers or strings,
//! or ISO text; statuses in UPPER_SNAKE; tags as a map or a list), so the decoder reads
//! defensively: the fields a row cannot do without must be right, optional ones of the wrong
//! shape are dropped, and every string is bounded but otherwise kept as given (the display
//! code makes escape sequences visible, so stripping them here would hide them).
//!
//! Pure: no I/O and no clock, so the engine decides what to do with a change (delivery is at
//! least once and unordered) and the tests need nothing but strings.

/// Also the JSON helpers [`crate::trail`] reads CloudTrail records with.
pub(crate) mod decode;
#[cfg(test)]
mod tests;

use std::fmt;

use chrono::{DateTime, Utc};
use compact_str::CompactString;

use crate::model::{JobStatus, ResourceKind, Tags};

pub use decode::decode;

/// The largest message decoded: EventBridge's own limit on an event (256 KiB). A longer
/// message cannot be an event EventBridge delivered, so it is not parsed at all.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// The longest resource name kept (SageMaker allows 63 characters; this leaves room).
pub const MAX_NAME_CHARS: usize = 256;
/// The longest ARN kept (SageMaker's API limit).
pub const MAX_ARN_CHARS: usize = 2048;
/// The longest status kept; AWS's longest is `UpdateRollbackFailed`.
pub const MAX_STATUS_CHARS: usize = 64;
/// Failure reasons are cut to this many characters (the API's own limit).
pub const MAX_FAILURE_CHARS: usize = 1024;
/// At most this many tags are kept from one event (AWS allows 50 on a resource).
pub const MAX_TAGS: usize = 50;
/// Tag keys are cut to this many characters (AWS's limit).
pub const MAX_TAG_KEY_CHARS: usize = 128;
/// Tag values are cut to this many characters (AWS's limit).
pub const MAX_TAG_VALUE_CHARS: usize = 256;

/// One resource's state as an event reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamChange {
    /// The envelope's `id`: the same event delivered twice carries the same id.
    pub event_id: String,
    /// The envelope's `time`, when EventBridge saw the change: the only time every kind
    /// carries (transform events have no `LastModifiedTime`), so the order to apply in.
    pub time: DateTime<Utc>,
    /// The envelope's `account`: exactly 12 ASCII digits.
    pub account_id: String,
    /// The envelope's `region`: `[a-z0-9-]{1,32}`.
    pub region: String,
    pub kind: ResourceKind,
    pub name: String,
    /// The detail's `*Arn` field, when it is a plausible SageMaker ARN.
    pub arn: Option<String>,
    /// The status in the API's spelling (`IN_SERVICE` in an event becomes `InService`).
    pub status: JobStatus,
    pub failure_reason: Option<String>,
    pub instance_type: Option<CompactString>,
    pub instance_count: Option<u32>,
    pub created_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub last_modified_at: Option<DateTime<Utc>>,
    /// `None` when the event carries no `Tags` (processing and HyperPod events never do);
    /// `Some` of an empty set when it says the resource has none.
    pub tags: Option<Tags>,
}

/// What a well-formed message said.
#[derive(Debug, Clone, PartialEq)]
// A change is a few hundred bytes and is handed over once per log event; boxing it would
// cost an allocation per event to save a move.
#[allow(clippy::large_enum_variant)]
pub enum Decoded {
    /// A resource's state, to apply.
    Change(StreamChange),
    /// A SageMaker event of a kind that is no row's state (API calls via CloudTrail, model or
    /// feature group changes, HyperPod node health, ...): dropped on purpose, not an error.
    /// Holds the detail-type.
    Ignored(&'static str),
}

/// Why a message was not applied: a log line's worth, for counting and debugging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// Longer than [`MAX_MESSAGE_BYTES`]; holds its length in bytes.
    TooLarge(usize),
    /// Not JSON, not an object, or a field the row needs of the wrong JSON type (`field` is
    /// `None` for the message as a whole).
    Malformed {
        field: Option<&'static str>,
        why: &'static str,
    },
    /// An event from another service: `source` is not `aws.sagemaker` (holds it, cut short).
    OtherSource(String),
    /// A `detail-type` this build does not know (holds it, cut short).
    UnknownDetailType(String),
    /// A field the row needs is absent or null.
    MissingField(&'static str),
    /// A field the row needs has the right type but an impossible value.
    BadValue {
        field: &'static str,
        why: &'static str,
    },
}

/// The most characters of the input a [`Skip`] holds, so a log line stays a line.
pub const SKIP_ECHO_CHARS: usize = 80;

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Input is shown through `Debug`, which escapes control characters: a log line
        // must not carry an escape sequence to whoever tails it.
        match self {
            Skip::TooLarge(bytes) => write!(
                f,
                "message of {bytes} bytes is over EventBridge's {MAX_MESSAGE_BYTES}-byte limit"
            ),
            Skip::Malformed { field: None, why } => write!(f, "malformed event: {why}"),
            Skip::Malformed {
                field: Some(field),
                why,
            } => write!(f, "malformed event: `{field}` {why}"),
            Skip::OtherSource(source) => {
                write!(f, "source {:?} is not aws.sagemaker", clip(source))
            }
            Skip::UnknownDetailType(kind) => write!(f, "unknown detail-type {:?}", clip(kind)),
            Skip::MissingField(field) => write!(f, "missing `{field}`"),
            Skip::BadValue { field, why } => write!(f, "bad `{field}`: {why}"),
        }
    }
}

impl std::error::Error for Skip {}

/// The start of `text`, at most [`SKIP_ECHO_CHARS`] characters.
fn clip(text: &str) -> &str {
    decode::prefix_chars(text, SKIP_ECHO_CHARS)
}

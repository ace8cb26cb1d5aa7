use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A resource status exactly as AWS spells it (`InProgress`, `Failed`, `InService`, ...).
///
/// Kept as the AWS string so exports and the detail view never lie about what AWS said;
/// [`JobStatus::phase`] gives the coarse meaning panes colour and count by. Every AWS status
/// fits inline in a [`CompactString`], so a row's status costs no heap allocation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobStatus(CompactString);

/// The coarse lifecycle phase of a status, for colour, counts and "active only" filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusPhase {
    /// Starting up: Pending, Creating, Updating, ...
    Pending,
    /// Running and costing money: InProgress, InService.
    Running,
    /// Finished successfully.
    Done,
    /// Stopped on purpose (Stopped, Stopping, OutOfService).
    Stopped,
    /// Failed or in a failed state.
    Failed,
    /// A status this build of sagescope has never seen.
    Unknown,
}

impl JobStatus {
    /// Wraps a status string as AWS returned it.
    pub fn new(status: impl Into<String>) -> Self {
        JobStatus(CompactString::from(status.into()))
    }

    /// The AWS spelling.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the status means, whatever resource kind it belongs to.
    pub fn phase(&self) -> StatusPhase {
        match self.0.as_str() {
            "InProgress" | "InService" => StatusPhase::Running,
            "Pending" | "Creating" | "Updating" | "SystemUpdating" | "RollingBack" | "Deleting" => {
                StatusPhase::Pending
            }
            "Completed" => StatusPhase::Done,
            "Stopped" | "Stopping" | "OutOfService" => StatusPhase::Stopped,
            "Failed" | "UpdateRollbackFailed" | "DeleteFailed" => StatusPhase::Failed,
            _ => StatusPhase::Unknown,
        }
    }

    /// Whether the status is final: completed, failed or stopped (not `Stopping`), so a job in
    /// it never changes again.
    pub fn is_finished(&self) -> bool {
        matches!(
            self.phase(),
            StatusPhase::Done | StatusPhase::Failed | StatusPhase::Stopped
        ) && !self.is_active()
    }

    /// Whether the resource is still alive (running or about to be): what "active only" keeps.
    pub fn is_active(&self) -> bool {
        matches!(self.phase(), StatusPhase::Running | StatusPhase::Pending) || self.0 == "Stopping"
    }
}

impl StatusPhase {
    /// A short lower-case label.
    pub fn label(self) -> &'static str {
        match self {
            StatusPhase::Pending => "pending",
            StatusPhase::Running => "running",
            StatusPhase::Done => "done",
            StatusPhase::Stopped => "stopped",
            StatusPhase::Failed => "failed",
            StatusPhase::Unknown => "unknown",
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for JobStatus {
    fn from(s: &str) -> Self {
        JobStatus::new(s)
    }
}

impl Serialize for JobStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for JobStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        CompactString::deserialize(deserializer).map(JobStatus)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_the_aws_spellings() {
        assert_eq!(JobStatus::from("InProgress").phase(), StatusPhase::Running);
        assert_eq!(JobStatus::from("InService").phase(), StatusPhase::Running);
        assert_eq!(JobStatus::from("Failed").phase(), StatusPhase::Failed);
        assert_eq!(JobStatus::from("Stopped").phase(), StatusPhase::Stopped);
        assert_eq!(JobStatus::from("Completed").phase(), StatusPhase::Done);
        assert_eq!(JobStatus::from("Creating").phase(), StatusPhase::Pending);
        assert_eq!(JobStatus::from("Brand-New").phase(), StatusPhase::Unknown);
    }

    #[test]
    fn active_means_running_pending_or_stopping() {
        assert!(JobStatus::from("InProgress").is_active());
        assert!(JobStatus::from("Stopping").is_active());
        assert!(!JobStatus::from("Stopped").is_active());
        assert!(!JobStatus::from("Completed").is_active());
    }
}

//! Domain types every view, the cache and the exports share.
//!
//! Nothing in here knows about AWS SDK types or the terminal: fetchers map into these types at
//! their boundary, and panes, exports and the cache read them.

mod compute;
mod cost;
mod creator;
mod details;
mod event;
mod findings;
mod job;
mod kind;
mod me;
mod metrics;
mod scope;
mod snapshot;
mod spend;
mod status;
mod tags;

pub use compute::{ClusterInfo, ComponentInfo, Compute, InstanceGroup};
pub use cost::{CostSource, ResourceCost, TrainingBilling};
pub use creator::{
    AttributionSource, CLOUDTRAIL_HISTORY_DAYS, CallBy, Creator, UNKNOWN_TOO_OLD, beyond_history,
    creator_label, principal_matches,
};
pub use details::{
    ACTIVITY_MAX_AGE_MINUTES, DescribeCache, Described, KnownState, NODES_MAX_AGE_MINUTES,
};
pub use event::{Event, EventKind, SeenChanges, SeenResource, SeenState};
pub use findings::{
    InvalidValue, Miscased, OrgTagRule, RuleSource, STUDIO_DOMAIN_TAG, STUDIO_SPACE_TAG,
    STUDIO_USER_PROFILE_TAG, TagFinding, TagPolicy, TagProblems, Tags, arn_leaf, find_tag_problems,
    wildcard_match,
};
pub use job::{AppInfo, Job, change_marker};
pub use kind::{ParseKindError, ResourceKind};
pub use me::{DEFAULT_OWNER_KEY, Me, OwnerGuess, guess_owner};
pub use metrics::{JobMetrics, MemberSeries, MetricName, MetricTarget, Point, ResourceMetrics};
pub use scope::ScopeKey;
pub use snapshot::{DataSource, FetchError, Snapshot, View};
pub use spend::{SpendRow, UNTAGGED_LABEL, parse_amount};
pub use status::{JobStatus, StatusPhase};

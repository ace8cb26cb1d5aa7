//! One line of progress however many scopes a refresh has: at 200 accounts × 4 regions the
//! engine lists 5,600 (account, region, kind) scopes, and a line per scope (or per failure)
//! would scroll the status away. [`ProgressTally`] folds every event into counters (lists done,
//! failed, throttled) and names the account-region furthest behind, for the TUI's status bar
//! and `refresh` / `export` on stderr alike.

use std::collections::BTreeMap;

use super::{EngineProgress, FetchEvent};
use sagescope_core::model::ResourceKind;

/// Lists each account-region makes: one per job kind.
const LISTS_PER_REGION: usize = ResourceKind::JOB_KINDS.len();

/// Everything a refresh has said so far, as counters.
#[derive(Debug, Clone, Default)]
pub struct ProgressTally {
    pub latest: EngineProgress,
    /// Accounts, account-regions or scopes that failed (throttled ones counted apart).
    pub failed: usize,
    /// Scopes that failed because SageMaker kept throttling past the refresh's deadline.
    pub throttled: usize,
    /// Lists done (or failed) per (account, region) that has reported any.
    lists: BTreeMap<(String, String), usize>,
}

impl ProgressTally {
    pub fn observe(&mut self, event: &FetchEvent) {
        match event {
            FetchEvent::Progress(progress) => self.latest = *progress,
            FetchEvent::Rows { scope, .. } => {
                *self
                    .lists
                    .entry((scope.account.clone(), scope.region.clone()))
                    .or_default() += 1;
            }
            FetchEvent::Failed { error, kind } => {
                if error.message.starts_with("throttled") {
                    self.throttled += 1;
                } else {
                    self.failed += 1;
                }
                if let (Some(_), Some(region)) = (kind, &error.region) {
                    *self
                        .lists
                        .entry((error.account.clone(), region.clone()))
                        .or_default() += 1;
                }
            }
            FetchEvent::Filled { .. } => {}
        }
    }

    /// The account-region with the fewest lists in among those under way, while listing
    /// runs: `ml-prod us-west-2 (2/7)`.
    pub fn slowest(&self) -> Option<String> {
        if self.latest.listing_done() {
            return None;
        }
        self.lists
            .iter()
            .filter(|(_, done)| **done < LISTS_PER_REGION)
            .min_by_key(|(_, done)| **done)
            .map(|((account, region), done)| {
                format!("{account} {region} ({done}/{LISTS_PER_REGION})")
            })
    }

    /// What follows the listing counter: failures, the slowest, then the later phases.
    pub fn extras(&self) -> String {
        let mut text = String::new();
        if self.failed > 0 {
            text.push_str(&format!(" · {} failed", self.failed));
        }
        if self.throttled > 0 {
            text.push_str(&format!(" · {} throttled", self.throttled));
        }
        if let Some(slowest) = self.slowest() {
            text.push_str(&format!(" · slowest {slowest}"));
        }
        let p = &self.latest;
        if p.details > 0 {
            text.push_str(&format!(" · details {}/{}", p.detailed, p.details));
        }
        if p.tag_regions > 0 {
            text.push_str(&format!(" · tags {}/{}", p.tagged, p.tag_regions));
        }
        text
    }

    /// `listing 412/5600 · 3 failed · 12 throttled · slowest ml-042 us-west-2 (1/7) · …`
    pub fn line(&self) -> String {
        format!(
            "listing {}/{}{}",
            self.latest.listed,
            self.latest.scopes,
            self.extras()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagescope_core::model::{FetchError, ScopeKey};

    fn rows(account: &str, region: &str, kind: ResourceKind) -> FetchEvent {
        FetchEvent::Rows {
            scope: ScopeKey {
                account: account.into(),
                region: region.into(),
                kind,
            },
            rows: Vec::new(),
        }
    }

    fn failed(account: &str, region: &str, message: &str) -> FetchEvent {
        FetchEvent::Failed {
            error: FetchError {
                account: account.into(),
                region: Some(region.into()),
                message: message.into(),
                ..FetchError::default()
            },
            kind: Some(ResourceKind::Training),
        }
    }

    #[test]
    fn two_hundred_accounts_by_four_regions_stay_one_short_line() {
        let regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"];
        let scopes = 200 * regions.len() * LISTS_PER_REGION;
        let mut tally = ProgressTally::default();
        let mut listed = 0;
        for a in 0..200 {
            let account = format!("ml-{a:03}");
            for region in regions {
                for (k, kind) in ResourceKind::JOB_KINDS.into_iter().enumerate() {
                    // ml-199 eu-west-1 is behind: one list in; three scopes are throttled,
                    // two refused.
                    if account == "ml-199" && region == "eu-west-1" && k > 0 {
                        continue;
                    }
                    let event = match (a, region, k) {
                        (5..=7, "us-east-1", 0) => failed(
                            &account,
                            region,
                            "throttled by SageMaker on ListTrainingJobs after retries",
                        ),
                        (9 | 10, "eu-west-1", 1) => failed(
                            &account,
                            region,
                            "access denied to sagemaker:ListProcessingJobs",
                        ),
                        _ => rows(&account, region, kind),
                    };
                    tally.observe(&event);
                    listed += 1;
                }
            }
        }
        tally.observe(&FetchEvent::Progress(EngineProgress {
            listed,
            scopes,
            ..EngineProgress::default()
        }));
        let line = tally.line();
        assert_eq!(
            line,
            format!(
                "listing {listed}/{scopes} · 2 failed · 3 throttled · slowest ml-199 eu-west-1 (1/{LISTS_PER_REGION})"
            )
        );
        assert!(!line.contains('\n') && line.chars().count() < 100, "{line}");

        // Once every list is in, nobody is slowest.
        tally.observe(&FetchEvent::Progress(EngineProgress {
            listed: scopes,
            scopes,
            detailed: 10,
            details: 40,
            ..EngineProgress::default()
        }));
        assert_eq!(
            tally.line(),
            format!("listing {scopes}/{scopes} · 2 failed · 3 throttled · details 10/40")
        );
    }
}

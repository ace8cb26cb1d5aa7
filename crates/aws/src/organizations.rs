//! [`OrganizationSource`] backed by AWS Organizations: `DescribeOrganization` for the
//! management account, then from the roots (`ListRoots`, whole organization) or the configured
//! OUs, `ListAccountsForParent` and `ListOrganizationalUnitsForParent` recursively. Walking the
//! tree rather than calling `ListAccounts` tells each account's OU path (the account picker
//! filters by any OU above it) at two requests per OU, where `ListParents` would cost one per account.
//!
//! With `tags.from_organization`, `DescribeEffectivePolicy` (TAG_POLICY) per account reads the
//! tag policy that account follows.
//!
//! Organizations is a global service answered in us-east-1; it is read with the
//! `[organization] profile` (or the default chain), which must be the management account or a
//! delegated administrator.

use std::collections::HashSet;

use aws_config::Region;
use aws_sdk_organizations::Client;
use aws_sdk_organizations::error::ProvideErrorMetadata;
use aws_sdk_organizations::types::{Account, EffectivePolicyType};
use futures::future::BoxFuture;

use super::errors::{AccountContext, classify};
use sagescope_core::config::{AccountConfig, AwsOverride, OrganizationConfig};
use sagescope_engine::fetch::source::SourceError;
use sagescope_engine::org::{
    Discovery, OrgAccount, OrgError, OrgUnit, OrganizationSource, UnitPath,
};

/// A guard against a server that never stops paging or an OU tree that loops.
const MAX_PAGES: usize = 1_000;

pub struct OrganizationsSource {
    client: Client,
    context: AccountContext,
}

impl OrganizationsSource {
    /// A client with the organization's credentials (or `overrides`), in us-east-1 where
    /// Organizations answers.
    pub async fn new(config: &OrganizationConfig, overrides: Option<&AwsOverride>) -> Self {
        let sdk = super::accounts::base_loader(config.profile.as_deref(), overrides)
            .region(Region::new("us-east-1"))
            .load()
            .await;
        let context = AccountContext::new(&AccountConfig {
            name: "organization".into(),
            role_arn: None,
            profile: config.profile.clone(),
            external_id: None,
            regions: Vec::new(),
        });
        OrganizationsSource {
            client: Client::new(&sdk),
            context,
        }
    }

    fn error<E, R>(
        &self,
        err: aws_sdk_organizations::error::SdkError<E, R>,
        operation: &'static str,
    ) -> OrgError
    where
        E: aws_sdk_organizations::error::ProvideErrorMetadata
            + std::error::Error
            + Send
            + Sync
            + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        match classify(err, operation, &self.context) {
            SourceError::AccessDenied { operation, message } => OrgError(format!(
                "access denied to organizations:{operation} ({message}); sagescope reads \
                 Organizations from the management account or a delegated administrator \
                 ([organization] profile), see `sagescope iam-policy`"
            )),
            other => OrgError(format!("Organizations: {other}")),
        }
    }

    async fn management_account(&self, requests: &mut usize) -> Result<Option<String>, OrgError> {
        *requests += 1;
        let answer = self
            .client
            .describe_organization()
            .send()
            .await
            .map_err(|e| self.error(e, "DescribeOrganization"))?;
        Ok(answer
            .organization()
            .and_then(|o| o.master_account_id())
            .map(str::to_string))
    }

    /// The organization's roots, where a walk of the whole organization starts.
    async fn roots(&self, requests: &mut usize) -> Result<Vec<OrgUnit>, OrgError> {
        let mut roots = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            *requests += 1;
            let page = self
                .client
                .list_roots()
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| self.error(e, "ListRoots"))?;
            roots.extend(page.roots().iter().filter_map(|root| {
                Some(OrgUnit {
                    id: root.id()?.to_string(),
                    name: root.name().unwrap_or("Root").to_string(),
                })
            }));
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => break,
            }
        }
        Ok(roots)
    }

    /// The accounts directly under the last OU of `path` (each recording the path), and its
    /// child OUs with their names.
    async fn under(
        &self,
        path: &UnitPath,
        requests: &mut usize,
    ) -> Result<(Vec<OrgAccount>, Vec<OrgUnit>), OrgError> {
        let Some(parent) = path.parent() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let mut accounts = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            *requests += 1;
            let page = self
                .client
                .list_accounts_for_parent()
                .parent_id(&parent.id)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| self.error(e, "ListAccountsForParent"))?;
            accounts.extend(page.accounts().iter().filter_map(|account| {
                let mut account = org_account(account)?;
                account.path = path.clone();
                Some(account)
            }));
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => break,
            }
        }
        // The accounts' token is not the OUs': a list cut at MAX_PAGES must not carry over.
        let mut token: Option<String> = None;
        let mut children = Vec::new();
        for _ in 0..MAX_PAGES {
            *requests += 1;
            let page = self
                .client
                .list_organizational_units_for_parent()
                .parent_id(&parent.id)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| self.error(e, "ListOrganizationalUnitsForParent"))?;
            children.extend(page.organizational_units().iter().filter_map(|ou| {
                let id = ou.id()?.to_string();
                Some(OrgUnit {
                    name: ou.name().map_or_else(|| id.clone(), str::to_string),
                    id,
                })
            }));
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => break,
            }
        }
        Ok((accounts, children))
    }

    async fn accounts_under(
        &self,
        parents: Vec<OrgUnit>,
        requests: &mut usize,
    ) -> Result<Vec<OrgAccount>, OrgError> {
        let mut queue: Vec<UnitPath> = parents.into_iter().map(|p| UnitPath(vec![p])).collect();
        let mut visited = HashSet::new();
        let mut seen_accounts = HashSet::new();
        let mut accounts = Vec::new();
        while let Some(path) = queue.pop() {
            let Some(parent) = path.parent() else {
                continue;
            };
            if !visited.insert(parent.id.clone()) || visited.len() > MAX_PAGES {
                continue;
            }
            let (found, children) = self.under(&path, requests).await?;
            for account in found {
                if seen_accounts.insert(account.id.clone()) {
                    accounts.push(account);
                }
            }
            queue.extend(children.into_iter().map(|child| path.child(child)));
        }
        accounts.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(accounts)
    }
}

/// An account as the domain sees it; `State` (the newer field) wins over `Status`.
fn org_account(account: &Account) -> Option<OrgAccount> {
    let status = account
        .state()
        .map(|s| s.as_str().to_string())
        .or_else(|| account.status().map(|s| s.as_str().to_string()))
        .unwrap_or_default();
    Some(OrgAccount {
        id: account.id()?.to_string(),
        name: account.name().unwrap_or_default().to_string(),
        status,
        path: UnitPath::default(),
    })
}

impl OrganizationsSource {
    async fn tag_policy(&self, account_id: &str) -> Result<Option<String>, OrgError> {
        let answer = self
            .client
            .describe_effective_policy()
            .policy_type(EffectivePolicyType::TagPolicy)
            .target_id(account_id)
            .send()
            .await;
        match answer {
            Ok(answer) => Ok(answer
                .effective_policy()
                .and_then(|p| p.policy_content())
                .map(str::to_string)),
            // No tag policy applies to the account: nothing to follow, not a failure.
            Err(err)
                if err.as_service_error().and_then(ProvideErrorMetadata::code)
                    == Some("EffectivePolicyNotFoundException") =>
            {
                Ok(None)
            }
            Err(err) => Err(self.error(err, "DescribeEffectivePolicy")),
        }
    }
}

impl OrganizationSource for OrganizationsSource {
    fn effective_tag_policy<'a>(
        &'a self,
        account_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, OrgError>> {
        Box::pin(self.tag_policy(account_id))
    }

    fn discover<'a>(&'a self, parents: &'a [String]) -> BoxFuture<'a, Result<Discovery, OrgError>> {
        Box::pin(async move {
            let mut requests = 0;
            let management_account_id = self.management_account(&mut requests).await?;
            // Configured OUs are known by id only: their name is their id until a walk from
            // above names them.
            let start = if parents.is_empty() {
                self.roots(&mut requests).await?
            } else {
                parents
                    .iter()
                    .map(|id| OrgUnit {
                        id: id.clone(),
                        name: id.clone(),
                    })
                    .collect()
            };
            let accounts = self.accounts_under(start, &mut requests).await?;
            Ok(Discovery {
                accounts,
                management_account_id,
                paths: true,
                requests,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_organizations::types::{AccountState, AccountStatus};

    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any account Organizations lists: one without an id is left out, the rest keep
        /// their id and name, and `State` (the newer field) wins over `Status`, whatever
        /// their text.
        #[test]
        fn any_listed_account_decodes(
            id in proptest::option::of("[0-9]{12}|\\PC{0,14}"),
            name in proptest::option::of("\\PC{0,20}"),
            state in proptest::option::of("ACTIVE|SUSPENDED|PENDING_CLOSURE|CLOSED|\\PC{0,10}"),
            status in proptest::option::of("ACTIVE|SUSPENDED|PENDING_CLOSURE|\\PC{0,10}"),
        ) {
            let account = Account::builder()
                .set_id(id.clone())
                .set_name(name.clone())
                .set_state(state.as_deref().map(AccountState::from))
                .set_status(status.as_deref().map(AccountStatus::from))
                .build();
            let decoded = org_account(&account);
            proptest::prop_assert_eq!(decoded.is_some(), id.is_some());
            if let Some(decoded) = decoded {
                proptest::prop_assert_eq!(Some(decoded.id), id);
                proptest::prop_assert_eq!(decoded.name, name.unwrap_or_default());
                // An empty `State` still wins (and reads as no status at all).
                proptest::prop_assert_eq!(decoded.status, state.or(status).unwrap_or_default());
            }
        }
    }
}

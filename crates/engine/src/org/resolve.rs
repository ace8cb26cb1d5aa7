//! From a discovery to the accounts a refresh reads: explicit `[[accounts]]` first (they win),
//! then every ACTIVE discovered account not excluded and not already configured, reached
//! through `role_name`; the management account leads the discovered ones because Cost
//! Explorer for the whole organization answers there.

use chrono::{DateTime, Duration, Utc};

use super::cache::{self, Stored};
use super::{AccountUnits, Discovery, OrganizationSource, Placement};
use crate::store::Store;
use sagescope_core::config::{AccountConfig, OrganizationConfig};

/// The accounts to read, and what discovery has to say about them.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub accounts: Vec<AccountConfig>,
    /// Organizations could not be read (the cached list, if any, is used instead).
    pub error: Option<String>,
    /// Organizations requests made (0 when the cached list was fresh).
    pub requests: usize,
    /// The OU path of each account (by name), where the discovery knows it.
    pub units: AccountUnits,
}

/// The accounts for this refresh: the cached discovery while it is younger than `ttl_hours`
/// (and records OU paths), else a new one (falling back to the cached list, however old, when Organizations fails).
pub async fn resolve(
    config: &OrganizationConfig,
    explicit: &[AccountConfig],
    source: &dyn OrganizationSource,
    store: &Store,
    now: DateTime<Utc>,
) -> Resolved {
    let key = cache_key(config);
    let cached = {
        let key = key.clone();
        store
            .run(move |c| cache::load(c, &key))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
            .unwrap_or_else(|err| {
                tracing::warn!("cannot read the organization cache: {err}");
                None
            })
    };
    let ttl = Duration::hours(i64::from(config.ttl_hours));
    if let Some(stored) = &cached
        && now - stored.fetched_at < ttl
        && stored.discovery.paths
    {
        let accounts = accounts_from(config, explicit, &stored.discovery);
        return Resolved {
            units: units_of(&accounts, &stored.discovery),
            accounts,
            error: None,
            requests: 0,
        };
    }
    match source.discover(&config.ous).await {
        Ok(discovery) => {
            let requests = discovery.requests;
            let accounts = accounts_from(config, explicit, &discovery);
            let units = units_of(&accounts, &discovery);
            let stored = Stored {
                discovery,
                fetched_at: now,
            };
            store.spawn_write("the organization's accounts", move |c| {
                cache::save(c, &key, &stored)
            });
            Resolved {
                accounts,
                error: None,
                requests,
                units,
            }
        }
        Err(err) => match cached {
            Some(stored) => Resolved {
                accounts: accounts_from(config, explicit, &stored.discovery),
                units: {
                    let accounts = accounts_from(config, explicit, &stored.discovery);
                    units_of(&accounts, &stored.discovery)
                },
                error: Some(format!(
                    "{err} (using the accounts discovered at {})",
                    stored.fetched_at.format("%Y-%m-%d %H:%M UTC")
                )),
                requests: 0,
            },
            None => Resolved {
                accounts: explicit.to_vec(),
                units: AccountUnits::new(),
                error: Some(format!("{err} (no discovered accounts are cached yet)")),
                requests: 0,
            },
        },
    }
}

/// The OU path of each account as the cached discovery of `config`'s OUs placed it (empty
/// when nothing is cached): for `export --ou`, offline as after a refresh.
pub fn cached_units(
    cache: &crate::cache::Cache,
    config: &OrganizationConfig,
    explicit: &[AccountConfig],
) -> Result<AccountUnits, crate::cache::CacheError> {
    Ok(match cache::load(cache, &cache_key(config))? {
        Some(stored) => {
            let accounts = accounts_from(config, explicit, &stored.discovery);
            units_of(&accounts, &stored.discovery)
        }
        None => AccountUnits::new(),
    })
}

/// The OU path of each account to read whose role names an account the discovery placed.
fn units_of(accounts: &[AccountConfig], discovery: &Discovery) -> AccountUnits {
    accounts
        .iter()
        .filter_map(|account| {
            let id = account.account_id_hint()?;
            let path = &discovery.accounts.iter().find(|a| a.id == id)?.path;
            let placed = Placement {
                id: id.to_string(),
                path: path.clone(),
            };
            (!path.0.is_empty()).then(|| (account.name.clone(), placed))
        })
        .collect()
}

/// Discoveries of different OU sets are different lists.
fn cache_key(config: &OrganizationConfig) -> String {
    let mut ous = config.ous.clone();
    ous.sort();
    format!("ous={}", ous.join(","))
}

/// The explicit accounts, then the discovered ones that are ACTIVE, not excluded (by id or
/// name) and not configured already (by the account id in an explicit `role_arn`, or by
/// name). Two discovered accounts with one name get their ids appended, since names key
/// everything sagescope shows.
pub fn accounts_from(
    config: &OrganizationConfig,
    explicit: &[AccountConfig],
    discovery: &Discovery,
) -> Vec<AccountConfig> {
    let mut accounts = explicit.to_vec();
    let configured_ids: Vec<&str> = explicit
        .iter()
        .filter_map(AccountConfig::account_id_hint)
        .collect();
    let mut discovered: Vec<_> = discovery
        .accounts
        .iter()
        .filter(|a| a.status == "ACTIVE")
        .filter(|a| !config.exclude.iter().any(|x| x == &a.id || x == &a.name))
        .filter(|a| !configured_ids.contains(&a.id.as_str()))
        .filter(|a| !explicit.iter().any(|e| e.name == a.name))
        .collect();
    discovered.sort_by_key(|a| Some(&a.id) != discovery.management_account_id.as_ref());
    for account in &discovered {
        let shared_name = discovered
            .iter()
            .filter(|other| other.name == account.name)
            .count()
            > 1;
        let name = if shared_name || account.name.trim().is_empty() {
            format!("{} ({})", account.name.trim(), account.id)
        } else {
            account.name.clone()
        };
        accounts.push(AccountConfig {
            name,
            role_arn: Some(format!(
                "arn:aws:iam::{}:role/{}",
                account.id, config.role_name
            )),
            profile: config.profile.clone(),
            external_id: config.external_id.clone(),
            regions: config.regions.clone(),
        });
    }
    accounts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::OrgAccount;

    fn org() -> OrganizationConfig {
        OrganizationConfig {
            role_name: "SageScopeReadOnly".into(),
            ous: Vec::new(),
            exclude: vec!["sandbox".into(), "999999999999".into()],
            regions: vec!["us-east-1".into()],
            external_id: Some("x".into()),
            profile: Some("mgmt".into()),
            ttl_hours: 24,
        }
    }

    fn account(id: &str, name: &str, status: &str) -> OrgAccount {
        OrgAccount {
            id: id.into(),
            name: name.into(),
            status: status.into(),
            path: Default::default(),
        }
    }

    fn discovery() -> Discovery {
        Discovery {
            accounts: vec![
                account("111111111111", "ml-dev", "ACTIVE"),
                account("222222222222", "ml-prod", "ACTIVE"),
                account("333333333333", "old", "SUSPENDED"),
                account("444444444444", "sandbox", "ACTIVE"),
                account("999999999999", "audit", "ACTIVE"),
                account("555555555555", "mgmt", "ACTIVE"),
                account("666666666666", "ml-dev", "ACTIVE"),
            ],
            management_account_id: Some("555555555555".into()),
            paths: true,
            requests: 2,
        }
    }

    /// Counts discoveries and answers ml-prod under `Root / ml / vision`.
    struct Counting(std::sync::atomic::AtomicUsize);

    impl OrganizationSource for Counting {
        fn discover<'a>(
            &'a self,
            _parents: &'a [String],
        ) -> futures::future::BoxFuture<'a, Result<Discovery, super::super::OrgError>> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let unit = |id: &str, name: &str| crate::org::OrgUnit {
                id: id.into(),
                name: name.into(),
            };
            let mut prod = account("222222222222", "ml-prod", "ACTIVE");
            prod.path = crate::org::UnitPath(vec![
                unit("r-1", "Root"),
                unit("ou-ml", "ml"),
                unit("ou-vision", "vision"),
            ]);
            Box::pin(async move {
                Ok(Discovery {
                    accounts: vec![prod],
                    management_account_id: None,
                    paths: true,
                    requests: 5,
                })
            })
        }

        fn effective_tag_policy<'a>(
            &'a self,
            _account_id: &'a str,
        ) -> futures::future::BoxFuture<'a, Result<Option<String>, super::super::OrgError>>
        {
            Box::pin(async { Ok(None) })
        }
    }

    #[test]
    fn a_discovery_cached_by_an_earlier_version_loads_and_is_discovered_again() {
        // What an earlier version wrote: each account's direct OU as `parent`, no `paths`.
        let old = r#"{"accounts":[{"id":"222222222222","name":"ml-prod","status":"ACTIVE",
            "parent":{"id":"ou-vision","name":"vision"}}],"management_account_id":null}"#;
        let read: Discovery = serde_json::from_str(old).expect("an old discovery still reads");
        assert!(!read.paths);
        assert_eq!(
            read.accounts[0].path.label(),
            "vision",
            "the parent is a path of one"
        );

        let store = Store::in_memory().expect("store");
        let config = OrganizationConfig {
            exclude: Vec::new(),
            ..org()
        };
        let now = Utc::now();
        let stored = Stored {
            discovery: read,
            fetched_at: now - Duration::minutes(5),
        };
        let key = cache_key(&config);
        store
            .run_blocking(move |c| cache::save(c, &key, &stored))
            .expect("store thread")
            .expect("saved");
        let source = Counting(Default::default());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let resolved = runtime.block_on(resolve(&config, &[], &source, &store, now));
        assert_eq!(resolved.requests, 5, "discovered again within the TTL");
        assert_eq!(resolved.units["ml-prod"].path.label(), "ml / vision");
        assert_eq!(resolved.units["ml-prod"].id, "222222222222");

        // The new discovery, with paths, is trusted until its TTL.
        let again = runtime.block_on(resolve(&config, &[], &source, &store, now));
        assert_eq!(again.requests, 0);
        assert_eq!(again.units["ml-prod"].path.label(), "ml / vision");
        assert_eq!(source.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn active_unexcluded_accounts_join_through_the_role_with_the_management_account_first() {
        let accounts = accounts_from(&org(), &[], &discovery());
        let names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "mgmt",
                "ml-dev (111111111111)",
                "ml-prod",
                "ml-dev (666666666666)"
            ]
        );
        let prod = &accounts[2];
        assert_eq!(
            prod.role_arn.as_deref(),
            Some("arn:aws:iam::222222222222:role/SageScopeReadOnly")
        );
        assert_eq!(prod.profile.as_deref(), Some("mgmt"));
        assert_eq!(prod.external_id.as_deref(), Some("x"));
        assert_eq!(prod.regions, ["us-east-1"]);
    }

    #[test]
    fn explicit_accounts_win_by_role_account_or_by_name() {
        let explicit = vec![
            AccountConfig {
                name: "production".into(),
                role_arn: Some("arn:aws:iam::222222222222:role/Custom".into()),
                profile: None,
                external_id: None,
                regions: vec!["eu-west-1".into()],
            },
            AccountConfig {
                name: "mgmt".into(),
                role_arn: None,
                profile: Some("mgmt".into()),
                external_id: None,
                regions: Vec::new(),
            },
        ];
        let accounts = accounts_from(&org(), &explicit, &discovery());
        let names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "production",
                "mgmt",
                "ml-dev (111111111111)",
                "ml-dev (666666666666)"
            ]
        );
        assert_eq!(
            accounts[0].regions,
            ["eu-west-1"],
            "the explicit entry as written"
        );
    }
}

//! `sagescope init`: a starting config from the profiles a user already has.
//!
//! Many teams reach each account through its own profile (IAM Identity Center gives one per
//! account and permission set), so the AWS config files already say which accounts exist and
//! where. This module reads those files as data and writes one `[[accounts]]` entry per
//! account, commented so a new user learns the rest of the file from it.

use std::collections::BTreeMap;

/// One profile from `~/.aws/config` or `~/.aws/credentials`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsProfile {
    pub name: String,
    pub region: Option<String>,
    /// The account the profile reaches, when the file says (`sso_account_id`, or the account
    /// in `role_arn`).
    pub account_id: Option<String>,
}

/// The profiles of an AWS config file (`[default]`, `[profile NAME]`) or credentials file
/// (`[NAME]`), in file order. Sections that are not profiles (`[sso-session …]`,
/// `[services …]`) and malformed lines are skipped: the files belong to the AWS CLI, and a
/// line sagescope does not understand is not sagescope's error.
pub fn parse_profiles(text: &str, credentials_file: bool) -> Vec<AwsProfile> {
    let mut profiles: Vec<AwsProfile> = Vec::new();
    let mut current: Option<usize> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = profile_name(header.trim(), credentials_file).map(|name| {
                match profiles.iter().position(|p| p.name == name) {
                    Some(index) => index,
                    None => {
                        profiles.push(AwsProfile {
                            name,
                            ..AwsProfile::default()
                        });
                        profiles.len() - 1
                    }
                }
            });
            continue;
        }
        let (Some(index), Some((key, value))) = (current, line.split_once('=')) else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if value.is_empty() {
            continue;
        }
        let profile = &mut profiles[index];
        match key {
            "region" => profile.region = Some(value.to_string()),
            "sso_account_id" => profile.account_id = Some(value.to_string()),
            "role_arn" if profile.account_id.is_none() => {
                profile.account_id = value
                    .split(':')
                    .nth(4)
                    .filter(|id| id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))
                    .map(String::from);
            }
            _ => {}
        }
    }
    profiles
}

fn profile_name(header: &str, credentials_file: bool) -> Option<String> {
    if credentials_file {
        return (!header.is_empty()).then(|| header.to_string());
    }
    if header == "default" {
        return Some(header.to_string());
    }
    header
        .strip_prefix("profile")
        .filter(|rest| rest.starts_with(char::is_whitespace))
        .map(|rest| rest.trim().to_string())
        .filter(|name| !name.is_empty())
}

/// Profiles from the config file, with those only in the credentials file after them. A
/// profile in both is one profile; the config file's settings win.
pub fn merge(config: Vec<AwsProfile>, credentials: Vec<AwsProfile>) -> Vec<AwsProfile> {
    let mut merged = config;
    for profile in credentials {
        if !merged.iter().any(|p| p.name == profile.name) {
            merged.push(profile);
        }
    }
    merged
}

/// What `init` will write: one account per profile, except that several profiles reaching
/// the same account (two permission sets, say) become one entry and a comment naming the rest.
pub fn render_config(profiles: &[AwsProfile], source: &str) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# sagescope configuration, written by `sagescope init` from {source}.\n\
         # Every setting is documented in docs/src/configuration.md; the commented ones show their defaults.\n\
         # Check it with `sagescope export jobs --offline` (a config error names its line).\n\n"
    ));
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut written = 0;
    for profile in profiles {
        if let Some(id) = profile.account_id.as_deref() {
            if let Some(first) = seen.get(id) {
                out.push_str(&format!(
                    "# profile {} also reaches account {id}, already read through {}\n\n",
                    comment_safe(&profile.name),
                    comment_safe(first)
                ));
                continue;
            }
            seen.insert(id, &profile.name);
        }
        written += 1;
        out.push_str("[[accounts]]\n");
        out.push_str(&format!("name = {}\n", toml_string(&profile.name)));
        out.push_str(&format!("profile = {}\n", toml_string(&profile.name)));
        match &profile.region {
            Some(region) if crate::config::looks_like_region(region) => {
                out.push_str(&format!("regions = [{}]\n", toml_string(region)));
            }
            // Written as is, it would make the whole file fail to load.
            Some(region) => out.push_str(&format!(
                "# regions = [\"us-east-1\"]  # the profile's region `{}` is not a region code\n",
                comment_safe(region)
            )),
            None => out.push_str("# regions = [\"us-east-1\"]  # default: the profile's region\n"),
        }
        if let Some(id) = &profile.account_id {
            out.push_str(&format!("# account {id}\n"));
        }
        out.push('\n');
    }
    if written == 0 {
        out.push_str(
            "# No AWS profiles were found, so the default credential chain is used. Add one\n\
             # block per account:\n\
             # [[accounts]]\n\
             # name = \"ml-prod\"\n\
             # profile = \"ml-prod\"\n\
             # regions = [\"us-east-1\"]\n\n",
        );
    }
    out.push_str(TEMPLATE_TAIL);
    out
}

/// What `init --from-organization` writes: discovery of the whole organization through
/// `role_name`, with every account found listed under its OU as a comment (so the user sees
/// what will be read and can fill `exclude` or `ous`), the suspended ones marked.
pub fn render_organization_config(
    discovery: &crate::org::Discovery,
    config: &crate::config::OrganizationConfig,
    source: &str,
) -> String {
    let mut out = format!(
        "# sagescope configuration, written by `sagescope init --from-organization` from\n\
         # {source}. Every setting is documented in docs/src/configuration.md.\n\
         # Each account below is read through arn:aws:iam::<id>:role/{role}\n\
         # (assets/sagescope-role.cfn.json creates it, e.g. as a StackSet).\n\n\
         [organization]\n\
         discover = true\n\
         role_name = {role_value}\n",
        source = comment_safe(source),
        role = comment_safe(&config.role_name),
        role_value = toml_string(&config.role_name),
    );
    if let Some(profile) = &config.profile {
        out.push_str(&format!("profile = {}\n", toml_string(profile)));
    }
    out.push_str(
        "# regions = [\"us-east-1\"]          # default: the base credentials' region\n\
         # ous = [\"ou-...\"]                 # only these OUs (recursively); default: all\n\
         # exclude = [\"name-or-id\"]         # accounts left out\n\n",
    );
    let mut by_unit: BTreeMap<String, Vec<&crate::org::OrgAccount>> = BTreeMap::new();
    for account in &discovery.accounts {
        let unit = account.path.parent().map_or_else(
            || "(OU unknown)".to_string(),
            |u| format!("{} ({})", u.name, u.id),
        );
        by_unit.entry(unit).or_default().push(account);
    }
    out.push_str(&format!("# {}:\n", OrgAccountCount::of(discovery)));
    for (unit, accounts) in &by_unit {
        out.push_str(&format!("#   {}\n", comment_safe(unit)));
        for account in accounts {
            let status = if account.status == "ACTIVE" {
                String::new()
            } else {
                format!("  ({}: not read)", comment_safe(&account.status))
            };
            out.push_str(&format!(
                "#     {}  {}{status}\n",
                comment_safe(&account.id),
                comment_safe(&account.name)
            ));
        }
    }
    out.push('\n');
    out.push_str(TEMPLATE_TAIL);
    out
}

/// How many accounts `init --from-organization` found, and how many of them discovery reads
/// (only ACTIVE ones): the file's comment and the command's message say the same figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgAccountCount {
    pub found: usize,
    pub active: usize,
}

impl OrgAccountCount {
    pub fn of(discovery: &crate::org::Discovery) -> Self {
        OrgAccountCount {
            found: discovery.accounts.len(),
            active: discovery
                .accounts
                .iter()
                .filter(|a| a.status == "ACTIVE")
                .count(),
        }
    }
}

impl std::fmt::Display for OrgAccountCount {
    /// `7 accounts found, 4 active (read), 3 not active (not read)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = if self.found == 1 { "" } else { "s" };
        write!(
            f,
            "{} account{plural} found, {} active (read)",
            self.found, self.active
        )?;
        let inactive = self.found.saturating_sub(self.active);
        if inactive > 0 {
            write!(f, ", {inactive} not active (not read)")?;
        }
        Ok(())
    }
}

/// The rest of a starting config: the sections users change first, commented out at their
/// defaults.
const TEMPLATE_TAIL: &str = "\
[tags]
# Keys every SageMaker resource must carry, spelled exactly so.
# mandatory = [\"owner\", \"project\", \"cost-center\"]
# The only values allowed for a key.
# allowed = { environment = [\"dev\", \"staging\", \"prod\"] }

[spend]
# The cost-allocation tag the Spend pane groups by.
# group_by = \"project\"
# lookback_days = 30

[refresh]
# jobs_seconds = 300
";

/// A TOML basic string, escaped by the toml crate so any profile name stays one value.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// Text for inside a `#` comment: a newline would end the comment and start TOML.
fn comment_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
[default]
region = eu-west-1

[profile ml-dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start

[profile ml-prod]
role_arn = arn:aws:iam::222222222222:role/SageScopeReadOnly
source_profile = default
region = eu-west-1

[profile ml-dev-admin]
sso_account_id = 111111111111
sso_role_name = Admin

[services local]
sagemaker =
  endpoint_url = http://localhost:4566

[profilebroken]
region = nowhere-1
";

    #[test]
    fn profiles_are_read_with_their_account_and_region_and_other_sections_skipped() {
        let profiles = parse_profiles(CONFIG, false);
        let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["default", "ml-dev", "ml-prod", "ml-dev-admin"]);
        assert_eq!(profiles[1].account_id.as_deref(), Some("111111111111"));
        assert_eq!(profiles[1].region.as_deref(), Some("us-east-1"));
        assert_eq!(profiles[2].account_id.as_deref(), Some("222222222222"));
        assert_eq!(profiles[0].account_id, None);
    }

    #[test]
    fn credentials_file_sections_are_bare_names_and_merge_after_the_config_files() {
        let creds = parse_profiles(
            "[default]\naws_access_key_id = x\n[ci]\nregion = us-west-2\n",
            true,
        );
        let merged = merge(parse_profiles(CONFIG, false), creds);
        let names: Vec<&str> = merged.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            ["default", "ml-dev", "ml-prod", "ml-dev-admin", "ci"]
        );
        assert_eq!(
            merged[0].region.as_deref(),
            Some("eu-west-1"),
            "config wins"
        );
    }

    #[test]
    fn one_account_reached_by_two_profiles_is_written_once() {
        let text = render_config(&parse_profiles(CONFIG, false), "~/.aws/config");
        assert_eq!(text.matches("[[accounts]]").count(), 3, "{text}");
        assert!(
            text.contains(
                "# profile ml-dev-admin also reaches account 111111111111, already read through ml-dev"
            ),
            "{text}"
        );
        assert!(
            text.contains("name = \"ml-prod\"\nprofile = \"ml-prod\"\nregions = [\"eu-west-1\"]\n")
        );
    }

    #[test]
    fn a_profile_region_that_is_no_region_code_is_a_comment_not_a_broken_config() {
        // Found by the property test below: `region = A` made `init` write a config that
        // does not load (and exit 1 asking for a bug report).
        let profiles = parse_profiles("[profile odd]\nregion = A\n", false);
        let text = render_config(&profiles, "test");
        assert!(
            text.contains(
                "# regions = [\"us-east-1\"]  # the profile's region `A` is not a region code\n"
            ),
            "{text}"
        );
        assert!(crate::config::parse(&text, std::path::Path::new("t.toml")).is_ok());
    }

    #[test]
    fn a_profile_name_cannot_escape_its_string_or_comment() {
        let hostile = AwsProfile {
            name: "x\"\nregions = [\"evil\"]".into(),
            region: None,
            account_id: None,
        };
        let text = render_config(&[hostile], "test");
        let parsed: toml::Table = toml::from_str(&text).expect("valid TOML");
        let accounts = parsed["accounts"].as_array().expect("accounts");
        assert_eq!(accounts.len(), 1);
        assert_eq!(
            accounts[0]["name"].as_str(),
            Some("x\"\nregions = [\"evil\"]")
        );
        assert!(accounts[0].get("regions").is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any AWS config or credentials file: profiles, never a panic, and a starting
        /// config from them that loads.
        #[test]
        fn any_aws_file_gives_profiles_and_a_config_that_loads(
            lines in proptest::collection::vec(
                "\\[(profile |sso-session )?\\PC{0,10}\\]|(region|sso_account_id|role_arn|source_profile) ?= ?\\PC{0,24}|\\PC{0,20}",
                0..10,
            ),
            credentials_file in proptest::bool::ANY,
        ) {
            let profiles = parse_profiles(&lines.join("\n"), credentials_file);
            let text = render_config(&profiles, "fuzz");
            let loaded = crate::config::parse(&text, std::path::Path::new("generated.toml"));
            proptest::prop_assert!(loaded.is_ok(), "{}\n{:?}", text, loaded.err());
        }
    }

    fn discovery(statuses: &[&str]) -> crate::org::Discovery {
        crate::org::Discovery {
            accounts: statuses
                .iter()
                .enumerate()
                .map(|(i, status)| crate::org::OrgAccount {
                    id: format!("{:012}", i + 1),
                    name: format!("account-{i}"),
                    status: (*status).into(),
                    path: Default::default(),
                })
                .collect(),
            management_account_id: None,
            paths: true,
            requests: 0,
        }
    }

    #[test]
    fn the_organization_config_counts_accounts_found_and_read_alike() {
        let found = discovery(&[
            "ACTIVE",
            "SUSPENDED",
            "ACTIVE",
            "PENDING_CLOSURE",
            "ACTIVE",
            "SUSPENDED",
            "ACTIVE",
        ]);
        let count = OrgAccountCount::of(&found);
        assert_eq!(
            count.to_string(),
            "7 accounts found, 4 active (read), 3 not active (not read)"
        );
        let config = crate::config::OrganizationConfig::whole("SageScopeReadOnly", None);
        let text = render_organization_config(&found, &config, "AWS Organizations");
        assert!(
            text.contains("# 7 accounts found, 4 active (read), 3 not active (not read):\n"),
            "{text}"
        );
        assert_eq!(
            OrgAccountCount::of(&discovery(&["ACTIVE"])).to_string(),
            "1 account found, 1 active (read)"
        );
    }
}

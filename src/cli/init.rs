//! `sagescope init`: writes a starting config from the AWS profiles on this machine, and never
//! overwrites a file that is already there.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{CliError, Outcome};
use crate::init::{self, AwsProfile};

/// Where the AWS CLI keeps profiles, honouring the same environment variables it does.
fn aws_file(env: &str, default_name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    directories::BaseDirs::new().map(|dirs| dirs.home_dir().join(".aws").join(default_name))
}

/// A missing file is no profiles; an unreadable one is worth saying.
fn read_profiles(path: Option<&Path>, credentials_file: bool) -> Result<Vec<AwsProfile>, CliError> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(init::parse_profiles(&text, credentials_file)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(err) => Err(CliError::Fatal(
            anyhow::Error::new(err).context(format!("reading {}", path.display())),
        )),
    }
}

/// `--from-organization`: who reads Organizations and the role to name.
pub struct FromOrganization {
    pub profile: Option<String>,
    pub role_name: String,
}

/// The starting config from AWS Organizations: the discovery section with every account it
/// finds listed (commented), where it came from, and the accounts counted as the file's
/// comment counts them.
fn from_organization(from: &FromOrganization) -> Result<(String, String, String), CliError> {
    let config = crate::config::OrganizationConfig::whole(&from.role_name, from.profile.clone());
    // `init` runs before there is a config, so before the command context: this is the
    // process's one runtime.
    let runtime = super::context::runtime()?;
    let discovery = runtime.block_on(async {
        let source = crate::aws::organization_source(&config).await;
        source.discover(&[]).await
    });
    let discovery = discovery.map_err(|err| {
        CliError::Fatal(anyhow::anyhow!(
            "cannot read AWS Organizations: {err}; without it, `sagescope init` (no flag) \
             writes a config from your AWS profiles"
        ))
    })?;
    let source = format!(
        "AWS Organizations{}",
        discovery
            .management_account_id
            .as_deref()
            .map(|id| format!(" (management account {id})"))
            .unwrap_or_default()
    );
    Ok((
        init::render_organization_config(&discovery, &config, &source),
        source,
        init::OrgAccountCount::of(&discovery).to_string(),
    ))
}

pub fn run(
    config_flag: Option<&Path>,
    to_stdout: bool,
    organization: Option<FromOrganization>,
) -> Result<Outcome, CliError> {
    if let Some(from) = organization {
        let (text, source, counted) = from_organization(&from)?;
        return write_config(config_flag, to_stdout, &text, &source, &counted);
    }
    let config_file = aws_file("AWS_CONFIG_FILE", "config");
    let credentials_file = aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    let profiles = init::merge(
        read_profiles(config_file.as_deref(), false)?,
        read_profiles(credentials_file.as_deref(), true)?,
    );
    let source = config_file.as_deref().map_or_else(
        || "no AWS config file".to_string(),
        |p| p.display().to_string(),
    );
    let text = init::render_config(&profiles, &source);
    let accounts = text.matches("[[accounts]]").count();
    let counted = format!("{accounts} account{}", if accounts == 1 { "" } else { "s" });
    write_config(config_flag, to_stdout, &text, &source, &counted)
}

/// Checks that `text` loads, then prints it or writes it where no file is; `counted` says
/// how many accounts it names, as the file does.
fn write_config(
    config_flag: Option<&Path>,
    to_stdout: bool,
    text: &str,
    source: &str,
    counted: &str,
) -> Result<Outcome, CliError> {
    // What is written must load: a starting config that fails on first use would be worse
    // than none.
    crate::config::parse(text, Path::new("(generated)")).map_err(|err| {
        CliError::Fatal(anyhow::anyhow!(
            "the generated config does not load ({err}); please report this"
        ))
    })?;
    if to_stdout {
        print!("{text}");
        return Ok(Outcome::Ok);
    }
    let (path, _) = crate::config::resolve_path(config_flag).ok_or_else(|| {
        CliError::Usage("no config directory is known for this platform; pass --config PATH".into())
    })?;
    write_new(&path, text)?;
    eprintln!("wrote {} from {source}: {counted}", path.display());
    Ok(Outcome::Ok)
}

/// Creates the file only if nothing is there (`create_new`, so there is no window in which
/// another writer's file could be replaced).
fn write_new(path: &Path, text: &str) -> Result<(), CliError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(CliError::Usage(format!(
                "{} already exists and init never overwrites a config; move it aside, pass \
                 --config NEW_PATH, or use --stdout to see what would be written",
                path.display()
            )));
        }
        Err(err) => {
            return Err(CliError::Fatal(
                anyhow::Error::new(err).context(format!("creating {}", path.display())),
            ));
        }
    };
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

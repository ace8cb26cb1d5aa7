//! Writing the tag-fix script the Untagged pane's `x` asks for: a new file, never run, never
//! overwriting one that exists.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

/// Writes `script` to a new file in the current directory (where the user started
/// sagescope, so where they will look), or in the temporary directory when that is not
/// writable. Returns the file's absolute path, or why it could not be written.
pub fn write(script: &str, now: DateTime<Utc>) -> Result<PathBuf, String> {
    let here = std::env::current_dir().map_err(|e| e.to_string());
    match here.and_then(|dir| write_in(&dir, script, now)) {
        Ok(path) => Ok(path),
        Err(first) => write_in(&std::env::temp_dir(), script, now)
            .map_err(|second| format!("{first}; and in the temporary directory: {second}")),
    }
}

/// Writes `script` to `sagescope-tag-fixes-<time>.sh` in `dir` (with `-2`, `-3`, ... when
/// that name is taken), readable by the owner only and not executable: it is meant to be
/// read before it is run.
pub fn write_in(dir: &Path, script: &str, now: DateTime<Utc>) -> Result<PathBuf, String> {
    let stem = format!("sagescope-tag-fixes-{}", now.format("%Y%m%d-%H%M%S"));
    for n in 1..100 {
        let name = if n == 1 {
            format!("{stem}.sh")
        } else {
            format!("{stem}-{n}.sh")
        };
        let path = dir.join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&path) {
            Ok(mut file) => {
                file.write_all(script.as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                return Ok(std::path::absolute(&path).unwrap_or(path));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    Err(format!(
        "{}: too many fix scripts with this name",
        dir.display()
    ))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn each_script_gets_a_new_private_file_and_nothing_is_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = Utc
            .with_ymd_and_hms(2026, 11, 20, 14, 5, 0)
            .single()
            .expect("valid");
        let first = write_in(dir.path(), "echo one\n", now).expect("writes");
        let second = write_in(dir.path(), "echo two\n", now).expect("writes");
        assert_eq!(
            first.file_name().and_then(|n| n.to_str()),
            Some("sagescope-tag-fixes-20261120-140500.sh")
        );
        assert_eq!(
            second.file_name().and_then(|n| n.to_str()),
            Some("sagescope-tag-fixes-20261120-140500-2.sh")
        );
        assert_eq!(
            std::fs::read_to_string(&first).expect("reads"),
            "echo one\n"
        );
        assert_eq!(
            std::fs::read_to_string(&second).expect("reads"),
            "echo two\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&first)
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "private and not executable");
        }
    }

    #[test]
    fn an_unwritable_directory_is_an_error_that_names_it() {
        let missing = Path::new("/nonexistent/sagescope-test-dir");
        let err = write_in(missing, "x", Utc::now()).expect_err("cannot write");
        assert!(err.contains("/nonexistent/sagescope-test-dir"), "{err}");
    }
}

//! Which sagescope binary a benchmark that runs the real program measures.

use std::path::{Path, PathBuf};

/// `SAGESCOPE_BENCH_BIN` if set (to compare builds), else the binary cargo built next to
/// this bench: `target/<profile>/sagescope`, beside the `deps/` directory holding the bench.
pub fn sagescope(bench: &str) -> PathBuf {
    if let Some(path) = std::env::var_os("SAGESCOPE_BENCH_BIN") {
        return PathBuf::from(path);
    }
    let me = std::env::current_exe().expect("the bench's own path");
    let profile_dir = me
        .parent()
        .and_then(Path::parent)
        .expect("the bench runs from target/<profile>/deps");
    let binary = profile_dir.join(format!("sagescope{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.is_file(),
        "no sagescope binary at {}: run this through `cargo bench --bench {bench}` (which \
         builds it), or point SAGESCOPE_BENCH_BIN at one",
        binary.display()
    );
    binary
}

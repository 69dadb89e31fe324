//! The Python venv with the real reference clients from PyPI (`dxlclient`, `dxltieclient`,
//! pinned in `scripts/requirements-test.txt`) at `$CARGO_MANIFEST_DIR/.venv`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use super::run_with_timeout;

/// The venv's Python interpreter (`$CARGO_MANIFEST_DIR/.venv/bin/python`), created or updated
/// first by `scripts/setup-venv.sh` when it is missing or its requirements changed (that
/// script is idempotent and holds a file lock, so parallel test processes do not build it
/// twice; within one process a `OnceLock` runs it once). Panics with the script's output
/// when the venv cannot be made (e.g. PyPI unreachable on first use).
pub fn python_venv() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let mut cmd = Command::new("bash");
            cmd.arg(root.join("scripts/setup-venv.sh")).current_dir(root);
            // A first-time install downloads a handful of small packages.
            let done = run_with_timeout(cmd, Duration::from_secs(600));
            assert!(
                done.success(),
                "scripts/setup-venv.sh failed (timed out: {}):\n{}\n{}",
                done.timed_out,
                done.stdout,
                done.stderr
            );
            let python = root.join(".venv/bin/python");
            assert!(python.exists(), "{} missing after setup-venv.sh", python.display());
            python
        })
        .clone()
}

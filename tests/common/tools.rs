//! Tools a test needs from the machine. A missing tool fails the test that needs it, naming
//! what to install: a test never passes by skipping (`.ci/run` installs them).

use std::process::Command;

/// Panics (fails the test) unless `tool ARGS` runs and exits 0, naming the tool, what needs it
/// and how to install it.
#[track_caller]
pub fn require(tool: &str, args: &[&str], needed_for: &str, install: &str) {
    let ok = Command::new(tool)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "{tool} is required for {needed_for} and was not found on PATH (or does not work): \
         install it ({install}); these tests fail rather than skip without it"
    );
}

/// Panics (fails the test) unless `tmux` runs.
#[track_caller]
pub fn require_tmux() {
    require(
        "tmux",
        &["-V"],
        "the real-terminal tests",
        "Debian/Ubuntu: apt-get install -y tmux; macOS: brew install tmux",
    );
}

/// Panics (fails the test) unless `python3` with the `venv` module runs (the email and Matrix
/// tests build their aiosmtpd and Synapse virtualenvs with it).
#[track_caller]
pub fn require_python3() {
    require(
        "python3",
        &["-c", "import venv, ensurepip"],
        "the email (aiosmtpd) and Matrix (Synapse) tests",
        "Debian/Ubuntu: apt-get install -y python3 python3-venv; or point INC_TEST_PYTHON / \
         INC_TEST_SYNAPSE_PYTHON at an interpreter that has aiosmtpd / matrix-synapse",
    );
}

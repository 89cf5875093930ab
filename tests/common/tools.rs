//! Tools a test needs from the machine. A missing tool fails the test that needs it, naming
//! what to install: a test never passes by skipping (`.ci/run` installs them).

use std::process::Command;

/// Panics (fails the test) unless `tmux` runs.
pub fn require_tmux() {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "tmux is required for the real-terminal tests and was not found on PATH: \
         install it (Debian/Ubuntu: apt-get install -y tmux; macOS: brew install tmux)"
    );
}

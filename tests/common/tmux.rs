//! A real terminal for the tests that need one (prompts, the progress spinner, `inc` alone):
//! a private tmux server running one command in a 120x40 pane with the harness environment
//! (the test's HOME, state dir, config and variables, nothing else). tmux is required: the
//! tests that use this call `tools::require_tmux` first.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use super::cmd::TestEnv;

pub const PANE_WAIT: Duration = Duration::from_secs(10);

pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// One tmux server (own socket in a temp dir) with one 120x40 session; killed on drop, also
/// when a test fails.
pub struct Tmux {
    socket: PathBuf,
    session: String,
}

impl Tmux {
    /// Runs `script` (a shell command line) in a fresh terminal with the harness environment.
    pub fn start(env: &TestEnv, script: &str) -> Tmux {
        let n = fastrand::u32(..);
        let socket = env.home.path().join(format!("tmux-{n}.sock"));
        let session = format!("inc-tests-{}-{n}", std::process::id());
        let bin = assert_cmd::cargo::cargo_bin("inc");
        let bin_dir = bin.parent().unwrap().display().to_string();
        let path = format!(
            "{bin_dir}:{}",
            std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into())
        );
        let mut vars = vec![
            ("HOME".to_string(), env.home.path().display().to_string()),
            ("INC_STATE_DIR".into(), env.state.display().to_string()),
            ("USER".into(), "tester".into()),
            ("NO_COLOR".into(), "1".into()),
            ("PATH".into(), path),
            ("TERM".into(), "xterm-256color".into()),
        ];
        if env.config.exists() {
            vars.push(("INC_CONFIG".into(), env.config.display().to_string()));
        }
        vars.extend(env.vars.iter().cloned());
        let env_prefix: Vec<String> = vars
            .iter()
            .map(|(k, v)| format!("{k}={}", sh_quote(v)))
            .collect();
        // The pane keeps its output after inc ends, with the exit code on a line of its own.
        let inner = format!("{script}; echo \"EXIT:$?\"; exec sleep 600");
        let command = format!("env -i {} sh -c {}", env_prefix.join(" "), sh_quote(&inner));
        let t = Tmux { socket, session };
        let out = t
            .tmux()
            .args([
                "new-session",
                "-d",
                "-s",
                &t.session,
                "-x",
                "120",
                "-y",
                "40",
            ])
            .args(["-c", &env.home.path().display().to_string()])
            .arg(command)
            .output()
            .expect("run tmux");
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    pub fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket);
        c
    }

    pub fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until `pred` holds (at most `PANE_WAIT`); returns that screen.
    #[track_caller]
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PANE_WAIT;
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("no {what} on the terminal within {PANE_WAIT:?}:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Whether the pane shows its cursor (tmux's `cursor_flag`): a program that hid it (a
    /// menu does) and ended without showing it again leaves it hidden.
    pub fn cursor_visible(&self) -> bool {
        let out = self
            .tmux()
            .args([
                "display-message",
                "-p",
                "-t",
                &self.session,
                "#{cursor_flag}",
            ])
            .output()
            .expect("tmux display-message");
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// Types text literally.
    pub fn type_text(&self, text: &str) {
        let st = self
            .tmux()
            .args(["send-keys", "-t", &self.session, "-l", text])
            .status()
            .unwrap();
        assert!(st.success());
    }

    pub fn key(&self, key: &str) {
        let st = self
            .tmux()
            .args(["send-keys", "-t", &self.session, key])
            .status()
            .unwrap();
        assert!(st.success());
    }

    /// The exit code the pane's script printed, once it has.
    #[track_caller]
    pub fn exit_code(&self) -> i32 {
        let screen = self.wait_for("EXIT:", |s| s.contains("EXIT:"));
        let rest = &screen[screen.find("EXIT:").unwrap() + 5..];
        rest.split_whitespace()
            .next()
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("exit line: {screen}"))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self
            .tmux()
            .args(["kill-server"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        let _ = std::fs::remove_file(&self.socket);
    }
}

//! Runs the real `inc` binary as a user would: a temp `HOME` and `INC_STATE_DIR`, a cleared
//! environment (no real token can leak in), and an optional config whose URLs point at fakes.

use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

pub struct TestEnv {
    pub home: TempDir,
    pub state: PathBuf,
    pub config: PathBuf,
    /// Extra environment for every run (tokens, INC_NOW, ...).
    pub vars: Vec<(String, String)>,
}

impl TestEnv {
    pub fn new() -> Self {
        let home = tempfile::tempdir().expect("tempdir");
        let state = home.path().join("state");
        let config = home.path().join("config.toml");
        TestEnv {
            home,
            state,
            config,
            vars: Vec::new(),
        }
    }

    /// A test environment with this config file (passed through `INC_CONFIG`).
    pub fn with_config(toml: &str) -> Self {
        let env = Self::new();
        env.write_config(toml);
        env
    }

    pub fn write_config(&self, toml: &str) {
        std::fs::write(&self.config, toml).expect("write config");
    }

    pub fn set(&mut self, key: &str, value: &str) -> &mut Self {
        self.vars.retain(|(k, _)| k != key);
        self.vars.push((key.into(), value.into()));
        self
    }

    /// `inc` with a clean environment.
    pub fn inc(&self) -> Command {
        Command::from_std(self.std_command())
    }

    /// The same environment as [`TestEnv::inc`], as a std command (for processes a test spawns and stops).
    pub fn std_command(&self) -> std::process::Command {
        self.std_command_with(assert_cmd::cargo::cargo_bin("inc"))
    }

    /// The same environment, running `program` (a copy of the binary another user can reach).
    pub fn std_command_with(&self, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("INC_STATE_DIR", &self.state)
            .env("USER", "tester")
            // Only the test's own HOME may hold a git identity (see tests/identity.rs).
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .current_dir(self.home.path());
        if self.config.exists() {
            cmd.env("INC_CONFIG", &self.config);
        }
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `inc ARGS --json`, expects exit 0, returns the parsed document.
    pub fn json(&self, args: &[&str]) -> Value {
        let out = self
            .inc()
            .args(args)
            .arg("--json")
            .output()
            .expect("run inc");
        assert!(
            out.status.success(),
            "inc {args:?} failed: {:?}\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("one JSON document on stdout")
    }

    /// Declares an incident (`--sev 2` unless given) and returns its id.
    pub fn declare(&self, title: &str, extra: &[&str]) -> String {
        let mut args = vec!["declare", title, "-q"];
        if !extra.contains(&"--sev") {
            args.extend(["--sev", "2"]);
        }
        args.extend(extra);
        let out = self.inc().args(&args).output().expect("run inc");
        assert!(
            out.status.success(),
            "declare failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf8")
            .trim()
            .to_string()
    }

    /// Every file under the state dir (to prove `--dry-run` wrote nothing).
    pub fn state_files(&self) -> Vec<PathBuf> {
        fn walk(p: &std::path::Path, out: &mut Vec<PathBuf>) {
            if let Ok(rd) = std::fs::read_dir(p) {
                for e in rd.flatten() {
                    let path = e.path();
                    if path.is_dir() {
                        walk(&path, out);
                    } else {
                        out.push(path);
                    }
                }
            }
        }
        let mut v = Vec::new();
        walk(&self.state, &mut v);
        v.sort();
        v
    }
}

/// Runs `inc ARGS` off the async test's runtime thread (the fakes run on that runtime).
pub async fn run(env: &TestEnv, args: &[&str]) -> Output {
    let mut cmd = env.inc();
    cmd.args(args);
    tokio::task::spawn_blocking(move || cmd.output().expect("run inc"))
        .await
        .unwrap()
}

/// stdout and stderr as text.
pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// stdout as the one JSON document.
pub fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o).0))
}

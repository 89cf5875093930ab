//! `inc status --watch`: the first status, then only changes; NDJSON with `--json`; Ctrl-C exits
//! 130; a resolved incident ends the watch with 0.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::cmd::TestEnv;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(3);

/// A running `inc status --watch`, its stdout lines arriving on a channel.
struct Watch {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    stderr_reader: Option<JoinHandle<String>>,
    stderr: String,
}

impl Watch {
    fn start(env: &TestEnv, extra: &[&str]) -> Watch {
        Self::every(env, "200ms", extra)
    }

    fn every(env: &TestEnv, interval: &str, extra: &[&str]) -> Watch {
        // The test environment's own (its config and variables included).
        let mut cmd = env.std_command();
        cmd.args(["status", "--watch", "--interval", interval])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn inc status --watch");
        let (tx, lines) = channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut err_pipe = child.stderr.take().unwrap();
        let stderr_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err_pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        });
        Watch {
            child,
            lines,
            seen: Vec::new(),
            stderr_reader: Some(stderr_reader),
            stderr: String::new(),
        }
    }

    /// The next line that satisfies `pred`, within `WAIT`.
    #[track_caller]
    fn expect(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if pred(&line) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    let stderr = self.stderr();
                    panic!(
                        "no line with {what} within {WAIT:?}\nstdout so far:\n{}\nstderr:\n{stderr}",
                        self.seen.join("\n"),
                    )
                }
            }
        }
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// Waits for the process to end, within `limit`.
    #[track_caller]
    fn exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                let stderr = self.stderr();
                panic!(
                    "still running after {limit:?}\nstdout:\n{}\nstderr:\n{stderr}",
                    self.seen.join("\n"),
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// All of stderr; ends the process first if it is still running.
    fn stderr(&mut self) -> String {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if let Some(reader) = self.stderr_reader.take() {
            self.stderr = reader.join().unwrap_or_default();
        }
        self.stderr.clone()
    }

    /// Every line printed after the ones already seen (the process has ended).
    fn rest(&mut self) -> Vec<String> {
        let mut rest = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(1)) {
            self.seen.push(line.clone());
            rest.push(line);
        }
        rest
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[track_caller]
fn inc_ok(env: &TestEnv, args: &[&str]) {
    let out = env.inc().args(args).output().expect("run inc");
    assert!(
        out.status.success(),
        "inc {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sigint(pid: &str) {
    let st = std::process::Command::new("kill")
        .args(["-INT", pid])
        .status()
        .expect("run kill");
    assert!(st.success());
}

#[test]
fn watch_prints_status_then_changes_and_ends_when_resolved() {
    let env = TestEnv::new();
    let id = env.declare("Checkout down", &["--sev", "2"]);
    let mut w = Watch::start(&env, &[]);
    let first = w.expect("the watch banner", |l| l.starts_with("watching"));
    assert!(first.contains(&id), "{first}");
    assert!(first.contains("200ms"), "{first}");
    w.expect("the initial title", |l| {
        l.starts_with("title") && l.ends_with("Checkout down")
    });
    w.expect("the initial severity", |l| {
        l.starts_with("severity") && l.ends_with("SEV-2")
    });

    inc_ok(&env, &["sev", "1"]);
    w.expect("the severity change", |l| {
        l.contains("severity: SEV-2 → SEV-1")
    });
    inc_ok(&env, &["note", "rolled back"]);
    w.expect("the note count", |l| l.contains("notes: 0 → 1"));
    inc_ok(&env, &["role", "scribe", "sam"]);
    let line = w.expect("the new scribe", |l| l.contains("scribe: — → sam"));
    // Change lines carry a UTC clock.
    assert!(line.ends_with("scribe: — → sam"), "{line}");
    assert!(line.split(' ').next().unwrap().ends_with('Z'), "{line}");

    inc_ok(&env, &["resolve"]);
    w.expect("the state change", |l| l.contains("state: open → resolved"));
    let status = w.exit(WAIT);
    assert_eq!(status.code(), Some(0), "{status:?}");
    let _ = w.rest();
    let stderr = w.stderr();
    assert!(stderr.contains("resolved"), "{stderr}");
}

#[test]
fn watch_only_reports_changes() {
    let env = TestEnv::new();
    env.declare("Quiet", &["--sev", "3"]);
    let mut w = Watch::start(&env, &[]);
    w.expect("the banner", |l| l.starts_with("watching"));
    w.expect("the last field", |l| l.starts_with("notes"));
    // Several checks pass with nothing to say.
    std::thread::sleep(Duration::from_millis(700));
    inc_ok(&env, &["todo", "one"]);
    let line = w.expect("the todo count", |l| l.contains("todos: 0 → 1"));
    let extra: Vec<&String> = w
        .seen
        .iter()
        .skip_while(|l| !l.starts_with("notes"))
        .skip(1)
        .filter(|l| **l != line)
        .collect();
    assert!(
        extra.is_empty(),
        "unchanged checks print nothing: {extra:?}"
    );
    sigint(&w.pid());
    assert_eq!(w.exit(WAIT).code(), Some(130));
}

#[test]
fn watch_json_is_one_document_per_line() {
    let env = TestEnv::new();
    let id = env.declare("JSON watch", &["--sev", "2"]);
    let mut w = Watch::start(&env, &["--json"]);
    let first = w.expect("the first document", |_| true);
    let doc: Value = serde_json::from_str(&first).expect("line 1 is JSON");
    assert_eq!(doc["status"]["incident"]["id"], id.as_str());
    assert_eq!(doc["status"]["incident"]["severity"], "SEV-2");
    assert!(doc["at"].is_string());

    inc_ok(&env, &["sev", "1"]);
    let line = w.expect("a change document", |l| l.contains("changes"));
    let doc: Value = serde_json::from_str(&line).expect("each line is JSON");
    assert_eq!(
        doc["changes"]["severity"],
        serde_json::json!({ "from": "SEV-2", "to": "SEV-1" })
    );
    inc_ok(&env, &["note", "x"]);
    let line = w.expect("the note change", |l| l.contains("notes"));
    let doc: Value = serde_json::from_str(&line).expect("each line is JSON");
    assert_eq!(
        doc["changes"]["notes"],
        serde_json::json!({ "from": "0", "to": "1" })
    );

    sigint(&w.pid());
    assert_eq!(w.exit(WAIT).code(), Some(130));
    let _ = w.rest();
    for line in &w.seen {
        serde_json::from_str::<Value>(line)
            .unwrap_or_else(|e| panic!("not one JSON document per line ({e}): {line}"));
    }
}

#[test]
fn ctrl_c_exits_130_promptly() {
    let env = TestEnv::new();
    env.declare("Ctrl-C", &[]);
    // A long interval: Ctrl-C must not wait for the next check.
    let mut w = Watch::every(&env, "30s", &[]);
    w.expect("the banner", |l| l.starts_with("watching"));
    w.expect("the last field", |l| l.starts_with("notes"));
    // The Ctrl-C handler is installed when the first wait begins, just after the first output.
    std::thread::sleep(Duration::from_millis(50));
    let t = Instant::now();
    sigint(&w.pid());
    let status = w.exit(Duration::from_secs(2));
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn ctrl_c_during_fast_checks_exits_130() {
    let env = TestEnv::new();
    env.declare("Ctrl-C storm", &[]);
    let mut w = Watch::every(&env, "1ms", &[]);
    w.expect("the banner", |l| l.starts_with("watching"));
    w.expect("the last field", |l| l.starts_with("notes"));
    // With a check every millisecond, the signal often lands while the journal is being read.
    std::thread::sleep(Duration::from_millis(50));
    sigint(&w.pid());
    assert_eq!(w.exit(WAIT).code(), Some(130));
}

#[test]
fn watch_of_a_resolved_incident_ends_with_0() {
    let env = TestEnv::new();
    env.declare("Done", &[]);
    inc_ok(&env, &["resolve"]);
    let mut w = Watch::start(&env, &["--json"]);
    let status = w.exit(WAIT);
    assert_eq!(status.code(), Some(0));
    let lines = w.rest();
    assert!(!lines.is_empty());
    let doc: Value = serde_json::from_str(&lines[0]).unwrap();
    assert!(doc["status"]["incident"]["resolved_at"].is_string());
}

/// Another responder's change, and an acknowledgement in PagerDuty, are each one line: not
/// also the field they changed, not again at a later check (SPEC "One incident, many
/// responders": `--watch` reports remote changes like its own).
#[tokio::test(flavor = "multi_thread")]
async fn each_remote_change_is_one_line() {
    let pd = common::pagerduty::FakePd::start().await;
    let slack = common::slack::FakeSlack::start().await;
    let config = format!(
        "{}\n[slack]\napi_url = \"{}\"\nper_incident_channel = true\n",
        pd.config(""),
        slack.api_url()
    );
    let responder = |user: &str| {
        let mut env = TestEnv::with_config(&config);
        env.set("PAGERDUTY_TOKEN", common::pagerduty::TOKEN)
            .set("SLACK_BOT_TOKEN", common::slack::TOKEN)
            .set("USER", user);
        env
    };
    let (a, b) = (responder("ann"), responder("bob"));
    let o = common::cmd::run(
        &a,
        &["declare", "Card payments fail", "--ic", "ann@example.com"],
    )
    .await;
    assert!(o.status.success(), "{:?}", common::cmd::text(&o));
    let pd_id = pd.incidents()[0]["id"].as_str().unwrap().to_string();
    let channel = slack.channels()[0].id.clone();
    let o = common::cmd::run(&b, &["attach", &channel]).await;
    assert!(o.status.success(), "{:?}", common::cmd::text(&o));

    let (pd_done, slack_done, lines) = tokio::task::spawn_blocking(move || {
        let mut w = Watch::start(&a, &[]);
        w.expect("the banner", |l| l.starts_with("watching"));
        w.expect("the first status", |l| l.starts_with("notes"));
        inc_ok(&b, &["sev", "1"]);
        inc_ok(&b, &["note", "EU card payments fail"]);
        pd.acknowledge(&pd_id, "Ann Primary");
        // In whatever order the checks find them.
        let wanted = [
            "bob raised the severity to SEV-1",
            "bob noted: EU card payments fail",
            "Ann Primary acknowledged the page (pagerduty)",
        ];
        while let Some(missing) = wanted
            .iter()
            .find(|want| !w.seen.iter().any(|l| l.contains(*want)))
        {
            w.expect(missing, |l| wanted.iter().any(|want| l.contains(want)));
        }
        // Two checks of ann's own after them: any second report would be out by then.
        inc_ok(&a, &["todo", "first"]);
        w.expect("ann's first todo", |l| l.contains("todos: 0 → 1"));
        inc_ok(&a, &["todo", "second"]);
        w.expect("ann's second todo", |l| l.contains("todos: 1 → 2"));
        sigint(&w.pid());
        assert_eq!(w.exit(WAIT).code(), Some(130));
        let lines = w.seen.clone();
        (pd, slack, lines)
    })
    .await
    .unwrap();
    let changes: Vec<&String> = lines
        .iter()
        .skip_while(|l| !l.starts_with("notes"))
        .skip(1)
        .collect();
    let count = |needle: &str| changes.iter().filter(|l| l.contains(needle)).count();
    assert_eq!(count("raised the severity"), 1, "{changes:#?}");
    assert_eq!(count("noted: EU card payments fail"), 1, "{changes:#?}");
    assert_eq!(count("acknowledged the page"), 1, "{changes:#?}");
    for said_by_their_line in ["severity: ", "notes: ", "pagerduty: ", "acknowledged by: "] {
        assert_eq!(count(said_by_their_line), 0, "{changes:#?}");
    }
    pd_done.assert_clean();
    slack_done.assert_clean();
}

//! Every local command, run as a user runs it: the real binary, a temp HOME and state dir, no
//! network. Human output and `--json`, exit codes, `--dry-run`, and config precedence.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::cmd::TestEnv;
use serde_json::Value;

/// What one run of `inc` left behind.
struct Run {
    code: i32,
    out: String,
    err: String,
}

impl Run {
    #[track_caller]
    fn code(&self, want: i32) -> &Self {
        assert_eq!(
            self.code, want,
            "exit code\nstdout: {}\nstderr: {}",
            self.out, self.err
        );
        self
    }

    #[track_caller]
    fn ok(&self) -> &Self {
        self.code(0)
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.out)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", self.out))
    }
}

fn finish(cmd: &mut assert_cmd::Command) -> Run {
    let out = cmd
        .timeout(Duration::from_secs(20))
        .output()
        .expect("run inc");
    Run {
        code: out.status.code().expect("exited, not killed"),
        out: String::from_utf8(out.stdout).expect("utf8 stdout"),
        err: String::from_utf8(out.stderr).expect("utf8 stderr"),
    }
}

fn run(env: &TestEnv, args: &[&str]) -> Run {
    finish(env.inc().args(args))
}

fn run_at(env: &TestEnv, now: &str, args: &[&str]) -> Run {
    finish(env.inc().env("INC_NOW", now).args(args))
}

fn run_stdin(env: &TestEnv, args: &[&str], stdin: &str) -> Run {
    finish(env.inc().args(args).write_stdin(stdin.to_string()))
}

/// Every file under the state dir with its contents.
fn snapshot(env: &TestEnv) -> Vec<(PathBuf, Vec<u8>)> {
    env.state_files()
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read state file");
            (p, bytes)
        })
        .collect()
}

/// The value of `key` in `inc status`/`inc show` key-value output.
fn field(out: &str, key: &str) -> Option<String> {
    out.lines().find_map(|l| {
        let rest = l.strip_prefix(key)?;
        rest.starts_with(' ').then(|| rest.trim().to_string())
    })
}

fn is_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 16
        && b[..6].iter().all(u8::is_ascii_digit)
        && b[6] == b'-'
        && b[7..11].iter().all(u8::is_ascii_digit)
        && b[11] == b'-'
        && b[12..]
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

fn journal_path(env: &TestEnv, id: &str) -> PathBuf {
    env.state.join("incidents").join(format!("{id}.jsonl"))
}

fn events(env: &TestEnv) -> Vec<Value> {
    env.json(&["timeline"])["timeline"]
        .as_array()
        .expect("timeline array")
        .clone()
}

fn roles(env: &TestEnv) -> Value {
    env.json(&["show"])["incident"]["roles"].clone()
}

const T0: &str = "2026-11-26T03:00:00Z";

// ---------------------------------------------------------------- declare

#[test]
fn declare_human_says_what_was_declared() {
    let env = TestEnv::new();
    let r = run(&env, &["declare", "Checkout returns 500s", "--sev", "1"]);
    r.ok();
    let first = r.out.lines().next().unwrap();
    assert!(first.contains("Declared"), "{}", r.out);
    assert!(first.contains("SEV-1"), "{}", r.out);
    assert!(first.contains("Checkout returns 500s"), "{}", r.out);
    assert!(r.out.contains("Major incident declared"), "{}", r.out);
    assert!(r.out.contains("Roster: IC —"), "{}", r.out);
    assert!(r.out.contains("inc page-ic"), "contact summary: {}", r.out);
    assert!(
        !r.err.contains("--sev not given"),
        "no notice when --sev is given: {}",
        r.err
    );
}

#[test]
fn declare_json_is_one_document_with_the_incident() {
    let env = TestEnv::new();
    let doc = run_at(
        &env,
        T0,
        &["declare", "API latency", "--sev", "SEV-1", "--json"],
    )
    .ok()
    .json();
    let inc = &doc["incident"];
    assert_eq!(inc["title"], "API latency");
    assert_eq!(inc["severity"], "SEV-1");
    assert_eq!(inc["worst_severity"], "SEV-1");
    assert_eq!(inc["security"], false);
    assert_eq!(inc["declared_at"], T0);
    let id = inc["id"].as_str().unwrap();
    assert!(is_id(id) && id.starts_with("261126-0300-"), "{id}");
    assert!(doc["messages"].as_array().is_some_and(|m| !m.is_empty()));
    assert!(doc["deliveries"].is_array(), "{doc}");
    // It became the current incident.
    assert_eq!(env.json(&["status"])["incident"]["id"], id);
}

#[test]
fn declare_severity_spellings() {
    for (given, want) in [
        ("1", "SEV-1"),
        ("SEV-1", "SEV-1"),
        ("sev3", "SEV-3"),
        ("5", "SEV-5"),
    ] {
        let env = TestEnv::new();
        let doc = env.json(&["declare", "t", "--sev", given]);
        assert_eq!(doc["incident"]["severity"], want, "--sev {given}");
    }
    let env = TestEnv::new();
    for bad in ["0", "6", "SEV-9", "high"] {
        let r = run(&env, &["declare", "t", "--sev", bad]);
        r.code(2);
        assert!(r.err.contains("severity"), "{}", r.err);
    }
    assert!(env.state_files().is_empty());
}

#[test]
fn declare_defaults_to_sev2_in_scripts_with_a_notice() {
    let env = TestEnv::new();
    // assert_cmd's stdin is not a terminal.
    let r = run(&env, &["declare", "Queue backlog", "--json"]);
    let doc = r.ok().json();
    assert_eq!(doc["incident"]["severity"], "SEV-2");
    assert!(r.err.contains("--sev not given: SEV-2"), "{}", r.err);
    assert!(!r.out.contains("--sev not given"), "notice is not data");
}

#[test]
fn declare_security_uses_a_codename() {
    let env = TestEnv::new();
    let r = run(
        &env,
        &["declare", "Leaked credentials", "--sev", "1", "--security"],
    );
    r.ok();
    assert!(r.out.contains("codename"), "{}", r.out);
    let inc = env.json(&["show"])["incident"].clone();
    assert_eq!(inc["security"], true);
    let codename = inc["codename"].as_str().expect("a codename");
    let (a, b) = codename.split_once('-').expect("adjective-noun");
    assert!(!a.is_empty() && !b.is_empty(), "{codename}");
    assert!(!codename.to_lowercase().contains("leak"));
    // What others see names the codename, not the title.
    let announced = r
        .out
        .lines()
        .find(|l| l.contains("incident declared"))
        .expect("announcement");
    assert!(announced.contains(codename), "{announced}");
    assert!(!announced.contains("Leaked credentials"), "{announced}");
}

#[test]
fn declare_ic_me_is_the_user() {
    let env = TestEnv::new();
    let doc = env.json(&[
        "declare", "t", "--sev", "2", "--ic", "me", "--deputy", "dee", "--scribe", "sam",
    ]);
    let roles = &doc["incident"]["roles"];
    assert_eq!(roles["ic"], serde_json::json!(["tester"]));
    assert_eq!(roles["deputy"], serde_json::json!(["dee"]));
    assert_eq!(roles["scribe"], serde_json::json!(["sam"]));
    assert!(doc["incident"]["ic_since"].is_string());
}

#[test]
fn declare_quiet_prints_only_the_id() {
    let env = TestEnv::new();
    let r = run(&env, &["declare", "t", "--sev", "2", "-q"]);
    r.ok();
    assert!(r.out.ends_with('\n'));
    let id = r.out.trim_end();
    assert!(!id.contains('\n') && is_id(id), "{:?}", r.out);
    assert!(journal_path(&env, id).is_file());
    let again = run(&env, &["declare", "t", "-q"]);
    again.ok();
    assert!(is_id(again.out.trim_end()), "{:?}", again.out);
    assert!(
        again.err.is_empty(),
        "-q silences the notice: {}",
        again.err
    );
}

#[test]
fn declare_refuses_ic_with_another_role() {
    let env = TestEnv::new();
    for other in ["--scribe", "--deputy"] {
        let r = run(
            &env,
            &["declare", "t", "--sev", "1", "--ic", "x", other, "x"],
        );
        r.code(2);
        assert!(r.err.contains("IC"), "{}", r.err);
    }
    let r = run(&env, &["declare", "t", "--ic", "me", "--scribe", "tester"]);
    r.code(2);
    assert!(env.state_files().is_empty(), "nothing written");
}

#[test]
fn declare_bad_titles_exit_2() {
    let env = TestEnv::new();
    let r = run(&env, &["declare", "--sev", "1"]);
    r.code(2);
    assert!(r.err.contains("TITLE"), "{}", r.err);
    run(&env, &["declare", "  ", "--sev", "1"]).code(2);
    let long = "x".repeat(201);
    run(&env, &["declare", &long, "--sev", "1"]).code(2);
    assert!(env.state_files().is_empty(), "nothing written");
}

// ---------------------------------------------------------------- roles

#[test]
fn role_assigns_every_role() {
    let env = TestEnv::new();
    env.declare("t", &[]);
    let cases = [
        ("deputy", "dee", "Deputy"),
        ("scribe", "sam", "Scribe"),
        ("cl", "cora", "Customer Liaison"),
        ("il", "ivan", "Internal Liaison"),
        ("sme", "db@example.com", "SME"),
    ];
    for (role, who, label) in cases {
        let r = run(&env, &["role", role, who]);
        r.ok();
        assert!(
            r.out.contains(&format!("{who} is now {label}")),
            "{role}: {}",
            r.out
        );
    }
    let doc = env.json(&["role", "sme", "net-oncall"]);
    let roles = &doc["incident"]["roles"];
    for (role, who, _) in cases.iter().filter(|c| c.0 != "sme") {
        assert_eq!(roles[role], serde_json::json!([who]), "{role}");
    }
    assert_eq!(
        roles["sme"],
        serde_json::json!(["db@example.com", "net-oncall"]),
        "several SMEs"
    );
    // A single-holder role is replaced.
    env.json(&["role", "scribe", "sue"]);
    assert_eq!(roles_of(&env, "scribe"), serde_json::json!(["sue"]));
    // `me` is the user.
    env.json(&["role", "deputy", "me"]);
    assert_eq!(roles_of(&env, "deputy"), serde_json::json!(["tester"]));
    // ic through `role`.
    let r = run(&env, &["role", "ic", "alice"]);
    r.ok();
    assert!(
        r.out.contains("alice is now the Incident Commander"),
        "{}",
        r.out
    );
    assert_eq!(roles_of(&env, "ic"), serde_json::json!(["alice"]));
    run(&env, &["role", "king", "bob"]).code(2);
    run(&env, &["role", "scribe", ""]).code(2);
}

fn roles_of(env: &TestEnv, role: &str) -> Value {
    roles(env)[role].clone()
}

#[test]
fn the_ic_cannot_take_another_role() {
    let env = TestEnv::new();
    env.declare("t", &["--ic", "alice"]);
    let before = snapshot(&env);
    for role in ["deputy", "scribe", "cl", "il", "sme"] {
        let r = run(&env, &["role", role, "alice"]);
        r.code(2);
        assert!(r.err.contains("IC"), "{role}: {}", r.err);
        assert!(r.err.contains("inc handover"), "hint: {}", r.err);
    }
    assert_eq!(before, snapshot(&env), "nothing written");
}

#[test]
fn assigning_ic_drops_the_persons_other_roles() {
    let env = TestEnv::new();
    env.declare("t", &["--ic", "alice", "--scribe", "bob"]);
    env.json(&["role", "sme", "bob"]);
    let r = run(&env, &["role", "ic", "bob"]);
    r.ok();
    assert!(r.out.contains("no longer"), "{}", r.out);
    assert!(r.out.contains("Scribe"), "{}", r.out);
    let roles = roles(&env);
    assert_eq!(roles["ic"], serde_json::json!(["bob"]));
    for role in ["scribe", "sme"] {
        let holders = roles[role].as_array().cloned().unwrap_or_default();
        assert!(!holders.contains(&Value::from("bob")), "{role}: {roles}");
    }
}

#[test]
fn handover_announces_the_new_ic() {
    let env = TestEnv::new();
    env.declare("t", &["--ic", "alice"]);
    let r = run(&env, &["handover", "bob"]);
    r.ok();
    assert!(r.out.contains("IC handover: alice → bob"), "{}", r.out);
    let doc = env.json(&["handover", "carol"]);
    assert_eq!(doc["previous_ic"], "bob");
    assert_eq!(doc["incident"]["roles"]["ic"], serde_json::json!(["carol"]));
    assert!(doc["deliveries"].is_array());
    // Handing over to the IC changes nothing.
    let before = snapshot(&env);
    let r = run(&env, &["handover", "carol"]);
    r.ok();
    assert!(r.err.contains("already the IC"), "{}", r.err);
    assert_eq!(before, snapshot(&env));
    run(&env, &["handover"]).code(2);
}

// ---------------------------------------------------------------- severity

#[test]
fn sev_raises() {
    let env = TestEnv::new();
    env.declare("t", &["--sev", "3"]);
    let r = run(&env, &["sev", "2"]);
    r.ok();
    assert!(r.out.contains("SEV-3 → SEV-2"), "{}", r.out);
    let doc = env.json(&["sev", "SEV-1"]);
    assert_eq!(doc["previous"], "SEV-2");
    assert_eq!(doc["incident"]["severity"], "SEV-1");
    assert_eq!(doc["incident"]["worst_severity"], "SEV-1");
    assert_eq!(
        doc["incident"]["severity_history"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // The same severity again is not an error and writes nothing.
    let before = snapshot(&env);
    let r = run(&env, &["sev", "1"]);
    r.ok();
    assert!(r.err.contains("already SEV-1"), "{}", r.err);
    assert_eq!(before, snapshot(&env));
}

#[test]
fn sev_lowering_needs_final() {
    let env = TestEnv::new();
    env.declare("t", &["--sev", "1"]);
    let before = snapshot(&env);
    let r = run(&env, &["sev", "3"]);
    r.code(2);
    assert!(r.err.contains("--final"), "{}", r.err);
    assert_eq!(before, snapshot(&env), "nothing written");

    let r = run(&env, &["sev", "3", "--final"]);
    r.ok();
    assert!(r.out.contains("Final severity set: SEV-3"), "{}", r.out);
    let inc = env.json(&["show"])["incident"].clone();
    assert_eq!(inc["severity"], "SEV-3");
    assert_eq!(inc["worst_severity"], "SEV-1");
    run(&env, &["sev", "7"]).code(2);
}

// ---------------------------------------------------------------- notes and TODOs

#[test]
fn note_with_type_and_json() {
    let env = TestEnv::new();
    let id = env.declare("t", &[]);
    let r = run(
        &env,
        &["note", "Rolled back deploy 4411", "--type", "action"],
    );
    r.ok();
    assert!(
        r.out.contains("ACTION: Rolled back deploy 4411"),
        "{}",
        r.out
    );
    let doc = env.json(&["note", "Fail over to us-west", "--type", "decision"]);
    assert_eq!(doc["incident"], id.as_str());
    assert_eq!(doc["note"]["text"], "Fail over to us-west");
    assert_eq!(doc["note"]["type"], "decision");
    assert!(doc["deliveries"].is_array());
    let doc = env.json(&["note", "plain"]);
    assert!(doc["note"]["type"].is_null());
    run(&env, &["note", "x", "--type", "gossip"]).code(2);
    let notes: Vec<Value> = events(&env)
        .into_iter()
        .filter(|e| e["event"] == "note")
        .collect();
    assert_eq!(notes.len(), 3);
    assert_eq!(notes[0]["type"], "action");
    assert_eq!(notes[1]["type"], "decision");
    assert_eq!(env.json(&["status"])["incident"]["notes"], 3);
}

#[test]
fn note_dash_reads_stdin() {
    let env = TestEnv::new();
    env.declare("t", &[]);
    let text = "pod/api-1 CrashLoopBackOff\npod/api-2 Running";
    let r = run_stdin(
        &env,
        &["note", "-", "--type", "status"],
        &format!("{text}\n"),
    );
    r.ok();
    let note = events(&env)
        .into_iter()
        .find(|e| e["event"] == "note")
        .expect("note");
    assert_eq!(note["text"], text);
    assert_eq!(note["type"], "status");
    let r = run_stdin(&env, &["todo", "-"], "Alert on queue depth\n");
    r.ok();
    assert_eq!(
        env.json(&["show"])["todos"][0]["text"],
        "Alert on queue depth"
    );
}

#[test]
fn note_limits() {
    let env = TestEnv::new();
    let id = env.declare("t", &[]);
    let path = journal_path(&env, &id);
    let before = std::fs::read(&path).unwrap();

    let too_long = "x".repeat(10_001);
    for args in [
        vec!["note", too_long.as_str()],
        vec!["todo", too_long.as_str()],
        vec!["note", ""],
        vec!["note", "   "],
        vec!["todo", ""],
    ] {
        let r = run(&env, &args);
        r.code(2);
        assert!(
            r.err.contains("10,000") || r.err.contains("empty"),
            "{}",
            r.err
        );
    }
    run_stdin(&env, &["note", "-"], &too_long).code(2);
    run_stdin(&env, &["note", "-"], "").code(2);
    run_stdin(&env, &["todo", "-"], "\n\n").code(2);
    assert_eq!(before, std::fs::read(&path).unwrap(), "nothing written");

    // Exactly 10,000 is fine (and multi-byte characters count as one).
    let max = "é".repeat(10_000);
    run(&env, &["note", &max]).ok();
    let note = events(&env)
        .into_iter()
        .find(|e| e["event"] == "note")
        .unwrap();
    assert_eq!(note["text"].as_str().unwrap().chars().count(), 10_000);
}

#[test]
fn todo_numbers_and_status() {
    let env = TestEnv::new();
    env.declare("t", &[]);
    let r = run(&env, &["todo", "Add a runbook link"]);
    r.ok();
    assert!(r.out.contains("TODO: Add a runbook link"), "{}", r.out);
    let doc = env.json(&["todo", "Alert on queue depth"]);
    assert_eq!(doc["todo"]["number"], 2);
    assert_eq!(doc["todo"]["text"], "Alert on queue depth");
    let status = env.json(&["status"]);
    let todos = status["open_todos"].as_array().unwrap();
    assert_eq!(todos.len(), 2);
    assert_eq!(todos[0]["number"], 1);
    assert_eq!(todos[1]["text"], "Alert on queue depth");
    let human = run(&env, &["status"]);
    human.ok();
    assert!(
        human.out.contains("TODO 2: Alert on queue depth"),
        "{}",
        human.out
    );
    assert_eq!(field(&human.out, "todos").as_deref(), Some("2"));
}

// ---------------------------------------------------------------- status

#[test]
fn status_human_and_json() {
    let env = TestEnv::new();
    let id = {
        let doc = run_at(
            &env,
            T0,
            &[
                "declare",
                "Checkout down",
                "--sev",
                "2",
                "--ic",
                "alice",
                "--json",
            ],
        )
        .ok()
        .json();
        doc["incident"]["id"].as_str().unwrap().to_string()
    };
    let r = run_at(&env, "2026-11-26T03:05:30Z", &["status"]);
    r.ok();
    assert_eq!(field(&r.out, "incident").as_deref(), Some(id.as_str()));
    assert_eq!(field(&r.out, "title").as_deref(), Some("Checkout down"));
    assert_eq!(field(&r.out, "severity").as_deref(), Some("SEV-2"));
    assert_eq!(field(&r.out, "state").as_deref(), Some("open"));
    assert_eq!(field(&r.out, "ic").as_deref(), Some("alice"));
    assert_eq!(field(&r.out, "scribe").as_deref(), Some("—"));
    assert_eq!(
        field(&r.out, "declared").as_deref(),
        Some("2026-11-26 03:00 UTC")
    );
    assert_eq!(field(&r.out, "elapsed").as_deref(), Some("5m"));
    assert!(!r.out.contains("reminder"), "{}", r.out);
    assert!(r.err.is_empty(), "{}", r.err);

    let doc = run_at(&env, "2026-11-26T03:05:30Z", &["status", "--json"])
        .ok()
        .json();
    assert_eq!(doc["incident"]["id"], id.as_str());
    assert_eq!(doc["incident"]["severity"], "SEV-2");
    assert_eq!(doc["incident"]["roles"]["ic"], serde_json::json!(["alice"]));
    assert_eq!(doc["elapsed_seconds"], 330);
    assert_eq!(doc["open_todos"], serde_json::json!([]));
    assert_eq!(doc["reminders"], serde_json::json!([]));
    assert!(doc["last_exec_update"].is_null());
    assert!(
        doc["next_exec_update_due"].is_null(),
        "SEV-2 has no exec cadence"
    );
    assert_eq!(doc["interval"], "30s");
    assert_eq!(doc["interval_source"]["kind"], "default");
}

#[test]
fn status_reminds_of_the_exec_update_for_sev1() {
    let env = TestEnv::new();
    run_at(&env, T0, &["declare", "t", "--sev", "1"]).ok();
    let doc = run_at(&env, "2026-11-26T03:29:00Z", &["status", "--json"])
        .ok()
        .json();
    assert_eq!(doc["next_exec_update_due"], "2026-11-26T03:30:00Z");
    let reminders = doc["reminders"].to_string();
    assert!(!reminders.contains("executive update"), "{reminders}");

    let r = run_at(&env, "2026-11-26T03:31:00Z", &["status"]);
    r.ok();
    let line = r
        .out
        .lines()
        .find(|l| l.starts_with("reminder:") && l.contains("executive update due"))
        .unwrap_or_else(|| panic!("exec reminder in:\n{}", r.out));
    assert!(line.contains("03:30 UTC"), "{line}");
    assert_eq!(
        field(&r.out, "next exec update").as_deref(),
        Some("2026-11-26 03:30 UTC")
    );
    let doc = run_at(&env, "2026-11-26T03:31:00Z", &["status", "--json"])
        .ok()
        .json();
    assert!(
        doc["reminders"]
            .to_string()
            .contains("executive update due"),
        "{doc}"
    );
}

#[test]
fn status_reminds_of_the_hourly_handover() {
    let env = TestEnv::new();
    run_at(&env, T0, &["declare", "t", "--sev", "2"]).ok();
    run_at(&env, "2026-11-26T03:05:00Z", &["role", "ic", "alice"]).ok();
    let r = run_at(&env, "2026-11-26T04:04:00Z", &["status"]);
    r.ok();
    assert!(
        !r.out.contains("handover"),
        "59 minutes is not yet: {}",
        r.out
    );
    let r = run_at(&env, "2026-11-26T04:06:00Z", &["status"]);
    r.ok();
    let line = r
        .out
        .lines()
        .find(|l| l.starts_with("reminder:") && l.contains("handover"))
        .unwrap_or_else(|| panic!("handover reminder in:\n{}", r.out));
    assert!(line.contains("alice"), "{line}");
    assert!(line.contains("1h01m"), "{line}");
    // A new IC restarts the clock.
    run_at(&env, "2026-11-26T04:07:00Z", &["handover", "bob"]).ok();
    let r = run_at(&env, "2026-11-26T04:10:00Z", &["status"]);
    assert!(!r.out.contains("plan a handover"), "{}", r.out);
}

#[test]
fn status_calls_out_elapsed_time() {
    let env = TestEnv::new();
    run_at(&env, T0, &["declare", "t", "--sev", "2"]).ok();
    let r = run_at(&env, "2026-11-26T03:09:59Z", &["status"]);
    r.ok();
    assert!(!r.out.contains("reminder"), "{}", r.out);
    let r = run_at(&env, "2026-11-26T03:10:00Z", &["status"]);
    r.ok();
    assert!(
        r.out
            .lines()
            .any(|l| l.starts_with("reminder:") && l.contains("10m elapsed")),
        "{}",
        r.out
    );
    let doc = run_at(&env, "2026-11-26T03:21:00Z", &["status", "--json"])
        .ok()
        .json();
    assert!(
        doc["reminders"].to_string().contains("20m elapsed"),
        "{doc}"
    );
}

#[test]
fn status_after_resolve_has_no_reminders() {
    let env = TestEnv::new();
    run_at(&env, T0, &["declare", "t", "--sev", "1", "--ic", "alice"]).ok();
    run_at(&env, "2026-11-26T03:20:00Z", &["resolve"]).ok();
    let r = run_at(&env, "2026-11-26T06:00:00Z", &["status"]);
    r.ok();
    assert_eq!(field(&r.out, "state").as_deref(), Some("resolved"));
    assert_eq!(field(&r.out, "lasted").as_deref(), Some("20m"));
    assert!(!r.out.contains("reminder"), "{}", r.out);
}

// ---------------------------------------------------------------- list, show, timeline

#[test]
fn list_marks_the_current_incident() {
    let env = TestEnv::new();
    let r = run(&env, &["list"]);
    r.ok();
    assert!(r.out.is_empty(), "{}", r.out);
    assert!(r.err.contains("no incidents"), "{}", r.err);
    assert_eq!(env.json(&["list"]), serde_json::json!({ "incidents": [] }));

    let a = {
        let r = run_at(&env, T0, &["declare", "Old one", "--sev", "3", "-q"]);
        r.ok();
        r.out.trim().to_string()
    };
    let b = {
        let r = run_at(
            &env,
            "2026-11-26T04:00:00Z",
            &["declare", "New one", "--sev", "1", "-q"],
        );
        r.ok();
        r.out.trim().to_string()
    };
    let r = run(&env, &["list"]);
    r.ok();
    let lines: Vec<&str> = r.out.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.out);
    assert!(
        lines[0].starts_with(&format!("*{b}")),
        "newest first, current marked: {}",
        r.out
    );
    assert!(lines[0].contains("SEV-1") && lines[0].contains("New one"));
    assert!(lines[1].starts_with(&a), "{}", r.out);
    assert!(lines[1].contains("2026-11-26 03:00 UTC"), "{}", r.out);

    let doc = env.json(&["list"]);
    let items = doc["incidents"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], b.as_str());
    assert_eq!(items[0]["current"], true);
    assert_eq!(items[1]["id"], a.as_str());
    assert_eq!(items[1]["current"], false);
    assert_eq!(items[1]["state"], "open");
    assert_eq!(items[1]["severity"], "SEV-3");

    env.json(&["resolve"]);
    let doc = env.json(&["list", "--open"]);
    let items = doc["incidents"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], a.as_str());
    let r = run(&env, &["list", "--open"]);
    assert!(!r.out.contains(&b), "{}", r.out);
    assert_eq!(env.json(&["list"])["incidents"][0]["state"], "resolved");
}

#[test]
fn show_current_or_by_id() {
    let env = TestEnv::new();
    let a = env.declare("First", &["--sev", "2"]);
    let b = env.declare("Second", &["--sev", "3", "--security"]);
    env.json(&["sev", "2"]);
    env.json(&["todo", "write the runbook"]);
    let r = run(&env, &["show"]);
    r.ok();
    assert_eq!(field(&r.out, "incident").as_deref(), Some(b.as_str()));
    assert_eq!(
        field(&r.out, "severity").as_deref(),
        Some("SEV-2 (worst SEV-2)")
    );
    assert!(field(&r.out, "codename").is_some(), "{}", r.out);
    assert!(r.out.contains("TODO 1: write the runbook"), "{}", r.out);

    let r = run(&env, &["show", &a]);
    r.ok();
    assert_eq!(field(&r.out, "title").as_deref(), Some("First"));
    let doc = env.json(&["show", &a]);
    assert_eq!(doc["incident"]["id"], a.as_str());
    assert_eq!(doc["todos"], serde_json::json!([]));
    let doc = env.json(&["show"]);
    assert_eq!(doc["todos"][0]["text"], "write the runbook");

    run(&env, &["show", "nosuch"]).code(4);
    run(&env, &["show", "../../etc/passwd"]).code(4);
}

#[test]
fn timeline_is_in_order_and_in_utc() {
    let mut env = TestEnv::new();
    // Whatever the local zone, times are UTC.
    env.set("TZ", "Asia/Tokyo");
    run_at(
        &env,
        "2026-11-26T04:00:00+01:00",
        &["declare", "Disk full", "--sev", "2"],
    )
    .ok();
    run_at(&env, "2026-11-26T03:01:30Z", &["role", "ic", "alice"]).ok();
    run_at(
        &env,
        "2026-11-26T03:02:00Z",
        &["note", "looking at db-1", "--type", "action"],
    )
    .ok();
    run_at(&env, "2026-11-26T03:05:00Z", &["sev", "1"]).ok();
    run_at(&env, "2026-11-26T03:06:00Z", &["todo", "disk alerts"]).ok();
    run_at(
        &env,
        "2026-11-26T03:10:00Z",
        &["resolve", "--final-sev", "2"],
    )
    .ok();

    let r = run(&env, &["timeline"]);
    r.ok();
    let want = [
        ("2026-11-26 03:00:00", "declared", "SEV-2 Disk full"),
        ("2026-11-26 03:01:30", "role", "alice is now IC"),
        ("2026-11-26 03:02:00", "note", "ACTION: looking at db-1"),
        ("2026-11-26 03:05:00", "severity", "raised to SEV-1"),
        ("2026-11-26 03:06:00", "todo", "disk alerts"),
        ("2026-11-26 03:10:00", "resolved", "final SEV-2"),
    ];
    let lines: Vec<&str> = r.out.lines().filter(|l| l.starts_with("2026-")).collect();
    assert_eq!(lines.len(), want.len(), "{}", r.out);
    for (line, (time, kind, what)) in lines.iter().zip(want) {
        assert!(line.starts_with(time), "{line} vs {time}");
        assert!(line.contains(kind), "{line} vs {kind}");
        assert!(line.contains("tester"), "by: {line}");
        assert!(line.contains(what), "{line} vs {what}");
    }

    let doc = env.json(&["timeline"]);
    let kinds: Vec<&str> = doc["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["declared", "role", "note", "severity", "todo", "resolved"]
    );
    assert_eq!(doc["timeline"][0]["at"], "2026-11-26T03:00:00Z");
    assert_eq!(doc["timeline"][5]["at"], "2026-11-26T03:10:00Z");
    assert_eq!(doc["timeline"][0]["by"], "tester");

    // By id, for an incident that is not the current one.
    let id = doc["incident"].as_str().unwrap().to_string();
    env.declare("another", &[]);
    assert_eq!(
        env.json(&["timeline", &id])["timeline"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    run(&env, &["timeline", "nosuch"]).code(4);
}

// ---------------------------------------------------------------- resolve

#[test]
fn resolve_sets_final_sev_lists_todos_and_checklist() {
    let env = TestEnv::new();
    run_at(&env, T0, &["declare", "t", "--sev", "1"]).ok();
    run(&env, &["todo", "Alert on queue depth"]).ok();
    run(&env, &["todo", "Runbook for failover"]).ok();
    let r = run_at(
        &env,
        "2026-11-26T03:45:00Z",
        &["resolve", "--final-sev", "2"],
    );
    r.ok();
    assert!(r.out.contains("Resolved"), "{}", r.out);
    assert!(r.out.contains("final SEV-2"), "{}", r.out);
    assert!(r.out.contains("lasted 45m"), "{}", r.out);
    assert!(r.out.contains("Open TODOs (2):"), "{}", r.out);
    assert!(r.out.contains("1. Alert on queue depth"), "{}", r.out);
    assert!(r.out.contains("2. Runbook for failover"), "{}", r.out);
    assert!(r.out.contains("After the call:"), "{}", r.out);
    assert!(r.out.contains("[ ] Create the post-mortem"), "{}", r.out);
    assert!(r.out.contains("The call is over"), "{}", r.out);

    let inc = env.json(&["show"])["incident"].clone();
    assert_eq!(inc["severity"], "SEV-2");
    assert_eq!(inc["worst_severity"], "SEV-1");
    assert_eq!(inc["resolved_at"], "2026-11-26T03:45:00Z");

    // Again: a no-op.
    let before = snapshot(&env);
    let r = run(&env, &["resolve"]);
    r.ok();
    assert!(r.err.contains("already resolved"), "{}", r.err);
    let doc = env.json(&["resolve", "--final-sev", "3"]);
    assert_eq!(doc["already_resolved"], true);
    assert_eq!(before, snapshot(&env), "nothing written");
}

#[test]
fn resolve_json_and_default_final_sev() {
    let env = TestEnv::new();
    env.declare("t", &["--sev", "3"]);
    env.json(&["todo", "one"]);
    // Not a terminal: the current severity, no prompt.
    let doc = env.json(&["resolve"]);
    assert_eq!(doc["incident"]["severity"], "SEV-3");
    assert!(doc["incident"]["resolved_at"].is_string());
    assert_eq!(doc["open_todos"][0]["text"], "one");
    assert!(doc["checklist"].as_array().is_some_and(|c| c.len() >= 3));
    assert!(doc["deliveries"].is_array());
    assert!(doc.get("already_resolved").is_none());
}

// ---------------------------------------------------------------- outbox, completions, man

#[test]
fn outbox_list_empty() {
    let env = TestEnv::new();
    let r = run(&env, &["outbox", "list"]);
    r.ok();
    assert!(r.out.is_empty(), "{}", r.out);
    assert!(r.err.contains("empty"), "{}", r.err);
    assert_eq!(
        env.json(&["outbox", "list"]),
        serde_json::json!({ "outbox": [] })
    );
}

#[test]
fn completions_for_every_shell() {
    let env = TestEnv::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(&env, &["completions", shell]);
        r.ok();
        assert!(r.out.len() > 200, "{shell}: {}", r.out);
        assert!(r.out.contains("declare"), "{shell} completes subcommands");
        assert!(r.out.contains("dry-run"), "{shell} completes global flags");
    }
    run(&env, &["completions", "tcsh"]).code(2);
    run(&env, &["completions"]).code(2);
}

#[test]
fn man_prints_roff_or_writes_pages() {
    let env = TestEnv::new();
    let r = run(&env, &["man"]);
    r.ok();
    assert!(
        r.out.contains(".TH inc 1"),
        "{}",
        &r.out[..r.out.len().min(300)]
    );
    assert!(r.out.contains(".SH NAME"));
    let dir = env.home.path().join("man1");
    let r = run(&env, &["man", "--dir", dir.to_str().unwrap()]);
    r.ok();
    assert!(r.out.is_empty(), "no data on stdout: {}", r.out);
    for page in [
        "inc.1",
        "inc-declare.1",
        "inc-status.1",
        "inc-outbox-list.1",
    ] {
        let text =
            std::fs::read_to_string(dir.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page}");
    }
    let declare = std::fs::read_to_string(dir.join("inc-declare.1")).unwrap();
    assert!(declare.contains("security"), "documents the flags");
}

// ---------------------------------------------------------------- doctor

#[test]
fn doctor_without_config_is_ok() {
    let env = TestEnv::new();
    let r = run(&env, &["doctor"]);
    r.ok();
    assert!(r.out.contains("config"), "{}", r.out);
    assert!(r.out.contains("no file"), "{}", r.out);
    assert!(r.out.contains("state dir"), "{}", r.out);
    let doc = env.json(&["doctor"]);
    assert_eq!(doc["ok"], true);
    let checks = doc["checks"].as_array().unwrap();
    let config = checks.iter().find(|c| c["check"] == "config").unwrap();
    assert_eq!(config["ok"], true);
    assert!(checks.iter().all(|c| c["ok"] != false), "{doc}");
}

/// PagerDuty pointed at loopback (port 9: nothing listens), so a reachability check can never
/// leave the machine, with short delivery limits.
const PD_CONFIG: &str = "[pagerduty]\napi_url = \"http://127.0.0.1:9\"\nevents_url = \"http://127.0.0.1:9\"\nfrom = \"ic-bot@example.com\"\n\n[delivery]\ntimeout = \"1s\"\nretry_for = \"1s\"\nbackoff = \"10ms\"\n";

#[test]
fn doctor_fails_without_the_pagerduty_token() {
    let env = TestEnv::with_config(PD_CONFIG);
    let r = run(&env, &["doctor"]);
    r.code(1);
    assert!(r.out.contains("$PAGERDUTY_TOKEN"), "{}", r.out);
    let r = run(&env, &["doctor", "--json"]);
    r.code(1);
    let doc = r.json();
    assert_eq!(doc["ok"], false);
    let failed: Vec<&Value> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .collect();
    assert!(!failed.is_empty(), "{doc}");
    assert!(
        failed
            .iter()
            .any(|c| c["check"].as_str().unwrap().contains("pagerduty")
                && c["detail"].as_str().unwrap().contains("$PAGERDUTY_TOKEN")),
        "{doc}"
    );
}

#[test]
fn doctor_never_prints_the_token() {
    let mut env = TestEnv::with_config(PD_CONFIG);
    env.set("PAGERDUTY_TOKEN", "secret-value-123");
    for args in [
        &["doctor"][..],
        &["doctor", "--json"],
        &["doctor", "-vvv"],
        &["doctor", "--json", "-vvv"],
    ] {
        let r = run(&env, args);
        assert!(matches!(r.code, 0 | 1), "{args:?}: {}", r.err);
        for stream in [&r.out, &r.err] {
            assert!(
                !stream.contains("secret-value-123"),
                "{args:?} leaked: {stream}"
            );
            assert!(
                !stream.contains("secret-value"),
                "{args:?} leaked: {stream}"
            );
        }
        assert!(
            !r.out.contains("PAGERDUTY_TOKEN is not set"),
            "{args:?}: {}",
            r.out
        );
    }
}

// ---------------------------------------------------------------- exit codes

#[test]
fn usage_errors_exit_2() {
    let env = TestEnv::new();
    env.declare("t", &[]);
    for args in [
        // `inc` alone is no usage error: the help or the open incident (tests/first_minute.rs).
        &["bogus"][..],
        &["declare", "t", "--sev"],
        &["note"],
        &["role", "scribe"],
        &["status", "--interval", "soon"],
        &["status", "--interval", "0s"],
        &["--color", "sometimes", "list"],
        &["list", "--no-such-flag"],
    ] {
        let r = run(&env, args);
        r.code(2);
        assert!(!r.err.is_empty(), "{args:?} says why");
    }
    // A bad value that inc (not clap) refuses: with --json the error is the one document.
    let r = run(&env, &["note", "", "--json"]);
    r.code(2);
    assert_eq!(r.json()["error"]["exit_code"], 2);
}

#[test]
fn help_and_version_exit_0() {
    let env = TestEnv::new();
    let r = run(&env, &["--version"]);
    r.ok();
    assert!(r.out.starts_with("inc "), "{}", r.out);
    for args in [
        &["--help"][..],
        &["help", "declare"],
        &["declare", "--help"],
    ] {
        let r = run(&env, args);
        r.ok();
        assert!(r.out.contains("Usage"), "{args:?}: {}", r.out);
    }
    let r = run(&env, &["--help"]);
    assert!(r.out.contains("Exit codes"), "{}", r.out);
}

#[test]
fn no_incident_exits_4() {
    let env = TestEnv::new();
    for args in [
        &["status"][..],
        &["note", "x"],
        &["todo", "x"],
        &["sev", "1"],
        &["role", "scribe", "x"],
        &["handover", "x"],
        &["resolve"],
        &["show"],
        &["timeline"],
    ] {
        let r = run(&env, args);
        r.code(4);
        assert!(r.err.contains("no current incident"), "{args:?}: {}", r.err);
    }
    env.declare("t", &[]);
    for args in [&["status"][..], &["note", "x"], &["resolve"], &["show"]] {
        let mut a = vec!["--incident", "nosuch"];
        a.extend_from_slice(args);
        let r = run(&env, &a);
        r.code(4);
        assert!(r.err.contains("nosuch"), "{}", r.err);
    }
    // With --json the error is the one document.
    let r = run(&env, &["status", "--incident", "nosuch", "--json"]);
    r.code(4);
    assert_eq!(r.json()["error"]["exit_code"], 4);
}

#[test]
fn missing_config_file_exits_78() {
    let env = TestEnv::new();
    for args in [
        &["status"][..],
        &["list"],
        &["declare", "t", "--sev", "1"],
        &["doctor"],
    ] {
        let mut a = vec!["--config", "/nonexistent.toml"];
        a.extend_from_slice(args);
        let r = run(&env, &a);
        r.code(78);
        assert!(r.err.contains("/nonexistent.toml"), "{}", r.err);
    }
    assert!(env.state_files().is_empty());
    // INC_CONFIG naming a missing file is the same.
    let r = finish(env.inc().env("INC_CONFIG", "/nonexistent.toml").arg("list"));
    r.code(78);
}

#[test]
fn malformed_config_names_file_and_line() {
    for (text, needles) in [
        ("[cadence]\nstatus_interval = \n", &["line 2"][..]),
        (
            "# comment\n[cadence]\nstatus_intervall = \"30s\"\n",
            &["line 3", "status_intervall"],
        ),
        (
            "[call]\nchat = \"#x\"\n[cadence]\nhandover = \"soon\"\n",
            &["line 4", "soon"],
        ),
        (
            "[pagerduty]\nicschedules = [\"P1\"]\n",
            &["line 2", "icschedules"],
        ),
    ] {
        let env = TestEnv::with_config(text);
        let r = run(&env, &["list"]);
        r.code(78);
        let path = env.config.display().to_string();
        assert!(r.err.contains(&path), "names the file: {}", r.err);
        for n in needles {
            assert!(r.err.contains(n), "{text:?}: wants {n}: {}", r.err);
        }
    }
}

#[test]
fn plain_http_only_to_loopback() {
    let env = TestEnv::with_config("[pagerduty]\napi_url = \"http://example.com\"\n");
    let r = run(&env, &["list"]);
    r.code(78);
    assert!(r.err.contains("pagerduty.api_url"), "{}", r.err);
    assert!(r.err.contains("http://example.com"), "{}", r.err);

    for url in [
        "http://127.0.0.1:9",
        "http://localhost:9",
        "http://[::1]:9",
        "https://api.example.com",
    ] {
        let env = TestEnv::with_config(&format!("[pagerduty]\napi_url = \"{url}\"\n"));
        run(&env, &["list"]).ok();
    }
    // From the environment, the variable is named.
    let mut env = TestEnv::new();
    env.set("INC_PAGERDUTY_API_URL", "http://example.com");
    env.write_config("[pagerduty]\n");
    let r = run(&env, &["list"]);
    r.code(78);
    assert!(r.err.contains("INC_PAGERDUTY_API_URL"), "{}", r.err);
}

// ---------------------------------------------------------------- --dry-run

#[test]
fn dry_run_writes_nothing() {
    let env = TestEnv::new();
    // Not even on a fresh machine.
    let r = run(&env, &["--dry-run", "declare", "t", "--sev", "1"]);
    r.ok();
    assert!(r.err.contains("dry run"), "{}", r.err);
    assert!(env.state_files().is_empty(), "{:?}", env.state_files());

    env.declare("real", &["--sev", "2", "--ic", "alice"]);
    env.json(&["todo", "existing"]);
    let before = snapshot(&env);
    assert!(!before.is_empty());
    for args in [
        &["declare", "another", "--sev", "1", "--ic", "me"][..],
        &["note", "hello", "--type", "action"],
        &["todo", "later"],
        &["sev", "1"],
        &["sev", "4", "--final"],
        &["role", "scribe", "sam"],
        &["role", "ic", "bob"],
        &["handover", "carol"],
        &["resolve", "--final-sev", "3"],
        &["resolve"],
    ] {
        for json in [false, true] {
            let mut a = vec!["--dry-run"];
            a.extend_from_slice(args);
            if json {
                a.push("--json");
            }
            let r = run(&env, &a);
            r.ok();
            if json {
                r.json();
            }
            assert_eq!(before, snapshot(&env), "{a:?} wrote something");
        }
    }
    // stdin is read but nothing written either.
    run_stdin(&env, &["--dry-run", "note", "-"], "from stdin").ok();
    assert_eq!(before, snapshot(&env));
    // The incident is still open, unchanged.
    let status = env.json(&["status"]);
    assert_eq!(status["incident"]["severity"], "SEV-2");
    assert_eq!(status["incident"]["notes"], 0);
    assert!(status["incident"]["resolved_at"].is_null());
}

// ---------------------------------------------------------------- config precedence

#[test]
fn interval_precedence_default_file_env_flag() {
    struct Case {
        file: Option<&'static str>,
        env: Option<&'static str>,
        flag: Option<&'static str>,
        want: &'static str,
        source: &'static str,
    }
    let cases = [
        Case {
            file: None,
            env: None,
            flag: None,
            want: "30s",
            source: "default",
        },
        Case {
            file: Some("45s"),
            env: None,
            flag: None,
            want: "45s",
            source: "file",
        },
        Case {
            file: None,
            env: Some("20s"),
            flag: None,
            want: "20s",
            source: "env",
        },
        Case {
            file: Some("45s"),
            env: Some("20s"),
            flag: None,
            want: "20s",
            source: "env",
        },
        Case {
            file: None,
            env: None,
            flag: Some("5s"),
            want: "5s",
            source: "flag",
        },
        Case {
            file: Some("45s"),
            env: None,
            flag: Some("5s"),
            want: "5s",
            source: "flag",
        },
        Case {
            file: Some("45s"),
            env: Some("20s"),
            flag: Some("5s"),
            want: "5s",
            source: "flag",
        },
        Case {
            file: Some("2m"),
            env: None,
            flag: None,
            want: "2m",
            source: "file",
        },
        Case {
            file: None,
            env: None,
            flag: Some("250ms"),
            want: "250ms",
            source: "flag",
        },
    ];
    for c in cases {
        let mut env = TestEnv::new();
        if let Some(f) = c.file {
            env.write_config(&format!("[cadence]\nstatus_interval = \"{f}\"\n"));
        }
        if let Some(e) = c.env {
            env.set("INC_CADENCE_STATUS_INTERVAL", e);
        }
        env.declare("t", &[]);
        let mut args = vec!["status"];
        if let Some(f) = c.flag {
            args.extend(["--interval", f]);
        }
        let doc = env.json(&args);
        let what = format!("file={:?} env={:?} flag={:?}", c.file, c.env, c.flag);
        assert_eq!(doc["interval"], c.want, "{what}");
        assert_eq!(doc["interval_source"]["kind"], c.source, "{what}: {doc}");
        let name = doc["interval_source"]["name"].as_str().unwrap_or("");
        match c.source {
            "file" => assert_eq!(name, env.config.display().to_string(), "{what}"),
            "env" => assert_eq!(name, "INC_CADENCE_STATUS_INTERVAL", "{what}"),
            "flag" => assert_eq!(name, "--interval", "{what}"),
            _ => {}
        }
    }
}

#[test]
fn bad_env_override_is_a_config_error() {
    let mut env = TestEnv::new();
    env.declare("t", &[]);
    env.set("INC_CADENCE_STATUS_INTERVAL", "soon");
    let r = run(&env, &["status"]);
    r.code(78);
    assert!(r.err.contains("INC_CADENCE_STATUS_INTERVAL"), "{}", r.err);
}

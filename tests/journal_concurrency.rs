//! The journal under concurrent writers and writers killed mid-write: every whole entry is kept,
//! and a torn line never stops `inc` from reading the incident.

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::cmd::TestEnv;
use serde_json::Value;

/// `inc` as a std process (to spawn many at once), with the harness's environment.
fn std_inc(env: &TestEnv) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("inc"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.home.path())
        .env("INC_STATE_DIR", &env.state)
        .env("USER", "tester")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .current_dir(env.home.path())
        .stdin(Stdio::null());
    if env.config.exists() {
        cmd.env("INC_CONFIG", &env.config);
    }
    for (k, v) in &env.vars {
        cmd.env(k, v);
    }
    cmd
}

fn spawn_note(env: &TestEnv, text: &str) -> Child {
    std_inc(env)
        .args(["note", text])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn inc note")
}

fn note_texts(env: &TestEnv) -> Vec<String> {
    env.json(&["timeline"])["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| e["event"] == "note")
        .map(|e| e["text"].as_str().expect("text").to_string())
        .collect()
}

fn journal(env: &TestEnv, id: &str) -> std::path::PathBuf {
    env.state.join("incidents").join(format!("{id}.jsonl"))
}

/// `inc status` (human and JSON) exits 0; stderr holds at most torn-line warnings.
#[track_caller]
fn assert_status_reads(env: &TestEnv, context: &str) {
    for json in [false, true] {
        let mut cmd = env.inc();
        cmd.arg("status").timeout(Duration::from_secs(20));
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().expect("run inc status");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{context}: status failed\nstdout: {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        for line in stderr.lines() {
            assert!(
                line.contains("skipped unreadable line"),
                "{context}: unexpected stderr: {line}"
            );
        }
        if json {
            let doc: Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{context}: status --json is not JSON: {e}"));
            assert!(doc["incident"]["id"].is_string(), "{context}");
        }
    }
}

#[test]
fn thirty_concurrent_notes_all_land() {
    let env = TestEnv::new();
    let id = env.declare("Concurrency", &[]);
    let children: Vec<(usize, Child)> = (0..30)
        .map(|i| (i, spawn_note(&env, &format!("note number {i}"))))
        .collect();
    for (i, child) in children {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "writer {i}: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let texts = note_texts(&env);
    assert_eq!(texts.len(), 30, "{texts:?}");
    let unique: BTreeSet<&String> = texts.iter().collect();
    assert_eq!(unique.len(), 30, "no duplicates: {texts:?}");
    for i in 0..30 {
        assert!(
            texts.contains(&format!("note number {i}")),
            "note {i} is lost"
        );
    }
    // Every line on disk is one whole event: nothing interleaved.
    let raw = std::fs::read_to_string(journal(&env, &id)).unwrap();
    assert!(raw.ends_with('\n'));
    for (n, line) in raw.lines().enumerate() {
        serde_json::from_str::<Value>(line)
            .unwrap_or_else(|e| panic!("line {} is not whole ({e}): {line:.80}", n + 1));
    }
    assert_eq!(raw.lines().count(), 31);
    assert_eq!(env.json(&["status"])["incident"]["notes"], 30);
}

#[test]
fn kill_9_during_writes_never_breaks_the_journal() {
    const ROUNDS: usize = 6;
    const WRITERS: usize = 20;
    let env = TestEnv::new();
    let id = env.declare("Kill -9", &[]);
    let body = "x".repeat(9_000);
    let mut expected: BTreeSet<String> = BTreeSet::new();
    let mut survived: Vec<String> = Vec::new();
    let mut killed_total = 0;
    let started = Instant::now();
    for round in 0..ROUNDS {
        let texts: Vec<String> = (0..WRITERS)
            .map(|i| format!("r{round}w{i:02} {body}"))
            .collect();
        expected.extend(texts.iter().cloned());
        let mut children: Vec<Child> = texts.iter().map(|t| spawn_note(&env, t)).collect();
        // Kill every other writer (SIGKILL: `Child::kill` is `kill -9 PID` without the extra
        // process), at staggered sub-millisecond steps that sweep across a writer's lifetime.
        let t0 = Instant::now();
        let offset = Duration::from_micros(round as u64 * 900);
        for (k, child) in children.iter_mut().step_by(2).enumerate() {
            let at = offset + Duration::from_micros(k as u64 * 700 + fastrand::u64(0..500));
            if let Some(wait) = at.checked_sub(t0.elapsed()) {
                std::thread::sleep(wait);
            }
            // A writer that already exited is not reaped yet, so `kill` still "succeeds" on
            // it: what counts is how each writer ended (below).
            let _ = child.kill();
        }
        for (i, child) in children.into_iter().enumerate() {
            let out = child.wait_with_output().expect("wait");
            // Killed while it was still running: it ended by SIGKILL, not by exiting.
            if out.status.signal() == Some(libc::SIGKILL) {
                killed_total += 1;
            }
            if out.status.success() {
                survived.push(texts[i].clone());
            } else if i % 2 == 1 {
                panic!(
                    "round {round}: writer {i} was not killed and failed: {:?} {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        assert_status_reads(&env, &format!("after round {round}"));
    }
    assert!(
        killed_total > 0,
        "no writer was still running when it was killed: the test proved nothing"
    );

    let texts = note_texts(&env);
    for t in &texts {
        assert!(
            expected.contains(t),
            "a note that no writer wrote: {:.40}",
            t
        );
    }
    let unique: BTreeSet<&String> = texts.iter().collect();
    assert_eq!(unique.len(), texts.len(), "no note twice");
    for t in &survived {
        assert!(
            texts.contains(t),
            "a writer exited 0 but its note is gone: {t:.8}"
        );
    }

    // And the journal still takes notes that read back whole.
    let out = env
        .inc()
        .args(["note", "after the storm"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(note_texts(&env).contains(&"after the storm".to_string()));
    assert_status_reads(&env, "at the end");
    let raw = std::fs::read_to_string(journal(&env, &id)).unwrap();
    assert!(raw.ends_with("\n"));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_torn_line_is_skipped_with_a_warning() {
    let env = TestEnv::new();
    let id = env.declare("Torn", &["--sev", "1"]);
    let path = journal(&env, &id);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(br#"{"at":"2026-11-26T03:00:00Z","by":"tester","event":"note","text":"half a li"#)
        .unwrap();
    drop(f);

    let out = env.inc().arg("status").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("skipped unreadable line 2"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("skipped"),
        "warnings stay off stdout: {stdout}"
    );
    assert!(stdout.contains("SEV-1"), "{stdout}");

    let out = env.inc().args(["status", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value =
        serde_json::from_slice(&out.stdout).expect("stdout is still one JSON document");
    assert_eq!(doc["incident"]["notes"], 0);

    // The next write starts on a fresh line, and reads back.
    let out = env.inc().args(["note", "after the tear"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(note_texts(&env), ["after the tear"]);
    let raw = std::fs::read_to_string(&path).unwrap();
    let last = raw.lines().last().unwrap();
    let event: Value = serde_json::from_str(last).expect("the new note is a whole line");
    assert_eq!(event["text"], "after the tear");
    assert_status_reads(&env, "after the tear");

    // Other readers cope too.
    for args in [&["list"][..], &["show"], &["timeline"]] {
        let out = env.inc().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
    }
}

#[test]
fn garbage_in_the_middle_is_skipped() {
    let env = TestEnv::new();
    let id = env.declare("Garbage", &[]);
    let path = journal(&env, &id);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(
        b"\x00\x00not json at all\n{\"event\":\"unknown_kind\",\"at\":\"2026-11-26T03:00:00Z\"}\n",
    )
    .unwrap();
    drop(f);
    let out = env.inc().args(["note", "still works"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(note_texts(&env), ["still works"]);
    let out = env.inc().arg("status").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("skipped unreadable line 2"), "{stderr}");
    assert!(stderr.contains("skipped unreadable line 3"), "{stderr}");
}

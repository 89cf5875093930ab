//! `inc email` against a REAL SMTP server (aiosmtpd) on 127.0.0.1, started by the harness
//! (tests/common/smtp.rs). These tests fail, never skip, when the server cannot be started.

mod common;

use std::process::Output;

use common::cmd::TestEnv;
use common::smtp::{SmtpServer, free_port};
use serde_json::Value;

const PASSWORD: &str = "smtp-Secret-0123456789";

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn run(env: &TestEnv, when: &str, args: &[&str]) -> Output {
    env.inc()
        .env("INC_NOW", format!("2026-11-26T{when}Z"))
        .args(args)
        .output()
        .expect("run inc")
}

#[track_caller]
fn ok(o: Output) -> Output {
    let (out, err) = text(&o);
    assert!(o.status.success(), "failed: {:?}\n{out}\n{err}", o.status);
    o
}

fn config(smtp_url: &str, extra: &str) -> String {
    format!(
        "[delivery]\ntimeout = \"5s\"\nretry_for = \"3s\"\nbackoff = \"100ms\"\n\n\
         [email]\nsmtp_url = \"{smtp_url}\"\nfrom = \"incidents@example.com\"\nto = [\"eng-all@example.com\"]\n{extra}"
    )
}

/// A resolved SEV-1 with a TODO and a post-mortem file.
fn incident(env: &TestEnv, extra: &[&str]) -> String {
    let mut declare = vec![
        "declare",
        "Checkout returns 500s",
        "--sev",
        "2",
        "--ic",
        "ann@example.com",
        "-q",
    ];
    declare.extend(extra);
    let o = ok(run(env, "03:04:00", &declare));
    let id = text(&o).0.trim().to_string();
    ok(run(env, "03:20:00", &["sev", "1"]));
    ok(run(env, "03:30:00", &["todo", "Alert on queue depth"]));
    ok(run(env, "04:47:00", &["resolve"]));
    id
}

/// No secret anywhere inc writes: outputs, journal, outbox.
#[track_caller]
fn assert_no_secret(env: &TestEnv, outputs: &[&Output], secret: &str) {
    for o in outputs {
        let (out, err) = text(o);
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "secret printed"
        );
    }
    for f in env.state_files() {
        let body = std::fs::read_to_string(&f).unwrap_or_default();
        assert!(!body.contains(secret), "secret in {}", f.display());
    }
}

#[test]
fn internal_email_after_the_call_with_auth_and_the_postmortem_link() {
    let server = SmtpServer::with_auth("incbot", PASSWORD);
    let mut env = TestEnv::with_config(&config(&server.url(), "username = \"incbot\"\n"));
    env.set("INC_SMTP_PASSWORD", PASSWORD);
    let id = incident(&env, &[]);
    let pm = ok(run(
        &env,
        "05:00:00",
        &["postmortem", "new", "--owner", "ann@example.com"],
    ));
    let o = ok(run(&env, "05:10:00", &["email", "--json"]));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert_eq!(doc["deliveries"][0]["provider"], "email");
    assert_eq!(doc["deliveries"][0]["ok"], true);
    assert_eq!(
        doc["email"]["subject"],
        "SEV-1 incident resolved: Checkout returns 500s"
    );
    let got = server.settled();
    assert_eq!(got.len(), 1, "{got:?}");
    let m = &got[0];
    assert_eq!(
        m["subject"],
        "SEV-1 incident resolved: Checkout returns 500s"
    );
    assert_eq!(m["from"], "incidents@example.com");
    assert_eq!(m["to"], "eng-all@example.com");
    assert_eq!(m["content_type"], "text/plain");
    let mid = m["message_id"].as_str().unwrap();
    assert!(
        mid.starts_with(&format!("<inc.inc-{id}-email-call-")),
        "{mid}"
    );
    assert!(mid.ends_with("@example.com>"), "{mid}");
    assert!(
        m["date"].as_str().unwrap().contains("26 Nov 2026 05:10:00"),
        "{m}"
    );
    let body = m["body"].as_str().unwrap();
    for want in [
        "SEV-1 incident \"Checkout returns 500s\"",
        &id,
        "between 03:04 and 04:47 UTC on 2026-11-26 (1h43m)",
        "87 min at SEV-1 and 16 min at SEV-2",
        "Incident Commander: ann@example.com",
        &format!(
            "Post-mortem: {}",
            env.home
                .path()
                .join(format!("postmortems/{id}.md"))
                .display()
        ),
        "1. Alert on queue depth",
    ] {
        assert!(body.contains(want), "missing {want:?} in:\n{body}");
    }
    // Journaled on the incident.
    let tl = env.json(&["timeline"]);
    assert_eq!(
        tl["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == "delivery" && e["provider"] == "email" && e["ok"] == true)
            .count(),
        1,
        "{tl}"
    );
    // A local file is not a link others can open: said on stderr.
    let o2 = ok(run(
        &env,
        "05:11:00",
        &["email", "--to", "sre@example.com,support@example.com"],
    ));
    assert!(text(&o2).1.contains("local file"), "{}", text(&o2).1);
    let got = server.settled();
    assert_eq!(got.len(), 2, "one message per run: {got:?}");
    assert_eq!(got[1]["to"], "sre@example.com, support@example.com");
    assert_ne!(
        got[0]["message_id"], got[1]["message_id"],
        "a new email, a new Message-ID"
    );
    assert_no_secret(&env, &[&pm, &o, &o2], PASSWORD);
}

#[test]
fn after_meeting_needs_a_postmortem() {
    let server = SmtpServer::start();
    let env = TestEnv::with_config(&config(&server.url(), ""));
    incident(&env, &[]);
    let o = run(&env, "05:00:00", &["email", "--after", "meeting"]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("inc postmortem new"), "{}", text(&o).1);
    ok(run(
        &env,
        "05:00:00",
        &["postmortem", "new", "--owner", "ann"],
    ));
    ok(run(&env, "09:00:00", &["email", "--after", "meeting"]));
    let got = server.settled();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0]["subject"],
        "SEV-1 post-mortem: Checkout returns 500s"
    );
    let body = got[0]["body"].as_str().unwrap();
    assert!(body.contains("has been reviewed"), "{body}");
    assert!(body.contains("Action items (1):"), "{body}");
}

#[test]
fn security_incident_subject_and_recipients() {
    let server = SmtpServer::start();
    let env = TestEnv::with_config(&config(&server.url(), ""));
    let id = incident(&env, &["--security"]);
    // Outside the sender's domain: refused (inc cannot encrypt), nothing sent.
    let o = run(
        &env,
        "05:00:00",
        &["email", "--to", "eng@example.com,lawyer@other.example"],
    );
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(
        text(&o).1.contains("lawyer@other.example"),
        "{}",
        text(&o).1
    );
    assert_eq!(server.settled().len(), 0);
    ok(run(&env, "05:00:00", &["email"]));
    let got = server.settled();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["subject"], "Attorney Work Project");
    let body = got[0]["body"].as_str().unwrap();
    assert!(body.starts_with("Attorney Work Project"), "{body}");
    assert!(
        !body.contains("Checkout returns 500s"),
        "the codename, not the title:\n{body}"
    );
    assert!(body.contains(&id), "{body}");
    // --force sends outside the domain.
    ok(run(
        &env,
        "05:01:00",
        &["email", "--force", "--to", "lawyer@other.example"],
    ));
    assert_eq!(server.settled().len(), 2);
}

#[test]
fn undelivered_mail_goes_to_the_outbox_without_the_password() {
    let port = free_port();
    let url = format!("smtp://127.0.0.1:{port}");
    let mut env = TestEnv::with_config(&config(&url, ""));
    env.set("INC_SMTP_PASSWORD", PASSWORD);
    incident(&env, &[]);
    let o = run(&env, "05:00:00", &["email", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert_eq!(doc["deliveries"][0]["ok"], false);
    assert!(
        doc["deliveries"][0]["attempts"].as_u64().unwrap() >= 2,
        "retried: {doc}"
    );
    let list = env.json(&["outbox", "list"]);
    let entries = list["outbox"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{list}");
    assert_eq!(entries[0]["delivery"]["request"]["kind"], "email");
    assert_eq!(
        entries[0]["delivery"]["request"]["subject"],
        "SEV-1 incident resolved: Checkout returns 500s"
    );
    // The server comes up: `inc outbox retry` delivers the same message (the SMTP user
    // defaults to the sender's address).
    let server = SmtpServer::start_on(port, Some(("incidents@example.com", PASSWORD)));
    let r = ok(env.inc().args(["outbox", "retry"]).output().unwrap());
    let got = server.settled();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0]["message_id"],
        entries[0]["delivery"]["request"]["message_id"]
    );
    assert!(
        env.json(&["outbox", "list"])["outbox"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_no_secret(&env, &[&o, &r], PASSWORD);
}

#[test]
fn wrong_password_is_a_credential_error() {
    let server = SmtpServer::with_auth("incbot", PASSWORD);
    let mut env = TestEnv::with_config(&config(&server.url(), "username = \"incbot\"\n"));
    env.set("INC_SMTP_PASSWORD", "not-the-password-42");
    incident(&env, &[]);
    let o = run(&env, "05:00:00", &["email"]);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let err = text(&o).1;
    assert!(err.contains("535"), "{err}");
    assert!(err.contains("INC_SMTP_PASSWORD"), "{err}");
    assert_eq!(server.settled().len(), 0);
    assert_no_secret(&env, &[&o], "not-the-password-42");
    // A username with no password anywhere: a configuration error naming the variable and
    // `inc doctor`, nothing sent or queued.
    env.vars.retain(|(k, _)| k != "INC_SMTP_PASSWORD");
    let queued = env.json(&["outbox", "list"])["outbox"]
        .as_array()
        .unwrap()
        .len();
    let o = run(&env, "05:01:00", &["email"]);
    assert_eq!(o.status.code(), Some(78), "{:?}", text(&o));
    let err = text(&o).1;
    assert!(err.contains("$INC_SMTP_PASSWORD is not set"), "{err}");
    assert!(err.contains("inc doctor"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(
        env.json(&["outbox", "list"])["outbox"]
            .as_array()
            .unwrap()
            .len(),
        queued,
        "nothing queued"
    );
    // password_cmd is honoured.
    env.write_config(&config(
        &server.url(),
        &format!("username = \"incbot\"\npassword_cmd = \"echo {PASSWORD}\"\n"),
    ));
    ok(run(&env, "05:02:00", &["email"]));
    assert_eq!(server.settled().len(), 1);
}

#[test]
fn bad_input_and_config_send_nothing() {
    let server = SmtpServer::start();
    let env = TestEnv::with_config(&config(&server.url(), ""));
    incident(&env, &[]);
    for (args, code, want) in [
        (vec!["email", "--to", "not an address"], 2, "--to"),
        (vec!["email", "--after", "lunch"], 2, "--after"),
    ] {
        let o = run(&env, "05:00:00", &args);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {:?}", text(&o));
        assert!(text(&o).1.contains(want), "{args:?}: {}", text(&o).1);
    }
    let before = env.state_files();
    for (cfg, want) in [
        (
            config("smtp://u:hunter2@127.0.0.1:25", ""),
            "email.smtp_url",
        ),
        (config("http://127.0.0.1:25", ""), "email.smtp_url"),
        (config("smtp://127.0.0.1:25?tls=none", ""), "email.smtp_url"),
        (
            "[email]\nsmtp_url = \"smtp://127.0.0.1:25\"\n".to_string(),
            "email.from",
        ),
        ("".to_string(), "[email]"),
        (
            format!(
                "[email]\nsmtp_url = \"{}\"\nfrom = \"x@example.com\"\n",
                server.url()
            ),
            "--to",
        ),
    ] {
        env.write_config(&cfg);
        let o = run(&env, "05:00:00", &["email"]);
        let code = if want == "--to" { 2 } else { 78 };
        assert_eq!(o.status.code(), Some(code), "{cfg}: {:?}", text(&o));
        assert!(text(&o).1.contains(want), "{cfg}: {}", text(&o).1);
        assert!(!text(&o).1.contains("hunter2"), "{}", text(&o).1);
    }
    // --dry-run prints the message and sends and writes nothing.
    env.write_config(&config(&server.url(), ""));
    let o = ok(run(&env, "05:00:00", &["email", "--dry-run"]));
    let out = text(&o).0;
    assert!(
        out.contains("Subject: SEV-1 incident resolved: Checkout returns 500s"),
        "{out}"
    );
    assert!(out.contains("To: eng-all@example.com"), "{out}");
    assert_eq!(env.state_files(), before);
    assert_eq!(server.settled().len(), 0);
}

#[test]
fn doctor_connects_and_says_where_the_password_comes_from() {
    let server = SmtpServer::with_auth("incidents@example.com", PASSWORD);
    let mut env = TestEnv::with_config(&config(&server.url(), ""));
    env.set("INC_SMTP_PASSWORD", PASSWORD);
    let o = env.inc().args(["doctor", "--json"]).output().unwrap();
    let doc: Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    let check = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "email")
        .unwrap_or_else(|| panic!("no email check: {doc}"))
        .clone();
    assert_eq!(check["ok"], true, "{check}");
    let detail = check["detail"].as_str().unwrap();
    assert!(detail.contains("plain SMTP to loopback"), "{detail}");
    assert!(
        detail.contains("password from $INC_SMTP_PASSWORD"),
        "{detail}"
    );
    assert_no_secret(&env, &[&o], PASSWORD);
    assert_eq!(server.settled().len(), 0, "doctor sends nothing");
    // Nothing listening: the check fails.
    env.write_config(&config(&format!("smtp://127.0.0.1:{}", free_port()), ""));
    let o = env.inc().args(["doctor", "--json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["check"] == "email" && c["ok"] == false),
        "{doc}"
    );
}

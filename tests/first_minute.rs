//! What a responder meets in the first minute: `inc` alone (the open incident on a terminal,
//! else the short help; exit 0), the timeline as people read it (delivery records only with
//! `--all`, channels and rooms by name), and the progress spinner on a slow provider (on a real
//! terminal under tmux; never with `--json`, `-q` or a pipe).

mod common;

use std::process::Output;
use std::time::{Duration, Instant};

use common::cmd::{TestEnv, json, run, text};
use common::pagerduty::{self, FakePd};
use common::slack::{FakeSlack, TOKEN as SLACK_TOKEN};
use common::tmux::Tmux;
use common::tools::require_tmux;
use common::webhooks::{FakeHook, Kind, TEAMS_ENV};
use serde_json::Value;

#[track_caller]
fn ok(o: &Output) -> String {
    let (out, err) = text(o);
    assert!(o.status.success(), "exit {:?}\n{out}\n{err}", o.status);
    out
}

fn bare(env: &TestEnv, tty: bool, extra: &[&str]) -> Output {
    let mut cmd = env.inc();
    if tty {
        cmd.env("INC_FORCE_TTY", "1");
    }
    cmd.args(extra).output().expect("run inc")
}

// ---------------------------------------------------------------- inc alone

#[test]
fn inc_alone_is_the_open_incident_on_a_terminal_else_the_short_help() {
    let env = TestEnv::new();
    // No incident: the short help, on stdout, exit 0 (it used to be usage and exit 2).
    for tty in [false, true] {
        let o = bare(&env, tty, &[]);
        let out = ok(&o);
        assert!(out.contains("Usage: inc [OPTIONS] [COMMAND]"), "{out}");
        assert!(out.contains("page-ic"), "{out}");
        assert!(!out.contains("Exit codes:"), "the short help: {out}");
    }
    let id = env.declare("Checkout returns 500s", &["--ic", "ann@example.com"]);
    // On a terminal with an open incident: what `inc status` shows.
    let status = ok(&env
        .inc()
        .env("INC_FORCE_TTY", "1")
        .arg("status")
        .output()
        .unwrap());
    let o = bare(&env, true, &[]);
    let out = ok(&o);
    assert!(
        out.contains(&id) && out.contains("Checkout returns 500s"),
        "{out}"
    );
    assert!(
        out.contains("SEV-2") && out.contains("ann@example.com"),
        "{out}"
    );
    let first = |s: &str| s.lines().take(4).collect::<Vec<_>>().join("\n");
    assert_eq!(first(&out), first(&status));
    assert!(!out.contains("Usage:"), "{out}");
    // `--json` on a terminal: the status document.
    let doc: Value = serde_json::from_slice(&bare(&env, true, &["--json"]).stdout).unwrap();
    assert_eq!(doc["incident"]["id"], id.as_str());
    // In a pipe (a script), the help, even with an open incident.
    let out = ok(&bare(&env, false, &[]));
    assert!(out.contains("Usage:"), "{out}");
    // Once the incident is resolved, the help again.
    ok(&env.inc().args(["resolve", "-q"]).output().unwrap());
    let out = ok(&bare(&env, true, &[]));
    assert!(out.contains("Usage:"), "{out}");
}

#[test]
fn inc_alone_on_a_real_terminal_shows_the_incident() {
    require_tmux();
    let env = TestEnv::new();
    let id = env.declare("Search is slow", &[]);
    let tmux = Tmux::start(&env, "inc");
    assert_eq!(tmux.exit_code(), 0, "{}", tmux.screen());
    let screen = tmux.screen();
    assert!(
        screen.contains(&id) && screen.contains("Search is slow"),
        "{screen}"
    );
    assert!(screen.contains("elapsed"), "{screen}");
}

// ---------------------------------------------------------------- the timeline

/// The rows of `inc timeline` piped (tab-separated: time, event, by, what).
fn rows(out: &str) -> Vec<Vec<String>> {
    out.lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_timeline_shows_what_people_read_and_all_adds_the_delivery_records() {
    let pd = FakePd::start().await;
    let slack = FakeSlack::start().await;
    let mut env = TestEnv::with_config(&format!(
        "{}\n[slack]\napi_url = \"{}\"\nper_incident_channel = true\nchannel_prefix = \"inc-\"\n",
        pd.config(""),
        slack.api_url()
    ));
    env.set("PAGERDUTY_TOKEN", pagerduty::TOKEN)
        .set("SLACK_BOT_TOKEN", SLACK_TOKEN);
    ok(&run(&env, &["page-ic"]).await);
    ok(&run(
        &env,
        &["declare", "Checkout errors", "--sev", "2", "--ic", "me"],
    )
    .await);
    ok(&run(
        &env,
        &["note", "Rolled back deploy 4411", "--type", "action"],
    )
    .await);
    ok(&run(&env, &["sev", "1"]).await);
    let page = pd.incidents()[0]["id"].as_str().unwrap().to_string();
    pd.acknowledge(&page, "Ann Primary");
    ok(&run(&env, &["status"]).await);
    ok(&run(
        &env,
        &[
            "notify-exec",
            "--summary",
            "Checkout errors for 20% of EU users",
            "--actions",
            "rolling back",
            "--impact",
            "EU card payments fail",
            "--eta",
            "20 min",
        ],
    )
    .await);

    let read = rows(&ok(&run(&env, &["timeline"]).await));
    let kinds: Vec<&str> = read.iter().map(|r| r[1].as_str()).collect();
    for k in [
        "page",
        "declared",
        "role",
        "note",
        "severity",
        "acknowledged",
        "exec update",
    ] {
        assert!(kinds.contains(&k), "no {k} row: {read:?}");
    }
    assert!(
        !kinds
            .iter()
            .any(|k| matches!(*k, "delivery" | "linked" | "posted")),
        "{read:?}"
    );
    let note = read.iter().find(|r| r[1] == "note").unwrap();
    assert_eq!(note[3], "ACTION: Rolled back deploy 4411");
    let pages: Vec<_> = read.iter().filter(|r| r[1] == "page").collect();
    assert_eq!(pages.len(), 1, "the IC page, once: {read:?}");
    assert!(
        pages[0][3].starts_with("IC page via pagerduty"),
        "{pages:?}"
    );

    // --all: the delivery records too, the channel by its name.
    let all = rows(&ok(&run(&env, &["timeline", "--all"]).await));
    let deliveries: Vec<_> = all.iter().filter(|r| r[1] == "delivery").collect();
    assert!(deliveries.len() > 5, "{all:?}");
    let channel = slack.channels()[0].clone();
    let topic = deliveries
        .iter()
        .find(|r| r[3].starts_with("slack set_topic"))
        .expect("a topic row");
    assert!(
        topic[3].contains(&format!("#{}", channel.name)),
        "{topic:?}"
    );
    assert!(
        !deliveries.iter().any(|r| r[3].contains(&channel.id)),
        "a channel id where its name is known: {deliveries:?}"
    );
    assert_eq!(
        all.len(),
        read.len() + deliveries.len() + count(&all, "linked")
    );

    // --json: every event, as before (the delivery records with their ids).
    let doc = json(&run(&env, &["timeline", "--json"]).await);
    let events = doc["timeline"].as_array().unwrap();
    let json_deliveries = events.iter().filter(|e| e["event"] == "delivery").count();
    assert_eq!(json_deliveries, deliveries.len() + pages.len());
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "delivery" && e["target"] == channel.id.as_str()),
        "JSON keeps the ids"
    );
    pd.assert_clean();
    slack.assert_clean();
}

fn count(rows: &[Vec<String>], kind: &str) -> usize {
    rows.iter().filter(|r| r[1] == kind).count()
}

// ---------------------------------------------------------------- the spinner

/// A config whose only provider is a Teams webhook that answers after `delay`.
async fn slow_teams(delay: Duration) -> (FakeHook, TestEnv) {
    let teams = FakeHook::start(Kind::Teams).await;
    teams.set_delay(delay);
    let mut env = TestEnv::with_config(&format!(
        "[delivery]\ntimeout = \"10s\"\n\n[webhooks]\nteams = {{ url_env = \"{TEAMS_ENV}\" }}\n"
    ));
    env.set(TEAMS_ENV, &teams.url());
    (teams, env)
}

const WAITING: &str = "posting to Teams…";

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_provider_shows_what_inc_waits_for_then_clears_it() {
    require_tmux();
    let (teams, env) = slow_teams(Duration::from_secs(2)).await;
    env.declare("Checkout errors", &[]);
    let tmux = Tmux::start(&env, "inc note 'Rolled back deploy 4411'");
    let started = Instant::now();
    let screen = tmux.wait_for("the spinner", |s| s.contains(WAITING));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "shown while waiting: {screen}"
    );
    let line = screen.lines().find(|l| l.contains(WAITING)).unwrap();
    assert!(
        !line.starts_with(WAITING),
        "a spinner before the words: {line:?}"
    );
    assert_eq!(tmux.exit_code(), 0, "{}", tmux.screen());
    let screen = tmux.screen();
    assert!(!screen.contains(WAITING), "cleared when done:\n{screen}");
    assert!(
        screen.contains("✔ teams"),
        "the result, after the spinner:\n{screen}"
    );
    assert_eq!(teams.posts().len(), 2, "the declaration and the note");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_spinner_in_json_quiet_or_a_pipe() {
    require_tmux();
    let (teams, env) = slow_teams(Duration::from_millis(1500)).await;
    env.declare("Checkout errors", &[]);
    for script in [
        "inc note 'as JSON' --json",
        "inc note 'quietly' -q",
        "inc note 'into a pipe' | cat",
    ] {
        let tmux = Tmux::start(&env, script);
        let deadline = Instant::now() + Duration::from_secs(10);
        // Watch the whole wait: the spinner never shows.
        while !tmux.screen().contains("EXIT:") {
            let screen = tmux.screen();
            assert!(!screen.contains(WAITING), "{script}:\n{screen}");
            assert!(Instant::now() < deadline, "{script} never ended:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(tmux.exit_code(), 0, "{script}: {}", tmux.screen());
    }
    // Without a terminal at all (stderr captured): nothing but the result.
    let o = run(&env, &["note", "from a script"]).await;
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("posting to") && !err.contains('⠋'), "{err:?}");
    assert_eq!(teams.posts().len(), 5);
}

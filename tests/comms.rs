//! Public communication on the status page (`inc comms`, and the public side of `status` and
//! `resolve`) against a fake Statuspage that validates every request against the official
//! description and checks the `OAuth` key.

mod common;

use std::process::Output;
use std::time::{Duration, Instant};

use common::cmd::{TestEnv, json, run, text};
use common::statuspage::{FakeStatuspage, Fault, KEY, PAGE};
use serde_json::Value;

#[track_caller]
fn ok(o: &Output) {
    let (out, err) = text(o);
    assert!(o.status.success(), "exit {:?}\n{out}\n{err}", o.status);
}

const DELIVERY: &str = "[delivery]\ntimeout = \"1s\"\nretry_for = \"6s\"\nbackoff = \"50ms\"\n\n";

fn env_for(sp: &FakeStatuspage, extra: &str) -> TestEnv {
    let mut env = TestEnv::with_config(&format!("{DELIVERY}{}", sp.config(extra)));
    env.set("STATUSPAGE_API_KEY", KEY);
    env
}

fn updates(inc: &Value) -> Vec<(String, String)> {
    let mut u: Vec<(String, String)> = inc["incident_updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["status"].as_str().unwrap().to_string(),
                u["body"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    u.reverse(); // oldest first
    u
}

fn comms_events(env: &TestEnv) -> Vec<Value> {
    env.json(&["timeline"])["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "comms")
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_public_life_cycle_is_one_incident_with_four_updates() {
    let sp = FakeStatuspage::start().await;
    let env = env_for(&sp, "");
    let id = env.declare("Checkout errors", &["--sev", "1"]);

    let o = run(
        &env,
        &[
            "comms",
            "investigating",
            "--component",
            "api=major_outage",
            "--impact",
            "major",
            "--yes",
            "--json",
        ],
    )
    .await;
    ok(&o);
    let doc = json(&o);
    assert_eq!(doc["deliveries"][0]["provider"], "statuspage");
    assert_eq!(doc["deliveries"][0]["action"], "create_incident");
    assert_eq!(doc["public"]["new"], true);
    assert_eq!(doc["public"]["url"], "https://stspg.io/spinc001");
    assert!(doc["next_update_due"].is_string(), "{doc}");
    let incs = sp.incidents();
    assert_eq!(incs.len(), 1);
    assert_eq!(incs[0]["status"], "investigating");
    assert_eq!(incs[0]["name"], "Checkout errors");
    assert_eq!(incs[0]["impact"], "major");
    assert_eq!(incs[0]["metadata"]["inc"]["id"], id.as_str());
    assert_eq!(sp.component("api"), "major_outage");
    assert!(
        updates(&incs[0])[0].1.contains("api"),
        "the template names the component: {:?}",
        updates(&incs[0])
    );

    let o = run(
        &env,
        &[
            "comms",
            "identified",
            "A bad deploy broke card payments; we are rolling it back.",
            "--component",
            "web=degraded",
            "--yes",
        ],
    )
    .await;
    ok(&o);
    assert!(
        text(&o).0.contains("Public update posted (identified)"),
        "{}",
        text(&o).0
    );
    assert!(
        text(&o).0.contains("Next public update due by"),
        "{}",
        text(&o).0
    );
    assert_eq!(sp.component("web"), "degraded_performance");
    ok(&run(&env, &["comms", "monitoring", "--yes"]).await);
    let o = run(&env, &["comms", "resolved", "--yes"]).await;
    ok(&o);
    assert!(
        text(&o).0.contains("Public incident resolved"),
        "{}",
        text(&o).0
    );

    let incs = sp.incidents();
    assert_eq!(
        incs.len(),
        1,
        "one public incident for the whole life-cycle"
    );
    assert_eq!(sp.count(&format!("POST /pages/{PAGE}/incidents")), 1);
    let u = updates(&incs[0]);
    let stages: Vec<&str> = u.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        stages,
        ["investigating", "identified", "monitoring", "resolved"]
    );
    assert_eq!(
        u[1].1,
        "A bad deploy broke card payments; we are rolling it back."
    );
    assert_eq!(incs[0]["status"], "resolved");
    // Resolving sets every component the incident touched back to operational.
    assert_eq!(sp.component("api"), "operational");
    assert_eq!(sp.component("web"), "operational");

    // The journal: four "went public" moments, in the timeline and in show.
    let events = comms_events(&env);
    let stages: Vec<&str> = events
        .iter()
        .map(|e| e["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        ["investigating", "identified", "monitoring", "resolved"]
    );
    assert!(events.iter().all(|e| e["public_id"] == "spinc001"));
    let o = run(&env, &["timeline"]).await;
    assert!(
        text(&o).0.contains("went public (investigating)"),
        "{}",
        text(&o).0
    );
    let o = run(&env, &["show"]).await;
    assert!(text(&o).0.contains("resolved since"), "{}", text(&o).0);
    let st = env.json(&["status"]);
    assert_eq!(st["public"]["stage"], "resolved");
    assert_eq!(st["public"]["posts"], 4);
    assert!(st["public"]["next_update_due"].is_null());
    // Re-running a stage after the resolution opens no second public incident.
    for stage in ["resolved", "investigating"] {
        let o = run(&env, &["comms", stage, "--yes"]).await;
        assert_eq!(o.status.code(), Some(2), "{stage}: {}", text(&o).1);
        assert!(text(&o).1.contains("already closed"), "{}", text(&o).1);
    }
    assert_eq!(sp.incidents().len(), 1);

    // The key is sent as `OAuth <key>` and is never written anywhere.
    assert!(
        sp.state
            .lock()
            .unwrap()
            .auth_seen
            .iter()
            .all(|a| a == &format!("OAuth {KEY}"))
    );
    for f in env.state_files() {
        assert!(
            !std::fs::read_to_string(&f)
                .unwrap_or_default()
                .contains(KEY),
            "{f:?}"
        );
    }
    sp.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rerun_never_opens_a_second_public_incident() {
    let sp = FakeStatuspage::start().await;
    let env = env_for(&sp, "");
    env.declare("API latency", &[]);
    ok(&run(&env, &["comms", "investigating", "--yes"]).await);
    let o = run(
        &env,
        &[
            "comms",
            "investigating",
            "We are still looking.",
            "--yes",
            "--json",
        ],
    )
    .await;
    ok(&o);
    assert_eq!(json(&o)["deliveries"][0]["action"], "update_incident");
    assert_eq!(sp.incidents().len(), 1);
    assert_eq!(updates(&sp.incidents()[0]).len(), 2);
    sp.assert_clean();

    // The create landed but its answer was lost: the retry finds the incident by its marker.
    let sp = FakeStatuspage::start().await;
    let env = env_for(&sp, "");
    env.declare("Queue stuck", &[]);
    sp.fault(Fault::SlowAfterWrite(Duration::from_millis(2500)));
    let o = run(&env, &["comms", "investigating", "--yes", "--json"]).await;
    ok(&o);
    let doc = json(&o);
    assert!(
        doc["deliveries"][0]["attempts"].as_u64().unwrap() >= 2,
        "{doc}"
    );
    assert_eq!(sp.incidents().len(), 1, "exactly one public incident");
    assert_eq!(updates(&sp.incidents()[0]).len(), 1, "and the update once");
    assert_eq!(doc["public"]["id"], "spinc001");
    // The journal knows the incident, so the next stage updates it.
    ok(&run(&env, &["comms", "identified", "--yes"]).await);
    assert_eq!(sp.incidents().len(), 1);
    assert_eq!(updates(&sp.incidents()[0]).len(), 2);
    sp.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incident_opened_by_hand_with_the_same_name_is_updated() {
    let sp = FakeStatuspage::start().await;
    let env = env_for(&sp, "");
    env.declare("Login failures", &[]);
    sp.state.lock().unwrap().incidents.push(serde_json::json!({
        "id": "byhand1", "name": "Login failures", "status": "investigating", "impact": "minor",
        "shortlink": "https://stspg.io/byhand1", "created_at": "2026-11-26T03:01:00Z",
        "metadata": {}, "components": [],
        "incident_updates": [{ "id": "u0", "status": "investigating", "body": "Looking into it", "created_at": "2026-11-26T03:01:00Z" }],
    }));
    let o = run(
        &env,
        &["comms", "identified", "We know why logins fail.", "--yes"],
    )
    .await;
    ok(&o);
    assert!(
        text(&o)
            .0
            .contains("already open since 2026-11-26T03:01:00Z"),
        "{}",
        text(&o).0
    );
    assert_eq!(sp.incidents().len(), 1);
    assert_eq!(updates(&sp.incidents()[0]).len(), 2);
    assert_eq!(comms_events(&env)[0]["public_id"], "byhand1");
    sp.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn retract_removes_the_post_and_calls_to_the_page_are_serialised() {
    let sp = FakeStatuspage::start().await;
    let env = env_for(&sp, "").tap_config(&sp, "min_interval = \"300ms\"\n");
    env.declare("False alarm?", &[]);
    // Nothing to retract yet: exit 2, nothing sent.
    let o = run(&env, &["comms", "retract", "--yes"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", text(&o).1);
    assert_eq!(sp.count(""), 0);
    ok(&run(
        &env,
        &[
            "comms",
            "investigating",
            "--component",
            "api=partial",
            "--component",
            "web=major",
            "--yes",
        ],
    )
    .await);
    assert_eq!(sp.component("web"), "major_outage");
    sp.state.lock().unwrap().log.clear();
    sp.state.lock().unwrap().latency = Duration::from_millis(150);
    let start = Instant::now();
    let o = run(&env, &["comms", "retract", "--yes", "--json"]).await;
    ok(&o);
    let doc = json(&o);
    let actions: Vec<&str> = doc["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["delete_incident", "set_component", "set_component"]
    );
    assert!(sp.incidents().is_empty(), "the ephemeral post is gone");
    assert_eq!(sp.state.lock().unwrap().deleted.len(), 1);
    assert_eq!(sp.component("api"), "operational");
    assert_eq!(sp.component("web"), "operational");
    // Three calls, one at a time, 300 ms apart: the 1 request/s rule with the test's interval.
    sp.assert_serialised(Duration::from_millis(300));
    assert!(start.elapsed() >= Duration::from_millis(600));
    let events = comms_events(&env);
    assert_eq!(events.last().unwrap()["stage"], "retract");
    let o = run(&env, &["timeline"]).await;
    assert!(
        text(&o).0.contains("public post removed (false alarm)"),
        "{}",
        text(&o).0
    );
    // Nothing is open any more.
    let o = run(&env, &["comms", "retract", "--yes"]).await;
    assert_eq!(o.status.code(), Some(2));
    sp.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn retract_with_close_resolves_the_post_with_the_template() {
    let sp = FakeStatuspage::start().await;
    let env = env_for(&sp, "");
    env.declare("Maybe nothing", &[]);
    ok(&run(&env, &["comms", "investigating", "--yes"]).await);
    ok(&run(&env, &["comms", "retract", "--close", "--yes"]).await);
    let incs = sp.incidents();
    assert_eq!(incs.len(), 1);
    assert_eq!(incs[0]["status"], "resolved");
    assert!(
        updates(&incs[0])[1].1.contains("false alarm"),
        "{:?}",
        updates(&incs[0])
    );
    sp.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_security_incident_refuses_without_force() {
    let sp = FakeStatuspage::start().await;
    let env = env_for(&sp, "");
    env.declare("Leaked credentials", &["--security"]);
    let o = run(&env, &["comms", "investigating", "--yes"]).await;
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("security incident") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(sp.count(""), 0, "nothing sent");
    assert!(comms_events(&env).is_empty(), "nothing journaled");
    let o = run(
        &env,
        &[
            "comms",
            "investigating",
            "We are investigating a security issue.",
            "--force",
            "--yes",
        ],
    )
    .await;
    ok(&o);
    let incs = sp.incidents();
    assert_eq!(incs.len(), 1);
    // A security statement carries its date in the title.
    let name = incs[0]["name"].as_str().unwrap();
    assert!(name.starts_with("Leaked credentials (20"), "{name}");
    sp.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn no_prompt_blocks_when_stdin_is_not_a_terminal() {
    let sp = FakeStatuspage::start().await;
    let env = env_for(&sp, "");
    env.declare("Slow search", &[]);
    let before = env.state_files();
    let start = Instant::now();
    let o = run(&env, &["comms", "investigating"]).await;
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(err.contains("approval") && err.contains("--yes"), "{err}");
    assert!(
        err.contains("New public incident"),
        "the preview is shown: {err}"
    );
    assert_eq!(sp.count(""), 0);
    assert_eq!(env.state_files(), before);
    // With --json the refusal is one JSON document too.
    let o = run(&env, &["comms", "investigating", "--json"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(json(&o)["error"]["exit_code"], 2);

    // resolve with an open public incident: a script must say what to post.
    ok(&run(&env, &["comms", "investigating", "--yes"]).await);
    let o = run(&env, &["resolve", "--final-sev", "2"]).await;
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--public-message"), "{err}");
    assert!(
        env.json(&["show"])["incident"]["resolved_at"].is_null(),
        "nothing written"
    );
    let o = run(
        &env,
        &[
            "resolve",
            "--final-sev",
            "2",
            "--public-message",
            "Search is fast again. No data was lost.",
            "--json",
        ],
    )
    .await;
    ok(&o);
    let doc = json(&o);
    assert_eq!(
        doc["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["action"] == "resolve_incident"
                && d["provider"] == "statuspage"
                && d["ok"] == true)
            .count(),
        1,
        "{doc}"
    );
    let incs = sp.incidents();
    assert_eq!(incs[0]["status"], "resolved");
    assert_eq!(
        updates(&incs[0])[1].1,
        "Search is fast again. No data was lost."
    );
    assert_eq!(comms_events(&env).last().unwrap()["stage"], "resolved");
    sp.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn status_says_when_the_next_public_update_is_due() {
    let sp = FakeStatuspage::start().await;
    let mut env = env_for(&sp, "");
    env.set("INC_NOW", "2026-11-26T03:00:00Z");
    env.declare("Payments down", &["--sev", "1"]);
    env.set("INC_NOW", "2026-11-26T03:03:00Z");
    ok(&run(&env, &["comms", "investigating", "--yes"]).await);
    env.set("INC_NOW", "2026-11-26T03:10:00Z");
    let st = env.json(&["status"]);
    assert_eq!(st["public"]["next_update_due"], "2026-11-26T03:23:00Z");
    assert_eq!(st["public"]["stage"], "investigating");
    let reminders = st["reminders"].to_string();
    assert!(!reminders.contains("public update"), "{reminders}");
    let o = run(&env, &["status"]).await;
    let line = text(&o)
        .0
        .lines()
        .find(|l| l.starts_with("next public update"))
        .map(str::to_string);
    assert!(
        line.is_some_and(|l| l.ends_with(" 2026-11-26 03:23 UTC")),
        "{}",
        text(&o).0
    );
    env.set("INC_NOW", "2026-11-26T03:30:00Z");
    let st = env.json(&["status"]);
    let reminders = st["reminders"].to_string();
    assert!(
        reminders.contains("public update due since 2026-11-26 03:23 UTC"),
        "{reminders}"
    );
    assert!(!reminders.contains("long-incident"), "{reminders}");
    env.set("INC_NOW", "2026-11-26T05:05:00Z");
    let st = env.json(&["status"]);
    assert!(
        st["reminders"].to_string().contains("long-incident"),
        "{st}"
    );
    // The long-incident template gives the next update time.
    let o = run(&env, &["comms", "identified", "--long", "--yes", "--json"]).await;
    ok(&o);
    let msg = json(&o)["message"].as_str().unwrap().to_string();
    assert!(
        msg.contains("longer than we hoped") && msg.contains("05:25 UTC"),
        "{msg}"
    );
    let st = env.json(&["status"]);
    assert_eq!(st["public"]["next_update_due"], "2026-11-26T05:25:00Z");
    sp.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_420_and_429_are_retried() {
    let sp = FakeStatuspage::start().await;
    let env = env_for(&sp, "");
    env.declare("Throttled", &[]);
    sp.fault(Fault::Status(420));
    sp.fault(Fault::Status(429));
    let o = run(&env, &["comms", "investigating", "--yes", "--json"]).await;
    ok(&o);
    let doc = json(&o);
    assert_eq!(doc["deliveries"][0]["attempts"], 3, "{doc}");
    assert_eq!(sp.incidents().len(), 1);
    sp.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn templates_come_from_the_config_and_bad_input_sends_nothing() {
    let sp = FakeStatuspage::start().await;
    let env = env_for(
        &sp,
        "\n[statuspage.templates]\ninvestigating = \"Custom: {title} is being looked at; next update by {next_update}.\"\n",
    );
    env.declare("Checkout errors", &[]);
    for (args, code, want) in [
        (
            vec!["comms", "investigating", "--component", "db=major", "--yes"],
            2,
            "--component db=major",
        ),
        (
            vec![
                "comms",
                "investigating",
                "--component",
                "api=on_fire",
                "--yes",
            ],
            2,
            "unknown status",
        ),
        (
            vec!["comms", "investigating", "--component", "api", "--yes"],
            2,
            "NAME=STATUS",
        ),
        (
            vec!["comms", "investigating", "", "--yes"],
            2,
            "MESSAGE is empty",
        ),
        (
            vec!["comms", "monitoring", "--close", "--yes"],
            2,
            "--close",
        ),
        (vec!["comms", "launched", "--yes"], 2, "launched"),
    ] {
        let o = run(&env, &args).await;
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    assert_eq!(sp.count(""), 0, "bad input sends nothing");
    let o = run(&env, &["comms", "investigating", "--yes", "--json"]).await;
    ok(&o);
    let body = &updates(&sp.incidents()[0])[0].1;
    assert!(
        body.starts_with("Custom: Checkout errors is being looked at; next update by "),
        "{body}"
    );

    let bad = env_for(
        &sp,
        "\n[statuspage.templates]\nresolved = \"Fixed by {eta}\"\n",
    );
    bad.declare("x", &[]);
    let o = run(&bad, &["comms", "resolved", "--yes"]).await;
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(78), "{err}");
    assert!(
        err.contains("statuspage.templates.resolved") && err.contains("{eta}"),
        "{err}"
    );
    sp.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_status_page_the_approved_message_is_shown_and_journaled() {
    let env = TestEnv::new();
    env.declare("Checkout errors", &[]);
    let o = run(&env, &["comms", "investigating", "--yes"]).await;
    ok(&o);
    let (out, _) = text(&o);
    assert!(out.contains("post it by hand"), "{out}");
    assert!(out.contains("We are investigating"), "{out}");
    let events = comms_events(&env);
    assert_eq!(events.len(), 1);
    assert!(events[0]["public_id"].is_null());
    ok(&run(&env, &["comms", "retract", "--yes"]).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_sends_and_writes_nothing_and_doctor_proves_the_key() {
    let sp = FakeStatuspage::start().await;
    let mut env = env_for(&sp, "");
    env.declare("Dry", &[]);
    let before = env.state_files();
    let o = run(
        &env,
        &[
            "comms",
            "investigating",
            "--component",
            "api=major",
            "--dry-run",
        ],
    )
    .await;
    ok(&o);
    assert!(
        text(&o)
            .0
            .contains("would send: statuspage create_incident"),
        "{}",
        text(&o).0
    );
    assert!(text(&o).0.contains("major_outage"), "{}", text(&o).0);
    assert_eq!(env.state_files(), before);
    assert_eq!(sp.count(""), 0);

    let doc = json(&run(&env, &["doctor", "--json"]).await);
    let row = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "statuspage")
        .unwrap()
        .clone();
    assert_eq!(row["ok"], true, "{doc}");
    assert!(
        row["detail"].as_str().unwrap().contains("Acme Status"),
        "{row}"
    );
    assert_eq!(sp.count(&format!("GET /pages/{PAGE}")), 1);

    let secret = "wrongStatuspageKey42";
    env.set("STATUSPAGE_API_KEY", secret);
    for args in [
        vec!["doctor", "-vvv"],
        vec!["comms", "investigating", "--yes", "-vvv"],
    ] {
        let o = run(&env, &args).await;
        let (out, err) = text(&o);
        assert!(!o.status.success(), "{args:?}");
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "{args:?} leaked the key"
        );
        assert!(
            format!("{out}{err}").contains("$STATUSPAGE_API_KEY"),
            "{args:?}: {out}{err}"
        );
    }
    for f in env.state_files() {
        assert!(
            !std::fs::read_to_string(&f)
                .unwrap_or_default()
                .contains(secret),
            "{f:?}"
        );
    }
    assert!(sp.incidents().is_empty());
}

/// Test-local helper: rewrite the env's config with extra `[statuspage]` keys.
trait TapConfig {
    fn tap_config(self, sp: &FakeStatuspage, extra: &str) -> Self;
}

impl TapConfig for TestEnv {
    fn tap_config(self, sp: &FakeStatuspage, extra: &str) -> Self {
        let cfg =
            format!("{DELIVERY}{}", sp.config(extra)).replace("min_interval = \"50ms\"\n", "");
        self.write_config(&cfg);
        self
    }
}

/// A real terminal (tmux) for the IC's approval; the script prints its exit code.
struct Term {
    socket: std::path::PathBuf,
    session: String,
}

impl Term {
    /// Runs `inc ARGS` in a fresh terminal with the env's variables; fails without tmux.
    fn start(env: &TestEnv, args: &str) -> Term {
        common::tools::require_tmux();
        let q = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let bin = assert_cmd::cargo::cargo_bin("inc");
        let mut vars = vec![
            ("HOME".to_string(), env.home.path().display().to_string()),
            ("INC_STATE_DIR".into(), env.state.display().to_string()),
            ("INC_CONFIG".into(), env.config.display().to_string()),
            ("USER".into(), "tester".into()),
            ("NO_COLOR".into(), "1".into()),
            ("TERM".into(), "xterm-256color".into()),
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
        ];
        vars.extend(env.vars.iter().cloned());
        let prefix: Vec<String> = vars.iter().map(|(k, v)| format!("{k}={}", q(v))).collect();
        let inner = format!(
            "{} {args}; echo \"EXIT:$?\"; exec sleep 600",
            q(&bin.display().to_string())
        );
        let t = Term {
            // One server per terminal: a killed server's socket is never reused.
            socket: env
                .home
                .path()
                .join(format!("tmux-{}.sock", fastrand::u32(..))),
            session: format!("inc-comms-{}-{}", std::process::id(), fastrand::u32(..)),
        };
        let out = t
            .tmux()
            .args([
                "new-session",
                "-d",
                "-s",
                &t.session,
                "-x",
                "140",
                "-y",
                "40",
            ])
            .arg(format!("env -i {} sh -c {}", prefix.join(" "), q(&inner)))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn tmux(&self) -> std::process::Command {
        let mut c = std::process::Command::new("tmux");
        c.arg("-S").arg(&self.socket);
        c
    }

    fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[track_caller]
    fn wait_for(&self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "no {what:?} on the terminal:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let st = self
                .tmux()
                .args(["send-keys", "-t", &self.session, k])
                .status()
                .unwrap();
            assert!(st.success());
        }
    }

    fn type_text(&self, text: &str) {
        let st = self
            .tmux()
            .args(["send-keys", "-t", &self.session, "-l", text])
            .status()
            .unwrap();
        assert!(st.success());
    }

    #[track_caller]
    fn exit_code(&self) -> i32 {
        let s = self.wait_for("EXIT:");
        let rest = &s[s.find("EXIT:").unwrap() + 5..];
        rest.split_whitespace().next().unwrap().parse().unwrap()
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = self
            .tmux()
            .arg("kill-server")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_the_post_is_previewed_and_needs_the_ics_ok() {
    let sp = FakeStatuspage::start().await;
    let env = env_for(&sp, "");
    env.declare("Checkout errors", &[]);
    // Declined: nothing is posted, exit 130.
    let t = Term::start(&env, "comms investigating --component api=major");
    t.wait_for("Public message");
    t.keys(&["Enter"]);
    let s = t.wait_for("Post this publicly?");
    assert!(
        s.contains("api → major_outage") && s.contains("We are investigating"),
        "{s}"
    );
    t.keys(&["n"]);
    assert_eq!(t.exit_code(), 130, "{}", t.screen());
    drop(t);
    assert_eq!(sp.count(""), 0);
    // Edited and approved.
    let t = Term::start(&env, "comms identified");
    t.wait_for("Public message");
    // Replace the drafted text with our own.
    t.keys(&["C-u"]);
    t.type_text("Card payments fail; a fix is rolling out.");
    t.keys(&["Enter"]);
    t.wait_for("Post this publicly?");
    t.keys(&["y"]);
    assert_eq!(t.exit_code(), 0, "{}", t.screen());
    let incs = sp.incidents();
    assert_eq!(incs.len(), 1);
    assert_eq!(incs[0]["status"], "identified");
    assert_eq!(
        updates(&incs[0])[0].1,
        "Card payments fail; a fix is rolling out."
    );
    sp.assert_clean();
}

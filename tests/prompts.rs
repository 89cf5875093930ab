//! Prompts and Ctrl-C in a real terminal (tmux): `inc declare` asks for what is missing on a
//! terminal, and never prompts with `--no-input` or when stdin is not a terminal; Ctrl-C at a
//! prompt or during a wait is an answer: the terminal is left as it was (the cursor shown),
//! what was and was not sent is said and kept, and the exit code is 130.
//!
//! tmux is required: without it these tests fail, naming it. The pane's shell traps SIGINT
//! (`trap true INT`), as an interactive shell does, so that it outlives the Ctrl-C sent to
//! the whole foreground process group and prints inc's exit code.

mod common;

use std::time::{Duration, Instant};

use common::cmd::{TestEnv, run, text};
use common::faultproxy::{Fault, FaultProxy};
use common::pagerduty::{self as pd, FakePd};
use common::slack::FakeSlack;
use common::tmux::{Tmux, sh_quote};
use common::tools::require_tmux;
use serde_json::Value;

fn incidents(env: &TestEnv) -> Vec<Value> {
    env.json(&["list"])["incidents"]
        .as_array()
        .expect("incidents")
        .clone()
}

#[test]
fn declare_on_a_terminal_asks_for_title_and_severity() {
    require_tmux();
    let env = TestEnv::new();
    let tmux = Tmux::start(&env, "inc declare");
    tmux.wait_for("title prompt", |s| s.contains("Title"));
    tmux.type_text("Checkout returns 500s");
    tmux.key("Enter");
    let screen = tmux.wait_for("severity menu", |s| {
        s.contains("Severity") && s.contains("SEV-5")
    });
    // SEV-1 is the first choice, and the one selected.
    let choices: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.contains("Severity"))
        .skip(1)
        .filter(|l| l.contains("SEV-"))
        .collect();
    assert!(
        choices.len() >= 5 && choices[0].contains("SEV-1"),
        "{screen}"
    );
    for (i, c) in choices.iter().take(5).enumerate() {
        assert!(c.contains(&format!("SEV-{}", i + 1)), "{screen}");
    }
    tmux.key("Enter");
    let code = tmux.exit_code();
    assert_eq!(code, 0, "{}", tmux.screen());

    let list = incidents(&env);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["title"], "Checkout returns 500s");
    assert_eq!(list[0]["severity"], "SEV-1");
    assert_eq!(list[0]["current"], true);
}

#[test]
fn declare_on_a_terminal_severity_can_be_chosen() {
    require_tmux();
    let env = TestEnv::new();
    let tmux = Tmux::start(&env, "inc declare 'Slow search'");
    tmux.wait_for("severity menu", |s| {
        s.contains("Severity") && s.contains("SEV-5")
    });
    assert!(!tmux.screen().contains("Title"), "the title was given");
    tmux.key("Down");
    tmux.key("Down");
    tmux.key("Enter");
    assert_eq!(tmux.exit_code(), 0, "{}", tmux.screen());
    let list = incidents(&env);
    assert_eq!(list[0]["title"], "Slow search");
    assert_eq!(list[0]["severity"], "SEV-3");
}

#[test]
fn no_input_on_a_terminal_never_prompts() {
    require_tmux();
    let env = TestEnv::new();
    let tmux = Tmux::start(&env, "inc declare --no-input");
    assert_eq!(tmux.exit_code(), 2, "{}", tmux.screen());
    let screen = tmux.screen();
    assert!(screen.contains("TITLE"), "{screen}");
    assert!(!screen.contains("Title (what"), "{screen}");
    assert!(!env.state.join("incidents").exists());

    // With a title, --no-input takes SEV-2 instead of asking.
    let env = TestEnv::new();
    let tmux = Tmux::start(&env, "inc declare 'No questions' --no-input");
    assert_eq!(tmux.exit_code(), 0, "{}", tmux.screen());
    assert!(!tmux.screen().contains("Severity ("), "{}", tmux.screen());
    assert_eq!(incidents(&env)[0]["severity"], "SEV-2");
}

#[test]
fn piped_stdin_on_a_terminal_never_prompts() {
    require_tmux();
    // stderr and stdout are the terminal, stdin is not.
    let env = TestEnv::new();
    let tmux = Tmux::start(&env, "true | inc declare 'From a script'");
    assert_eq!(tmux.exit_code(), 0, "{}", tmux.screen());
    let screen = tmux.screen();
    assert!(screen.contains("--sev not given: SEV-2"), "{screen}");
    assert_eq!(incidents(&env)[0]["severity"], "SEV-2");

    let env = TestEnv::new();
    let tmux = Tmux::start(&env, "true | inc declare");
    assert_eq!(tmux.exit_code(), 2, "{}", tmux.screen());
    assert!(tmux.screen().contains("TITLE"), "{}", tmux.screen());
}

#[test]
fn declare_without_a_terminal_never_prompts() {
    // No tmux needed: assert_cmd's stdin is not a terminal. A prompt would hang until the timeout.
    let env = TestEnv::new();
    let out = env
        .inc()
        .arg("declare")
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("TITLE"));

    let out = env
        .inc()
        .args(["declare", "Scripted"])
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--sev not given: SEV-2"), "{stderr}");
    assert!(!stderr.contains("Severity ("), "{stderr}");
    assert_eq!(incidents(&env)[0]["severity"], "SEV-2");

    // Even with stdin an open pipe that never says anything.
    let env = TestEnv::new();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("inc"))
        .env_clear()
        .env("HOME", env.home.path())
        .env("INC_STATE_DIR", &env.state)
        .env("USER", "tester")
        .env("NO_COLOR", "1")
        .arg("declare")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("inc declare waited on an open stdin");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(2));
}

#[test]
fn notify_exec_asks_for_missing_fields_then_confirms() {
    require_tmux();
    let env = TestEnv::new();
    env.declare("Checkout down", &["--sev", "1"]);
    let tmux = Tmux::start(&env, "inc notify-exec --summary 'SEV-1: checkout down'");
    tmux.wait_for("actions prompt", |s| s.contains("Actions in progress"));
    tmux.type_text("rolling back 4411");
    tmux.key("Enter");
    tmux.wait_for("impact prompt", |s| s.contains("Customer impact"));
    tmux.key("Enter");
    tmux.wait_for("eta prompt", |s| s.contains("Expected time to recovery"));
    tmux.type_text("20 min");
    tmux.key("Enter");
    let screen = tmux.wait_for("preview and confirmation", |s| {
        s.contains("Send this executive update?")
    });
    assert!(
        screen.contains("Actions in progress: rolling back 4411"),
        "{screen}"
    );
    assert!(
        !screen.contains("Customer impact:"),
        "an empty field is left out: {screen}"
    );
    tmux.type_text("y");
    assert_eq!(tmux.exit_code(), 0, "{}", tmux.screen());
    let status = env.json(&["status"]);
    assert!(status["last_exec_update"].is_string(), "{status}");
}

#[test]
fn init_on_a_terminal_asks_and_writes_the_config() {
    require_tmux();
    let env = TestEnv::new();
    let path = env.home.path().join("inc.toml");
    let tmux = Tmux::start(
        &env,
        &format!("inc init --config {}", sh_quote(path.to_str().unwrap())),
    );
    tmux.wait_for("email prompt", |s| s.contains("Your email"));
    tmux.type_text("ann@example.com");
    tmux.key("Enter");
    tmux.wait_for("name prompt", |s| s.contains("Your name"));
    tmux.key("Enter");
    tmux.wait_for("chat prompt", |s| s.contains("Chat room"));
    tmux.type_text("#war-room");
    tmux.key("Enter");
    tmux.wait_for("bridge prompt", |s| s.contains("Bridge URL"));
    tmux.type_text("https://meet.example.com/x");
    tmux.key("Enter");
    for prompt in [
        "Dial-in phone",
        "Dial-in PIN",
        "PagerDuty: your bot",
        "Slack: incident channel",
    ] {
        tmux.wait_for(prompt, |s| s.contains(prompt));
        tmux.key("Enter");
    }
    assert_eq!(tmux.exit_code(), 0, "{}", tmux.screen());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("[user]\nemail = \"ann@example.com\"")
            && text.contains("chat = \"#war-room\"")
            && text.contains("bridge_url = \"https://meet.example.com/x\""),
        "{text}"
    );
    assert!(
        !text.contains("[pagerduty]") && !text.contains("[slack]"),
        "skipped sections stay out: {text}"
    );
}

/// `inc attach` without REF on a terminal lists the open incidents the providers know and
/// attaches to the one chosen.
#[tokio::test(flavor = "multi_thread")]
async fn attach_without_a_reference_offers_the_open_incidents() {
    require_tmux();
    let slack = common::slack::FakeSlack::start().await;
    let config = format!(
        "[slack]\napi_url = \"{}\"\nper_incident_channel = true\nchannel_prefix = \"inc-\"\n",
        slack.api_url()
    );
    let mut ann = TestEnv::with_config(&config);
    ann.set("SLACK_BOT_TOKEN", common::slack::TOKEN);
    let id = ann.declare("Payments down", &["--sev", "1"]);
    let bob = TestEnv::with_config(&config);
    let script = format!(
        "INC_CONFIG={} SLACK_BOT_TOKEN={} INC_USER=bob inc attach",
        sh_quote(bob.config.to_str().unwrap()),
        common::slack::TOKEN
    );
    let tmux = tokio::task::block_in_place(|| Tmux::start(&bob, &script));
    let screen = tokio::task::block_in_place(|| {
        tmux.wait_for("the list", |s| s.contains("Attach to which incident?"))
    });
    assert!(screen.contains("#inc-"), "{screen}");
    tokio::task::block_in_place(|| {
        tmux.key("Enter");
        assert_eq!(tmux.exit_code(), 0, "{}", tmux.screen());
    });
    let listed = bob.json(&["show"]);
    assert_eq!(listed["incident"]["id"], id.as_str(), "{listed}");
    slack.assert_clean();
}

#[test]
fn ctrl_c_at_the_severity_prompt_shows_the_cursor_and_exits_130() {
    require_tmux();
    let env = TestEnv::new();
    let tmux = Tmux::start(&env, "trap true INT; inc declare 'Slow search'");
    tmux.wait_for("severity menu", |s| {
        s.contains("Severity") && s.contains("SEV-5")
    });
    assert!(!tmux.cursor_visible(), "the menu hides the cursor");
    tmux.key("C-c");
    assert_eq!(tmux.exit_code(), 130, "{}", tmux.screen());
    assert!(
        tmux.cursor_visible(),
        "cursor left hidden:\n{}",
        tmux.screen()
    );
    assert!(!env.state.join("incidents").exists(), "nothing declared");
}

/// Polls until `pred` holds (at most `PANE_WAIT`), off the runtime's threads.
fn until(what: &str, pred: impl Fn() -> bool) {
    let deadline = Instant::now() + common::tmux::PANE_WAIT;
    while !pred() {
        assert!(Instant::now() < deadline, "no {what} within the wait");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ctrl_c_during_a_slow_declare_says_what_is_unconfirmed_and_the_same_declare_finishes_it() {
    require_tmux();
    let pd = FakePd::start().await;
    let pd_proxy = FaultProxy::start(&pd.uri()).await;
    let slack = FakeSlack::start().await;
    let slack_proxy = FaultProxy::start(&slack.server.uri()).await;
    let config = format!(
        "[delivery]\ntimeout = \"60s\"\nretry_for = \"120s\"\n\n{}\n\
         [slack]\napi_url = \"{}/api\"\nper_incident_channel = true\nchannel_prefix = \"inc-\"\n",
        pd::pagerduty_table(&pd_proxy.uri(), ""),
        slack_proxy.uri()
    );
    let mut env = TestEnv::with_config(&config);
    env.set("PAGERDUTY_TOKEN", pd::TOKEN)
        .set("SLACK_BOT_TOKEN", common::slack::TOKEN);
    // Both providers do what they are asked, and answer very late.
    let late = Fault::Late(Duration::from_secs(600));
    pd_proxy.arm("POST", "/incidents", late.clone(), 1);
    slack_proxy.arm("POST", "/api/conversations.create", late, 1);

    let script = "trap true INT; inc declare 'Checkout is down' --sev 1";
    let tmux = tokio::task::block_in_place(|| Tmux::start(&env, script));
    tokio::task::block_in_place(|| {
        until("PagerDuty incident and Slack channel at the fakes", || {
            pd.incidents().len() == 1 && slack.channels().len() == 1
        });
        tmux.wait_for("the spinner", |s| s.contains("creating #inc-"));
        tmux.key("C-c");
        assert_eq!(tmux.exit_code(), 130, "{}", tmux.screen());
    });
    let screen = tmux.screen();
    assert!(screen.contains("interrupted (Ctrl-C)"), "{screen}");
    for what in [
        "not confirmed: pagerduty create_incident",
        "not confirmed: slack create_channel",
    ] {
        assert!(screen.contains(what), "{what}:\n{screen}");
    }
    assert!(screen.contains("2 kept in the outbox"), "{screen}");
    assert!(
        !screen.contains("creating #inc-"),
        "the spinner is cleared:\n{screen}"
    );
    assert!(tmux.cursor_visible(), "cursor hidden:\n{screen}");

    // Kept, and journaled as not delivered.
    let o = run(&env, &["outbox", "list", "--json"]).await;
    let kept = common::cmd::json(&o)["outbox"].as_array().cloned().unwrap();
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(kept.iter().all(|e| {
        e["error"]
            .as_str()
            .is_some_and(|s| s.contains("interrupted (Ctrl-C)"))
            && e["attempts"] == 1
    }));
    let id = incidents(&env)[0]["id"].as_str().unwrap().to_string();
    let journal =
        std::fs::read_to_string(env.state.join("incidents").join(format!("{id}.jsonl"))).unwrap();
    let failed: Vec<serde_json::Value> = journal
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|e: &serde_json::Value| e["event"] == "delivery" && e["ok"] == false)
        .collect();
    assert_eq!(failed.len(), 2, "{journal}");

    // The same declare again: it finishes that incident, and opens nothing twice.
    let o = run(&env, &["declare", "Checkout is down", "--sev", "1"]).await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(
        out.contains("Finished the unfinished declaration of"),
        "{out}\n{err}"
    );
    assert_eq!(incidents(&env).len(), 1, "one incident");
    assert_eq!(pd.incidents().len(), 1, "one PagerDuty incident");
    let channels = slack.channels();
    assert_eq!(channels.len(), 1, "one channel: {channels:?}");
    let rosters = slack
        .messages(&channels[0].id)
        .iter()
        .filter(|m| m.text.contains("Major incident declared"))
        .count();
    assert_eq!(rosters, 1, "the roster once");
    let o = run(&env, &["outbox", "list", "--json"]).await;
    assert_eq!(
        common::cmd::json(&o)["outbox"].as_array().map(Vec::len),
        Some(0)
    );
    pd.assert_clean();
    slack.assert_clean();
}

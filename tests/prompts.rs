//! Prompts in a real terminal (tmux): `inc declare` asks for what is missing on a terminal, and
//! never prompts with `--no-input` or when stdin is not a terminal.
//!
//! tmux is required: without it these tests fail, naming it.

mod common;

use std::time::{Duration, Instant};

use common::cmd::TestEnv;
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

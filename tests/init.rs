//! `inc init`: the config file from flags (scripts) or prompts (a terminal).

mod common;

use common::cmd::TestEnv;

#[test]
fn non_interactive_writes_a_config_that_loads() {
    let env = TestEnv::new();
    let path = env.home.path().join("cfg/inc.toml");
    let p = path.to_str().unwrap();
    env.inc()
        .args([
            "init",
            "--non-interactive",
            "--config",
            p,
            "--bridge-url",
            "https://meet.example.com/inc",
            "--phone",
            "+1 555 0100",
        ])
        .args([
            "--pin",
            "4242",
            "--pagerduty-from",
            "bot@example.com",
            "--ic-schedule",
            "PPRIMRY",
            "--ic-schedule",
            "PBACKUP",
        ])
        .args([
            "--ic-service",
            "PICSRVC",
            "--slack-channel",
            "#incidents",
            "--slack-per-incident-channel",
        ])
        .assert()
        .success();
    let text = std::fs::read_to_string(&path).unwrap();
    for want in [
        "[call]",
        "bridge_url = \"https://meet.example.com/inc\"",
        "pin = \"4242\"",
        "[pagerduty]",
        "ic_schedules = [\"PPRIMRY\", \"PBACKUP\"]",
        "per_incident_channel = true",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    assert!(
        !text.to_lowercase().contains("token ="),
        "no secret is written: {text}"
    );
    // It loads: doctor reads it (and names the token variable that is still to be set).
    let out = env
        .inc()
        .args(["doctor", "--config", p, "--json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc.to_string().contains("$PAGERDUTY_TOKEN"), "{doc}");
    // A second init does not overwrite it; --force does.
    env.inc()
        .args(["init", "--non-interactive", "--config", p])
        .assert()
        .code(2);
    env.inc()
        .args([
            "init",
            "--non-interactive",
            "--config",
            p,
            "--force",
            "--chat",
            "#war-room",
        ])
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("#war-room")
    );
}

#[test]
fn init_refuses_bad_input_and_never_prompts_off_a_terminal() {
    let env = TestEnv::new();
    let path = env.home.path().join("inc.toml");
    let p = path.to_str().unwrap();
    let out = env.inc().args(["init", "--config", p]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--non-interactive"));
    let out = env
        .inc()
        .args([
            "init",
            "--non-interactive",
            "--config",
            p,
            "--pagerduty-from",
            "b@example.com",
            "--pagerduty-api-url",
            "http://api.example.com",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--pagerduty-api-url"));
    assert!(!path.exists(), "nothing written on bad input");
    // --dry-run prints the file and writes nothing.
    let out = env
        .inc()
        .args([
            "init",
            "--non-interactive",
            "--config",
            p,
            "--chat",
            "#c",
            "--dry-run",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("chat = \"#c\""));
    assert!(!path.exists());
}

//! Who am I (SPEC "One incident, many responders"): `[user]` in the config, `$INC_USER`, git's
//! `user.email`, `$USER` / `$LOGNAME`, then the login name of the process's user id. `--ic me`
//! never fails for want of `$USER` (a container shell, cron, CI).

mod common;

use common::cmd::TestEnv;
use serde_json::{Value, json};

/// `inc declare t --ic me` with `vars` on top of a bare environment (no USER, no LOGNAME);
/// returns the IC and the author of the first timeline entry.
fn declared_by(env: &TestEnv, vars: &[(&str, &str)]) -> (Value, Value) {
    let mut cmd = env.inc();
    cmd.env_remove("USER").env_remove("LOGNAME");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd
        .args(["declare", "t", "--sev", "2", "--ic", "me", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "declare --ic me failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let show = env.json(&["show"]);
    let ic = show["incident"]["roles"]["ic"].clone();
    let timeline = env.json(&["timeline"]);
    (ic, timeline["timeline"][0]["by"].clone())
}

fn login_name() -> String {
    let out = std::process::Command::new("id")
        .arg("-un")
        .output()
        .expect("id -un (coreutils) is needed to know the expected login name");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn with_no_user_variables_me_is_the_login_name_of_the_uid() {
    let env = TestEnv::new();
    let (ic, by) = declared_by(&env, &[]);
    let me = login_name();
    assert_eq!(ic, json!([me]));
    assert_eq!(by, json!(me));
}

#[test]
fn logname_is_used_when_user_is_missing() {
    let env = TestEnv::new();
    let (ic, _) = declared_by(&env, &[("LOGNAME", "logan")]);
    assert_eq!(ic, json!(["logan"]));
}

#[test]
fn git_user_email_comes_before_user() {
    let env = TestEnv::new();
    std::fs::write(
        env.home.path().join(".gitconfig"),
        "[user]\n\temail = gia@example.com\n",
    )
    .unwrap();
    let (ic, by) = declared_by(&env, &[("USER", "unix-name")]);
    assert_eq!(ic, json!(["gia@example.com"]));
    assert_eq!(by, json!("gia@example.com"));
}

#[test]
fn inc_user_comes_before_git_and_user() {
    let env = TestEnv::new();
    std::fs::write(
        env.home.path().join(".gitconfig"),
        "[user]\n\temail = gia@example.com\n",
    )
    .unwrap();
    let (ic, _) = declared_by(&env, &[("USER", "unix-name"), ("INC_USER", "ivy")]);
    assert_eq!(ic, json!(["ivy"]));
}

#[test]
fn the_user_table_comes_first() {
    let env = TestEnv::with_config("[user]\nemail = \"ann@example.com\"\nname = \"Ann\"\n");
    let (ic, by) = declared_by(&env, &[("USER", "unix-name"), ("INC_USER", "ivy")]);
    assert_eq!(ic, json!(["ann@example.com"]));
    assert_eq!(by, json!("ann@example.com"));
    let named = TestEnv::with_config("[user]\nname = \"Ann Example\"\n");
    let (ic, _) = declared_by(&named, &[("INC_USER", "ivy")]);
    assert_eq!(ic, json!(["Ann Example"]));
}

#[test]
fn init_writes_the_user_table() {
    let env = TestEnv::new();
    env.inc()
        .args([
            "init",
            "--non-interactive",
            "--email",
            "ann@example.com",
            "--name",
            "Ann",
        ])
        .env("INC_CONFIG", &env.config)
        .assert()
        .success();
    let text = std::fs::read_to_string(&env.config).unwrap();
    assert!(
        text.contains("[user]\nemail = \"ann@example.com\"\nname = \"Ann\""),
        "{text}"
    );
    let (ic, _) = declared_by(&env, &[("USER", "unix-name")]);
    assert_eq!(ic, json!(["ann@example.com"]));
}

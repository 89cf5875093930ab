//! Slack: the incident room, mirrors, notify-exec and status --post against a fake Slack that
//! validates each body against the official Slack Web API description.

mod common;

use std::time::{Duration, Instant};

use common::cmd::{TestEnv, run, text};
use common::pagerduty::{self as pd, FakePd};
use common::slack::{FakeSlack, Fault, TOKEN};
use serde_json::Value;

fn slack_config(slack: &FakeSlack, per_incident: bool) -> String {
    format!(
        "[call]\nbridge_url = \"https://meet.example.com/inc\"\nphone = \"+1 555 244 3473\"\npin = \"123456\"\n\n\
         [delivery]\ntimeout = \"2s\"\nretry_for = \"6s\"\nbackoff = \"50ms\"\n\n\
         [slack]\napi_url = \"{}\"\nchannel = \"#incident-chat\"\nper_incident_channel = {per_incident}\n\
         channel_prefix = \"inc-\"\nexec_channel = \"#exec-updates\"\n",
        slack.api_url()
    )
}

fn env_for(slack: &FakeSlack, per_incident: bool) -> TestEnv {
    let mut env = TestEnv::with_config(&slack_config(slack, per_incident));
    env.set("SLACK_BOT_TOKEN", TOKEN)
        .set("INC_NOW", "2026-11-26T03:04:05Z");
    env
}

async fn ok(env: &TestEnv, args: &[&str]) -> String {
    let o = run(env, args).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "inc {args:?} failed\n{out}\n{err}");
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn declare_opens_a_channel_with_topic_pinned_roster_and_invites() {
    let slack = FakeSlack::start().await;
    slack.add_channel("exec-updates", true, true);
    let env = env_for(&slack, true);
    ok(
        &env,
        &[
            "declare",
            "Checkout: 500s for ALL users",
            "--sev",
            "1",
            "--ic",
            "ann@example.com",
            "--scribe",
            "bob@example.com",
        ],
    )
    .await;
    let ch = slack
        .channels()
        .into_iter()
        .find(|c| c.name.starts_with("inc-"))
        .expect("channel created");
    assert_eq!(ch.name, "inc-20261126-checkout-500s-for-all-users");
    assert!(!ch.private);
    assert!(ch.topic.starts_with("SEV-1 | IC: ann@example.com | Deputy: — | Scribe: bob@example.com | Bridge: https://meet.example.com/inc"), "{}", ch.topic);
    let mut members = ch.members.clone();
    members.sort();
    assert_eq!(members, ["UANN", "UBOB"]);
    let posts = slack.posts();
    assert_eq!(posts.len(), 1);
    let roster = &posts[0].1;
    for want in [
        "Major incident declared: SEV-1",
        // People Slack knows by email are mentioned.
        "Roster: IC <@UANN> · Deputy — · Scribe <@UBOB>",
        "Bridge: https://meet.example.com/inc",
        "Phone: +1 555 244 3473 (PIN 123456)",
        "Need an IC? Run `inc page-ic`",
    ] {
        assert!(roster.contains(want), "missing {want:?} in {roster}");
    }
    let pins = slack.state.lock().unwrap().pins.clone();
    assert_eq!(pins, [(ch.id.clone(), "1700000000.000001".to_string())]);
    slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn security_incident_gets_a_private_codename_channel() {
    let slack = FakeSlack::start().await;
    let env = env_for(&slack, true);
    ok(
        &env,
        &[
            "declare",
            "Leaked credentials in repo",
            "--security",
            "--sev",
            "1",
        ],
    )
    .await;
    let ch = &slack.channels()[0];
    assert!(ch.private);
    assert!(
        !ch.name.contains("leaked") && !ch.name.contains("credentials"),
        "{}",
        ch.name
    );
    assert!(
        ch.topic.starts_with("Attorney Work Project | SEV-1"),
        "{}",
        ch.topic
    );
    assert!(!slack.posts()[0].1.contains("Leaked"));
    slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn mirrors_post_every_change_escaped_and_resolve_marks_the_topic() {
    let slack = FakeSlack::start().await;
    let env = env_for(&slack, true);
    ok(
        &env,
        &[
            "declare",
            "API errors",
            "--sev",
            "2",
            "--ic",
            "ann@example.com",
        ],
    )
    .await;
    ok(
        &env,
        &["note", "<!channel> ping <@U123> & co", "--type", "decision"],
    )
    .await;
    ok(&env, &["todo", "Add an alert"]).await;
    ok(&env, &["role", "deputy", "carl@example.com"]).await;
    ok(&env, &["sev", "1"]).await;
    ok(&env, &["handover", "bob@example.com"]).await;
    ok(&env, &["resolve"]).await;
    let texts: Vec<String> = slack.posts().into_iter().map(|p| p.1).skip(1).collect();
    assert_eq!(texts.len(), 6, "one post per change: {texts:#?}");
    // A note and a TODO say who wrote them (every post is by inc's bot).
    assert_eq!(
        texts[0],
        "tester: DECISION: &lt;!channel&gt; ping &lt;@U123&gt; &amp; co"
    );
    assert_eq!(texts[1], "tester: TODO: Add an alert");
    assert_eq!(texts[2], "carl@example.com is now Deputy");
    assert_eq!(texts[3], "Severity raised: SEV-2 → SEV-1");
    assert!(
        texts[4].starts_with("IC handover: ann@example.com → bob@example.com"),
        "{}",
        texts[4]
    );
    assert!(texts[5].starts_with("The call is over"), "{}", texts[5]);
    let ch = &slack.channels()[0];
    assert!(
        ch.topic
            .starts_with("[RESOLVED] SEV-1 | IC: bob@example.com | Deputy: carl@example.com"),
        "{}",
        ch.topic
    );
    // Each post went to the incident's own channel.
    assert!(slack.posts().iter().all(|p| p.0 == ch.id));
    slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn shared_channel_not_joined_rate_limited_and_name_taken() {
    let slack = FakeSlack::start().await;
    let shared = slack.add_channel("incident-chat", false, false);
    let env = env_for(&slack, false);
    // not_in_channel → join, then one retry.
    ok(&env, &["declare", "Queue stuck", "--sev", "2"]).await;
    assert_eq!(slack.calls("conversations.join"), 1);
    assert_eq!(slack.posts().len(), 1);
    assert_eq!(slack.posts()[0].0, shared);
    assert_eq!(slack.calls("conversations.create"), 0);
    // 429 + Retry-After → waits, one post.
    slack.fault(Fault::RateLimited("chat.postMessage", 1));
    let start = Instant::now();
    ok(&env, &["note", "still stuck"]).await;
    assert!(start.elapsed() >= Duration::from_secs(1));
    assert_eq!(slack.posts().len(), 2);
    // name_taken → the existing channel is reused.
    let slack2 = FakeSlack::start().await;
    let env2 = env_for(&slack2, true);
    let existing = slack2.add_channel("inc-20261126-db-failover", false, true);
    ok(&env2, &["declare", "DB failover", "--sev", "2"]).await;
    assert_eq!(slack2.channels().len(), 1);
    assert_eq!(slack2.posts()[0].0, existing);
    slack.assert_clean();
    slack2.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn ok_false_is_reported_and_bad_token_is_named_never_printed() {
    let slack = FakeSlack::start().await;
    let mut env = env_for(&slack, false);
    slack.add_channel("incident-chat", false, true);
    slack.fault(Fault::Error("chat.postMessage", "is_archived"));
    let o = run(&env, &["declare", "Disk full", "--json"]).await;
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["deliveries"][0]["ok"], false);
    assert!(
        doc["deliveries"][0]["error"]
            .as_str()
            .unwrap()
            .contains("is_archived")
    );
    let secret = "xoxb-wrong-secret-777";
    env.set("SLACK_BOT_TOKEN", secret);
    for args in [vec!["note", "x", "-vvv"], vec!["doctor", "-vv"]] {
        let o = run(&env, &args).await;
        let (out, err) = text(&o);
        assert!(!o.status.success());
        assert!(
            format!("{out}{err}").contains("$SLACK_BOT_TOKEN"),
            "{out}{err}"
        );
        assert!(!out.contains(secret) && !err.contains(secret));
    }
    let o = run(&env, &["note", "y"]).await;
    assert!(text(&o).1.contains("inc doctor"), "{}", text(&o).1);
    for f in env.state_files() {
        assert!(
            !std::fs::read_to_string(&f)
                .unwrap_or_default()
                .contains(secret),
            "{f:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn notify_exec_posts_here_with_blocks_and_updates_pagerduty() {
    let slack = FakeSlack::start().await;
    slack.add_channel("exec-updates", true, true);
    let pdf = FakePd::start().await;
    let cfg = format!(
        "{}{}",
        slack_config(&slack, true),
        pd::pagerduty_table(&pdf.uri(), "")
    );
    let mut env = TestEnv::with_config(&cfg);
    env.set("SLACK_BOT_TOKEN", TOKEN)
        .set("PAGERDUTY_TOKEN", pd::TOKEN)
        .set("INC_NOW", "2026-11-26T03:04:05Z");
    ok(&env, &["declare", "Payments down", "--sev", "1"]).await;
    env.set("INC_NOW", "2026-11-26T03:40:00Z");
    let st: Value = serde_json::from_str(&ok(&env, &["status", "--json"]).await).unwrap();
    assert!(
        st["reminders"].to_string().contains("executive update due"),
        "{st}"
    );
    ok(
        &env,
        &[
            "notify-exec",
            "--summary",
            "SEV-1: payments down <!channel>",
            "--actions",
            "failing over",
            "--impact",
            "EU cards declined",
            "--eta",
            "20 min",
        ],
    )
    .await;
    let execs: Vec<_> = slack
        .posts()
        .into_iter()
        .filter(|p| p.1.contains("Executive update"))
        .collect();
    assert_eq!(execs.len(), 1, "one exec update: {execs:?}");
    let post = execs.into_iter().next().unwrap();
    assert!(
        post.1
            .starts_with("<!here> Executive update: SEV-1 Payments down"),
        "{}",
        post.1
    );
    assert!(
        post.1.contains("&lt;!channel&gt;"),
        "user text is escaped: {}",
        post.1
    );
    assert!(
        post.2.as_array().unwrap().len() >= 5,
        "Block Kit sections: {}",
        post.2
    );
    let exec = slack
        .channels()
        .into_iter()
        .find(|c| c.name == "exec-updates")
        .unwrap();
    assert_eq!(post.0, exec.id);
    {
        let st = pdf.state.lock().unwrap();
        assert_eq!(st.status_updates.len(), 1);
        assert!(st.status_updates[0].1.contains("failing over"));
        assert_eq!(
            st.subscribers[0].1["subscribers"][0]["subscriber_id"],
            "PTEAM01"
        );
    }
    let st: Value = serde_json::from_str(&ok(&env, &["status", "--json"]).await).unwrap();
    assert_eq!(st["next_exec_update_due"], "2026-11-26T04:10:00Z");
    assert!(
        !st["reminders"].to_string().contains("executive update due"),
        "{st}"
    );
    // Off a terminal a missing summary is an error naming the flag.
    let o = run(&env, &["notify-exec", "--actions", "x"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--summary"));
    slack.assert_clean();
    pdf.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn page_ic_results_are_posted_to_the_incident_room() {
    let slack = FakeSlack::start().await;
    let pdf = FakePd::start().await;
    let mut env = TestEnv::with_config(&format!(
        "{}{}",
        slack_config(&slack, true),
        pd::pagerduty_table(&pdf.uri(), "")
    ));
    env.set("SLACK_BOT_TOKEN", TOKEN)
        .set("PAGERDUTY_TOKEN", pd::TOKEN);
    ok(&env, &["declare", "Checkout down", "--sev", "1"]).await;
    let out = ok(&env, &["page-ic"]).await;
    assert!(out.contains("primary  Ann Primary"), "{out}");
    let post = slack.posts().into_iter().last().unwrap();
    assert!(
        post.1.starts_with("✔ IC page via PagerDuty: paged primary Ann Primary, backup Bob Backup, shadow Cat Shadow http"),
        "{}",
        post.1
    );
    slack.assert_clean();
    pdf.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn notify_exec_refuses_a_public_exec_channel_for_security_incidents() {
    let slack = FakeSlack::start().await;
    slack.add_channel("exec-updates", false, true);
    let env = env_for(&slack, true);
    ok(
        &env,
        &["declare", "Possible breach", "--security", "--sev", "1"],
    )
    .await;
    let before = slack.posts().len();
    let exec = [
        "notify-exec",
        "--summary",
        "investigating",
        "--actions",
        "a",
        "--impact",
        "i",
        "--eta",
        "e",
    ];
    let o = run(&env, &exec).await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("not private"));
    assert_eq!(slack.posts().len(), before);
    ok(&env, &[&exec[..], &["--force"]].concat()).await;
    // The exec post, and the incident room's line that carries it to the other responders.
    assert_eq!(slack.posts().len(), before + 2);
    slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn status_watch_post_posts_changes_only() {
    let slack = FakeSlack::start().await;
    let env = env_for(&slack, true);
    ok(&env, &["declare", "Latency", "--sev", "2"]).await;
    let mut cmd = env.std_command();
    cmd.args(["status", "--watch", "--post", "--interval", "300ms"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    tokio::time::sleep(Duration::from_millis(900)).await;
    let quiet = slack.posts().len();
    assert_eq!(quiet, 1, "no post while nothing changed");
    ok(&env, &["sev", "1"]).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut stalk = None;
    while Instant::now() < deadline {
        if let Some(p) = slack
            .posts()
            .into_iter()
            .find(|p| p.1.starts_with("Status "))
        {
            stalk = Some(p);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().ok();
    child.wait().ok();
    let stalk = stalk.expect("the change was posted");
    let stalks = slack
        .posts()
        .iter()
        .filter(|p| p.1.starts_with("Status "))
        .count();
    assert_eq!(stalks, 1, "the change was posted once");
    assert!(stalk.1.contains("severity: SEV-2 → SEV-1"), "{}", stalk.1);
    // Without a chat provider --post is a config error.
    let plain = TestEnv::new();
    plain.declare("x", &[]);
    let o = run(&plain, &["status", "--watch", "--post"]).await;
    assert_eq!(o.status.code(), Some(78));
    slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_runs_auth_test() {
    let slack = FakeSlack::start().await;
    let env = env_for(&slack, true);
    let out = ok(&env, &["doctor", "--json"]).await;
    let doc: Value = serde_json::from_str(&out).unwrap();
    let row = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "slack")
        .unwrap()
        .clone();
    assert_eq!(row["ok"], true, "{doc}");
    assert!(row["detail"].as_str().unwrap().contains("auth.test ok"));
    assert_eq!(slack.calls("auth.test"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn outbox_retry_of_a_failed_channel_finishes_the_room() {
    let slack = FakeSlack::start().await;
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}/api", l.local_addr().unwrap().port())
    };
    let live = slack_config(&slack, true).replace("retry_for = \"6s\"", "retry_for = \"1s\"");
    let mut env = TestEnv::with_config(&live.replace(&slack.api_url(), &dead));
    env.set("SLACK_BOT_TOKEN", TOKEN);
    // Slack is down at declare: the channel create waits in the outbox, nothing after it was planned.
    let o = run(
        &env,
        &[
            "declare",
            "Search is slow",
            "--sev",
            "2",
            "--ic",
            "ann@example.com",
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert_eq!(
        env.json(&["outbox", "list"])["outbox"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Slack is back: the retry creates the channel and finishes the room as declare would have.
    env.write_config(&live);
    ok(&env, &["outbox", "retry"]).await;
    let ch = slack
        .channels()
        .into_iter()
        .find(|c| c.name.starts_with("inc-"))
        .expect("channel");
    assert!(
        ch.topic.starts_with("SEV-2 | IC: ann@example.com"),
        "{}",
        ch.topic
    );
    assert_eq!(ch.members, ["UANN"]);
    let posts = slack.posts();
    assert_eq!(posts.len(), 1);
    assert!(posts[0].1.contains("Roster: IC <@UANN>"), "{}", posts[0].1);
    assert_eq!(slack.state.lock().unwrap().pins.len(), 1);
    assert!(
        env.json(&["outbox", "list"])["outbox"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Later mirrors find the channel.
    ok(&env, &["note", "index rebuilt"]).await;
    assert_eq!(slack.posts().last().unwrap().0, ch.id);
    slack.assert_clean();
}

//! Chat webhooks through the real binary, against local fakes that hold each request to the
//! provider's contract: Teams (Adaptive Card schema, 202), Mattermost (Slack-compatible body,
//! checked by hand), Discord (its OpenAPI description; 429 `retry_after`). The webhook URLs are
//! secrets: no part of them may show up in output, logs, the journal or the outbox.

mod common;

use std::process::Output;
use std::time::Duration;

use common::cmd::{TestEnv, json, run};
use common::slack::{FakeSlack, TOKEN as SLACK_TOKEN};
use common::webhooks::{CONFIG, DISCORD_ENV, FakeHooks, Fault, Kind, SECRETS, TEAMS_ENV, text_of};
use serde_json::Value;

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn env_for(hooks: &FakeHooks, extra: &str) -> TestEnv {
    let mut env = TestEnv::with_config(&format!("{CONFIG}{extra}"));
    for (k, v) in hooks.vars() {
        env.set(k, &v);
    }
    env
}

/// Panics if `haystack` holds any webhook URL or any secret part of one.
#[track_caller]
fn assert_no_secret(hooks: &FakeHooks, haystack: &str, what: &str) {
    for s in SECRETS {
        assert!(
            !haystack.contains(s),
            "{what} shows a webhook secret {s:?}:\n{haystack}"
        );
    }
    for f in hooks.all() {
        let url = f.url();
        assert!(
            !haystack.contains(&url),
            "{what} shows a webhook URL:\n{haystack}"
        );
        let path = f.kind.secret_path();
        let path = path.split('?').next().unwrap();
        assert!(
            !haystack.contains(path),
            "{what} shows a webhook path:\n{haystack}"
        );
    }
}

/// Every file under the state dir (journal, outbox, caches), concatenated.
fn state_text(env: &TestEnv) -> String {
    env.state_files()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

fn deliveries<'a>(doc: &'a Value, provider: &str) -> Vec<&'a Value> {
    doc["deliveries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["provider"] == provider)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_announcing_command_reaches_every_webhook() {
    let hooks = FakeHooks::start().await;
    let env = env_for(&hooks, "");
    let steps: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "declare",
                "Checkout returns 500s",
                "--sev",
                "2",
                "--ic",
                "ann@example.com",
            ],
            "Checkout returns 500s",
        ),
        (
            vec!["note", "Rolled back deploy 4411", "--type", "action"],
            "Rolled back deploy 4411",
        ),
        (
            vec!["todo", "Alert on queue depth"],
            "TODO: Alert on queue depth",
        ),
        (
            vec!["role", "scribe", "cat@example.com"],
            "cat@example.com is now",
        ),
        (
            vec!["handover", "bob@example.com"],
            "bob@example.com is now the Incident Commander",
        ),
        (vec!["sev", "1"], "SEV-1"),
        (
            vec![
                "notify-exec",
                "--summary",
                "Checkout down after deploy",
                "--actions",
                "rolling back",
                "--impact",
                "EU customers cannot pay",
                "--eta",
                "20 min",
            ],
            "EU customers cannot pay",
        ),
        (vec!["resolve", "--final-sev", "1"], "The call is over"),
    ];
    for (i, (args, want)) in steps.iter().enumerate() {
        let mut args = args.clone();
        args.extend(["--json", "-vvv"]);
        let o = run(&env, &args).await;
        let all = text(&o);
        assert!(o.status.success(), "inc {args:?} failed:\n{all}");
        assert_no_secret(&hooks, &all, &format!("inc {args:?}"));
        let doc = json(&o);
        for f in hooks.all() {
            let ds = deliveries(&doc, f.kind.name());
            assert_eq!(
                ds.len(),
                1,
                "inc {args:?}: one {} delivery: {doc}",
                f.kind.name()
            );
            assert_eq!(ds[0]["ok"], true, "{}", ds[0]);
            assert_eq!(ds[0]["target"], format!("{} webhook", f.kind.name()));
            let texts = f.texts();
            assert_eq!(
                texts.len(),
                i + 1,
                "inc {args:?}: {} posts {texts:#?}",
                f.kind.name()
            );
            let got = &texts[i];
            let got_plain = got.replace("&gt;", ">");
            assert!(
                got_plain.contains(want),
                "{} got {got:?}, want {want:?}",
                f.kind.name()
            );
        }
        // Discord returns the message (`?wait=true`): its id is journaled.
        assert!(
            deliveries(&doc, "discord")[0]["id"].as_str().is_some(),
            "{doc}"
        );
    }
    // The declaration carries the roster and the contact summary.
    assert!(
        hooks.discord.texts()[0].contains("Need an IC?"),
        "{:?}",
        hooks.discord.texts()
    );
    // The exec update pings the room on Discord and Mattermost, and only it does.
    let exec = 6;
    let d = &hooks.discord.posts()[exec];
    assert!(d["content"].as_str().unwrap().starts_with("@here "), "{d}");
    assert_eq!(
        d["allowed_mentions"]["parse"],
        serde_json::json!(["everyone"])
    );
    for (i, p) in hooks
        .discord
        .posts()
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != exec)
    {
        assert_eq!(
            p["allowed_mentions"]["parse"],
            serde_json::json!([]),
            "post {i}: {p}"
        );
        assert!(
            !p["content"].as_str().unwrap().contains("@here"),
            "post {i}: {p}"
        );
    }
    assert!(
        hooks.mattermost.texts()[exec].starts_with("@here **Executive update: SEV-1"),
        "{:?}",
        hooks.mattermost.texts()[exec]
    );
    let teams_exec = &hooks.teams.posts()[exec]["attachments"][0]["content"];
    assert!(
        teams_exec["body"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["type"] == "FactSet"),
        "{teams_exec}"
    );
    hooks.assert_clean();
    // Nothing in the journal (or anywhere in the state dir) names a URL.
    assert_no_secret(&hooks, &state_text(&env), "the state dir");
    let tl = env.json(&["timeline"]);
    let journaled = tl["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "delivery" && e["provider"] == "discord")
        .count();
    assert_eq!(journaled, steps.len(), "{tl}");
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_and_every_webhook_receive_the_same_announcements() {
    let (hooks, slack) = tokio::join!(FakeHooks::start(), FakeSlack::start());
    slack.add_channel("exec-updates", true, true);
    let extra = format!(
        "\n[slack]\napi_url = \"{}\"\nper_incident_channel = true\nexec_channel = \"#exec-updates\"\n",
        slack.api_url()
    );
    let mut env = env_for(&hooks, &extra);
    env.set("SLACK_BOT_TOKEN", SLACK_TOKEN);
    for args in [
        &["declare", "Checkout returns 500s", "--sev", "1"][..],
        &["note", "Rolled back deploy 4411"][..],
        &[
            "notify-exec",
            "--summary",
            "Checkout down",
            "--actions",
            "rolling back",
            "--impact",
            "EU customers cannot pay",
            "--eta",
            "20 min",
        ][..],
    ] {
        let o = run(&env, args).await;
        assert!(o.status.success(), "inc {args:?}: {}", text(&o));
    }
    // The incident channel also gets the line that carries the exec update to the other
    // responders (the webhooks had the update itself).
    let slack_texts: Vec<String> = slack
        .posts()
        .into_iter()
        .map(|(_, t, _)| t)
        .filter(|t| !t.starts_with("Sent to the executives: "))
        .collect();
    assert_eq!(slack_texts.len(), 3, "{slack_texts:#?}");
    for f in hooks.all() {
        let texts = f.texts();
        assert_eq!(texts.len(), 3, "{}: {texts:#?}", f.kind.name());
        // Same words as Slack's posts (Slack's exec post has its own `<!here>` form).
        for (want, got) in slack_texts.iter().zip(&texts).take(2) {
            assert_eq!(
                got.replace('\n', " "),
                want.replace('\n', " "),
                "{}",
                f.kind.name()
            );
        }
        assert!(texts[2].contains("EU customers cannot pay"), "{}", texts[2]);
    }
    hooks.assert_clean();
    slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn discord_429_waits_retry_after_then_posts_once() {
    let hooks = FakeHooks::start().await;
    let env = env_for(&hooks, "");
    env.declare("Checkout returns 500s", &[]);
    hooks.discord.fault(Fault::RateLimited { retry_after: 0.4 });
    let o = run(&env, &["note", "Rolled back deploy 4411", "--json"]).await;
    assert!(o.status.success(), "{}", text(&o));
    let doc = json(&o);
    let d = deliveries(&doc, "discord");
    assert_eq!(
        (d[0]["ok"].as_bool(), d[0]["attempts"].as_u64()),
        (Some(true), Some(2)),
        "{doc}"
    );
    let texts = hooks.discord.texts();
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("Rolled back deploy 4411"))
            .count(),
        1,
        "{texts:?}"
    );
    let at = hooks.discord.arrivals();
    let gap = at[at.len() - 1] - at[at.len() - 2];
    assert!(
        gap >= Duration::from_millis(400),
        "waited {gap:?}, the body said 0.4 s"
    );
    assert!(
        gap < Duration::from_millis(1_500),
        "waited {gap:?}: the header's rounded-up 1 s, not the body's 0.4 s?"
    );
    hooks.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn teams_202_with_an_empty_body_is_delivered() {
    let hooks = FakeHooks::start().await;
    let env = env_for(&hooks, "");
    let o = run(
        &env,
        &["declare", "Checkout returns 500s", "--sev", "1", "--json"],
    )
    .await;
    assert!(o.status.success(), "{}", text(&o));
    let doc = json(&o);
    let t = deliveries(&doc, "teams");
    assert_eq!(
        (t[0]["ok"].as_bool(), t[0]["attempts"].as_u64()),
        (Some(true), Some(1)),
        "{doc}"
    );
    let posts = hooks.teams.posts();
    assert_eq!(posts.len(), 1, "one announcement: {posts:?}");
    let post = &posts[0];
    assert_eq!(post["type"], "message");
    assert_eq!(
        post["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert!(text_of(Kind::Teams, post).contains("Checkout returns 500s"));
    hooks.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn user_text_never_mentions_anyone() {
    let hooks = FakeHooks::start().await;
    let env = env_for(&hooks, "");
    env.declare("Checkout returns 500s", &[]);
    let sneaky = "@everyone <!channel> <!here> @here @channel look";
    let o = run(&env, &["note", sneaky]).await;
    assert!(o.status.success(), "{}", text(&o));
    let o = run(
        &env,
        &[
            "notify-exec",
            "--summary",
            sneaky,
            "--actions",
            "none",
            "--impact",
            "@everyone <!everyone>",
            "--eta",
            "unknown",
        ],
    )
    .await;
    assert!(o.status.success(), "{}", text(&o));
    let [note, exec] = [1, 2];
    let d = hooks.discord.posts();
    assert_eq!(d.len(), 3, "declare, note, exec update; once each: {d:?}");
    assert_eq!(hooks.mattermost.posts().len(), 3);
    assert_eq!(d[note]["allowed_mentions"]["parse"], serde_json::json!([]));
    for i in [note, exec] {
        let c = d[i]["content"].as_str().unwrap();
        assert!(!c.contains("@everyone") && !c.contains("@channel"), "{c:?}");
        assert_eq!(
            c.matches("@here").count(),
            usize::from(i == exec),
            "only inc's own @here: {c:?}"
        );
    }
    let m = hooks.mattermost.texts();
    for i in [note, exec] {
        let t = &m[i];
        for bad in [
            "@everyone",
            "@channel",
            "<!channel>",
            "<!here>",
            "<!everyone>",
        ] {
            assert!(!t.contains(bad), "{bad} in {t:?}");
        }
        assert_eq!(t.matches("@here").count(), usize::from(i == exec), "{t:?}");
    }
    assert!(
        m[note].contains("&lt;!channel&gt;"),
        "escaped like Slack: {:?}",
        m[note]
    );
    hooks.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn long_notes_fit_discords_limit() {
    let hooks = FakeHooks::start().await;
    let env = env_for(&hooks, "");
    env.declare("Checkout returns 500s", &[]);
    let long = "🔥 log line with details ".repeat(400);
    let o = run(&env, &["note", long.trim()]).await;
    assert!(o.status.success(), "{}", text(&o));
    let mut texts = hooks.discord.texts();
    assert_eq!(texts.len(), 2, "declare, then the note once");
    let c = texts.pop().unwrap();
    assert!(
        c.chars().count() <= 2000 && c.encode_utf16().count() <= 2000,
        "{}",
        c.len()
    );
    assert!(c.ends_with('…'));
    hooks.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_keep_urls_out_of_output_journal_and_outbox() {
    let hooks = FakeHooks::start().await;
    let mut env = env_for(
        &hooks,
        "\n[delivery]\ntimeout = \"1s\"\nretry_for = \"1s\"\nbackoff = \"50ms\"\n",
    );
    env.declare("Checkout returns 500s", &[]);
    // Teams keeps failing (transient), Mattermost echoes the secret path in a 404, Discord's
    // host is gone (connect error): every error text would hold the URL if inc let it.
    hooks.teams.fail_always(503);
    hooks.mattermost.fail_always(404);
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        format!("http://127.0.0.1:{port}{}", Kind::Discord.secret_path())
    };
    env.set(DISCORD_ENV, &dead);
    let o = run(&env, &["note", "Rolled back deploy 4411", "-vvv"]).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let all = text(&o);
    assert_no_secret(&hooks, &all, "a failed note");
    assert!(!all.contains(&dead), "{all}");
    assert!(all.contains("teams") && all.contains("HTTP 503"), "{all}");
    assert!(
        all.contains("mattermost") && all.contains("HTTP 404"),
        "{all}"
    );
    assert!(all.contains("could not connect"), "{all}");
    assert!(
        all.contains(&format!("${}", common::webhooks::MATTERMOST_ENV)),
        "names the variable to check: {all}"
    );

    // Every failure is kept (the 404 too: a deleted webhook is fixed outside inc), without
    // the URLs.
    let list = run(&env, &["outbox", "list", "--json"]).await;
    let doc = json(&list);
    let kept: Vec<&str> = doc["outbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["delivery"]["provider"].as_str().unwrap())
        .collect();
    assert!(
        kept.contains(&"teams") && kept.contains(&"discord") && kept.contains(&"mattermost"),
        "{doc}"
    );
    for args in [
        &["outbox", "list"][..],
        &["outbox", "retry", "-vvv"][..],
        &["note", "again", "--dry-run", "-vvv"][..],
    ] {
        let o = run(&env, args).await;
        let all = text(&o);
        assert_no_secret(&hooks, &all, &format!("inc {args:?}"));
        assert!(!all.contains(&dead), "{all}");
    }
    let state = state_text(&env);
    assert!(
        state.contains("\"discord\""),
        "the outbox holds the discord post"
    );
    assert_no_secret(&hooks, &state, "the state dir");
    assert!(
        !state.contains(&dead) && !state.contains("127.0.0.1"),
        "no URL in the state dir"
    );

    // Fixed: the outbox delivers them.
    hooks.teams.state.lock().unwrap().always = None;
    hooks.mattermost.state.lock().unwrap().always = None;
    env.set(DISCORD_ENV, &hooks.discord.url());
    let o = run(&env, &["outbox", "retry"]).await;
    assert!(o.status.success(), "{}", text(&o));
    for f in [&hooks.discord, &hooks.teams] {
        let texts = f.texts();
        assert_eq!(
            texts
                .iter()
                .filter(|t| t.contains("Rolled back deploy 4411"))
                .count(),
            1,
            "{}: delivered once: {texts:?}",
            f.kind.name()
        );
    }
    assert_eq!(
        hooks
            .mattermost
            .texts()
            .iter()
            .filter(|t| t.contains("Rolled back deploy 4411"))
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_variable_fails_that_webhook_only_and_is_kept() {
    let hooks = FakeHooks::start().await;
    let mut env = env_for(&hooks, "");
    env.declare("Checkout returns 500s", &[]);
    env.vars.retain(|(k, _)| k != TEAMS_ENV);
    let o = run(&env, &["note", "Rolled back deploy 4411", "--json"]).await;
    assert_eq!(o.status.code(), Some(3), "partly delivered: {}", text(&o));
    let doc = json(&o);
    let t = deliveries(&doc, "teams");
    assert_eq!(t[0]["ok"], false);
    assert!(
        t[0]["error"]
            .as_str()
            .unwrap()
            .contains("$INC_TEAMS_WEBHOOK is not set"),
        "{doc}"
    );
    assert!(
        t[0]["outbox"].is_string(),
        "kept until the variable is set: {doc}"
    );
    assert_eq!(deliveries(&doc, "discord")[0]["ok"], true);
    let notes = hooks
        .discord
        .texts()
        .iter()
        .filter(|t| t.contains("Rolled back deploy 4411"))
        .count();
    assert_eq!(notes, 1, "the other webhooks got the note once");
    // The webhook that failed is kept, not half-sent: the Teams fake never heard of it.
    assert_eq!(hooks.teams.requests(), 1, "only the declare reached Teams");
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_checks_configuration_and_posts_only_with_send_test() {
    let hooks = FakeHooks::start().await;
    let mut env = env_for(&hooks, "");
    let o = run(&env, &["doctor", "--json", "-vvv"]).await;
    let all = text(&o);
    assert!(o.status.success(), "{all}");
    assert_no_secret(&hooks, &all, "doctor");
    let doc = json(&o);
    for f in hooks.all() {
        let row = doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == format!("{} webhook", f.kind.name()))
            .unwrap_or_else(|| panic!("{doc}"));
        assert_eq!(row["ok"], true, "{row}");
        assert!(
            row["detail"].as_str().unwrap().contains(f.kind.env()),
            "{row}"
        );
    }
    assert!(!all.contains("no adapter"), "{all}");
    assert_eq!(
        hooks.all().iter().map(|f| f.requests()).sum::<usize>(),
        0,
        "doctor sends nothing by default"
    );

    let o = run(&env, &["doctor", "--send-test", "-vvv"]).await;
    let all = text(&o);
    assert!(o.status.success(), "{all}");
    assert_no_secret(&hooks, &all, "doctor --send-test");
    for f in hooks.all() {
        assert_eq!(f.posts().len(), 1, "{} got one test post", f.kind.name());
        assert!(f.texts()[0].contains("test message"));
    }
    hooks.assert_clean();

    // A bad URL or a missing variable is a failed check that names the variable, not the URL.
    env.set(
        TEAMS_ENV,
        &format!("http://example.com{}", Kind::Teams.secret_path()),
    );
    env.vars.retain(|(k, _)| k != DISCORD_ENV);
    let o = run(&env, &["doctor"]).await;
    let all = text(&o);
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(
        all.contains("$INC_TEAMS_WEBHOOK uses plain http://"),
        "{all}"
    );
    assert!(all.contains("$INC_DISCORD_WEBHOOK is not set"), "{all}");
    assert_no_secret(&hooks, &all, "doctor with a bad URL");
    assert!(
        env.state_files()
            .iter()
            .all(|p| !p.to_string_lossy().contains("outbox")),
        "test posts are never parked"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_shows_the_payload_but_not_the_url() {
    let hooks = FakeHooks::start().await;
    let env = env_for(&hooks, "");
    env.declare("Checkout returns 500s", &[]);
    let o = run(&env, &["note", "Rolled back deploy 4411", "--dry-run"]).await;
    let all = text(&o);
    assert!(o.status.success(), "{all}");
    for p in [
        "would send: teams post",
        "would send: mattermost post",
        "would send: discord post",
    ] {
        assert!(all.contains(p), "{p} in {all}");
    }
    assert_no_secret(&hooks, &all, "--dry-run");
    assert_eq!(
        hooks.discord.posts().len(),
        1,
        "only the declaration was sent"
    );
}

//! A provider that stays down, through the real `inc` binary and the spec-validating fakes
//! behind a fault-injecting proxy (issue 16 item 9, issue 17 item 4):
//! - the first command spends its retry budget, and the provider is remembered as down: the
//!   next commands make exactly one attempt there, queue, say since when it fails, and exit 3;
//!   once it is back, `inc outbox retry` delivers everything, once each and in order, and
//!   clears the mark;
//! - a note, a TODO or a severity change for a channel whose creation is still in the outbox
//!   (Slack was down at `declare`) is not dropped: it waits in the outbox behind the creation,
//!   and `inc outbox retry` posts it into the channel once it exists, after the roster.
//!
//! Attempts are counted at the proxy, records in the fakes.

mod common;

use std::sync::Arc;

use common::cmd::{TestEnv, json, run, text};
use common::faultproxy::{Fault, FaultProxy};
use common::pagerduty::{self as pd, FakePd};
use common::slack::FakeSlack;
use serde_json::Value;

const SLACK_500: &str = r#"{"ok":false,"error":"service_unavailable"}"#;
const POST: (&str, &str) = ("POST", "/api/chat.postMessage");

/// A budget small enough for a test, with room for several attempts in it.
const DELIVERY: &str = "[delivery]\ntimeout = \"1s\"\nretry_for = \"2s\"\nbackoff = \"50ms\"\n\n";

async fn inc_exit(env: &TestEnv, args: &[&str]) -> (i32, String, String) {
    let o = run(env, args).await;
    let (out, err) = text(&o);
    (o.status.code().unwrap_or(-1), out, err)
}

async fn outbox(env: &TestEnv) -> Vec<Value> {
    let o = run(env, &["outbox", "list", "--json"]).await;
    json(&o)["outbox"].as_array().cloned().unwrap_or_default()
}

/// The texts of a channel's messages, oldest first.
fn texts(slack: &FakeSlack, channel: &str) -> Vec<String> {
    slack
        .messages(channel)
        .into_iter()
        .map(|m| m.text)
        .collect()
}

fn count(texts: &[String], needle: &str) -> usize {
    texts.iter().filter(|t| t.contains(needle)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_provider_that_is_down_costs_one_budget_then_one_attempt_per_command() {
    let pd = FakePd::start().await;
    let slack = Arc::new(FakeSlack::start().await);
    let channel = slack.add_channel("incident-chat", false, true);
    let proxy = FaultProxy::start(&slack.server.uri()).await;
    let config = format!(
        "{DELIVERY}{}\n[slack]\napi_url = \"{}/api\"\nchannel = \"#incident-chat\"\nper_incident_channel = false\n",
        pd::pagerduty_table(&pd.uri(), ""),
        proxy.uri()
    );
    let mut env = TestEnv::with_config(&config);
    env.set("PAGERDUTY_TOKEN", pd::TOKEN)
        .set("SLACK_BOT_TOKEN", common::slack::TOKEN);
    let (code, _, err) = inc_exit(&env, &["declare", "Checkout is down", "--sev", "2", "-q"]).await;
    assert_eq!(code, 0, "{err}");

    // Slack answers 500 from now on.
    proxy.arm(POST.0, POST.1, Fault::answer(500, SLACK_500), usize::MAX);
    let posts = || proxy.seen(POST.0, POST.1).len();

    // The first command spends its budget on Slack, and says why it gave up.
    let before = posts();
    let (code, _, err) = inc_exit(&env, &["note", "first note: rolled back 4411"]).await;
    assert_eq!(code, 3, "PagerDuty took the note, Slack did not: {err}");
    let first = posts() - before;
    assert!(first > 2, "the whole budget: {first} attempts");
    assert!(err.contains("gave up after"), "{err}");
    assert!(!err.contains("failing since"), "{err}");

    // The next commands: exactly one attempt each, queued, saying since when.
    for args in [
        &["note", "second note: error rate falling"][..],
        &["todo", "third: write the customer update"][..],
    ] {
        let before = posts();
        let (code, _, err) = inc_exit(&env, args).await;
        assert_eq!(code, 3, "{args:?}: {err}");
        assert_eq!(posts() - before, 1, "{args:?}: one attempt to Slack");
        let said = err
            .lines()
            .find(|l| l.contains("Slack failing since"))
            .unwrap_or_else(|| panic!("{args:?}: no 'failing since' line: {err}"));
        assert!(
            said.contains(" UTC: queued as ") && said.contains("(`inc outbox retry`)"),
            "{said}"
        );
    }
    let kept = outbox(&env).await;
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert!(env.state.join("down/slack.json").exists());
    assert!(
        !env.state.join("down/pagerduty.json").exists(),
        "PagerDuty answered"
    );

    // Slack is back: everything is delivered, once each, in order, and Slack is no longer down.
    proxy.disarm();
    let (code, out, err) = inc_exit(&env, &["outbox", "retry"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(outbox(&env).await.is_empty());
    assert!(!env.state.join("down/slack.json").exists(), "mark cleared");
    let all = texts(&slack, &channel);
    for n in ["first note", "second note", "third: write"] {
        assert_eq!(count(&all, n), 1, "{n} once: {all:#?}");
    }
    let at = |n: &str| all.iter().position(|t| t.contains(n)).unwrap();
    assert!(
        at("first note") < at("second note") && at("second note") < at("third: write"),
        "in the order they were written: {all:#?}"
    );

    // And the next command goes straight through.
    let before = posts();
    let (code, _, err) = inc_exit(&env, &["note", "fourth note"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(posts() - before, 1);
    assert_eq!(count(&texts(&slack, &channel), "fourth note"), 1);
    pd.assert_clean();
    slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_page_to_a_pager_known_down_gets_its_whole_budget_and_call_them_now_at_once() {
    let pd = FakePd::start().await;
    let proxy = FaultProxy::start(&pd.uri()).await;
    let config = format!("{DELIVERY}{}", pd::pagerduty_table(&proxy.uri(), ""));
    let mut env = TestEnv::with_config(&config);
    env.set("PAGERDUTY_TOKEN", pd::TOKEN)
        .set("INC_NOW", "2026-11-26T23:37:00Z");
    let (code, _, err) = inc_exit(&env, &["oncall", "--ic"]).await;
    assert_eq!(code, 0, "{err}");
    let unavailable = r#"{"error":{"message":"Internal Server Error","code":2000}}"#;
    proxy.arm(
        "POST",
        "/incidents",
        Fault::answer(503, unavailable),
        usize::MAX,
    );
    let tries = || proxy.seen("POST", "/incidents").len();

    // The declaration's PagerDuty incident pages whoever is on call for its service: it gets
    // the whole budget, and its failure marks the REST API down.
    let before = tries();
    let (code, _, err) = inc_exit(&env, &["declare", "Payments down", "--sev", "1"]).await;
    assert_eq!(code, 1, "{err}");
    assert!(tries() - before > 2, "{err}");
    assert!(env.state.join("down/pagerduty.json").exists());

    // A page to the pager known down: still its whole budget (never given up early), and the
    // people to call are shown from the cache at once.
    let before = tries();
    let (code, out, err) = inc_exit(&env, &["page-ic", "-m", "Payments down"]).await;
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(tries() - before > 2, "a page is retried as always: {err}");
    assert!(
        err.contains("CALL THEM NOW") || out.contains("CALL THEM NOW"),
        "{out}\n{err}"
    );
    assert!(
        format!("{out}{err}").contains("PagerDuty failing since 23:37 UTC"),
        "why it says call: {out}\n{err}"
    );

    let mark: Value =
        serde_json::from_slice(&std::fs::read(env.state.join("down/pagerduty.json")).unwrap())
            .unwrap();
    assert_eq!(mark["since"], "2026-11-26T23:37:00Z");
    pd.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_note_while_the_channel_is_still_being_created_waits_behind_it() {
    let slack = Arc::new(FakeSlack::start().await);
    let proxy = FaultProxy::start(&slack.server.uri()).await;
    let config = format!(
        "{DELIVERY}[slack]\napi_url = \"{}/api\"\nper_incident_channel = true\nchannel_prefix = \"inc-\"\n",
        proxy.uri()
    );
    let mut env = TestEnv::with_config(&config);
    env.set("SLACK_BOT_TOKEN", common::slack::TOKEN);

    // Slack is down at declare: the channel's creation waits in the outbox.
    proxy.arm(
        "POST",
        "/api/conversations.create",
        Fault::answer(500, SLACK_500),
        usize::MAX,
    );
    let (code, _, err) = inc_exit(&env, &["declare", "Checkout is down", "--sev", "2"]).await;
    assert_eq!(code, 1, "{err}");
    let kept = outbox(&env).await;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["delivery"]["action"], "create_channel");
    let name = kept[0]["delivery"]["target"].as_str().unwrap().to_string();

    // A note, a TODO and a severity change: none is sent, each waits behind the channel, and
    // the command says so.
    let requests = proxy.log().len();
    for (args, what) in [
        (&["note", "Rolled back 4411"][..], "note"),
        (&["todo", "Tell support"][..], "todo"),
        (&["sev", "1"][..], "sev"),
    ] {
        let (code, _, err) = inc_exit(&env, args).await;
        assert_eq!(code, 3, "{what}: {err}");
        assert!(
            err.contains(&format!("behind the creation of {name}")),
            "{what}: {err}"
        );
        assert!(err.contains("`inc outbox retry`"), "{what}: {err}");
    }
    assert_eq!(
        proxy.log().len(),
        requests,
        "nothing was sent for a channel that does not exist"
    );
    let kept = outbox(&env).await;
    assert_eq!(kept.len(), 4, "{kept:#?}");
    assert_eq!(kept[0]["delivery"]["action"], "create_channel");
    let creation = kept[0]["delivery"]["dedup_key"].clone();
    for e in &kept[1..] {
        assert_eq!(e["after"], creation, "waits behind the channel: {e}");
    }

    // Slack is back: the channel, then its roster, then what waited, in order, once each.
    proxy.disarm();
    let (code, out, err) = inc_exit(&env, &["outbox", "retry"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(outbox(&env).await.is_empty());
    let channels = slack.channels();
    assert_eq!(channels.len(), 1, "one channel: {channels:?}");
    assert_eq!(format!("#{}", channels[0].name), name);
    let all = texts(&slack, &channels[0].id);
    let at = |needle: &str| {
        let found: Vec<usize> = all
            .iter()
            .enumerate()
            .filter(|(_, t)| t.contains(needle))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(found.len(), 1, "{needle:?} exactly once: {all:#?}");
        found[0]
    };
    let roster = at("Major incident declared");
    let note = at("Rolled back 4411");
    let todo = at("Tell support");
    let sev = at("Severity raised");
    assert!(
        roster < note && note < todo && todo < sev,
        "roster, then in order: {all:#?}"
    );
    // The posts went into the channel's id, not its name.
    let posted_to: Vec<String> = slack.posts().into_iter().map(|(ch, _, _)| ch).collect();
    assert!(
        posted_to.iter().all(|c| *c == channels[0].id),
        "{posted_to:?}"
    );

    // A later note goes straight into the channel.
    let (code, _, err) = inc_exit(&env, &["note", "Error rate back to normal"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(count(&texts(&slack, &channels[0].id), "Error rate back"), 1);
    slack.assert_clean();
}

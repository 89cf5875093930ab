//! What changed before the incident (SPEC "What changed", issue 20): `inc changes`, the
//! changes in `inc status` and the declaration, `--cite N` in the post-mortem, and
//! `inc service add`, against a GitHub fake held to GitHub's REST description, the PagerDuty
//! fake held to PagerDuty's (change events included) and the Slack fake held to Slack's.

mod common;

use std::process::Output;

use common::cmd::{TestEnv, text};
use common::github::{FakeGithub, RateLimit};
use common::pagerduty::FakePd;
use common::slack::FakeSlack;
use serde_json::{Value, json};

/// The incident is declared at 03:04 UTC; the commands after it run at 03:10.
const DECLARED: &str = "2026-11-26T03:04:00Z";
const LATER: &str = "2026-11-26T03:10:00Z";

/// A config with PagerDuty and GitHub (and `extra` lines in `[changes]`); the delivery
/// timeout (each source's budget) is 5 s.
fn config(pd: &FakePd, gh: &FakeGithub, extra: &str, services: &str) -> String {
    format!(
        "[delivery]\ntimeout = \"5s\"\nretry_for = \"10s\"\nbackoff = \"50ms\"\n\n{}\n\
         [changes]\nwindow = \"4h\"\ngithub = {{ api_url = \"{}\", token_env = \"GITHUB_TOKEN\" }}\n{extra}\n\n\
         [changes.services]\n{services}\n",
        common::pagerduty::pagerduty_table(&pd.uri(), ""),
        gh.uri()
    )
}

const SERVICES: &str = "checkout = { pagerduty = \"PCHKOUT\", github = [\"acme/checkout\", \"acme/checkout-config\"] }\n\
                        web = { github = [\"acme/web\"] }";

fn env_for(config: &str) -> TestEnv {
    let mut env = TestEnv::with_config(config);
    env.set("PAGERDUTY_TOKEN", common::pagerduty::TOKEN)
        .set("GITHUB_TOKEN", common::github::TOKEN)
        .set("SLACK_BOT_TOKEN", common::slack::TOKEN)
        .set("INC_USER", "ann@example.com");
    env
}

async fn run_at(env: &TestEnv, at: &str, args: &[&str]) -> Output {
    let mut cmd = env.inc();
    cmd.env("INC_NOW", at).args(args);
    tokio::task::spawn_blocking(move || cmd.output().expect("run inc"))
        .await
        .unwrap()
}

#[track_caller]
fn ok(o: &Output) -> Value {
    let (out, err) = text(o);
    assert!(o.status.success(), "exit {:?}\n{out}\n{err}", o.status);
    serde_json::from_str(&out).unwrap_or(Value::Null)
}

async fn declare(env: &TestEnv, services: &[&str]) -> String {
    let mut args = vec!["declare", "Checkout returns 500s", "--sev", "1", "--json"];
    for s in services {
        args.extend(["--service", s]);
    }
    let doc = ok(&run_at(env, DECLARED, &args).await);
    doc["incident"]["id"].as_str().unwrap().to_string()
}

/// The summaries of `inc changes --json`, in order.
fn summaries(doc: &Value) -> Vec<String> {
    doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["summary"].as_str().unwrap().to_string())
        .collect()
}

/// The deploys, releases and change events the tests read: two repositories of `checkout`
/// (one deploy outside the window, one after the start), a PagerDuty change event, and a
/// `web` deploy that no test about `checkout` may read.
fn history(gh: &FakeGithub, pd: &FakePd) {
    gh.deploy(
        "acme/checkout",
        100,
        "v2.13.9",
        "production",
        "2026-11-25T22:30:00Z",
        "bob",
    );
    gh.deploy(
        "acme/checkout",
        101,
        "v2.14.0",
        "production",
        "2026-11-26T02:41:00Z",
        "ann",
    );
    gh.status(
        "acme/checkout",
        101,
        "in_progress",
        "2026-11-26T02:41:10Z",
        "https://ci.example/run/40",
    );
    gh.status(
        "acme/checkout",
        101,
        "success",
        "2026-11-26T02:43:00Z",
        "https://ci.example/run/41",
    );
    gh.deploy(
        "acme/checkout",
        102,
        "v2.14.1",
        "production",
        "2026-11-26T03:07:00Z",
        "cat",
    );
    gh.release("acme/checkout", 5, "v2.14.0", "2026-11-26T02:30:00Z", "ann");
    gh.deploy(
        "acme/checkout-config",
        201,
        "main",
        "production",
        "2026-11-26T01:12:00Z",
        "dan",
    );
    gh.status(
        "acme/checkout-config",
        201,
        "failure",
        "2026-11-26T01:13:00Z",
        "https://ci.example/run/39",
    );
    gh.deploy(
        "acme/web",
        301,
        "v9",
        "production",
        "2026-11-26T02:50:00Z",
        "eve",
    );
    pd.change_event(
        "PCHKOUT",
        "01CHG1",
        "Flag eu_card_v2 on",
        "2026-11-26T01:30:00Z",
        "https://flags.example/eu_card_v2",
    );
    pd.change_event(
        "PCHKOUT",
        "01CHG0",
        "Old flag",
        "2026-11-25T20:00:00Z",
        "https://flags.example/old",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deploys_in_the_window_from_two_repositories_and_pagerduty_newest_first() {
    let (pd, gh) = (FakePd::start().await, FakeGithub::start().await);
    history(&gh, &pd);
    let env = env_for(&config(&pd, &gh, "", SERVICES));
    declare(&env, &["checkout"]).await;

    let doc = ok(&run_at(&env, LATER, &["changes", "--json"]).await);
    assert_eq!(
        summaries(&doc),
        [
            "deploy v2.14.1 → production",
            "deploy v2.14.0 → production",
            "release v2.14.0",
            "Flag eu_card_v2 on",
            "deploy main → production",
        ],
        "{doc:#}"
    );
    let c = &doc["changes"];
    assert_eq!(c[0]["before_start"], "after start");
    assert_eq!(c[1]["before_start"], "23m before");
    assert_eq!(c[1]["offset_seconds"], -23 * 60);
    assert_eq!(c[1]["status"], "success", "the latest status: {doc:#}");
    assert_eq!(c[1]["url"], "https://ci.example/run/41");
    assert_eq!(c[1]["who"], "ann");
    assert_eq!(c[1]["service"], "checkout");
    assert_eq!(c[1]["source"], "github");
    assert_eq!(c[1]["n"], 2);
    assert_eq!(c[3]["source"], "pagerduty");
    assert_eq!(c[3]["url"], "https://flags.example/eu_card_v2");
    assert_eq!(c[4]["status"], "failure");
    assert_eq!(doc["services"], json!(["checkout"]));
    assert_eq!(doc["since"], "2026-11-25T23:04:00Z");
    // Only the affected service's repositories are read.
    assert_eq!(gh.requests_of("GET /repos/acme/web/deployments"), 0);
    assert_eq!(
        gh.requests_of("GET /repos/acme/checkout-config/deployments"),
        1
    );
    // PagerDuty was asked for exactly the window, in UTC.
    let asked: Vec<_> = pd
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path == "/services/PCHKOUT/change_events")
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].contains(&("since".into(), "2026-11-25T23:04:00Z".into())),
        "{asked:?}"
    );
    assert!(
        asked[0].contains(&("until".into(), "2026-11-26T03:10:00Z".into())),
        "{asked:?}"
    );

    // The table, as a pipe reads it: one line per change, newest first.
    let o = run_at(&env, LATER, &["changes"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(
        lines[0].starts_with("1\t03:07\tafter start\tcheckout\tgithub\tdeploy v2.14.1"),
        "{out}"
    );
    assert!(
        lines[1].contains("23m before") && lines[1].contains("(success, ann)"),
        "{out}"
    );
    assert!(
        lines[4].contains("1h52m before") && lines[4].contains("failure"),
        "{out}"
    );
    assert!(err.contains("5 changes on checkout"), "{err}");
    // `--service` narrows; an unknown one is exit 2 naming the known ones, before any read.
    let doc = ok(&run_at(&env, LATER, &["changes", "--service", "web", "--json"]).await);
    assert_eq!(summaries(&doc), ["deploy v9 → production"]);
    let before = gh.total_requests();
    let o = run_at(&env, LATER, &["changes", "--service", "chekout"]).await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(
        text(&o).1.contains("known: checkout, web"),
        "{}",
        text(&o).1
    );
    assert_eq!(gh.total_requests(), before);
    gh.assert_clean();
    pd.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn pagination_stops_once_past_the_window() {
    let (pd, gh) = (FakePd::start().await, FakeGithub::start().await);
    // 400 deployments a minute apart, newest at 03:00: those back to 23:04 are in the window.
    let start: jiff::Timestamp = "2026-11-26T03:00:00Z".parse().unwrap();
    for i in 0..400u64 {
        let at = start - jiff::SignedDuration::from_mins(i as i64);
        gh.deploy(
            "acme/big",
            1000 + i,
            &format!("b{i}"),
            "production",
            &at.to_string(),
            "ci",
        );
    }
    let env = env_for(&config(&pd, &gh, "", "big = { github = [\"acme/big\"] }"));
    declare(&env, &["big"]).await;
    let doc = ok(&run_at(&env, LATER, &["changes", "--json"]).await);
    // 03:00 back to 23:04 inclusive: 237 deployments.
    assert_eq!(doc["changes"].as_array().unwrap().len(), 237);
    assert_eq!(
        gh.pages_of("/repos/acme/big/deployments"),
        ["1", "2", "3"],
        "page 3 holds the window's start; page 4 is never read"
    );
    let statuses = gh
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path.ends_with("/statuses"))
        .count();
    assert!(
        statuses <= 10,
        "{statuses} status reads: at most 10 per repository"
    );
    gh.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_without_change_events_is_told_once_and_not_asked_for_a_day() {
    let (pd, gh) = (FakePd::start().await, FakeGithub::start().await);
    history(&gh, &pd);
    pd.state.lock().unwrap().no_change_events = true;
    let services = "checkout = { pagerduty = \"PCHKOUT\", github = [\"acme/checkout\"] }\n\
                    payments = { pagerduty = \"PPAYMNT\" }";
    let env = env_for(&config(&pd, &gh, "", services));
    let id = declare(&env, &["checkout", "payments"]).await;

    let o = run_at(&env, LATER, &["changes", "--json"]).await;
    let doc = ok(&o);
    let err = text(&o).1;
    assert_eq!(
        err.matches("not available to this account").count(),
        1,
        "{err}"
    );
    assert!(err.contains("AIOps"), "{err}");
    assert_eq!(
        summaries(&doc).len(),
        3,
        "GitHub's changes are shown: {doc:#}"
    );
    let asked = |pd: &FakePd| {
        pd.requests_of("GET /services/PCHKOUT/change_events")
            + pd.requests_of("GET /services/PPAYMNT/change_events")
    };
    assert_eq!(asked(&pd), 2);

    // Without this incident's cached reading (and for another incident), nothing is asked
    // again and nothing is said again.
    std::fs::remove_file(env.state.join("changes").join(format!("{id}.json"))).unwrap();
    for args in [&["changes", "--json"][..], &["status", "--json"][..]] {
        let o = run_at(&env, LATER, args).await;
        let doc = ok(&o);
        assert!(!text(&o).1.contains("not available"), "{}", text(&o).1);
        assert_eq!(asked(&pd), 2, "PagerDuty asked again by {args:?}");
        let sources = if args[0] == "status" {
            &doc["changes"]["sources"]
        } else {
            &doc["sources"]
        };
        assert!(
            sources
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["source"] == "pagerduty" && s["state"] == "unavailable"),
            "{doc:#}"
        );
    }
    gh.assert_clean();
    pd.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repository_that_404s_or_refuses_the_token_is_one_warning_and_the_rest_is_shown() {
    let (pd, gh) = (FakePd::start().await, FakeGithub::start().await);
    gh.deploy(
        "acme/web",
        301,
        "v9",
        "production",
        "2026-11-26T02:50:00Z",
        "eve",
    );
    gh.add_repo("acme/private");
    gh.forbid("acme/private");
    let services = "web = { github = [\"acme/web\", \"acme/ghost\", \"acme/private\"] }";
    let env = env_for(&config(&pd, &gh, "", services));
    declare(&env, &["web"]).await;
    let o = run_at(&env, LATER, &["changes", "--json"]).await;
    let doc = ok(&o);
    let err = text(&o).1;
    assert_eq!(summaries(&doc), ["deploy v9 → production"]);
    assert_eq!(
        err.matches("acme/ghost").count(),
        1,
        "one warning naming it: {err}"
    );
    assert!(
        err.contains("GitHub acme/ghost: not found, or not visible with this token"),
        "{err}"
    );
    assert_eq!(err.matches("acme/private").count(), 1, "{err}");
    assert!(err.contains("the token has no access"), "{err}");
    assert!(!err.contains(common::github::TOKEN));
    gh.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_github_is_waited_out_within_the_budget() {
    let (pd, gh) = (FakePd::start().await, FakeGithub::start().await);
    gh.deploy(
        "acme/web",
        301,
        "v9",
        "production",
        "2026-11-26T02:50:00Z",
        "eve",
    );
    let env = env_for(&config(&pd, &gh, "", "web = { github = [\"acme/web\"] }"));
    declare(&env, &["web"]).await;
    // A secondary rate limit (403, retry-after) and a primary one (429, remaining 0 and the
    // reset time): both waited out, and the change is shown.
    let reset = jiff::Timestamp::now().as_second() + 1;
    gh.rate_limit(RateLimit {
        status: 403,
        headers: vec![("retry-after".into(), "1".into())],
        message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.".into(),
    });
    gh.rate_limit(RateLimit {
        status: 429,
        headers: vec![
            ("x-ratelimit-remaining".into(), "0".into()),
            ("x-ratelimit-reset".into(), reset.to_string()),
        ],
        message: "API rate limit exceeded for user ID 1.".into(),
    });
    let o = run_at(&env, LATER, &["changes", "--json"]).await;
    let doc = ok(&o);
    assert_eq!(
        summaries(&doc),
        ["deploy v9 → production"],
        "{}",
        text(&o).1
    );
    assert!(!text(&o).1.contains("rate limit"), "{}", text(&o).1);
    // 2 limited + deployments, statuses, releases.
    assert_eq!(gh.total_requests(), 5);

    // A wait past the budget is not waited for: one warning, the rest shown.
    std::fs::remove_dir_all(env.state.join("changes")).unwrap();
    for _ in 0..2 {
        gh.rate_limit(RateLimit {
            status: 429,
            headers: vec![("retry-after".into(), "120".into())],
            message: "API rate limit exceeded for user ID 1.".into(),
        });
    }
    let o = run_at(&env, LATER, &["changes", "--json"]).await;
    let doc = ok(&o);
    let err = text(&o).1;
    assert_eq!(err.matches("GitHub acme/web").count(), 1, "{err}");
    assert!(err.contains("not waited for"), "{err}");
    assert!(doc["changes"].as_array().unwrap().len() <= 1);
    gh.assert_clean();
}

/// No byte that drives a terminal: ESC, the other C0 controls but newline and tab, DEL, C1.
fn assert_no_controls(what: &str, s: &str) {
    if let Some(c) = s
        .chars()
        .find(|c| c.is_control() && *c != '\n' && *c != '\t')
    {
        panic!(
            "{what} holds U+{:04X}: {:?}",
            c as u32,
            &s[..s.len().min(300)]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_megabyte_summary_with_ansi_escapes_is_one_clean_bounded_line() {
    let (pd, gh) = (FakePd::start().await, FakeGithub::start().await);
    gh.deploy(
        "acme/web",
        301,
        "v9\u{1b}]0;pwned\u{7}",
        "production",
        "2026-11-26T02:50:00Z",
        "eve\u{1b}[2J",
    );
    let mut huge = String::from("\u{1b}[31mDROP TABLE\u{1b}[0m\r\n\u{9b}2J");
    while huge.len() < 1_048_576 {
        huge.push_str("lorem ipsum \u{1b}[1m dolor\n");
    }
    gh.set_deploy_field("acme/web", 301, "description", json!(huge));
    gh.release("acme/web", 7, "v9\u{1b}[5m", "2026-11-26T02:55:00Z", "eve");
    let env = env_for(&config(&pd, &gh, "", "web = { github = [\"acme/web\"] }"));
    declare(&env, &["web"]).await;
    let doc = ok(&run_at(&env, LATER, &["changes", "--json"]).await);
    for c in doc["changes"].as_array().unwrap() {
        let s = c["summary"].as_str().unwrap();
        assert!(s.chars().count() <= 200, "{} characters", s.chars().count());
        assert_no_controls("summary", s);
        assert_no_controls("who", c["who"].as_str().unwrap_or(""));
    }
    assert!(
        doc["changes"][1]["summary"]
            .as_str()
            .unwrap()
            .starts_with("deploy v9 → production: DROP TABLE lorem ipsum dolor")
    );
    for args in [&["changes"][..], &["status"][..]] {
        let o = run_at(&env, LATER, args).await;
        let (out, err) = text(&o);
        assert!(o.status.success(), "{err}");
        assert_no_controls("stdout", &out);
        assert_no_controls("stderr", &err);
        assert!(out.len() < 10_000, "{} bytes", out.len());
    }
    // Cited, the change reaches the journal and the post-mortem as clean as it was shown.
    ok(&run_at(&env, LATER, &["changes", "--cite", "2"]).await);
    let journal = std::fs::read_dir(env.state.join("incidents"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let j = std::fs::read_to_string(journal).unwrap();
    assert!(
        !j.contains("\\u001b") && !j.contains("\u{1b}"),
        "the journal holds an escape"
    );
    assert!(j.len() < 20_000, "{} bytes", j.len());
    gh.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn status_shows_the_three_latest_under_the_roles_and_rereads_after_a_minute_only() {
    let (pd, gh) = (FakePd::start().await, FakeGithub::start().await);
    history(&gh, &pd);
    let env = env_for(&config(&pd, &gh, "", SERVICES));
    declare(&env, &["checkout"]).await;
    let o = run_at(&env, LATER, &["status"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(needle))
            .unwrap_or_else(|| panic!("no {needle} line:\n{out}"))
    };
    let changes = at("changes");
    assert!(changes > at("scribe"), "under the roles:\n{out}");
    assert!(lines[changes].contains("5 on checkout"), "{out}");
    assert!(
        lines[changes + 1].contains("03:07") && lines[changes + 1].contains("after start"),
        "{out}"
    );
    assert!(
        lines[changes + 2].contains("v2.14.0 → production")
            && lines[changes + 2].contains("23m before"),
        "{out}"
    );
    assert!(lines[changes + 3].contains("release v2.14.0"), "{out}");
    assert!(!out.contains("Flag eu_card_v2"), "three, not more:\n{out}");
    assert!(
        changes + 4 < lines.len() && lines[changes + 4].starts_with("pagerduty"),
        "{out}"
    );
    // JSON: the latest three and how many there are.
    let before = gh.total_requests();
    let doc = ok(&run_at(&env, LATER, &["status", "--json"]).await);
    assert_eq!(doc["changes"]["total"], 5);
    assert_eq!(doc["changes"]["latest"].as_array().unwrap().len(), 3);
    assert_eq!(
        doc["changes"]["latest"][0]["summary"],
        "deploy v2.14.1 → production"
    );
    // A reading under a minute old is reused: no request at all.
    assert_eq!(
        gh.total_requests(),
        before,
        "the second status re-read GitHub"
    );
    assert!(
        doc["changes"]["sources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["state"] == "cached"),
        "{doc:#}"
    );
    gh.assert_clean();
    pd.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn with_no_source_configured_nothing_is_read_or_written() {
    let pd = FakePd::start().await;
    let mut env = TestEnv::with_config(&pd.config(""));
    env.set("PAGERDUTY_TOKEN", common::pagerduty::TOKEN);
    ok(&run_at(
        &env,
        DECLARED,
        &["declare", "Slow API", "--sev", "2", "--json"],
    )
    .await);
    let doc = ok(&run_at(&env, LATER, &["status", "--json"]).await);
    assert!(doc.get("changes").is_none(), "{doc:#}");
    assert!(!env.state.join("changes").exists());
    let o = run_at(&env, LATER, &["changes"]).await;
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(
        text(&o).1.contains("no change source is configured"),
        "{}",
        text(&o).1
    );
    assert!(text(&o).0.is_empty());
    // `--service` with no services configured: exit 2, nothing written.
    let before = env.state_files();
    let o = run_at(&env, LATER, &["declare", "Another", "--service", "web"]).await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(
        text(&o).1.contains("no services are configured"),
        "{}",
        text(&o).1
    );
    assert_eq!(env.state_files(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn services_are_checked_recorded_posted_and_synced_to_another_responder() {
    let (pd, gh, slack) = (
        FakePd::start().await,
        FakeGithub::start().await,
        FakeSlack::start().await,
    );
    history(&gh, &pd);
    let config = format!(
        "{}\n[slack]\napi_url = \"{}\"\nper_incident_channel = true\nchannel_prefix = \"inc-\"\n",
        config(&pd, &gh, "", SERVICES),
        slack.api_url()
    );
    let a = env_for(&config);
    // An unknown name: exit 2 listing the known ones, nothing sent or written.
    let o = run_at(
        &a,
        DECLARED,
        &["declare", "Checkout down", "--service", "payments"],
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(
        text(&o).1.contains(
            "--service payments: not a service of [changes.services] (known: checkout, web)"
        ),
        "{}",
        text(&o).1
    );
    assert!(a.state_files().is_empty());
    assert!(pd.requests.lock().unwrap().is_empty() && slack.posts().is_empty());

    let id = declare(&a, &["checkout"]).await;
    let roster = slack.posts()[0].1.clone();
    assert!(roster.contains("Affected service: checkout"), "{roster}");
    // No reading holds up the declaration: it read nothing.
    assert_eq!(gh.total_requests(), 0);
    let channel = slack.channels()[0].id.clone();

    // B attaches on another machine and sees the service.
    let mut b = env_for(&config);
    b.set("INC_USER", "bob@example.com");
    ok(&run_at(&b, LATER, &["attach", &channel, "--json"]).await);
    let doc = ok(&run_at(&b, LATER, &["show", "--json"]).await);
    assert_eq!(doc["incident"]["services"], json!(["checkout"]), "{doc:#}");

    // A adds `web` (and `checkout` again: said once); B's next reading has both.
    let o = run_at(&a, LATER, &["service", "add", "web", "checkout", "--json"]).await;
    let doc = ok(&o);
    assert_eq!(doc["added"], json!(["web"]));
    let posted: Vec<_> = slack
        .posts()
        .into_iter()
        .filter(|p| p.1.contains("Affected service: web"))
        .collect();
    assert_eq!(posted.len(), 1, "{:?}", slack.posts());
    let o = run_at(&a, LATER, &["service", "add", "nope"]).await;
    assert_eq!(o.status.code(), Some(2));
    let doc = ok(&run_at(&b, LATER, &["changes", "--json"]).await);
    assert_eq!(doc["services"], json!(["checkout", "web"]), "{doc:#}");
    assert!(summaries(&doc).contains(&"deploy v9 → production".to_string()));
    let doc = ok(&run_at(&a, LATER, &["show", "--json", "--incident", &id]).await);
    assert_eq!(doc["incident"]["services"], json!(["checkout", "web"]));
    gh.assert_clean();
    pd.assert_clean();
    slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cited_change_is_a_contributing_factor_with_its_link_exactly_once() {
    let (pd, gh, slack) = (
        FakePd::start().await,
        FakeGithub::start().await,
        FakeSlack::start().await,
    );
    history(&gh, &pd);
    let config = format!(
        "{}\n[slack]\napi_url = \"{}\"\nper_incident_channel = true\nchannel_prefix = \"inc-\"\n",
        config(&pd, &gh, "", SERVICES),
        slack.api_url()
    );
    let a = env_for(&config);
    let id = declare(&a, &["checkout"]).await;
    ok(&run_at(&a, LATER, &["changes"]).await);
    // N out of the list: exit 2, nothing recorded.
    let o = run_at(&a, LATER, &["changes", "--cite", "9"]).await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(
        text(&o).1.contains("the list has 5 changes"),
        "{}",
        text(&o).1
    );
    // A new deploy after the listing does not shift what N names.
    gh.deploy(
        "acme/checkout",
        103,
        "v2.14.2",
        "production",
        "2026-11-26T03:09:00Z",
        "cat",
    );
    let doc = ok(&run_at(&a, LATER, &["changes", "--cite", "2", "--json"]).await);
    assert_eq!(
        doc["change"]["summary"], "deploy v2.14.0 → production",
        "{doc:#}"
    );
    assert_eq!(doc["already"], false);
    let said: Vec<_> = slack
        .posts()
        .into_iter()
        .filter(|p| p.1.starts_with("Suspected cause:"))
        .collect();
    assert_eq!(said.len(), 1, "{:?}", slack.posts());
    assert!(
        said[0].1.contains("https://ci.example/run/41"),
        "{}",
        said[0].1
    );
    let pd_notes = pd.notes_of("PINC001");
    assert!(
        pd_notes.iter().any(|n| n["content"]
            .as_str()
            .unwrap()
            .starts_with("Suspected cause:")),
        "{pd_notes:?}"
    );
    // Cited again (by A, then by B on another machine): still one contributing factor.
    let doc = ok(&run_at(&a, LATER, &["changes", "--cite", "2", "--json"]).await);
    assert_eq!(doc["already"], true);
    let channel = slack.channels()[0].id.clone();
    let mut b = env_for(&config);
    b.set("INC_USER", "bob@example.com");
    ok(&run_at(&b, LATER, &["attach", &channel, "--json"]).await);
    let doc = ok(&run_at(&b, LATER, &["show", "--json"]).await);
    assert_eq!(
        doc["incident"]["suspected_causes"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "synced: {doc:#}"
    );

    let o = run_at(
        &a,
        "2026-11-26T05:00:00Z",
        &["postmortem", "new", "--owner", "ann@example.com", "--json"],
    )
    .await;
    let pm = ok(&o);
    let path = pm["postmortem"]["path"]
        .as_str()
        .or(pm["postmortem"]["path_or_url"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no path: {pm:#}"));
    let text = std::fs::read_to_string(a.home.path().join(&path))
        .or_else(|_| std::fs::read_to_string(&path))
        .unwrap();
    let section = |from: &str, to: &str| {
        let s = &text[text.find(from).unwrap()..];
        s[..s.find(to).unwrap()].to_string()
    };
    let factors = section("## Contributing factors", "## Resolution");
    assert_eq!(
        factors.matches("https://ci.example/run/41").count(),
        1,
        "{factors}"
    );
    assert_eq!(
        factors.matches("deploy v2.14.0 → production").count(),
        1,
        "{factors}"
    );
    assert!(
        factors.contains("2026-11-26 02:41 UTC (23m before), checkout, github"),
        "{factors}"
    );
    assert!(
        !text.to_lowercase().contains("root cause:"),
        "no root cause label"
    );
    // Its time is in the timeline, with its link.
    let timeline = section("## Timeline", "## How'd we do?");
    let row = timeline
        .lines()
        .find(|l| l.contains("2026-11-26 02:41:00"))
        .unwrap_or_else(|| panic!("no row at the change's time:\n{timeline}"));
    assert!(
        row.contains("suspected cause") && row.contains("[link](https://ci.example/run/41)"),
        "{row}"
    );
    assert_eq!(
        timeline.matches("deploy v2.14.0 → production").count(),
        1,
        "{timeline}"
    );
    let _ = id;
    gh.assert_clean();
    pd.assert_clean();
    slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_declaration_posts_the_changes_already_in_hand_with_the_roster() {
    let (pd, gh, slack) = (
        FakePd::start().await,
        FakeGithub::start().await,
        FakeSlack::start().await,
    );
    history(&gh, &pd);
    let config = format!(
        "{}\n[slack]\napi_url = \"{}\"\nper_incident_channel = true\nchannel_prefix = \"inc-\"\n",
        config(&pd, &gh, "", SERVICES),
        slack.api_url()
    );
    let a = env_for(&config);
    // 03:00: the IC is paged; the responder names the service and looks at what changed.
    ok(&run_at(
        &a,
        "2026-11-26T03:00:00Z",
        &["page-ic", "-m", "checkout 500s", "--json"],
    )
    .await);
    ok(&run_at(
        &a,
        "2026-11-26T03:01:00Z",
        &["service", "add", "checkout", "--json"],
    )
    .await);
    ok(&run_at(&a, "2026-11-26T03:02:00Z", &["changes", "--json"]).await);
    let read = gh.total_requests();
    // 03:04: the declaration adopts the page, and posts what is in hand without reading.
    ok(&run_at(
        &a,
        DECLARED,
        &["declare", "Checkout returns 500s", "--sev", "1", "--json"],
    )
    .await);
    assert_eq!(gh.total_requests(), read, "the declaration read GitHub");
    let roster = slack
        .posts()
        .into_iter()
        .find(|p| p.1.contains("Roster:"))
        .expect("the roster post")
        .1;
    assert!(roster.contains("Affected service: checkout"), "{roster}");
    assert!(
        roster.contains("Latest changes on the affected services:"),
        "{roster}"
    );
    assert!(
        roster.contains("deploy v2.14.0 → production (success, ann) https://ci.example/run/41"),
        "{roster}"
    );
    assert_eq!(
        roster.matches("• ").count(),
        3,
        "the latest three: {roster}"
    );
    gh.assert_clean();
    slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn announcements_in_the_deploy_channel_that_name_a_service() {
    let (pd, gh, slack) = (
        FakePd::start().await,
        FakeGithub::start().await,
        FakeSlack::start().await,
    );
    let deploys = slack.add_channel("deploys", false, true);
    let ts = |t: &str| {
        format!(
            "{}.000100",
            t.parse::<jiff::Timestamp>().unwrap().as_second()
        )
    };
    slack.add_message_at(
        &deploys,
        &ts("2026-11-25T22:00:00Z"),
        "Deployed checkout v2.12 (too early)",
        "UCI",
    );
    slack.add_message_at(
        &deploys,
        &ts("2026-11-26T02:45:00Z"),
        "Deployed *checkout* v2.14.0 to production <https://ci.example/run/7|run 7>",
        "UCI",
    );
    slack.add_message_at(
        &deploys,
        &ts("2026-11-26T02:46:00Z"),
        "Deployed web v9",
        "UCI",
    );
    slack.add_message_at(
        &deploys,
        &ts("2026-11-26T02:47:00Z"),
        "lunch anyone?",
        "UANN",
    );
    let config = format!(
        "{}\n[slack]\napi_url = \"{}\"\nchannel = \"#incident-chat\"\n",
        config(&pd, &gh, "announcements = [\"#deploys\"]", SERVICES),
        slack.api_url()
    );
    slack.add_channel("incident-chat", false, true);
    let env = env_for(&config);
    declare(&env, &["checkout"]).await;
    let doc = ok(&run_at(&env, LATER, &["changes", "--json", "--service", "checkout"]).await);
    let from_slack: Vec<&Value> = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["source"] == "slack")
        .collect();
    assert_eq!(from_slack.len(), 1, "{doc:#}");
    assert_eq!(
        from_slack[0]["summary"],
        "Deployed *checkout* v2.14.0 to production run 7"
    );
    assert_eq!(from_slack[0]["url"], "https://ci.example/run/7");
    assert_eq!(from_slack[0]["service"], "checkout");
    assert_eq!(from_slack[0]["kind"], "announcement");
    slack.assert_clean();
    gh.assert_clean();
}

/// A Matrix deploy room, on a real Synapse: the messages that name a service, read backwards
/// from the room's end, each with its link; inc's own posts and other services' are left out.
#[tokio::test(flavor = "multi_thread")]
async fn announcements_in_a_matrix_room_on_a_real_synapse() {
    use common::synapse::synapse;
    let s = synapse();
    let local = format!("deploys-{}", fastrand::u32(10_000..99_999));
    let (alias, room) = s.reader_room(&local);
    for (i, text) in [
        "Deployed web v9",
        "Deployed checkout v2.14.0 to production: https://ci.example/run/7",
        "\u{1b}[31mrollback\u{1b}[0m of checkout done",
    ]
    .iter()
    .enumerate()
    {
        s.call(
            "PUT",
            &format!(
                "/_matrix/client/v3/rooms/{}/send/m.room.message/bench{i}{local}",
                common::synapse::enc(&room)
            ),
            &s.reader_token,
            Some(&json!({ "msgtype": "m.text", "body": text })),
        );
    }
    let config = format!(
        "[matrix]\nhomeserver = \"{}\"\nper_incident_room = true\n\n[changes]\nannouncements = [\"{alias}\"]\n\n\
         [changes.services]\ncheckout = {{}}\nweb = {{}}\n",
        s.url
    );
    let mut env = TestEnv::with_config(&config);
    env.set("MATRIX_ACCESS_TOKEN", &s.bot_token);
    let o = common::cmd::run(
        &env,
        &[
            "declare",
            "Checkout down",
            "--sev",
            "2",
            "--service",
            "checkout",
            "--json",
        ],
    )
    .await;
    ok(&o);
    let o = common::cmd::run(&env, &["changes", "--json"]).await;
    let doc = ok(&o);
    assert_eq!(
        summaries(&doc),
        [
            "rollback of checkout done",
            "Deployed checkout v2.14.0 to production: https://ci.example/run/7"
        ],
        "{doc:#}\n{}",
        text(&o).1
    );
    let c = &doc["changes"][1];
    assert_eq!(c["source"], "matrix");
    assert_eq!(c["url"], "https://ci.example/run/7");
    assert_eq!(c["who"], s.reader.as_str());
    assert!(
        c["before_start"].as_str().unwrap().ends_with("before"),
        "{c}"
    );
}

/// `status --watch`: a change that appears is a changed field, said once; the reading is
/// reused between checks (the cache), so the checks in between ask GitHub nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_watch_says_a_new_change_once() {
    use std::io::BufRead;
    let (pd, gh) = (FakePd::start().await, FakeGithub::start().await);
    gh.deploy(
        "acme/web",
        301,
        "v9",
        "production",
        "2026-11-26T02:50:00Z",
        "eve",
    );
    let mut env = env_for(&config(&pd, &gh, "", "web = { github = [\"acme/web\"] }"));
    declare(&env, &["web"]).await;
    env.set("INC_NOW", LATER);
    let mut child = env
        .std_command()
        .args(["status", "--watch", "--interval", "200ms", "--json"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn the watch");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen: Vec<String> = Vec::new();
    // A guard against a hung watch, not a timing: the lines come within a few checks.
    let until = |seen: &mut Vec<String>, needle: &str| loop {
        match rx.recv_timeout(std::time::Duration::from_secs(30)) {
            Ok(l) => {
                seen.push(l.clone());
                if l.contains(needle) {
                    break;
                }
            }
            Err(_) => panic!("no line with {needle}:\n{}", seen.join("\n")),
        }
    };
    until(&mut seen, "\"status\"");
    assert!(seen[0].contains("deploy v9"), "{}", seen[0]);
    // A new deploy; its reading is older than a minute (the cache is gone).
    gh.deploy(
        "acme/web",
        302,
        "v10",
        "production",
        "2026-11-26T03:08:00Z",
        "eve",
    );
    std::fs::remove_dir_all(env.state.join("changes")).unwrap();
    until(&mut seen, "deploy v10");
    let reads = gh.requests_of("GET /repos/acme/web/deployments");
    // A later change (a note) comes after several more checks: the deploy is not said again.
    let mut note = env.inc();
    note.args(["note", "rolled back v10", "-q"]);
    tokio::task::spawn_blocking(move || note.output().unwrap())
        .await
        .unwrap();
    until(&mut seen, "\"notes\"");
    let _ = child.kill();
    let _ = child.wait();
    let said = seen
        .iter()
        .skip(1)
        .filter(|l| l.contains("deploy v10"))
        .count();
    assert_eq!(said, 1, "{}", seen.join("\n"));
    assert_eq!(
        gh.requests_of("GET /repos/acme/web/deployments"),
        reads,
        "a check re-read GitHub within the minute"
    );
    gh.assert_clean();
}

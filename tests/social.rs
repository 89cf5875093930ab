//! Social updates (`[social]`, `inc comms`): the same public update on X and Mastodon (fakes
//! that validate every request against the official descriptions) and Bluesky (a real PDS,
//! behind a proxy that validates every request against the Lexicons), beside the status page.
//! Posts are counted per update: one per network, whatever retries, re-runs and outbox
//! retries happen.

mod common;

use std::process::Output;
use std::time::{Duration, Instant};

use common::bluesky::{self, HANDLE, Pds};
use common::cmd::{TestEnv, json, run, text};
use common::mastodon::{self, FakeMastodon};
use common::statuspage::{FakeStatuspage, KEY};
use common::x::{self, FakeX};
use serde_json::Value;
use unicode_segmentation::UnicodeSegmentation;

/// The Bluesky tests share one PDS account and its proxy's scripted faults: one at a time.
static BLUESKY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const DELIVERY: &str = "[delivery]\ntimeout = \"1s\"\nretry_for = \"6s\"\nbackoff = \"50ms\"\n\n";
const CREATE: &str = "com.atproto.repo.createRecord";

#[track_caller]
fn ok(o: &Output) {
    let (out, err) = text(o);
    assert!(o.status.success(), "exit {:?}\n{out}\n{err}", o.status);
}

/// A config with the status page and the given networks, and every secret set.
fn env_for(
    sp: &FakeStatuspage,
    x: Option<&FakeX>,
    m: Option<&FakeMastodon>,
    b: Option<&Pds>,
) -> TestEnv {
    let mut social = String::from("\n[social]\n");
    social.push_str(&x.map(FakeX::config).unwrap_or_default());
    social.push_str(&m.map(FakeMastodon::config).unwrap_or_default());
    social.push_str(&b.map(Pds::config).unwrap_or_default());
    let mut env = TestEnv::with_config(&format!("{DELIVERY}{}{social}", sp.config("")));
    env.set("STATUSPAGE_API_KEY", KEY);
    env.set("INC_X_TOKEN", x::TOKEN);
    env.set("INC_MASTODON_TOKEN", mastodon::TOKEN);
    if let Some(b) = b {
        env.set("INC_BLUESKY_APP_PASSWORD", &b.app_password);
    }
    env
}

/// The Bluesky posts made since `mark` (by record key), as the PDS has them.
fn new_posts(pds: &Pds, before: &[(String, Value)]) -> Vec<(String, Value)> {
    pds.posts()
        .into_iter()
        .filter(|(k, _)| !before.iter().any(|(b, _)| b == k))
        .collect()
}

fn delivery<'a>(doc: &'a Value, provider: &str, action: &str) -> Vec<&'a Value> {
    doc["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["provider"] == provider && d["action"] == action)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_update_is_one_post_on_every_network_and_retract_deletes_them() {
    let _one = BLUESKY.lock().await;
    let pds = bluesky::pds();
    let (sp, xf, mf) = (
        FakeStatuspage::start().await,
        FakeX::start().await,
        FakeMastodon::start().await,
    );
    let env = env_for(&sp, Some(&xf), Some(&mf), Some(pds));
    let id = env.declare("Checkout errors", &["--sev", "1"]);
    let before = pds.posts();
    let mark = pds.proxy.mark();

    // The first update opens the public incident; the posts carry its link.
    let o = run(
        &env,
        &[
            "comms",
            "investigating",
            "--component",
            "api=major",
            "--yes",
            "--json",
        ],
    )
    .await;
    ok(&o);
    let doc = json(&o);
    let link = sp.incidents()[0]["shortlink"].as_str().unwrap().to_string();
    assert_eq!(xf.posts().len(), 1, "one X post");
    assert_eq!(mf.statuses().len(), 1, "one Mastodon status");
    let made = new_posts(pds, &before);
    assert_eq!(made.len(), 1, "one Bluesky post");
    assert!(
        mf.statuses()[0].1.ends_with(&format!("\n{link}")),
        "{:?}",
        mf.statuses()
    );
    assert!(xf.state.lock().unwrap().attempts[0].ends_with(&link));
    let record = &made[0].1;
    let rtext = record["text"].as_str().unwrap();
    assert!(rtext.ends_with("\nstspg.io/spinc001"), "{rtext}");
    let facet = &record["facets"][0];
    assert_eq!(facet["features"][0]["uri"], link);
    let (s, e) = (
        facet["index"]["byteStart"].as_u64().unwrap() as usize,
        facet["index"]["byteEnd"].as_u64().unwrap() as usize,
    );
    assert_eq!(
        &rtext.as_bytes()[s..e],
        b"stspg.io/spinc001",
        "UTF-8 byte offsets"
    );
    for net in ["x", "mastodon", "bluesky"] {
        let posts = delivery(&doc, net, "post");
        assert_eq!(posts.len(), 1, "{net}: {doc}");
        assert_eq!(posts[0]["ok"], true, "{net}: {doc}");
    }
    assert_eq!(doc["social"].as_array().unwrap().len(), 3, "{doc}");
    assert_eq!(pds.proxy.count(mark, CREATE), 1, "one createRecord");

    // A long update is shortened on each network, never refused, and keeps the link whole.
    let long = format!(
        "We found the cause: a configuration change to the payment gateway. {}",
        "Card payments in the EU fail or time out for some customers while we roll it back. "
            .repeat(8)
    );
    let o = run(&env, &["comms", "identified", &long, "--yes", "--json"]).await;
    ok(&o);
    let doc = json(&o);
    assert_eq!(xf.posts().len(), 2);
    assert_eq!(mf.statuses().len(), 2);
    let made = new_posts(pds, &before);
    assert_eq!(made.len(), 2);
    for p in doc["social"].as_array().unwrap() {
        assert_eq!(p["shortened"], true, "{p}");
        assert!(p["length"].as_u64() <= p["limit"].as_u64(), "{p}");
    }
    let xtext = xf.state.lock().unwrap().attempts[1].clone();
    assert!(
        x::weighted(&xtext) <= 280 && x::weighted(&xtext) > 250,
        "{xtext}"
    );
    assert!(xtext.ends_with(&format!("\n{link}")), "{xtext}");
    let mtext = &mf.statuses()[1].1;
    assert!(
        mastodon::counted(mtext) <= 500 && mastodon::counted(mtext) > 400,
        "{mtext}"
    );
    let bnew = made
        .iter()
        .find(|(_, r)| r["text"].as_str().unwrap().starts_with("We found"))
        .unwrap();
    let btext = bnew.1["text"].as_str().unwrap();
    assert!(btext.graphemes(true).count() <= 300, "{btext}");
    assert!(
        btext.ends_with("…\nstspg.io/spinc001") || btext.contains(".\nstspg.io/spinc001"),
        "{btext}"
    );

    // The same command again: the posts are there already, none is made twice.
    let o = run(&env, &["comms", "identified", &long, "--yes", "--json"]).await;
    ok(&o);
    let doc = json(&o);
    assert_eq!(xf.posts().len(), 2, "no second X post");
    assert_eq!(mf.statuses().len(), 2, "no second status");
    assert_eq!(new_posts(pds, &before).len(), 2, "no second record");
    for p in doc["social"].as_array().unwrap() {
        assert!(p["already"].is_string(), "{p}");
    }
    assert!(
        delivery(&doc, "x", "post").is_empty(),
        "nothing sent again: {doc}"
    );

    // Retract removes the status page post and deletes every social post inc made.
    let o = run(&env, &["comms", "retract", "--yes", "--json"]).await;
    ok(&o);
    let doc = json(&o);
    assert!(xf.posts().is_empty(), "{:?}", xf.posts());
    assert!(mf.statuses().is_empty());
    assert!(new_posts(pds, &before).is_empty());
    assert_eq!(delivery(&doc, "x", "delete").len(), 2);
    assert_eq!(delivery(&doc, "bluesky", "delete").len(), 2);
    assert_eq!(doc["social_deleted"].as_array().unwrap().len(), 6, "{doc}");
    let (out, _) = text(&run(&env, &["timeline", &id]).await);
    assert!(out.contains("public post removed"), "{out}");
    sp.assert_clean();
    xf.assert_clean();
    mf.assert_clean();
    pds.proxy.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_is_retried_without_a_second_post() {
    let _one = BLUESKY.lock().await;
    let pds = bluesky::pds();
    let (sp, xf, mf) = (
        FakeStatuspage::start().await,
        FakeX::start().await,
        FakeMastodon::start().await,
    );
    let env = env_for(&sp, Some(&xf), Some(&mf), Some(pds));
    env.declare("Queue stuck", &[]);
    let before = pds.posts();
    let mark = pds.proxy.mark();
    // Each network makes the post, but its answer comes after inc stopped waiting (1 s).
    xf.fault(x::Fault::SlowAfterWrite(Duration::from_millis(1500)));
    mf.fault(mastodon::Fault::SlowAfterWrite(Duration::from_millis(1500)));
    pds.proxy.fault(
        CREATE,
        bluesky::Fault::SlowAfterForward(Duration::from_millis(1500)),
    );
    let o = run(&env, &["comms", "investigating", "--yes", "--json"]).await;
    ok(&o);
    let doc = json(&o);
    for net in ["x", "mastodon", "bluesky"] {
        let d = delivery(&doc, net, "post")[0];
        assert!(d["attempts"].as_u64().unwrap() >= 2, "{net}: {d}");
        assert_eq!(d["ok"], true, "{net}: {d}");
    }
    assert_eq!(xf.posts().len(), 1, "X: once");
    assert!(xf.count("GET /2/users/") >= 2, "the retry looked first");
    assert_eq!(mf.statuses().len(), 1, "Mastodon: once (Idempotency-Key)");
    assert_eq!(mf.count("POST /api/v1/statuses"), 2);
    assert_eq!(new_posts(pds, &before).len(), 1, "Bluesky: once");
    assert_eq!(pds.proxy.count(mark, "com.atproto.repo.getRecord"), 1);
    sp.assert_clean();
    xf.assert_clean();
    mf.assert_clean();
    pds.proxy.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_wait_for_the_reset_and_refused_tokens_wait_in_the_outbox() {
    let _one = BLUESKY.lock().await;
    let pds = bluesky::pds();
    let (sp, xf, mf) = (
        FakeStatuspage::start().await,
        FakeX::start().await,
        FakeMastodon::start().await,
    );
    let env = env_for(&sp, Some(&xf), Some(&mf), Some(pds));
    env.declare("Throttled", &[]);
    let before = pds.posts();

    // 429: X and Mastodon say when their window resets; the engine waits that long, once.
    xf.fault(x::Fault::RateLimited(1));
    mf.fault(mastodon::Fault::RateLimited(800));
    pds.proxy.fault(CREATE, bluesky::Fault::RateLimited(1));
    let t0 = Instant::now();
    let o = run(&env, &["comms", "investigating", "--yes", "--json"]).await;
    ok(&o);
    let doc = json(&o);
    assert!(
        t0.elapsed() >= Duration::from_millis(700),
        "{:?}",
        t0.elapsed()
    );
    for net in ["x", "mastodon", "bluesky"] {
        let d = delivery(&doc, net, "post")[0];
        assert_eq!(d["attempts"], 2, "{net}: {d}");
    }
    assert_eq!((xf.posts().len(), mf.statuses().len()), (1, 1));
    assert_eq!(new_posts(pds, &before).len(), 1);

    // 401 and 403 are not retried: kept in the outbox, the rest delivered (exit 3).
    xf.fault(x::Fault::Status(401));
    mf.fault(mastodon::Fault::Status(403));
    pds.proxy.fault(CREATE, bluesky::Fault::Status(403));
    let o = run(
        &env,
        &["comms", "identified", "Found it.", "--yes", "--json"],
    )
    .await;
    assert_eq!(o.status.code(), Some(3), "{}", text(&o).1);
    let doc = json(&o);
    for net in ["x", "mastodon", "bluesky"] {
        let d = delivery(&doc, net, "post")[0];
        assert_eq!(
            (d["ok"].clone(), d["attempts"].clone()),
            (false.into(), 1.into()),
            "{net}: {d}"
        );
        assert!(d["outbox"].is_string(), "{net}: {d}");
    }
    let (_, err) = text(&o);
    assert!(
        err.contains("INC_X_TOKEN") && err.contains("HTTP 401"),
        "{err}"
    );
    assert!(
        err.contains("HTTP 403") && err.contains("This action is not allowed"),
        "{err}"
    );
    assert!(err.contains("AccountTakedown"), "{err}");
    assert_eq!(updates_on_page(&sp), 2, "the status page got it");
    assert_eq!((xf.posts().len(), mf.statuses().len()), (1, 1));

    // Once the tokens are right again, the outbox delivers each post once.
    let o = run(&env, &["outbox", "retry", "--json"]).await;
    ok(&o);
    assert_eq!((xf.posts().len(), mf.statuses().len()), (2, 2));
    assert_eq!(new_posts(pds, &before).len(), 2);
    let o = run(&env, &["outbox", "retry", "--json"]).await;
    ok(&o);
    assert_eq!(
        json(&o)["deliveries"].as_array().unwrap().len(),
        0,
        "the outbox is empty"
    );

    // A re-run of the same update finds it journaled: nothing more.
    ok(&run(&env, &["comms", "identified", "Found it.", "--yes"]).await);
    assert_eq!((xf.posts().len(), mf.statuses().len()), (2, 2));
    assert_eq!(new_posts(pds, &before).len(), 2);

    // A reset beyond the delivery budget is not waited for: the post waits in the outbox.
    xf.fault(x::Fault::RateLimited(600));
    let o = run(&env, &["comms", "monitoring", "A fix is out.", "--yes"]).await;
    assert_eq!(o.status.code(), Some(3));
    let (_, err) = text(&o);
    assert!(err.contains("HTTP 429") && err.contains("gave up"), "{err}");
    sp.assert_clean();
    xf.assert_clean();
    mf.assert_clean();
    pds.proxy.assert_clean();
}

fn updates_on_page(sp: &FakeStatuspage) -> usize {
    sp.incidents()[0]["incident_updates"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_before_anything_is_sent() {
    let (sp, xf, mf) = (
        FakeStatuspage::start().await,
        FakeX::start().await,
        FakeMastodon::start().await,
    );
    let mut env = env_for(&sp, Some(&xf), Some(&mf), None);
    env.declare("Checkout errors", &[]);
    let nothing_sent = |sp: &FakeStatuspage, xf: &FakeX, mf: &FakeMastodon| {
        assert_eq!(sp.count(""), 0);
        assert_eq!(xf.count(""), 0);
        assert_eq!(mf.count(""), 0);
    };

    // A missing token variable: a configuration error naming the key.
    env.vars.retain(|(k, _)| k != "INC_X_TOKEN");
    let o = run(&env, &["comms", "investigating", "--yes"]).await;
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(78), "{err}");
    assert!(
        err.contains("social.x.token_env") && err.contains("$INC_X_TOKEN"),
        "{err}"
    );
    nothing_sent(&sp, &xf, &mf);
    env.set("INC_X_TOKEN", x::TOKEN);

    // A message whose first word alone is over X's limit cannot be shortened: exit 2.
    let word = "a".repeat(300);
    let o = run(&env, &["comms", "investigating", &word, "--yes"]).await;
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("X post") && err.contains("280"), "{err}");
    nothing_sent(&sp, &xf, &mf);

    // Missing keys of the [social] tables are configuration errors too.
    for (table, key, var) in [
        (
            "mastodon = { token_env = \"MY_MASTODON\" }\n",
            "social.mastodon.instance",
            "",
        ),
        (
            "bluesky = { service = \"http://127.0.0.1:9\", handle = \"a.test\" }\n",
            "social.bluesky.password_env",
            "$INC_BLUESKY_APP_PASSWORD",
        ),
        (
            "bluesky = { service = \"http://127.0.0.1:9\" }\n",
            "social.bluesky.handle",
            "",
        ),
        (
            "x = { api_url = \"http://api.x.example\" }\n",
            "social.x.api_url",
            "https://",
        ),
    ] {
        let bad = TestEnv::with_config(&format!("{DELIVERY}[social]\n{table}"));
        if !table.starts_with("x =") {
            bad.declare("x", &[]);
        }
        let o = run(&bad, &["comms", "investigating", "--yes"]).await;
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(78), "{table}: {err}");
        assert!(err.contains(key) && err.contains(var), "{table}: {err}");
    }

    // A security incident posts nowhere without --force; with it, everywhere.
    let sec = env_for(&sp, Some(&xf), Some(&mf), None);
    sec.declare("Data exposure", &["--security"]);
    let o = run(&sec, &["comms", "investigating", "--yes"]).await;
    assert_eq!(o.status.code(), Some(2));
    nothing_sent(&sp, &xf, &mf);
    ok(&run(
        &sec,
        &[
            "comms",
            "investigating",
            "We are investigating a security issue.",
            "--yes",
            "--force",
        ],
    )
    .await);
    assert_eq!((xf.posts().len(), mf.statuses().len()), (1, 1));
    sp.assert_clean();
    xf.assert_clean();
    mf.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn one_preview_and_one_approval_cover_every_network() {
    let (sp, xf, mf) = (
        FakeStatuspage::start().await,
        FakeX::start().await,
        FakeMastodon::start().await,
    );
    let env = env_for(&sp, Some(&xf), Some(&mf), None);
    env.declare("API latency", &[]);
    // In a script, without --yes: the preview of every post, and nothing sent.
    let o = run(
        &env,
        &[
            "comms",
            "investigating",
            "Slow API responses for some customers.",
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    let (_, err) = text(&o);
    assert!(
        err.contains("X (") && err.contains("/280 characters"),
        "{err}"
    );
    assert!(
        err.contains("Mastodon (") && err.contains("/500 characters"),
        "{err}"
    );
    assert!(err.contains("[status page link]"), "{err}");
    assert_eq!((sp.count(""), xf.count(""), mf.count("")), (0, 0, 0));

    // --dry-run prints each request and sends and writes nothing.
    let before = env.state_files();
    let o = run(
        &env,
        &["comms", "investigating", "Slow API responses.", "--dry-run"],
    )
    .await;
    ok(&o);
    let (out, _) = text(&o);
    assert!(
        out.contains("would send: x post") && out.contains("would send: mastodon post"),
        "{out}"
    );
    assert_eq!(env.state_files(), before);
    assert_eq!((sp.count(""), xf.count(""), mf.count("")), (0, 0, 0));

    // With the approval: posted, and the human lines say where.
    let o = run(
        &env,
        &["comms", "investigating", "Slow API responses.", "--yes"],
    )
    .await;
    ok(&o);
    let (out, _) = text(&o);
    assert!(
        out.contains("X: posted (") && out.contains("Mastodon: posted ("),
        "{out}"
    );
    assert!(out.contains("https://x.com/i/web/status/"), "{out}");
    sp.assert_clean();
    xf.assert_clean();
    mf.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_proves_each_account_with_a_read_only_call() {
    let _one = BLUESKY.lock().await;
    let pds = bluesky::pds();
    let (sp, xf, mf) = (
        FakeStatuspage::start().await,
        FakeX::start().await,
        FakeMastodon::start().await,
    );
    let mut env = env_for(&sp, Some(&xf), Some(&mf), Some(pds));
    let mark = pds.proxy.mark();
    let doc = json(&run(&env, &["doctor", "--json"]).await);
    let row = |doc: &Value, name: &str| {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == name)
            .unwrap_or_else(|| panic!("no {name} row: {doc}"))
            .clone()
    };
    let x_row = row(&doc, "social x");
    assert_eq!(x_row["ok"], true, "{x_row}");
    assert!(
        x_row["detail"].as_str().unwrap().contains("@acmestatus"),
        "{x_row}"
    );
    let m_row = row(&doc, "social mastodon");
    assert_eq!(m_row["ok"], true, "{m_row}");
    assert!(
        m_row["detail"]
            .as_str()
            .unwrap()
            .contains("@status@127.0.0.1"),
        "{m_row}"
    );
    let b_row = row(&doc, "social bluesky");
    assert_eq!(b_row["ok"], true, "{b_row}");
    assert!(
        b_row["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("@{HANDLE}")),
        "{b_row}"
    );
    assert_eq!(xf.count("GET /2/users/me"), 1);
    assert_eq!(xf.count("POST"), 0, "read-only");
    assert_eq!(mf.count("GET /api/v1/accounts/verify_credentials"), 1);
    assert_eq!(mf.count("POST"), 0);
    assert_eq!(pds.proxy.count(mark, "com.atproto.server.getSession"), 1);
    assert_eq!(pds.proxy.count(mark, CREATE), 0);

    // Wrong secrets: each row fails, naming where the secret comes from, never showing it.
    env.set("INC_X_TOKEN", "wrongXToken42");
    env.set("INC_MASTODON_TOKEN", "wrongMastodonToken42");
    env.set("INC_BLUESKY_APP_PASSWORD", "wron-gpas-swor-d42x");
    let o = run(&env, &["doctor", "--json"]).await;
    let (out, err) = text(&o);
    let doc = json(&o);
    for (name, source) in [
        ("social x", "$INC_X_TOKEN"),
        ("social mastodon", "$INC_MASTODON_TOKEN"),
        ("social bluesky", "$INC_BLUESKY_APP_PASSWORD"),
    ] {
        let r = row(&doc, name);
        assert_eq!(r["ok"], false, "{r}");
        assert!(r["detail"].as_str().unwrap().contains(source), "{r}");
    }
    for secret in [
        "wrongXToken42",
        "wrongMastodonToken42",
        "wron-gpas-swor-d42x",
    ] {
        assert!(!out.contains(secret) && !err.contains(secret));
    }
    xf.assert_clean();
    mf.assert_clean();
    pds.proxy.assert_clean();
}

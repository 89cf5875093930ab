//! The fault matrix: every provider × every way it fails, through the real `inc` binary.
//!
//! Each provider is driven by the command that writes to it (`inc page-ic`, `inc note`,
//! `inc comms`, `inc email`, `inc postmortem new`), against its stateful fake (the real
//! Synapse for Matrix) behind a fault-injecting proxy (`common/faultproxy.rs`; SMTP has its own
//! scriptable server, `common/smtpfake.rs`). For each of the faults below, one case checks:
//! - the exit code: 0 when a retry delivered it, 1 when nothing was delivered, 3 when the
//!   command delivered elsewhere but not here;
//! - on a failure, a line the user sees names the provider and the reason;
//! - nothing lost: delivered, or kept in the outbox with the reason (a refused connection is
//!   then delivered by `inc outbox retry` once the provider is back);
//! - nothing duplicated: the provider's own records are counted;
//! - bounded time: the command ends within the `[delivery]` budget (plus process overhead);
//! - `Retry-After` (seconds, or an HTTP date) is waited out before the next try;
//! - no request, retries and their checks included, breaks the provider's description.
//!
//! The faults of the transient kind strike once (the retry must then succeed); connection
//! refused, 401, 403 and 400 persist. "Timeout", "reset mid-body" and "malformed JSON" are the
//! worst case: the provider DID handle the first try, only its answer was lost, so a retry
//! that is not idempotent shows up as a duplicate record. The one exception the matrix states
//! rather than hides: a chat webhook (Teams, Mattermost, Discord) that times out posts twice,
//! since a webhook offers no key and no read to recognise a repeat by, and a lost incident
//! message is worse than a repeated one.

mod common;

use std::future::Future;
use std::process::Output;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::cmd::{TestEnv, json, text};
use common::confluence::FakeConfluence;
use common::faultproxy::{Fault, FaultProxy};
use common::github::FakeGithub;
use common::opsgenie::FakeOpsgenie;
use common::pagerduty::{self as pd, FakePd};
use common::slack::FakeSlack;
use common::smtpfake::{FakeSmtp, SmtpFault, Stage};
use common::statuspage::{self as sp, FakeStatuspage};
use common::synapse::synapse;
use common::webhooks::{FakeHook, Kind};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_millis(1000);
const RETRY_FOR: Duration = Duration::from_secs(4);
/// What starting `inc` and its other, healthy calls may add to the delivery budget.
const OVERHEAD: Duration = Duration::from_secs(3);
/// The text of the note the chat cases write (found again among the provider's records).
const NOTE: &str = "fault-matrix note: rolled back the deploy";

fn delivery_table() -> String {
    format!(
        "[delivery]\ntimeout = \"{}ms\"\nretry_for = \"{}s\"\nbackoff = \"50ms\"\n\n",
        TIMEOUT.as_millis(),
        RETRY_FOR.as_secs()
    )
}

/// The setup steps (declare, the on-call cache) run with a generous budget: a dozen cases set
/// up at once on a shared machine, and only the step under test has the tight one.
const SETUP_DELIVERY: &str = "[delivery]\ntimeout = \"10s\"\nretry_for = \"20s\"\n\n";

/// A test environment whose config is `providers` (the tables without `[delivery]`), with
/// the setup budget until [`tighten`].
fn env_with(providers: &str) -> TestEnv {
    TestEnv::with_config(&format!("{SETUP_DELIVERY}{providers}"))
}

/// The same config with the tight budget of the step under test.
fn tighten(env: &TestEnv, providers: &str) {
    env.write_config(&format!("{}{providers}", delivery_table()));
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum F {
    S500,
    S502,
    S503,
    RetryAfterSecs,
    RetryAfterDate,
    Timeout,
    Refused,
    ResetMidBody,
    MalformedJson,
    S401,
    S403,
    S400,
}

const MATRIX: [F; 12] = [
    F::S500,
    F::S502,
    F::S503,
    F::RetryAfterSecs,
    F::RetryAfterDate,
    F::Timeout,
    F::Refused,
    F::ResetMidBody,
    F::MalformedJson,
    F::S401,
    F::S403,
    F::S400,
];

impl F {
    /// Strikes once; a retry within the budget must deliver.
    fn once(self) -> bool {
        !matches!(self, F::Refused | F::S401 | F::S403 | F::S400)
    }
}

/// How a provider fails, in its own words: the bodies it answers with, and for 401/403/400 the
/// words of it that the user must be shown.
struct Voice {
    unavailable: &'static str,
    throttled: &'static str,
    s401: (&'static str, &'static str),
    s403: (&'static str, &'static str),
    s400: (&'static str, &'static str),
}

/// One provider, ready for one case: its own state dir and fake, behind its own proxy.
struct World {
    /// As in `deliveries` and the outbox.
    provider: &'static str,
    /// What names it on the user's line (any of them, any case).
    names: &'static [&'static str],
    env: TestEnv,
    /// The config's provider tables (see [`env_with`]).
    config: String,
    proxy: Arc<FaultProxy>,
    /// The write the fault hits: method and a fragment of its path.
    write: (&'static str, String),
    args: Vec<String>,
    /// How many records of that write the provider holds.
    records: Arc<dyn Fn() -> usize + Send + Sync>,
    /// What the fake found wrong with the requests it saw (spec violations, bad routes).
    violations: Arc<dyn Fn() -> Vec<String> + Send + Sync>,
    /// Exit code when this write fails: 1, or 3 when the command also delivered elsewhere.
    failed_exit: i32,
    /// Records after a timeout whose first try landed: 1, except where the provider offers no
    /// way to recognise a repeat (chat webhooks: at least once, so 2).
    after_timeout: usize,
}

/// Runs `inc` off the runtime's threads (the proxies and fakes run on them).
async fn inc(env: &TestEnv, args: &[String]) -> Output {
    let mut cmd = env.inc();
    cmd.args(args);
    tokio::task::spawn_blocking(move || cmd.output().expect("run inc"))
        .await
        .unwrap()
}

async fn inc_ok(env: &TestEnv, args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let o = inc(env, &args).await;
    assert!(
        o.status.success(),
        "setup `inc {}` failed: {:?}\n{}\n{}",
        args.join(" "),
        o.status,
        text(&o).0,
        text(&o).1
    );
    o
}

async fn records(w: &World) -> usize {
    let r = w.records.clone();
    tokio::task::spawn_blocking(move || r()).await.unwrap()
}

/// The outbox entries of one provider.
async fn outbox(env: &TestEnv, provider: &str) -> Vec<Value> {
    let o = inc(env, &["outbox".into(), "list".into(), "--json".into()]).await;
    json(&o)["outbox"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["delivery"]["provider"] == provider)
        .cloned()
        .collect()
}

fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// The output, indented, for the matrix printed with `--nocapture`.
fn shown(stdout: &str, stderr: &str) -> String {
    stdout
        .lines()
        .chain(stderr.lines())
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("    | {l}\n"))
        .collect()
}

/// Does a line of this output name the provider and the reason?
fn told(out: &str, names: &[&str], reason: &str) -> bool {
    out.lines().any(|l| {
        let l = l.to_lowercase();
        names.iter().any(|n| l.contains(&n.to_lowercase())) && l.contains(&reason.to_lowercase())
    })
}

/// One case; returns what was wrong.
async fn case(label: &str, w: World, f: F, voice: &Voice) -> Vec<String> {
    let (m, p) = (w.write.0, w.write.1.clone());
    let proxy = w.proxy.clone();
    let always = usize::MAX;
    tighten(&w.env, &w.config);
    let reason = match f {
        F::S500 | F::S502 | F::S503 => {
            let status = match f {
                F::S500 => 500,
                F::S502 => 502,
                _ => 503,
            };
            proxy.arm(m, &p, Fault::answer(status, voice.unavailable), 1);
            ""
        }
        F::RetryAfterSecs => {
            let fault = Fault::answer(429, voice.throttled).with_header("Retry-After", "1");
            proxy.arm(m, &p, fault, 1);
            ""
        }
        F::RetryAfterDate => {
            let fault = Fault::answer(429, voice.throttled).retry_at(Duration::from_secs(2));
            proxy.arm(m, &p, fault, 1);
            ""
        }
        F::Timeout => {
            proxy.arm(m, &p, Fault::Late(TIMEOUT + Duration::from_secs(1)), 1);
            ""
        }
        F::ResetMidBody => {
            proxy.arm(m, &p, Fault::Reset, 1);
            ""
        }
        F::MalformedJson => {
            proxy.arm(m, &p, Fault::Malformed, 1);
            ""
        }
        F::Refused => {
            proxy.close().await;
            "connect"
        }
        F::S401 => {
            proxy.arm(m, &p, Fault::answer(401, voice.s401.0), always);
            voice.s401.1
        }
        F::S403 => {
            proxy.arm(m, &p, Fault::answer(403, voice.s403.0), always);
            voice.s403.1
        }
        F::S400 => {
            proxy.arm(m, &p, Fault::answer(400, voice.s400.0), always);
            voice.s400.1
        }
    };
    let before = proxy.seen(m, &p).len();
    let start = Instant::now();
    let out = inc(&w.env, &w.args).await;
    let took = start.elapsed();
    let (stdout, stderr) = text(&out);
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    let want_exit = if f.once() { 0 } else { w.failed_exit };
    check(
        out.status.code() == Some(want_exit),
        format!("exit {:?}, want {want_exit}", out.status.code()),
    );
    check(
        took <= RETRY_FOR + TIMEOUT + OVERHEAD,
        format!("took {took:?}"),
    );
    let want_records = match f {
        F::Timeout => w.after_timeout,
        f if f.once() => 1,
        _ => 0,
    };
    let got = records(&w).await;
    check(
        got == want_records,
        format!("{got} record(s) at the provider, want {want_records}"),
    );
    let wrong = (w.violations)();
    check(
        wrong.is_empty(),
        format!("requests the provider's description refuses: {wrong:?}"),
    );
    let kept = outbox(&w.env, w.provider).await;
    // Each case and what the user saw (`cargo test --test faults -- --nocapture` prints the
    // whole matrix).
    eprintln!(
        "{label:<20} {:<15} exit {:?} in {:>5.2}s, {got} record(s), {} in the outbox\n{}",
        format!("{f:?}"),
        out.status.code(),
        took.as_secs_f64(),
        kept.len(),
        shown(&stdout, &stderr)
    );
    if f.once() {
        check(kept.is_empty(), format!("left in the outbox: {kept:?}"));
    } else {
        let with_reason = kept
            .iter()
            .filter(|e| {
                e["error"]
                    .as_str()
                    .is_some_and(|s| s.to_lowercase().contains(&reason.to_lowercase()))
            })
            .count();
        check(
            kept.len() == 1 && with_reason == 1,
            format!("want one outbox entry saying {reason:?}, got {kept:?}"),
        );
        check(
            told(&format!("{stdout}\n{stderr}"), w.names, reason),
            format!("no line names {:?} and {reason:?}", w.names),
        );
    }
    if matches!(f, F::RetryAfterSecs | F::RetryAfterDate) {
        let tries = proxy.seen(m, &p).split_off(before);
        // An HTTP date has whole seconds: "now + 2 s" is at least one second away.
        let waited = tries.get(1).map(|t| t.at.duration_since(tries[0].at));
        check(
            waited.is_some_and(|d| d >= Duration::from_millis(950)),
            format!("Retry-After not waited out: the next try came after {waited:?}"),
        );
    }
    if f == F::Refused && kept.len() == 1 {
        // The provider is back: the outbox delivers it, once.
        proxy.reopen().await;
        let again = inc(&w.env, &owned(&["outbox", "retry"])).await;
        check(
            again.status.success(),
            format!(
                "outbox retry: exit {:?}: {}",
                again.status.code(),
                text(&again).1
            ),
        );
        let got = records(&w).await;
        check(
            got == 1,
            format!("after outbox retry: {got} record(s), want 1"),
        );
        let left = outbox(&w.env, w.provider).await;
        check(
            left.is_empty(),
            format!("after outbox retry, left: {left:?}"),
        );
    }
    if !problems.is_empty() {
        problems.push(format!(
            "stdout:\n{}\nstderr:\n{}",
            stdout.trim_end(),
            stderr.trim_end()
        ));
    }
    problems
}

/// Runs the whole matrix for one provider, every case at once, and fails listing each case
/// that went wrong.
async fn matrix<S, Fut>(provider: &str, voice: &Voice, setup: S)
where
    S: Fn(F) -> Fut,
    Fut: Future<Output = World>,
{
    let cases = MATRIX.iter().map(|&f| {
        let setup = &setup;
        async move {
            let w = setup(f).await;
            (f, case(provider, w, f, voice).await)
        }
    });
    let results = futures_util::future::join_all(cases).await;
    let failed: Vec<String> = results
        .into_iter()
        .filter(|(_, p)| !p.is_empty())
        .map(|(f, p)| format!("--- {provider} × {f:?}:\n  {}", p.join("\n  ")))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} {provider} cases failed:\n{}",
        failed.len(),
        MATRIX.len(),
        failed.join("\n")
    );
}

// ---------------------------------------------------------------- PagerDuty

const PD_VOICE: Voice = Voice {
    unavailable: r#"{"error":{"message":"Internal Server Error","code":2000}}"#,
    throttled: r#"{"error":{"message":"Rate Limit Exceeded","code":2020}}"#,
    s401: (
        r#"{"error":{"message":"Authentication failed","code":2006,"errors":["Invalid token"]}}"#,
        "Authentication failed",
    ),
    s403: (
        r#"{"error":{"message":"Access Denied","code":2010,"errors":["The access level of this token does not allow this action"]}}"#,
        "Access Denied",
    ),
    s400: (
        r#"{"error":{"message":"Invalid Input Provided","code":2001,"errors":["Service not found"]}}"#,
        "Service not found",
    ),
};

fn pd_violations(fake: &Arc<FakePd>) -> Arc<dyn Fn() -> Vec<String> + Send + Sync> {
    let fake = fake.clone();
    Arc::new(move || [fake.rest.failure_list(), fake.events.failure_list()].concat())
}

fn pd_incidents(fake: &Arc<FakePd>) -> Arc<dyn Fn() -> usize + Send + Sync> {
    let fake = fake.clone();
    Arc::new(move || fake.incidents().len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pagerduty_rest_page_ic() {
    matrix("pagerduty REST", &PD_VOICE, |_| async {
        let fake = Arc::new(FakePd::start().await);
        let proxy = Arc::new(FaultProxy::start(&fake.uri()).await);
        let config = pd::pagerduty_table(&proxy.uri(), "");
        let mut env = env_with(&config);
        env.set("PAGERDUTY_TOKEN", pd::TOKEN);
        // The on-call cache is warm, as after an earlier `inc oncall --ic`.
        inc_ok(&env, &["oncall", "--ic"]).await;
        World {
            provider: "pagerduty",
            names: &["pagerduty"],
            env,
            config,
            proxy,
            write: ("POST", "/incidents".into()),
            args: owned(&["page-ic", "-m", "Checkout is down"]),
            records: pd_incidents(&fake),
            violations: pd_violations(&fake),
            failed_exit: 1,
            after_timeout: 1,
        }
    })
    .await;
}

const EVENTS_VOICE: Voice = Voice {
    unavailable: r#"{"status":"error","message":"Service Unavailable"}"#,
    throttled: r#"{"status":"throttle event","message":"Requests for this service are arriving too quickly. Please retry later."}"#,
    s401: (
        r#"{"status":"unauthorized","message":"Unauthorized","errors":["Invalid credentials"]}"#,
        "Unauthorized",
    ),
    s403: (
        r#"{"status":"forbidden","message":"Forbidden","errors":["This integration is disabled"]}"#,
        "This integration is disabled",
    ),
    s400: (
        r#"{"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect (should be 32 characters)"]}"#,
        "Event object is invalid",
    ),
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pagerduty_events_page_ic() {
    matrix("pagerduty events v2", &EVENTS_VOICE, |_| async {
        let fake = Arc::new(FakePd::start().await);
        let proxy = Arc::new(FaultProxy::start(&fake.uri()).await);
        let config = format!(
            "[pagerduty]\napi_url = \"{u}\"\nevents_url = \"{u}\"\nfrom = \"{}\"\n\
             ic_schedules = [\"PPRIMRY\", \"PBACKUP\"]\nrouting_key_env = \"PAGERDUTY_ROUTING_KEY\"\n",
            pd::FROM,
            u = proxy.uri()
        );
        let mut env = env_with(&config);
        env.set("PAGERDUTY_TOKEN", pd::TOKEN)
            .set("PAGERDUTY_ROUTING_KEY", pd::ROUTING_KEY);
        inc_ok(&env, &["oncall", "--ic"]).await;
        // PagerDuty keeps one alert per dedup key: count the keys of the triggers it took.
        let alerts = {
            let fake = fake.clone();
            Arc::new(move || {
                let st = fake.state.lock().unwrap();
                let mut keys: Vec<String> = st
                    .events
                    .iter()
                    .filter(|e| e["event_action"] == "trigger")
                    .map(|e| e["dedup_key"].as_str().unwrap_or("").to_string())
                    .collect();
                keys.sort();
                keys.dedup();
                keys.len()
            })
        };
        World {
            provider: "pagerduty",
            names: &["pagerduty"],
            env,
            config,
            proxy,
            write: ("POST", "/v2/enqueue".into()),
            args: owned(&["page-ic", "-m", "Checkout is down"]),
            records: alerts,
            violations: pd_violations(&fake),
            failed_exit: 1,
            after_timeout: 1,
        }
    })
    .await;
}

// ---------------------------------------------------------------- Opsgenie

const OG_VOICE: Voice = Voice {
    unavailable: r#"{"message":"Internal Server Error","took":0.001,"requestId":"00000000-0000-4000-8000-000000000001"}"#,
    throttled: r#"{"message":"You are making too many requests! To avoid errors, we recommend you limit requests.","took":0.001,"requestId":"00000000-0000-4000-8000-000000000002"}"#,
    s401: (
        r#"{"message":"Could not authenticate","took":0.001,"requestId":"00000000-0000-4000-8000-000000000003"}"#,
        "Could not authenticate",
    ),
    s403: (
        r#"{"message":"You do not have the required permissions for this action","took":0.001,"requestId":"00000000-0000-4000-8000-000000000004"}"#,
        "required permissions",
    ),
    s400: (
        r#"{"message":"Request body is not processable. Please check the errors.","errors":{"responders":"Responder [IC Primary] does not exist"},"took":0.001,"requestId":"00000000-0000-4000-8000-000000000005"}"#,
        "does not exist",
    ),
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn opsgenie_page_ic() {
    matrix("opsgenie", &OG_VOICE, |_| async {
        let fake = Arc::new(FakeOpsgenie::start().await);
        let proxy = Arc::new(FaultProxy::start(&fake.uri()).await);
        let config = fake.config().replace(&fake.uri(), &proxy.uri());
        let mut env = env_with(&config);
        env.set("OPSGENIE_API_KEY", common::opsgenie::KEY);
        inc_ok(&env, &["oncall", "--ic"]).await;
        let alerts = {
            let fake = fake.clone();
            Arc::new(move || fake.alerts().len())
        };
        World {
            provider: "opsgenie",
            names: &["opsgenie"],
            env,
            config,
            proxy,
            write: ("POST", "/v2/alerts".into()),
            args: owned(&["page-ic", "-m", "Checkout is down"]),
            records: alerts,
            violations: {
                let fake = fake.clone();
                Arc::new(move || {
                    let doc = fake.state.lock().unwrap().doc_errors.clone();
                    [fake.spec.failure_list(), doc].concat()
                })
            },
            failed_exit: 1,
            after_timeout: 1,
        }
    })
    .await;
}

// ---------------------------------------------------------------- Slack

const SLACK_VOICE: Voice = Voice {
    unavailable: r#"{"ok":false,"error":"service_unavailable"}"#,
    throttled: r#"{"ok":false,"error":"ratelimited"}"#,
    s401: (r#"{"ok":false,"error":"invalid_auth"}"#, "invalid_auth"),
    s403: (
        r#"{"ok":false,"error":"missing_scope","needed":"chat:write","provided":"channels:read"}"#,
        "missing_scope",
    ),
    s400: (
        r#"{"ok":false,"error":"invalid_arguments","response_metadata":{"messages":["[ERROR] missing required field: channel"]}}"#,
        "invalid_arguments",
    ),
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slack_note() {
    matrix("slack", &SLACK_VOICE, |_| async {
        let fake = Arc::new(FakeSlack::start().await);
        let channel = fake.add_channel("incident-chat", false, true);
        let proxy = Arc::new(FaultProxy::start(&fake.server.uri()).await);
        let config = format!(
            "[slack]\napi_url = \"{}/api\"\nchannel = \"#incident-chat\"\nper_incident_channel = false\n",
            proxy.uri()
        );
        let mut env = env_with(&config);
        env.set("SLACK_BOT_TOKEN", common::slack::TOKEN);
        inc_ok(&env, &["declare", "Checkout is down", "--sev", "2", "-q"]).await;
        let notes = {
            let fake = fake.clone();
            Arc::new(move || {
                fake.messages(&channel)
                    .iter()
                    .filter(|m| m.text.contains(NOTE))
                    .count()
            })
        };
        World {
            provider: "slack",
            names: &["slack"],
            env,
            config,
            proxy,
            write: ("POST", "/api/chat.postMessage".into()),
            args: owned(&["note", NOTE]),
            records: notes,
            violations: {
                let fake = fake.clone();
                Arc::new(move || fake.spec.failure_list())
            },
            failed_exit: 1,
            after_timeout: 1,
        }
    })
    .await;
}

// ---------------------------------------------------------------- Matrix (the real Synapse)

const MATRIX_VOICE: Voice = Voice {
    unavailable: r#"{"errcode":"M_UNKNOWN","error":"Internal server error"}"#,
    throttled: r#"{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests"}"#,
    s401: (
        r#"{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed.","soft_logout":false}"#,
        "M_UNKNOWN_TOKEN",
    ),
    s403: (
        r#"{"errcode":"M_FORBIDDEN","error":"You don't have permission to post that to the room. user_level (0) < send_level (50)"}"#,
        "You don't have permission",
    ),
    s400: (
        r#"{"errcode":"M_BAD_JSON","error":"Content not JSON."}"#,
        "M_BAD_JSON",
    ),
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn matrix_note() {
    let s = tokio::task::spawn_blocking(synapse).await.unwrap();
    let run_id = std::process::id();
    matrix("matrix", &MATRIX_VOICE, |f| async move {
        let proxy = Arc::new(FaultProxy::start(&s.url).await);
        let config = format!(
            "[matrix]\nhomeserver = \"{}\"\nper_incident_room = true\n",
            proxy.uri()
        );
        let mut env = env_with(&config);
        env.set("MATRIX_ACCESS_TOKEN", &s.bot_token);
        // A room of its own for each case.
        let title = format!("Matrix fault {f:?} {run_id}");
        let o = inc_ok(&env, &["declare", &title, "--sev", "2", "--json"]).await;
        let doc = json(&o);
        let room = doc["deliveries"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["action"] == "create_room")
            .and_then(|d| d["id"].as_str())
            .expect("declare created the room")
            .to_string();
        let notes = Arc::new(move || {
            s.messages(&room, &s.bot_token)
                .iter()
                .filter(|m| {
                    m["content"]["body"]
                        .as_str()
                        .is_some_and(|b| b.contains(NOTE))
                })
                .count()
        });
        World {
            provider: "matrix",
            names: &["matrix", "homeserver"],
            env,
            config,
            proxy,
            write: ("PUT", "/send/m.room.message/".into()),
            args: owned(&["note", NOTE]),
            records: notes,
            // The real Synapse refuses what it does not take; nothing else to check.
            violations: Arc::new(Vec::new),
            failed_exit: 1,
            after_timeout: 1,
        }
    })
    .await;
}

// ---------------------------------------------------------------- Teams, Mattermost, Discord

fn hook_voice(kind: Kind) -> Voice {
    match kind {
        Kind::Teams => Voice {
            unavailable: r#"{"error":{"code":"ServiceUnavailable","message":"The service is temporarily unavailable."}}"#,
            throttled: r#"{"error":{"code":"WorkflowRequestsThrottled","message":"Number of requests exceeded the limit."}}"#,
            s401: (
                r#"{"error":{"code":"DirectApiAuthorizationRequired","message":"The request must be authenticated."}}"#,
                "must be authenticated",
            ),
            s403: (
                r#"{"error":{"code":"WorkflowTriggerIsNotEnabled","message":"The workflow is disabled."}}"#,
                "workflow is disabled",
            ),
            s400: (
                r#"{"error":{"code":"InvalidRequestContent","message":"The request content is not valid and could not be deserialized."}}"#,
                "request content is not valid",
            ),
        },
        Kind::Mattermost => Voice {
            unavailable: r#"{"id":"api.context.server_busy.app_error","message":"Server is busy","detailed_error":"","request_id":"r1","status_code":503}"#,
            throttled: r#"{"id":"api.context.rate_limited.app_error","message":"Too many requests","detailed_error":"","request_id":"r2","status_code":429}"#,
            s401: (
                r#"{"id":"api.context.session_expired.app_error","message":"Invalid or expired session, please login again.","detailed_error":"","request_id":"r3","status_code":401}"#,
                "Invalid or expired session",
            ),
            s403: (
                r#"{"id":"web.incoming_webhook.permissions.app_error","message":"Inappropriate channel permissions.","detailed_error":"","request_id":"r4","status_code":403}"#,
                "Inappropriate channel permissions",
            ),
            s400: (
                r#"{"id":"web.incoming_webhook.text.app_error","message":"No text specified.","detailed_error":"","request_id":"r5","status_code":400}"#,
                "No text specified",
            ),
        },
        Kind::Discord => Voice {
            unavailable: r#"{"message":"Service Unavailable","code":0}"#,
            throttled: r#"{"message":"You are being rate limited.","global":false}"#,
            s401: (
                r#"{"message":"401: Unauthorized","code":0}"#,
                "401: Unauthorized",
            ),
            s403: (
                r#"{"message":"Missing Permissions","code":50013}"#,
                "Missing Permissions",
            ),
            s400: (
                r#"{"message":"Invalid Form Body","code":50035,"errors":{"content":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"Must be 2000 or fewer in length."}]}}}"#,
                "Invalid Form Body",
            ),
        },
    }
}

/// `inc note` with all three webhooks configured; the fault hits `kind` only, so a failure
/// there is a partial delivery (exit 3).
async fn webhook_world(kind: Kind) -> World {
    let (teams, mattermost, discord) = tokio::join!(
        FakeHook::start(Kind::Teams),
        FakeHook::start(Kind::Mattermost),
        FakeHook::start(Kind::Discord)
    );
    let hooks = Arc::new([teams, mattermost, discord]);
    let me = hooks.iter().position(|h| h.kind == kind).unwrap();
    let proxy = Arc::new(FaultProxy::start(&hooks[me].server.uri()).await);
    let config = common::webhooks::CONFIG.to_string();
    let mut env = env_with(&config);
    for h in hooks.iter() {
        let url = if h.kind == kind {
            format!("{}{}", proxy.uri(), h.kind.secret_path())
        } else {
            h.url()
        };
        env.set(h.kind.env(), &url);
    }
    inc_ok(&env, &["declare", "Checkout is down", "--sev", "2", "-q"]).await;
    let path = kind.secret_path();
    let path = path.split('?').next().unwrap().to_string();
    let notes = {
        let hooks = hooks.clone();
        Arc::new(move || {
            hooks[me]
                .texts()
                .iter()
                .filter(|t| t.contains(NOTE))
                .count()
        })
    };
    World {
        provider: kind.name(),
        names: &["teams", "mattermost", "discord"],
        env,
        config,
        proxy,
        write: ("POST", path),
        args: owned(&["note", NOTE]),
        records: notes,
        violations: {
            let hooks = hooks.clone();
            Arc::new(move || {
                let mut v = Vec::new();
                for h in hooks.iter() {
                    v.extend(h.state.lock().unwrap().problems.clone());
                    if let Some(spec) = &h.spec {
                        v.extend(spec.failure_list());
                    }
                }
                v
            })
        },
        failed_exit: 3,
        after_timeout: 2,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn teams_note() {
    matrix("teams", &hook_voice(Kind::Teams), |_| {
        webhook_world(Kind::Teams)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mattermost_note() {
    matrix("mattermost", &hook_voice(Kind::Mattermost), |_| {
        webhook_world(Kind::Mattermost)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn discord_note() {
    matrix("discord", &hook_voice(Kind::Discord), |_| {
        webhook_world(Kind::Discord)
    })
    .await;
}

// ---------------------------------------------------------------- Statuspage

const SP_VOICE: Voice = Voice {
    unavailable: r#"{"message":"Service Unavailable"}"#,
    throttled: r#"{"message":"Rate limit exceeded"}"#,
    s401: (
        r#"{"error":"Could not authenticate"}"#,
        "Could not authenticate",
    ),
    s403: (
        r#"{"error":"You are not authorized to access this resource."}"#,
        "not authorized",
    ),
    s400: (
        r#"{"error":["Incident name can't be blank"]}"#,
        "name can't be blank",
    ),
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn statuspage_comms() {
    matrix("statuspage", &SP_VOICE, |_| async {
        let fake = Arc::new(FakeStatuspage::start().await);
        let proxy = Arc::new(FaultProxy::start(&fake.uri()).await);
        let config = fake.config("").replace(&fake.uri(), &proxy.uri());
        let mut env = env_with(&config);
        env.set("STATUSPAGE_API_KEY", sp::KEY);
        inc_ok(&env, &["declare", "Checkout is down", "--sev", "2", "-q"]).await;
        let incidents = {
            let fake = fake.clone();
            Arc::new(move || {
                let st = fake.state.lock().unwrap();
                st.incidents.len() + st.deleted.len()
            })
        };
        World {
            provider: "statuspage",
            names: &["statuspage"],
            env,
            config,
            proxy,
            write: ("POST", format!("/pages/{}/incidents", sp::PAGE)),
            args: owned(&[
                "comms",
                "investigating",
                "We are looking into errors at checkout.",
                "--yes",
            ]),
            records: incidents,
            violations: {
                let fake = fake.clone();
                Arc::new(move || fake.spec.failure_list())
            },
            failed_exit: 1,
            after_timeout: 1,
        }
    })
    .await;
}

// ---------------------------------------------------------------- Confluence, GitHub

const CONFLUENCE_VOICE: Voice = Voice {
    unavailable: r#"{"errors":[{"status":503,"code":"SERVICE_UNAVAILABLE","title":"Service Unavailable","detail":null}]}"#,
    throttled: r#"{"errors":[{"status":429,"code":"TOO_MANY_REQUESTS","title":"Rate limit exceeded","detail":null}]}"#,
    s401: (
        r#"{"errors":[{"status":401,"code":"UNAUTHORIZED","title":"Unauthorized; scope does not match","detail":null}]}"#,
        "Unauthorized",
    ),
    s403: (
        r#"{"errors":[{"status":403,"code":"FORBIDDEN","title":"You do not have permission to create pages in this space","detail":null}]}"#,
        "do not have permission",
    ),
    s400: (
        r#"{"errors":[{"status":400,"code":"INVALID_REQUEST_PARAMETER","title":"Provided value for 'spaceId' is not the correct type. Expected type is long","detail":null}]}"#,
        "not the correct type",
    ),
};

/// A resolved incident to write the post-mortem of.
async fn resolved(env: &TestEnv) {
    inc_ok(env, &["declare", "Checkout is down", "--sev", "1", "-q"]).await;
    inc_ok(env, &["resolve", "-q"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn confluence_postmortem() {
    matrix("confluence", &CONFLUENCE_VOICE, |_| async {
        let fake = Arc::new(FakeConfluence::start().await);
        let proxy = Arc::new(FaultProxy::start(&fake.uri()).await);
        let config = format!(
            "[postmortem]\npublish = \"confluence\"\n\n{}",
            FakeConfluence::table(&proxy.uri())
        );
        let mut env = env_with(&config);
        env.set("CONFLUENCE_API_TOKEN", common::confluence::TOKEN);
        resolved(&env).await;
        let pages = {
            let fake = fake.clone();
            Arc::new(move || fake.pages().len())
        };
        World {
            provider: "confluence",
            names: &["confluence"],
            env,
            config,
            proxy,
            write: ("POST", "/wiki/api/v2/pages".into()),
            args: owned(&["postmortem", "new", "--owner", "ann@example.com"]),
            records: pages,
            violations: {
                let fake = fake.clone();
                Arc::new(move || fake.spec.failure_list())
            },
            failed_exit: 1,
            after_timeout: 1,
        }
    })
    .await;
}

const GITHUB_VOICE: Voice = Voice {
    unavailable: r#"{"message":"Server Error","documentation_url":"https://docs.github.com/rest"}"#,
    throttled: r#"{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}"#,
    s401: (
        r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"#,
        "Bad credentials",
    ),
    s403: (
        r#"{"message":"Resource not accessible by personal access token","documentation_url":"https://docs.github.com/rest/issues/issues#create-an-issue","status":"403"}"#,
        "Resource not accessible",
    ),
    s400: (
        r#"{"message":"Problems parsing JSON","documentation_url":"https://docs.github.com/rest/issues/issues#create-an-issue","status":"400"}"#,
        "Problems parsing JSON",
    ),
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn github_postmortem() {
    matrix("github", &GITHUB_VOICE, |_| github_world()).await;
}

async fn github_world() -> World {
    let fake = Arc::new(FakeGithub::start().await);
    let proxy = Arc::new(FaultProxy::start(&fake.uri()).await);
    let config = format!(
        "[postmortem]\npublish = \"github\"\n\n{}",
        FakeGithub::table(&proxy.uri())
    );
    let mut env = env_with(&config);
    env.set("GITHUB_TOKEN", common::github::TOKEN);
    resolved(&env).await;
    let issues = {
        let fake = fake.clone();
        Arc::new(move || fake.issues().len())
    };
    World {
        provider: "github",
        names: &["github"],
        env,
        config,
        proxy,
        write: ("POST", format!("/repos/{}/issues", common::github::REPO)),
        args: owned(&["postmortem", "new", "--owner", "ann@example.com"]),
        records: issues,
        violations: {
            let fake = fake.clone();
            Arc::new(move || fake.state.lock().unwrap().problems.clone())
        },
        failed_exit: 1,
        after_timeout: 1,
    }
}

// ---------------------------------------------------------------- SMTP

const SMTP_USER: &str = "incbot";
const SMTP_PASSWORD: &str = "smtp-Secret-0123456789";

/// The SMTP row of the matrix. SMTP has no HTTP statuses: each fault is its SMTP kin (4xx
/// replies are transient, 5xx permanent, RFC 5321 §4.2.1). It has no `Retry-After` either:
/// both 429 cases become the throttling reply `450 4.7.1`, which a retry must get past.
fn smtp_fault(f: F) -> (Option<SmtpFault>, &'static str) {
    use SmtpFault::*;
    match f {
        F::S500 => (
            Some(Reply(Stage::DataEnd, "451 4.3.0 Local error in processing")),
            "",
        ),
        F::S502 => (
            Some(Reply(
                Stage::Greeting,
                "421 4.3.2 Service not available, closing channel",
            )),
            "",
        ),
        F::S503 => (
            Some(Reply(Stage::Rcpt, "452 4.3.1 Insufficient system storage")),
            "",
        ),
        F::RetryAfterSecs | F::RetryAfterDate => (
            Some(Reply(Stage::Mail, "450 4.7.1 Too many messages, slow down")),
            "",
        ),
        F::Timeout => (Some(Silent(TIMEOUT + Duration::from_secs(1))), ""),
        F::Refused => (None, "connect"),
        F::ResetMidBody => (Some(ResetInData), ""),
        F::MalformedJson => (Some(Garbage), ""),
        F::S401 => (
            Some(Reply(
                Stage::Auth,
                "535 5.7.8 Authentication credentials invalid",
            )),
            "credentials invalid",
        ),
        F::S403 => (
            Some(Reply(
                Stage::Mail,
                "550 5.7.1 Sender address rejected: not owned by user",
            )),
            "not owned by user",
        ),
        F::S400 => (
            Some(Reply(
                Stage::DataEnd,
                "554 5.6.0 Message rejected: malformed headers",
            )),
            "malformed headers",
        ),
    }
}

async fn smtp_case(f: F) -> Vec<String> {
    let server = Arc::new(FakeSmtp::start(SMTP_USER, SMTP_PASSWORD).await);
    let config = format!(
        "[email]\nsmtp_url = \"{}\"\nfrom = \"incidents@example.com\"\nto = [\"eng-all@example.com\"]\nusername = \"{SMTP_USER}\"\n",
        server.url()
    );
    let mut env = env_with(&config);
    env.set("INC_SMTP_PASSWORD", SMTP_PASSWORD);
    resolved(&env).await;
    tighten(&env, &config);
    let (fault, reason) = smtp_fault(f);
    match fault {
        Some(x) => server.arm(x, if f.once() { 1 } else { usize::MAX }),
        None => server.close().await,
    }
    let start = Instant::now();
    let out = inc(&env, &owned(&["email", "--yes"])).await;
    let took = start.elapsed();
    let (stdout, stderr) = text(&out);
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    let want_exit = if f.once() { 0 } else { 1 };
    check(
        out.status.code() == Some(want_exit),
        format!("exit {:?}, want {want_exit}", out.status.code()),
    );
    check(
        took <= RETRY_FOR + TIMEOUT + OVERHEAD,
        format!("took {took:?}"),
    );
    let want = usize::from(f.once());
    let got = server.accepted().len();
    check(
        got == want,
        format!("{got} message(s) accepted, want {want}"),
    );
    let kept = outbox(&env, "email").await;
    eprintln!(
        "{:<20} {:<15} exit {:?} in {:>5.2}s, {got} message(s), {} in the outbox\n{}",
        "smtp",
        format!("{f:?}"),
        out.status.code(),
        took.as_secs_f64(),
        kept.len(),
        shown(&stdout, &stderr)
    );
    if f.once() {
        check(kept.is_empty(), format!("left in the outbox: {kept:?}"));
    } else {
        check(
            kept.len() == 1
                && kept[0]["error"]
                    .as_str()
                    .is_some_and(|e| e.to_lowercase().contains(reason)),
            format!("want one outbox entry saying {reason:?}, got {kept:?}"),
        );
        check(
            told(&format!("{stdout}\n{stderr}"), &["email", "smtp"], reason),
            format!("no line names email and {reason:?}"),
        );
    }
    if f == F::Refused && kept.len() == 1 {
        server.reopen().await;
        let again = inc(&env, &owned(&["outbox", "retry"])).await;
        check(
            again.status.success(),
            format!(
                "outbox retry: exit {:?}: {}",
                again.status.code(),
                text(&again).1
            ),
        );
        let got = server.accepted().len();
        check(
            got == 1,
            format!("after outbox retry: {got} message(s), want 1"),
        );
    }
    if !problems.is_empty() {
        problems.push(format!(
            "stdout:\n{}\nstderr:\n{}",
            stdout.trim_end(),
            stderr.trim_end()
        ));
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn smtp_email() {
    let cases = MATRIX
        .iter()
        .map(|&f| async move { (f, smtp_case(f).await) });
    let failed: Vec<String> = futures_util::future::join_all(cases)
        .await
        .into_iter()
        .filter(|(_, p)| !p.is_empty())
        .map(|(f, p)| format!("--- smtp × {f:?}:\n  {}", p.join("\n  ")))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} smtp cases failed:\n{}",
        failed.len(),
        MATRIX.len(),
        failed.join("\n")
    );
}

// ---------------------------------------------------------------- noticed earlier (issue #12, 7)

/// Statuspage allows one request per second per token: two `inc comms` at once, sharing the
/// state dir, call the page one at a time and `min_interval` apart (the lock file there paces
/// them), not each on its own clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn statuspage_pacing_holds_across_processes() {
    let fake = FakeStatuspage::start().await;
    // Each answer takes a while, so that calls at the same time would overlap visibly.
    fake.state.lock().unwrap().latency = Duration::from_millis(100);
    let gap = Duration::from_millis(300);
    let config = fake
        .config("")
        .replace("min_interval = \"50ms\"", "min_interval = \"300ms\"");
    let mut env = TestEnv::with_config(&format!(
        "[delivery]\ntimeout = \"5s\"\nretry_for = \"20s\"\n\n{config}"
    ));
    env.set("STATUSPAGE_API_KEY", sp::KEY);
    let mut ids = Vec::new();
    for title in ["Checkout is down", "Search is slow"] {
        let o = inc_ok(&env, &["declare", title, "--sev", "2", "-q"]).await;
        ids.push(text(&o).0.trim().to_string());
    }
    let comms = |id: &str| {
        owned(&[
            "comms",
            "investigating",
            "We are looking into it.",
            "--yes",
            "--incident",
            id,
        ])
    };
    let (a, b) = (comms(&ids[0]), comms(&ids[1]));
    let (oa, ob) = tokio::join!(inc(&env, &a), inc(&env, &b));
    for o in [&oa, &ob] {
        assert!(o.status.success(), "{:?}", text(o));
    }
    assert_eq!(fake.incidents().len(), 2, "one public incident each");
    let calls = fake.state.lock().unwrap().log.len();
    assert!(calls >= 4, "both runs called the page: {calls} calls");
    fake.assert_serialised(gap);
    assert!(
        env.state.join("statuspage.lock").is_file(),
        "the pacing lock file is in the state dir"
    );
    fake.assert_clean();
}

/// Opsgenie takes every write asynchronously: a note it accepted (202) but has not processed
/// by the end of the wait is reported as unconfirmed, not as delivered: exit 3, one line
/// naming Opsgenie, kept in the outbox, whose retry checks the alert's notes before sending
/// the note again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unconfirmed_opsgenie_request_is_reported_kept_and_checked_again() {
    let og = FakeOpsgenie::start().await;
    let config = og.config();
    let mut env = env_with(&config);
    env.set("OPSGENIE_API_KEY", common::opsgenie::KEY);
    inc_ok(&env, &["declare", "Checkout is down", "--sev", "2", "-q"]).await;
    inc_ok(&env, &["page-ic", "-q"]).await;
    // Time enough for the note's POST and the polls (3/4 of the timeout) on a busy machine: the
    // request must stay unconfirmed, not time out and be retried.
    env.write_config(&format!(
        "[delivery]\ntimeout = \"2s\"\nretry_for = \"6s\"\n\n{config}"
    ));
    // From now on Opsgenie processes writes (the note lands) but its request status keeps
    // saying "not processed yet" for longer than inc waits.
    og.state.lock().unwrap().pending_polls = 1_000_000;
    let o = inc(&env, &owned(&["note", NOTE, "--json"])).await;
    let (stdout, stderr) = text(&o);
    assert_eq!(
        o.status.code(),
        Some(3),
        "partly delivered: {stdout}\n{stderr}"
    );
    let doc = json(&o);
    let d = &doc["deliveries"][0];
    assert_eq!(d["provider"], "opsgenie", "{doc}");
    assert_eq!(d["action"], "add_note", "{doc}");
    assert_eq!(d["ok"], false, "{doc}");
    assert_eq!(d["unconfirmed"], true, "{doc}");
    assert!(
        told(&stderr, &["opsgenie"], "not processed"),
        "the line says so: {stderr}"
    );
    let kept = outbox(&env, "opsgenie").await;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        kept[0]["error"]
            .as_str()
            .unwrap()
            .contains("not processed within"),
        "{kept:?}"
    );
    let notes = || {
        og.state
            .lock()
            .unwrap()
            .notes
            .iter()
            .filter(|(_, n)| n.contains(NOTE))
            .count()
    };
    assert_eq!(notes(), 1, "it did land");
    // `inc outbox retry` finds the note on the alert and does not add it again.
    let r = inc(&env, &owned(&["outbox", "retry"])).await;
    assert!(r.status.success(), "{:?}", text(&r));
    assert_eq!(notes(), 1, "checked, not sent twice");
    assert!(outbox(&env, "opsgenie").await.is_empty());
    assert_eq!(notes_posts(&og), 1, "one POST of the note");
    og.assert_clean();
}

/// How many notes were POSTed to any alert.
fn notes_posts(og: &FakeOpsgenie) -> usize {
    og.state
        .lock()
        .unwrap()
        .log
        .iter()
        .filter(|(_, l)| l.starts_with("POST /v2/alerts/") && l.ends_with("/notes"))
        .count()
}

const SECONDARY: &str = r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}"#;

/// A GitHub secondary rate limit is a 403 too: waited out per its headers within the budget,
/// never reported as a credential error.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn github_rate_limit_403s_are_waited_out_per_their_headers() {
    // The reset is two seconds ahead of the moment the fault is armed.
    type Armed = fn() -> Fault;
    let cases: [(&str, Armed); 2] = [
        ("retry-after", || {
            Fault::answer(403, SECONDARY).with_header("retry-after", "1")
        }),
        ("x-ratelimit-reset", || {
            let reset = (jiff::Timestamp::now().as_second() + 2).to_string();
            Fault::answer(403, GITHUB_VOICE.throttled)
                .with_header("x-ratelimit-remaining", "0")
                .with_header("x-ratelimit-reset", &reset)
        }),
    ];
    for (what, fault) in cases {
        let w = github_world().await;
        tighten(&w.env, &w.config);
        let (m, p) = (w.write.0, w.write.1.clone());
        w.proxy.arm(m, &p, fault(), 1);
        let o = inc(&w.env, &w.args).await;
        assert!(o.status.success(), "{what}: {:?}", text(&o));
        assert_eq!(records(&w).await, 1, "{what}: one issue");
        assert!(outbox(&w.env, "github").await.is_empty(), "{what}");
        let tries = w.proxy.seen(m, &p);
        assert_eq!(tries.len(), 2, "{what}: {tries:?}");
        let waited = tries[1].at.duration_since(tries[0].at);
        assert!(
            waited >= Duration::from_millis(950),
            "{what}: waited {waited:?}"
        );
    }
    // A secondary limit that names no wait: GitHub says to wait at least a minute, which is
    // beyond the budget: kept in the outbox as a rate limit, at once, not as a bad token.
    let w = github_world().await;
    tighten(&w.env, &w.config);
    let (m, p) = (w.write.0, w.write.1.clone());
    w.proxy
        .arm(m, &p, Fault::answer(403, SECONDARY), usize::MAX);
    let start = Instant::now();
    let o = inc(&w.env, &w.args).await;
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        start.elapsed() < RETRY_FOR,
        "gave up at once: {:?}",
        start.elapsed()
    );
    assert!(
        told(&stderr, &["github"], "secondary rate limit"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("check the token"),
        "not a credential error: {stderr}"
    );
    let kept = outbox(&w.env, "github").await;
    assert_eq!(kept.len(), 1);
    assert!(
        kept[0]["error"].as_str().unwrap().contains("rate limited"),
        "{kept:?}"
    );
    assert_eq!(records(&w).await, 0);
}

/// A `createRoom` whose answer is lost (the homeserver made the room, the client timed out)
/// is found again by its alias before anything is created twice: one `createRoom`, and
/// `declare` succeeds. (A blind retry gets M_ROOM_IN_USE, or, when it overlaps the first
/// request, Synapse's 409 "Room alias ... already exists", which failed `declare`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_matrix_room_whose_creation_answer_was_lost_is_found_by_its_alias() {
    let s = tokio::task::spawn_blocking(synapse).await.unwrap();
    let proxy = FaultProxy::start(&s.url).await;
    let config = format!(
        "[matrix]\nhomeserver = \"{}\"\nper_incident_room = true\n",
        proxy.uri()
    );
    let mut env = TestEnv::with_config(&format!("{}{config}", delivery_table()));
    env.set("MATRIX_ACCESS_TOKEN", &s.bot_token);
    proxy.arm(
        "POST",
        "/createRoom",
        Fault::Late(TIMEOUT + Duration::from_secs(1)),
        1,
    );
    let title = format!("Lost room answer {}", std::process::id());
    let o = inc(&env, &owned(&["declare", &title, "--sev", "2", "--json"])).await;
    assert!(o.status.success(), "{:?}", text(&o));
    let doc = json(&o);
    let created: Vec<&Value> = doc["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["action"] == "create_room")
        .collect();
    assert_eq!(created.len(), 1, "{doc}");
    assert_eq!(created[0]["ok"], true, "{doc}");
    let room = created[0]["id"].as_str().unwrap().to_string();
    let alias = created[0]["target"].as_str().unwrap().to_string();
    let resolved = tokio::task::spawn_blocking(move || s.resolve(&format!("{alias}:localhost")))
        .await
        .unwrap();
    assert_eq!(
        resolved.as_deref(),
        Some(room.as_str()),
        "the room the alias names"
    );
    assert_eq!(proxy.seen("POST", "/createRoom").len(), 1, "created once");
}

/// An IC page Opsgenie took but did not confirm in time is "sent, unconfirmed" (exit 3, kept to
/// check again), not "NOT paged".
#[tokio::test(flavor = "multi_thread")]
async fn an_unconfirmed_opsgenie_page_is_partly_delivered() {
    let og = FakeOpsgenie::start().await;
    let config = og.config();
    let mut env = env_with(&config);
    env.write_config(&format!(
        "[delivery]\ntimeout = \"2s\"\nretry_for = \"6s\"\n\n{config}"
    ));
    env.set("OPSGENIE_API_KEY", common::opsgenie::KEY);
    og.state.lock().unwrap().pending_polls = 1_000_000;
    let o = inc(&env, &owned(&["page-ic"])).await;
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(stdout.contains("sent, unconfirmed"), "{stdout}");
    assert!(!stdout.contains("NOT paged"), "{stdout}");
    assert_eq!(outbox(&env, "opsgenie").await.len(), 1);
    assert_eq!(og.alerts().len(), 1, "it did land once");
}

//! The test harness in tests/common works, and can fail: the spec validator, the fakes (which
//! fail the test that sent them a bad request), the tool checks; and no test can pass by
//! skipping.

mod common;

use common::fake::{SpecValidated, header_exact};
use common::spec::Spec;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PD: &str = "pagerduty/REST/openapiv3.json";
const EV2: &str = "pagerduty/events-v2/openapiv3.json";
const SLACK: &str = "slack/web-api/slack_web_openapi_v2.json";
const STATUSPAGE: &str = "statuspage/swagger.json";
const OPSGENIE: &str = "opsgenie/swagger.json";
const DISCORD: &str = "discord/openapi.json";
const X: &str = "x/openapi.json";
const MASTODON: &str = "mastodon/schema.json";

#[track_caller]
fn ok(spec: &str, m: &str, p: &str, body: Value) {
    if let Err(e) = Spec::load(spec).validate(m, p, &body) {
        panic!("expected valid, got:\n{e}");
    }
}

/// Asserts the body is invalid and the error mentions every `needle`.
#[track_caller]
fn bad(spec: &str, m: &str, p: &str, body: Value, needles: &[&str]) -> String {
    let err = Spec::load(spec)
        .validate(m, p, &body)
        .expect_err("expected a validation error");
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} not in error:\n{err}");
    }
    err
}

fn incident() -> Value {
    json!({"incident": {
        "type": "incident",
        "title": "t",
        "service": {"id": "PX", "type": "service_reference"},
        "incident_key": "k"
    }})
}

#[test]
fn pagerduty_create_incident() {
    ok(PD, "POST", "/incidents", incident());

    let mut full = incident();
    full["incident"]["urgency"] = json!("high");
    full["incident"]["body"] = json!({"type": "incident_body", "details": "disk full"});
    full["incident"]["escalation_policy"] =
        json!({"id": "PEP", "type": "escalation_policy_reference"});
    full["incident"]["conference_bridge"] = json!({"conference_url": "https://meet.example/x"});
    ok(PD, "POST", "/incidents", full);

    let mut no_title = incident();
    no_title["incident"]
        .as_object_mut()
        .unwrap()
        .remove("title");
    bad(
        PD,
        "POST",
        "/incidents",
        no_title,
        &["/incident", "\"title\""],
    );

    let mut urgent = incident();
    urgent["incident"]["urgency"] = json!("urgent");
    bad(
        PD,
        "POST",
        "/incidents",
        urgent,
        &["/incident/urgency", "urgent"],
    );

    let mut wrong_ref = incident();
    wrong_ref["incident"]["service"]["type"] = json!("user_reference");
    bad(
        PD,
        "POST",
        "/incidents",
        wrong_ref,
        &["/incident/service/type"],
    );

    bad(PD, "POST", "/incidents", Value::Null, &["null"]);
}

#[test]
fn pagerduty_incident_subresources() {
    let notes = "/incidents/PABC123/notes";
    ok(PD, "POST", notes, json!({"note": {"content": "hello"}}));
    bad(
        PD,
        "POST",
        notes,
        json!({"note": {}}),
        &["/note", "\"content\""],
    );
    bad(
        PD,
        "POST",
        notes,
        json!({"note": {"content": 5}}),
        &["/note/content"],
    );

    let updates = "/incidents/PABC123/status_updates";
    ok(PD, "POST", updates, json!({"message": "still broken"}));
    ok(
        PD,
        "POST",
        updates,
        json!({"message": "m", "subject": "s", "html_message": "<p>m</p>"}),
    );
    bad(
        PD,
        "POST",
        updates,
        json!({"subject": "s"}),
        &["\"message\""],
    );

    let rr = "/incidents/PABC123/responder_requests";
    let wrapped = json!({
        "requester_id": "PUSER1",
        "message": "please join",
        "responder_request_targets": [
            {"responder_request_target": {"id": "PUSER2", "type": "user_reference"}},
            {"responder_request_target": {"id": "PEP1", "type": "escalation_policy_reference"}}
        ]
    });
    ok(PD, "POST", rr, wrapped.clone());
    // notes §12.2: the bare form from the schema is what real PagerDuty does not take.
    let mut bare = wrapped.clone();
    bare["responder_request_targets"] = json!([{"id": "PUSER2", "type": "user_reference"}]);
    bad(
        PD,
        "POST",
        rr,
        bare,
        &["/responder_request_targets/0", "responder_request_target"],
    );
    let mut no_id = wrapped.clone();
    no_id["responder_request_targets"][0]["responder_request_target"] =
        json!({"type": "user_reference"});
    bad(
        PD,
        "POST",
        rr,
        no_id,
        &[
            "/responder_request_targets/0/responder_request_target",
            "\"id\"",
        ],
    );
    let mut no_requester = wrapped;
    no_requester.as_object_mut().unwrap().remove("requester_id");
    bad(PD, "POST", rr, no_requester, &["requester_id"]);

    ok(
        PD,
        "PUT",
        "/incidents/PABC123",
        json!({"incident": {"type": "incident_reference", "status": "resolved", "resolution": "fixed"}}),
    );
    bad(
        PD,
        "PUT",
        "/incidents/PABC123",
        json!({"incident": {"type": "incident_reference", "status": "closed"}}),
        &["/incident/status"],
    );
    // GETs take no body.
    ok(
        PD,
        "GET",
        "/oncalls?escalation_policy_ids[]=PEP&earliest=true",
        Value::Null,
    );
    ok(PD, "GET", "/users/me", Value::Null);
    bad(
        PD,
        "GET",
        "/incidents/PABC123",
        json!({}),
        &["no request body"],
    );
}

/// The spec's own request examples for the operations inc uses are valid.
#[test]
fn pagerduty_spec_examples_validate() {
    let spec = Spec::load(PD);
    for (template, concrete, m) in [
        ("/incidents", "/incidents", "post"),
        ("/incidents/{id}", "/incidents/P1", "put"),
        ("/incidents/{id}/notes", "/incidents/P1/notes", "post"),
        (
            "/incidents/{id}/status_updates",
            "/incidents/P1/status_updates",
            "post",
        ),
        (
            "/incidents/{id}/responder_requests",
            "/incidents/P1/responder_requests",
            "post",
        ),
    ] {
        let media =
            &spec.document()["paths"][template][m]["requestBody"]["content"]["application/json"];
        let examples: Vec<&Value> = media["examples"]
            .as_object()
            .map(|e| e.values().map(|x| &x["value"]).collect())
            .unwrap_or_default();
        assert!(!examples.is_empty(), "{template} has no example");
        for example in examples {
            if let Err(e) = spec.validate(m, concrete, example) {
                panic!("spec example for {m} {template} rejected:\n{e}");
            }
        }
    }
}

#[test]
fn pagerduty_headers() {
    let spec = Spec::load(PD);
    let h = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let good = h(&[
        ("accept", "application/vnd.pagerduty+json;version=2"),
        ("content-type", "application/json"),
        ("from", "ic@example.com"),
        ("authorization", "Token token=abc_DEF-123"),
    ]);
    spec.validate_headers("POST", "/incidents", &good).unwrap();
    spec.validate_request("POST", "/incidents", &good, &incident())
        .unwrap();

    let err = spec
        .validate_headers("POST", "/incidents", &good[..2])
        .unwrap_err();
    assert!(err.contains("\"from\""), "{err}");
    let err = spec
        .validate_headers(
            "POST",
            "/incidents",
            &h(&[
                ("Accept", "x"),
                ("Content-Type", "text/plain"),
                ("From", "a@b.c"),
            ]),
        )
        .unwrap_err();
    assert!(err.contains("/content-type"), "{err}");
    // notes §12.3: the spec wants Content-Type even on GETs.
    let err = spec
        .validate_headers("GET", "/oncalls", &good[..1])
        .unwrap_err();
    assert!(err.contains("content-type"), "{err}");
}

#[test]
fn events_v2() {
    let trigger = json!({
        "routing_key": "R0123456789abcdef0123456789abcde",
        "event_action": "trigger",
        "dedup_key": "inc/2024-001/page",
        "payload": {"summary": "DB down", "source": "inc", "severity": "critical",
                    "timestamp": "2024-05-01T12:00:00Z", "custom_details": {"a": 1}},
        "links": [{"href": "https://example.com/x", "text": "x"}],
        "client": "inc"
    });
    // Our client posts to {events_url}/v2/enqueue; the spec's server URL already ends in /v2.
    ok(EV2, "POST", "/v2/enqueue", trigger.clone());
    ok(EV2, "POST", "/enqueue", trigger.clone());
    ok(
        EV2,
        "POST",
        "/v2/enqueue",
        json!({"routing_key": "r", "event_action": "resolve", "dedup_key": "d"}),
    );

    let mut sev = trigger.clone();
    sev["payload"]["severity"] = json!("sev1");
    sev.as_object_mut().unwrap().remove("routing_key");
    bad(
        EV2,
        "POST",
        "/v2/enqueue",
        sev,
        &["/payload/severity", "\"routing_key\""],
    );

    let mut no_payload = trigger.clone();
    no_payload.as_object_mut().unwrap().remove("payload");
    bad(
        EV2,
        "POST",
        "/v2/enqueue",
        no_payload,
        &["/payload", "trigger"],
    );
    bad(
        EV2,
        "POST",
        "/v2/enqueue",
        json!({"routing_key": "r", "event_action": "acknowledge"}),
        &["/dedup_key"],
    );

    let mut long = trigger;
    long["payload"]["summary"] = json!("x".repeat(1025));
    long["dedup_key"] = json!("d".repeat(256));
    bad(
        EV2,
        "POST",
        "/v2/enqueue",
        long,
        &["/payload/summary", "/dedup_key"],
    );

    ok(
        EV2,
        "POST",
        "/v2/change/enqueue",
        json!({"routing_key": "r", "payload": {"summary": "deploy"}}),
    );
}

#[test]
fn slack_methods() {
    let post = json!({"channel": "C123", "text": "hi", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}],
                      "unfurl_links": false, "thread_ts": "1700000000.000100"});
    ok(SLACK, "POST", "/chat.postMessage", post.clone());
    ok(SLACK, "POST", "/api/chat.postMessage", post);
    // form-encoded spellings
    ok(
        SLACK,
        "POST",
        "/chat.postMessage",
        json!({"channel": "C1", "text": "t", "unfurl_links": "false", "blocks": "[]", "token": "xoxb-1"}),
    );

    bad(
        SLACK,
        "POST",
        "/chat.postMessage",
        json!({"text": "hi"}),
        &["\"channel\""],
    );
    bad(
        SLACK,
        "POST",
        "/chat.postMessage",
        json!({"channel": "C1", "chanel": "x"}),
        &["chanel"],
    );
    bad(
        SLACK,
        "POST",
        "/chat.postMessage",
        json!({"channel": 5}),
        &["/channel"],
    );

    ok(
        SLACK,
        "POST",
        "/conversations.create",
        json!({"name": "inc-2024-001", "is_private": false}),
    );
    ok(
        SLACK,
        "POST",
        "/conversations.invite",
        json!({"channel": "C1", "users": "U1,U2"}),
    );
    ok(
        SLACK,
        "POST",
        "/conversations.setTopic",
        json!({"channel": "C1", "topic": "sev1"}),
    );
    ok(
        SLACK,
        "POST",
        "/pins.add",
        json!({"channel": "C1", "timestamp": "1.2"}),
    );
    ok(SLACK, "POST", "/auth.test", Value::Null);
    ok(SLACK, "GET", "/users.lookupByEmail", Value::Null);
    // POST of a GET-only method: its query params are the fields.
    ok(
        SLACK,
        "POST",
        "/users.lookupByEmail",
        json!({"email": "a@example.com"}),
    );
    bad(
        SLACK,
        "POST",
        "/users.lookupByEmail",
        json!({}),
        &["\"email\""],
    );
    // Stale spec (2020): no bookmarks.add.
    bad(SLACK, "POST", "/bookmarks.add", json!({}), &["no path"]);
}

#[test]
fn statuspage_opsgenie_discord() {
    let sp = "/pages/PG1/incidents";
    ok(
        STATUSPAGE,
        "POST",
        sp,
        json!({"incident": {"name": "DB down", "status": "investigating", "impact_override": "major",
                            "body": "We are looking", "component_ids": ["c1"],
                            "components": {"c1": "major_outage"}, "deliver_notifications": true,
                            "metadata": {"inc": {"id": "2024-001"}}}}),
    );
    ok(
        STATUSPAGE,
        "POST",
        "/v1/pages/PG1/incidents",
        json!({"incident": {"name": "n"}}),
    );
    bad(
        STATUSPAGE,
        "POST",
        sp,
        json!({"incident": {"status": "investigating"}}),
        &["\"name\""],
    );
    // notes §12.6: the components map is keyed by component id, valued by status.
    bad(
        STATUSPAGE,
        "POST",
        sp,
        json!({"incident": {"name": "n", "components": {"c1": "on_fire"}}}),
        &["/incident/components/c1"],
    );
    ok(
        STATUSPAGE,
        "PATCH",
        "/pages/PG1/incidents/IN1",
        json!({"incident": {"status": "resolved", "body": "fixed"}}),
    );
    ok(
        STATUSPAGE,
        "PATCH",
        "/pages/PG1/components/CMP1",
        json!({"component": {"status": "partial_outage"}}),
    );
    bad(
        STATUSPAGE,
        "PATCH",
        "/pages/PG1/components/CMP1",
        json!({"component": {"status": "broken"}}),
        &["/component/status"],
    );

    let alert = json!({"message": "DB down", "alias": "inc/2024-001", "priority": "P1",
                       "responders": [{"type": "team", "name": "ops"}], "tags": ["inc"],
                       "details": {"k": "v"}});
    ok(OPSGENIE, "POST", "/v2/alerts", alert);
    bad(
        OPSGENIE,
        "POST",
        "/v2/alerts",
        json!({"alias": "a", "priority": "P9"}),
        &["\"message\"", "/priority"],
    );
    ok(
        OPSGENIE,
        "POST",
        "/v2/alerts/inc-1/close?identifierType=alias",
        json!({"note": "done"}),
    );
    ok(OPSGENIE, "POST", "/v2/alerts/inc-1/close", Value::Null);
    ok(OPSGENIE, "GET", "/v2/alerts/requests/abc", Value::Null);

    ok(
        DISCORD,
        "POST",
        "/api/v10/webhooks/123/tok",
        json!({"content": "hi", "allowed_mentions": {"parse": []}}),
    );
    ok(
        DISCORD,
        "POST",
        "/webhooks/123/tok?wait=true",
        json!({"embeds": [{"title": "t", "description": "d"}]}),
    );
    bad(
        DISCORD,
        "POST",
        "/webhooks/123/tok",
        json!({"content": 5}),
        &["/content"],
    );
}

#[test]
fn unknown_operations_fail() {
    let spec = Spec::load(PD);
    let err = spec.validate("POST", "/incident", &incident()).unwrap_err();
    assert!(err.contains("no path"), "{err}");
    let err = spec
        .validate("DELETE", "/incidents/P1/notes", &Value::Null)
        .unwrap_err();
    assert!(err.contains("no DELETE operation"), "{err}");
    assert_eq!(
        spec.template_for("GET", "/incidents/types").unwrap(),
        "/incidents/types"
    );
    // The spec's `/incidents/count` path item has no operations at all.
    let err = spec
        .validate("GET", "/incidents/count", &Value::Null)
        .unwrap_err();
    assert!(err.contains("no GET operation"), "{err}");
    assert_eq!(
        spec.template_for("GET", "/incidents/P1/").unwrap(),
        "/incidents/{id}"
    );
    let err = Spec::load(EV2)
        .validate("POST", "/v3/enqueue", &json!({}))
        .unwrap_err();
    assert!(err.contains("no path"), "{err}");
}

#[test]
fn x_posts_and_deletes() {
    ok(
        X,
        "POST",
        "/2/tweets",
        json!({"text": "Checkout errors\nhttps://stspg.io/x"}),
    );
    bad(X, "POST", "/2/tweets", json!({"text": 5}), &["/text"]);
    bad(
        X,
        "POST",
        "/2/tweets",
        json!({"text": "t", "reply_settings": "everybody"}),
        &["/reply_settings"],
    );
    ok(X, "DELETE", "/2/tweets/1800000000000000001", Value::Null);
    ok(X, "GET", "/2/users/me", Value::Null);
    bad(
        X,
        "GET",
        "/2/users/me",
        json!({"x": 1}),
        &["no request body"],
    );
}

/// The Mastodon description is OpenAPI 3.1 (JSON Schema 2020-12): a text status is one of the
/// three kinds of status; the Idempotency-Key header is a string (patched, SOURCES.md).
#[test]
fn mastodon_statuses_on_openapi_31() {
    ok(
        MASTODON,
        "POST",
        "/api/v1/statuses",
        json!({"status": "Fixed.", "visibility": "public"}),
    );
    bad(
        MASTODON,
        "POST",
        "/api/v1/statuses",
        json!({"status": "Fixed.", "visibility": "everyone"}),
        &["/visibility"],
    );
    bad(
        MASTODON,
        "POST",
        "/api/v1/statuses",
        json!({"visibility": "public"}),
        &["oneOf"],
    );
    let spec = Spec::load(MASTODON);
    let key = |v: &str| vec![("Idempotency-Key".to_string(), v.to_string())];
    spec.validate_headers(
        "POST",
        "/api/v1/statuses",
        &key("inc-x-social-mastodon-1a2b"),
    )
    .unwrap();
    let err = spec
        .validate_headers("POST", "/api/v1/statuses", &key(""))
        .unwrap_err();
    assert!(err.contains("idempotency-key"), "{err}");
    ok(
        MASTODON,
        "DELETE",
        "/api/v1/statuses/113000000000000001",
        Value::Null,
    );
}

/// The Lexicon checks in front of the real PDS can fail: text over 300 graphemes, a facet
/// outside the text, a record key that is not a TID, a missing password, an unknown method.
#[test]
fn bluesky_lexicons_check_requests() {
    use common::lexicon::validate_request;
    let post = json!({
        "repo": "acme-status.test",
        "collection": "app.bsky.feed.post",
        "rkey": "3n3jp2nnoc7hu",
        "record": {
            "$type": "app.bsky.feed.post",
            "text": "Behoben.\nstspg.io/x",
            "createdAt": "2026-11-26T03:10:00.000Z",
            "facets": [{
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": 9, "byteEnd": 19},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://stspg.io/x"}]
            }]
        }
    });
    let create = "com.atproto.repo.createRecord";
    validate_request("POST", create, &post).unwrap();
    let fails = |body: Value, needle: &str| {
        let e = validate_request("POST", create, &body).unwrap_err();
        assert!(e.contains(needle), "{needle:?} not in {e}");
    };
    let mut long = post.clone();
    long["record"]["text"] = json!("é".repeat(301));
    fails(long, "301 graphemes");
    let mut outside = post.clone();
    outside["record"]["facets"][0]["index"]["byteEnd"] = json!(99);
    fails(outside, "not a slice");
    let mut key = post.clone();
    key["rkey"] = json!("self");
    fails(key, "not a TID");
    let mut feature = post.clone();
    feature["record"]["facets"][0]["features"][0]["$type"] = json!("app.bsky.richtext.facet#bold");
    fails(feature, "none of");
    let mut when = post.clone();
    when["record"]["createdAt"] = json!("yesterday");
    fails(when, "datetime");
    let e = validate_request(
        "POST",
        "com.atproto.server.createSession",
        &json!({"identifier": "acme-status.test"}),
    )
    .unwrap_err();
    assert!(e.contains("\"password\" is required"), "{e}");
    validate_request("GET", "com.atproto.server.getSession", &Value::Null).unwrap();
    let e = validate_request("GET", "com.atproto.repo.listRecords", &Value::Null).unwrap_err();
    assert!(e.contains("no lexicon stored"), "{e}");
}

/// Every operation of every spec compiles (catches spec constructs the loader mishandles).
#[test]
fn all_operations_compile() {
    for rel in [PD, EV2, SLACK, STATUSPAGE, OPSGENIE, DISCORD, X, MASTODON] {
        let spec = Spec::load(rel);
        assert!(!spec.operations().is_empty(), "{rel}: no operations");
        let failures = spec.compile_all();
        assert!(failures.is_empty(), "{rel}:\n{}", failures.join("\n"));
    }
}

/// Minimal HTTP/1.1 client (keeps this test independent of the crate's HTTP stack).
fn post(url: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    stream.read_to_string(&mut resp).unwrap();
    let status = resp[9..12].parse().unwrap();
    let body = resp
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

#[tokio::test(flavor = "multi_thread")]
async fn wiremock_round_trip_records_failures() {
    let server = MockServer::start().await;
    let pd = SpecValidated::load(PD);
    Mock::given(method("POST"))
        .and(path("/incidents"))
        .and(header_exact("authorization", "Token token=k"))
        .respond_with(
            pd.respond(
                ResponseTemplate::new(201).set_body_json(json!({"incident": {"id": "PNEW"}})),
            ),
        )
        .mount(&server)
        .await;
    let slack = SpecValidated::load(SLACK);
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .and(slack.clone())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;

    let uri = server.uri();
    let pd_headers = [
        ("Authorization", "Token token=k"),
        ("Accept", "application/vnd.pagerduty+json;version=2"),
        ("Content-Type", "application/json"),
        ("From", "ic@example.com"),
    ];
    let (uri2, good, bad_body) = (
        uri.clone(),
        incident().to_string(),
        json!({"incident": {"type": "incident"}}).to_string(),
    );
    let results = tokio::task::spawn_blocking(move || {
        let ok = post(&uri2, "/incidents", &pd_headers, &good);
        let invalid = post(&uri2, "/incidents", &pd_headers, &bad_body);
        let slack_form = post(
            &uri2,
            "/api/chat.postMessage",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            "channel=C1&text=hello%20world&unfurl_links=false",
        );
        let slack_bad = post(
            &uri2,
            "/api/chat.postMessage",
            &[("Content-Type", "application/json")],
            r#"{"text":"no channel"}"#,
        );
        (ok, invalid, slack_form, slack_bad)
    })
    .await
    .unwrap();
    let (ok, invalid, slack_form, slack_bad) = results;

    assert_eq!(ok.0, 201, "{}", ok.1);
    assert_eq!(invalid.0, 400);
    assert!(invalid.1.contains("\"title\""), "{}", invalid.1);
    assert!(invalid.1.contains("\"service\""), "{}", invalid.1);
    let failures = pd.failure_list();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("POST /incidents"), "{failures:?}");
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pd.assert_clean()));
    assert!(
        caught.is_err(),
        "assert_clean must fail after an invalid request"
    );

    assert_eq!(slack_form.0, 200, "{}", slack_form.1);
    // The matcher rejects the invalid body, so nothing matches: wiremock's 404.
    assert_eq!(slack_bad.0, 404);
    let failures = slack.failure_list();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("\"channel\""), "{failures:?}");
}

/// The copies under tests/specs are byte for byte what SOURCES.md records (size and the first
/// 16 hex digits of the sha256), and every JSON file there is listed: the repository stands
/// alone, and nobody edits an upstream description by hand (patches live in common/spec.rs).
#[test]
fn stored_specs_are_the_upstream_bytes_listed_in_sources() {
    let dir = Spec::dir();
    let sources = std::fs::read_to_string(dir.join("SOURCES.md")).expect("tests/specs/SOURCES.md");
    let mut listed = std::collections::BTreeMap::new();
    for line in sources.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let rel = cells[1].trim_matches('`').to_string();
        let bytes: u64 = cells[2].replace(',', "").parse().expect("bytes column");
        listed.insert(rel, (bytes, cells[3].to_string()));
    }
    let mut stored = Vec::new();
    fn walk(root: &std::path::Path, p: &std::path::Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|x| x == "json") {
                out.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    walk(&dir, &dir, &mut stored);
    assert!(stored.len() >= 8, "tests/specs holds {stored:?}");
    for rel in [
        PD, EV2, SLACK, STATUSPAGE, OPSGENIE, DISCORD, X, MASTODON, GITHUB,
    ] {
        assert!(
            stored.iter().any(|s| s == rel),
            "{rel} is used but not stored"
        );
    }
    for rel in stored {
        let (bytes, sha) = listed
            .get(&rel)
            .unwrap_or_else(|| panic!("tests/specs/{rel} is not listed in SOURCES.md"));
        let data = std::fs::read(dir.join(&rel)).unwrap();
        assert_eq!(
            data.len() as u64,
            *bytes,
            "{rel}: size differs from SOURCES.md"
        );
        let digest = ring::digest::digest(&ring::digest::SHA256, &data);
        let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(&hex[..16], sha, "{rel}: sha256 differs from SOURCES.md");
    }
}

fn query(spec: &str, m: &str, p: &str, pairs: &[(&str, &str)]) -> Result<(), String> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Spec::load(spec).validate_query(m, p, &pairs)
}

/// Query strings are held to the description too: names, types, enums, repeats, required.
#[test]
fn query_strings_are_checked() {
    // What inc sends.
    for (spec, m, p, pairs) in [
        (
            PD,
            "GET",
            "/oncalls",
            &[
                ("schedule_ids[]", "PPRIMRY"),
                ("schedule_ids[]", "PBACKUP"),
                ("limit", "100"),
                ("offset", "0"),
            ][..],
        ),
        (
            PD,
            "GET",
            "/incidents",
            &[
                ("statuses[]", "triggered"),
                ("statuses[]", "acknowledged"),
                ("incident_key", "inc-x"),
            ],
        ),
        (PD, "GET", "/users", &[("query", "ann@example.com")]),
        (
            PD,
            "GET",
            "/incidents/PINC001/log_entries",
            &[("since", "2026-11-26T03:04:05Z"), ("limit", "100")],
        ),
        (PD, "GET", "/abilities", &[]),
        (
            SLACK,
            "GET",
            "/conversations.history",
            &[
                ("channel", "C0001"),
                ("limit", "100"),
                ("include_all_metadata", "true"),
            ],
        ),
        (
            SLACK,
            "GET",
            "/users.lookupByEmail",
            &[("email", "ann@example.com")],
        ),
        (
            OPSGENIE,
            "GET",
            "/v2/alerts/inc-x",
            &[("identifierType", "alias")],
        ),
        (
            OPSGENIE,
            "GET",
            "/v2/schedules/IC Primary/on-calls",
            &[("scheduleIdentifierType", "name")],
        ),
    ] {
        if let Err(e) = query(spec, m, p, pairs) {
            panic!("{m} {p} {pairs:?} should be valid:\n{e}");
        }
    }
    // What a bug would send.
    for (spec, m, p, pairs, needle) in [
        (
            PD,
            "GET",
            "/oncalls",
            &[("schedule_id", "PPRIMRY")][..],
            "`schedule_id` is not in the description",
        ),
        (PD, "GET", "/oncalls", &[("limit", "ten")], "`limit`"),
        (
            PD,
            "GET",
            "/incidents",
            &[("statuses[]", "open")],
            "`statuses[]`",
        ),
        (
            PD,
            "GET",
            "/incidents",
            &[("incident_key", "a"), ("incident_key", "b")],
            "given 2 times",
        ),
        (PD, "GET", "/abilities", &[("verbose", "1")], "it has: none"),
        (
            SLACK,
            "GET",
            "/users.lookupByEmail",
            &[],
            "`email` is required",
        ),
        (
            SLACK,
            "GET",
            "/conversations.history",
            &[("channel", "C0001"), ("limit", "a lot")],
            "`limit`",
        ),
        (
            OPSGENIE,
            "GET",
            "/v2/alerts/inc-x",
            &[("identifierType", "nickname")],
            "`identifierType`",
        ),
    ] {
        match query(spec, m, p, pairs) {
            Ok(()) => panic!("{m} {p} {pairs:?} should be refused"),
            Err(e) => assert!(e.contains(needle), "{needle:?} not in:\n{e}"),
        }
    }
}

/// Minimal HTTP/1.1 GET with a bearer or token header; returns the status.
fn get(url: &str, path_and_query: &str, auth: &str) -> u16 {
    use std::io::{Read, Write};
    let addr = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let req = format!(
        "GET {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: {auth}\r\n\
         Accept: application/vnd.pagerduty+json;version=2\r\nContent-Type: application/json\r\n\r\n"
    );
    stream.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    stream.read_to_string(&mut resp).unwrap();
    resp[9..12].parse().unwrap()
}

/// Drops `fake` and returns the panic message, if dropping it failed the test.
fn drop_message<T>(fake: T) -> Option<String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(fake)))
        .err()
        .map(|p| {
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        })
}

/// A fake that saw a bad request fails the test that sent it when the fake is dropped, with
/// the problem printed, whether or not the test called `assert_clean()`.
#[tokio::test(flavor = "multi_thread")]
async fn fakes_fail_the_test_without_being_asked() {
    use common::pagerduty::{FakePd, TOKEN as PD_TOKEN};
    use common::slack::{FakeSlack, TOKEN as SLACK_TOKEN};

    // Clean traffic: dropping is quiet.
    let pd = FakePd::start().await;
    let uri = pd.uri();
    let auth = format!("Token token={PD_TOKEN}");
    let status = tokio::task::spawn_blocking(move || get(&uri, "/oncalls?limit=5", &auth))
        .await
        .unwrap();
    assert_eq!(status, 200, "{:?}", pd.violations());
    assert_eq!(pd.requests_of("GET /oncalls"), 1, "recorded");
    assert_eq!(drop_message(pd), None);

    for (path, needle) in [
        // A route the description has and the fake does not serve (was a silent 404).
        ("/services", "fake has no route for GET /services"),
        // A path no description has.
        (
            "/nowhere",
            "no path in pagerduty/REST/openapiv3.json matches",
        ),
        // An invalid query string.
        (
            "/incidents?statuses%5B%5D=open",
            "query parameter `statuses[]`",
        ),
        ("/oncalls?schedule_id=PPRIMRY", "`schedule_id` is not in"),
    ] {
        let pd = FakePd::start().await;
        let uri = pd.uri();
        let auth = format!("Token token={PD_TOKEN}");
        let p = path.to_string();
        tokio::task::spawn_blocking(move || get(&uri, &p, &auth))
            .await
            .unwrap();
        let message = drop_message(pd).unwrap_or_else(|| panic!("{path} passed silently"));
        assert!(message.contains(needle), "{needle:?} not in:\n{message}");
    }

    // Slack's read methods carry their arguments in the query string.
    let slack = FakeSlack::start().await;
    let uri = slack.server.uri();
    let auth = format!("Bearer {SLACK_TOKEN}");
    tokio::task::spawn_blocking(move || {
        get(
            &uri,
            "/api/users.lookupByEmail?emal=ann%40example.com",
            &auth,
        )
    })
    .await
    .unwrap();
    let message = drop_message(slack).expect("a misspelt Slack argument fails the test");
    assert!(message.contains("`emal` is not in"), "{message}");
    assert!(message.contains("`email` is required"), "{message}");

    // A test that provokes a problem on purpose takes it, and then the drop is quiet.
    let pd = FakePd::start().await;
    let uri = pd.uri();
    let auth = format!("Token token={PD_TOKEN}");
    tokio::task::spawn_blocking(move || get(&uri, "/services", &auth))
        .await
        .unwrap();
    let taken = pd.take_violations();
    assert_eq!(taken.len(), 1, "{taken:?}");
    assert_eq!(drop_message(pd), None);
}

/// A test that needs a tool fails naming it when the tool is missing.
#[test]
fn a_missing_tool_fails_the_test_naming_it() {
    let caught = std::panic::catch_unwind(|| {
        common::tools::require(
            "inc-no-such-tool",
            &["--version"],
            "this self-test",
            "nothing to install",
        )
    });
    let message = caught
        .expect_err("a missing tool must fail")
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("inc-no-such-tool is required for this self-test"),
        "{message}"
    );
    assert!(message.contains("fail rather than skip"), "{message}");
}

/// Nothing in the repository lets a test pass by skipping: no skip switches, no ignored tests.
#[test]
fn no_test_can_pass_by_skipping() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let banned = [concat!("INC_", "SKIP"), concat!("#[", "ignore")];
    let mut files = Vec::new();
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                if !p.ends_with("specs") {
                    walk(&p, out);
                }
            } else {
                out.push(p);
            }
        }
    }
    for dir in ["src", "tests", ".ci", "bench"] {
        walk(&root.join(dir), &mut files);
    }
    files.push(root.join("README.md"));
    let mut found = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            for b in banned {
                if line.contains(b) {
                    found.push(format!("{}:{}: {line}", f.display(), n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "a way to skip tests:\n{}",
        found.join("\n")
    );
}

const GITHUB: &str = "github/api.github.com.json";

/// GitHub's description holds what inc reads (deployments, their statuses, releases) and
/// publishes (post-mortem issues), and refuses what it must not send; PagerDuty's change
/// events take real timestamps once the placeholder `pattern` is patched out (SOURCES.md).
#[test]
fn github_and_change_events_are_checked() {
    for (m, p, pairs) in [
        (
            "GET",
            "/repos/acme/web/deployments",
            &[
                ("per_page", "100"),
                ("page", "2"),
                ("environment", "production"),
            ][..],
        ),
        (
            "GET",
            "/repos/acme/web/deployments/42/statuses",
            &[("per_page", "10")],
        ),
        (
            "GET",
            "/repos/acme/web/releases",
            &[("per_page", "100"), ("page", "1")],
        ),
        (
            "GET",
            "/repos/acme/ops/issues",
            &[
                ("state", "all"),
                ("sort", "created"),
                ("direction", "desc"),
                ("per_page", "100"),
                ("page", "1"),
            ],
        ),
        ("GET", "/repos/acme/ops", &[]),
    ] {
        query(GITHUB, m, p, pairs).unwrap_or_else(|e| panic!("{p}: {e}"));
    }
    let e = query(
        GITHUB,
        "GET",
        "/repos/acme/web/deployments",
        &[("since", "2026-11-26T00:00:00Z")],
    )
    .unwrap_err();
    assert!(e.contains("`since` is not in the description"), "{e}");
    let e = query(GITHUB, "GET", "/repos/acme/ops/issues", &[("state", "any")]).unwrap_err();
    assert!(e.contains("state"), "{e}");
    ok(
        GITHUB,
        "POST",
        "/repos/acme/ops/issues",
        json!({ "title": "Post-mortem", "body": "b", "labels": ["sev1"] }),
    );
    bad(
        GITHUB,
        "POST",
        "/repos/acme/ops/issues",
        json!({ "body": "no title" }),
        &["title"],
    );
    bad(
        GITHUB,
        "POST",
        "/repos/acme/ops/issues",
        json!({ "title": "t", "labels": "sev1" }),
        &["labels"],
    );

    let window = [
        ("since", "2026-11-25T23:04:00Z"),
        ("until", "2026-11-26T03:10:00Z"),
        ("limit", "100"),
        ("offset", "0"),
    ];
    query(PD, "GET", "/services/PCHKOUT/change_events", &window).unwrap();
    let e = query(
        PD,
        "GET",
        "/services/PCHKOUT/change_events",
        &[("sort_by", "timestamp")],
    )
    .unwrap_err();
    assert!(e.contains("`sort_by` is not in the description"), "{e}");
}

/// Every GitHub operation compiles (the description is large; the loader must take all of it).
#[test]
fn github_operations_compile() {
    let spec = Spec::load(GITHUB);
    assert!(
        spec.operations().len() > 500,
        "{} operations",
        spec.operations().len()
    );
    let failures = spec.compile_all();
    assert!(failures.is_empty(), "{GITHUB}:\n{}", failures.join("\n"));
}

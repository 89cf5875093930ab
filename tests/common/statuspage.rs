//! A stateful fake Statuspage on 127.0.0.1. It checks the exact auth header
//! (`Authorization: OAuth <key>`), validates every request body against the official
//! description (`statuspage/swagger.json`, with the known spec errors patched by `spec.rs`),
//! keeps incidents with their updates and the components' statuses, records when each request
//! arrived (to check that calls to one page are serialised), and can be scripted to fail: 420
//! or 429 (Statuspage's throttling), 5xx, or a slow answer after the write landed.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

use super::fake::{Recording, Requests, SpecValidated, decode_body, fail_on_drop};

pub const KEY: &str = "fakeStatuspageKey0123456789abcdef";
pub const PAGE: &str = "pg1acme";
/// The page's components: config name → id.
pub const COMPONENTS: [(&str, &str); 2] = [("api", "cmpapi01"), ("web", "cmpweb02")];

#[derive(Clone, Debug)]
pub enum Fault {
    Status(u16),
    /// Perform the write, but answer only after this delay (the client times out first).
    SlowAfterWrite(Duration),
}

#[derive(Default)]
pub struct State {
    pub incidents: Vec<Value>,
    pub deleted: Vec<Value>,
    /// Component id → status.
    pub components: BTreeMap<String, String>,
    /// Every request as `METHOD path`, with when it arrived and how long its answer was held.
    pub log: Vec<(Instant, Duration, String)>,
    pub faults: VecDeque<Fault>,
    pub auth_seen: Vec<String>,
    /// Added to every answer (to make overlapping calls visible).
    pub latency: Duration,
    clock: u32,
}

/// Dropping the fake fails the test if any request broke the description or reached a route
/// the fake does not know (see [`fail_on_drop`]).
pub struct FakeStatuspage {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
    pub spec: SpecValidated,
    /// Every request, in order.
    pub requests: Requests,
}

struct Responder {
    state: Arc<Mutex<State>>,
    spec: SpecValidated,
}

fn err(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "message": message }))
}

impl State {
    /// A fresh timestamp, one second after the previous one.
    fn tick(&mut self) -> String {
        self.clock += 1;
        let s = 3 * 3600 + 5 * 60 + self.clock;
        format!(
            "2026-11-26T{:02}:{:02}:{:02}Z",
            s / 3600,
            (s % 3600) / 60,
            s % 60
        )
    }

    fn apply_components(&mut self, inc: &mut Value, map: &Value) {
        let Some(m) = map.as_object() else { return };
        for (id, status) in m {
            let status = status.as_str().unwrap_or_default().to_string();
            self.components.insert(id.clone(), status.clone());
            let list = inc["components"].as_array_mut().expect("components");
            list.retain(|c| c["id"] != json!(id));
            list.push(json!({ "id": id, "page_id": PAGE, "name": id, "status": status }));
        }
    }

    fn update(&mut self, inc: &mut Value, body: &Value) {
        let at = self.tick();
        for k in ["status", "impact_override", "name"] {
            if let Some(v) = body.get(k) {
                inc[k] = v.clone();
            }
        }
        if let Some(i) = body.get("impact_override") {
            inc["impact"] = i.clone();
        }
        if let Some(text) = body.get("body").and_then(Value::as_str) {
            let n = inc["incident_updates"].as_array().map_or(0, Vec::len) + 1;
            let u = json!({
                "id": format!("{}u{n}", inc["id"].as_str().unwrap_or("")),
                "incident_id": inc["id"],
                "status": inc["status"],
                "body": text,
                "created_at": at,
                "display_at": at,
                "deliver_notifications": body.get("deliver_notifications").cloned().unwrap_or(json!(true)),
            });
            inc["incident_updates"]
                .as_array_mut()
                .expect("updates")
                .insert(0, u);
        }
        if let Some(map) = body.get("components") {
            let map = map.clone();
            self.apply_components(inc, &map);
        }
        if inc["status"] == "resolved" && inc["resolved_at"].is_null() {
            inc["resolved_at"] = json!(at);
        }
        if inc["status"] == "monitoring" && inc["monitoring_at"].is_null() {
            inc["monitoring_at"] = json!(at);
        }
        inc["updated_at"] = json!(at);
    }
}

impl Responder {
    fn route(&self, req: &Request, st: &mut State) -> ResponseTemplate {
        let method = req.method.as_str();
        let path = req.url.path().to_string();
        // Every request is held to the description, whatever else is wrong with it.
        let valid = self.spec.check_and_record(req);
        let body = match decode_body(req) {
            Ok(b) => b,
            Err(e) => return err(400, &e),
        };
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        st.auth_seen.push(auth.clone());
        if auth != format!("OAuth {KEY}") {
            return err(401, "Could not authenticate");
        }
        if let Err(e) = valid {
            return err(400, &format!("spec validation failed: {e}"));
        }
        let mut delay = None;
        if method != "GET"
            && let Some(f) = st.faults.pop_front()
        {
            match f {
                Fault::Status(s) => return err(s, "Rate limit exceeded or unavailable"),
                Fault::SlowAfterWrite(d) => delay = Some(d),
            }
        }
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        if segs.len() < 2 || segs[0] != "pages" || segs[1] != PAGE {
            self.spec
                .record(format!("{method} {path}: not a route of page {PAGE}"));
            return err(404, "The requested resource could not be found.");
        }
        let resp = match (method, &segs[2..]) {
            ("GET", []) => ResponseTemplate::new(200).set_body_json(json!({
                "id": PAGE, "name": "Acme Status", "subdomain": "acme", "url": "https://status.example.com",
            })),
            ("GET", ["incidents", "unresolved"]) => {
                let list: Vec<Value> = st
                    .incidents
                    .iter()
                    .filter(|i| !matches!(i["status"].as_str(), Some("resolved" | "completed")))
                    .cloned()
                    .collect();
                ResponseTemplate::new(200).set_body_json(json!(list))
            }
            ("POST", ["incidents"]) => {
                let b = &body["incident"];
                let n = st.incidents.len() + st.deleted.len() + 1;
                let id = format!("spinc{n:03}");
                let at = st.tick();
                let mut inc = json!({
                    "id": id, "page_id": PAGE, "name": b["name"], "status": "investigating",
                    "impact": "none", "shortlink": format!("https://stspg.io/{id}"),
                    "created_at": at, "updated_at": at, "metadata": b.get("metadata").cloned().unwrap_or(json!({})),
                    "incident_updates": [], "components": [], "resolved_at": null, "monitoring_at": null,
                });
                let b = b.clone();
                st.update(&mut inc, &b);
                st.incidents.push(inc.clone());
                ResponseTemplate::new(201).set_body_json(inc)
            }
            ("GET", ["incidents", id]) => {
                match st.incidents.iter().find(|i| i["id"] == json!(id)) {
                    Some(i) => ResponseTemplate::new(200).set_body_json(i.clone()),
                    None => err(404, "The requested resource could not be found."),
                }
            }
            ("PATCH" | "PUT", ["incidents", id]) => {
                let Some(pos) = st.incidents.iter().position(|i| i["id"] == json!(id)) else {
                    return err(404, "The requested resource could not be found.");
                };
                let mut inc = st.incidents[pos].clone();
                let b = body["incident"].clone();
                st.update(&mut inc, &b);
                st.incidents[pos] = inc.clone();
                ResponseTemplate::new(200).set_body_json(inc)
            }
            ("DELETE", ["incidents", id]) => {
                let Some(pos) = st.incidents.iter().position(|i| i["id"] == json!(id)) else {
                    return err(404, "The requested resource could not be found.");
                };
                let inc = st.incidents.remove(pos);
                st.deleted.push(inc.clone());
                ResponseTemplate::new(200).set_body_json(inc)
            }
            ("PATCH" | "PUT", ["components", cid]) => {
                if !COMPONENTS.iter().any(|(_, id)| id == cid) {
                    return err(404, "The requested resource could not be found.");
                }
                let status = body["component"]["status"].as_str().unwrap_or_default();
                st.components.insert(cid.to_string(), status.to_string());
                ResponseTemplate::new(200).set_body_json(
                    json!({ "id": cid, "page_id": PAGE, "name": cid, "status": status }),
                )
            }
            _ => {
                let problem = format!("fake has no route for {method} {path}");
                self.spec.record(problem.clone());
                err(404, &problem)
            }
        };
        match delay {
            Some(d) => resp.set_delay(d + st.latency),
            None => resp.set_delay(st.latency),
        }
    }
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap();
        let arrived = Instant::now();
        let resp = self.route(req, &mut st);
        let held = st.latency;
        st.log
            .push((arrived, held, format!("{} {}", req.method, req.url.path())));
        resp
    }
}

impl FakeStatuspage {
    pub async fn start() -> FakeStatuspage {
        let server = MockServer::start().await;
        let mut st = State::default();
        for (_, id) in COMPONENTS {
            st.components.insert(id.to_string(), "operational".into());
        }
        let state = Arc::new(Mutex::new(st));
        let spec = SpecValidated::load("statuspage/swagger.json");
        let requests = Requests::default();
        Mock::given(any())
            .respond_with(Recording {
                requests: requests.clone(),
                inner: Responder {
                    state: state.clone(),
                    spec: spec.clone(),
                },
            })
            .mount(&server)
            .await;
        FakeStatuspage {
            server,
            state,
            spec,
            requests,
        }
    }

    /// The problems seen so far (spec violations, unknown routes).
    pub fn violations(&self) -> Vec<String> {
        self.spec.failure_list()
    }

    /// Takes the problems seen so far, for a test that provokes them on purpose.
    pub fn take_violations(&self) -> Vec<String> {
        self.spec.take_failures()
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn fault(&self, f: Fault) {
        self.state.lock().unwrap().faults.push_back(f);
    }

    pub fn incidents(&self) -> Vec<Value> {
        self.state.lock().unwrap().incidents.clone()
    }

    pub fn component(&self, name: &str) -> String {
        let id = COMPONENTS.iter().find(|(n, _)| *n == name).unwrap().1;
        self.state.lock().unwrap().components[id].clone()
    }

    /// How many requests of `METHOD /path-prefix…` arrived.
    pub fn count(&self, prefix: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|(_, _, l)| l.starts_with(prefix))
            .count()
    }

    /// Every request arrived after the previous one was answered, and `gap` after it arrived
    /// (the 1 request/s rule, with the test's interval; the client spaces the calls' starts, so
    /// arrivals may differ by a little connection set-up: 40 ms are allowed).
    pub fn assert_serialised(&self, gap: Duration) {
        let st = self.state.lock().unwrap();
        for w in st.log.windows(2) {
            let ((a, held, what), (b, _, next)) = (&w[0], &w[1]);
            let between = b.duration_since(*a);
            assert!(
                between + Duration::from_millis(40) >= gap && between >= *held,
                "{next} arrived {between:?} after {what} (held {held:?}); want ≥ {gap:?}, one at a time"
            );
        }
    }

    /// No request broke the official description.
    pub fn assert_clean(&self) {
        self.spec.assert_clean();
    }

    /// A `[statuspage]` table for this fake (`extra` is appended inside it).
    pub fn config(&self, extra: &str) -> String {
        let comps: Vec<String> = COMPONENTS
            .iter()
            .map(|(n, id)| format!("{n} = \"{id}\""))
            .collect();
        format!(
            "[statuspage]\napi_url = \"{}\"\npage_id = \"{PAGE}\"\ncomponents = {{ {} }}\nmin_interval = \"50ms\"\n{extra}",
            self.uri(),
            comps.join(", ")
        )
    }
}

impl Drop for FakeStatuspage {
    fn drop(&mut self) {
        fail_on_drop("Statuspage", self.violations());
    }
}

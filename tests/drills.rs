//! Drills (SPEC "Drills"): a practice incident with every provider configured (PagerDuty,
//! Opsgenie, Slack, the chat webhooks, a REAL Synapse, Statuspage, X, Mastodon, Bluesky and a
//! real SMTP server) reaches nobody outside the drill: no real IC schedule is paged, no
//! stakeholder subscribed, nothing lands on the status page, the social accounts, the real exec
//! channel or the real exec room; and everything inc sends about it starts with `[DRILL]`.
//! Counted on the fakes' own records.

mod common;

use std::process::Output;

use common::cmd::{TestEnv, json, run, text};
use common::mastodon::{self, FakeMastodon};
use common::opsgenie::{FakeOpsgenie, KEY as OPSGENIE_KEY};
use common::pagerduty::{self, FakePd};
use common::slack::{FakeSlack, TOKEN as SLACK_TOKEN};
use common::smtp::SmtpServer;
use common::statuspage::{self, FakeStatuspage};
use common::synapse::synapse;
use common::webhooks::{CONFIG as WEBHOOKS, FakeHooks};
use common::x::{self, FakeX};
use serde_json::Value;
use wiremock::MockServer;

const DRILL: &str = "[DRILL]";

#[track_caller]
fn ok(o: &Output) -> Value {
    let (out, err) = text(o);
    assert!(o.status.success(), "exit {:?}\n{out}\n{err}", o.status);
    serde_json::from_str(&out).unwrap_or(Value::Null)
}

fn unique(what: &str) -> String {
    format!("{what} {}", fastrand::u32(1000..9999))
}

/// Every provider at once, each a fake (or a real server) that keeps what it received.
struct World {
    pd: FakePd,
    og: FakeOpsgenie,
    slack: FakeSlack,
    hooks: FakeHooks,
    sp: FakeStatuspage,
    x: FakeX,
    mastodon: FakeMastodon,
    /// Bluesky: nothing may reach it, so any server that counts requests will do.
    bluesky: MockServer,
    smtp: SmtpServer,
    /// The real exec channel and room, and the drill's exec channel.
    exec_channel: String,
    exec_room: String,
    drill_channel: String,
}

impl World {
    async fn start() -> World {
        let (pd, og, slack, hooks, sp, x, mastodon, bluesky) = tokio::join!(
            FakePd::start(),
            FakeOpsgenie::start(),
            FakeSlack::start(),
            FakeHooks::start(),
            FakeStatuspage::start(),
            FakeX::start(),
            FakeMastodon::start(),
            MockServer::start()
        );
        let exec_channel = slack.add_channel("executive-summary-updates", false, true);
        let drill_channel = slack.add_channel("incident-drills", false, true);
        let (_, exec_room) = synapse().reader_room(&unique("exec").replace(' ', "-"));
        World {
            pd,
            og,
            slack,
            hooks,
            sp,
            x,
            mastodon,
            bluesky,
            smtp: SmtpServer::start(),
            exec_channel,
            exec_room,
            drill_channel,
        }
    }

    /// The team's config: every provider, and `drill` as the `[drill]` table.
    fn env(&self, drill: &str) -> TestEnv {
        let s = synapse();
        let config = format!(
            "{}\n{}\n[slack]\napi_url = \"{}\"\nper_incident_channel = true\nchannel_prefix = \"inc-\"\n\
             exec_channel = \"#executive-summary-updates\"\n\n\
             [matrix]\nhomeserver = \"{}\"\nper_incident_room = true\nexec_room = \"{}\"\n\n{WEBHOOKS}\n{}\n\
             [social]\n{}{}bluesky = {{ service = \"{}\", handle = \"status.example.com\" }}\n\n\
             [email]\nsmtp_url = \"{}\"\nfrom = \"incidents@example.com\"\nto = [\"eng-all@example.com\"]\n\n{drill}",
            self.pd.config(""),
            self.og.config(),
            self.slack.api_url(),
            s.url,
            self.exec_room,
            self.sp.config(""),
            self.x.config(),
            self.mastodon.config(),
            self.bluesky.uri(),
            self.smtp.url(),
        );
        let mut env = TestEnv::with_config(&config);
        env.set("PAGERDUTY_TOKEN", pagerduty::TOKEN)
            .set("OPSGENIE_API_KEY", OPSGENIE_KEY)
            .set("SLACK_BOT_TOKEN", SLACK_TOKEN)
            .set("MATRIX_ACCESS_TOKEN", &s.bot_token)
            .set("STATUSPAGE_API_KEY", statuspage::KEY)
            .set("INC_X_TOKEN", x::TOKEN)
            .set("INC_MASTODON_TOKEN", mastodon::TOKEN)
            .set("INC_BLUESKY_APP_PASSWORD", "abcd-efgh-ijkl-mnop")
            .set("INC_USER", "ann@example.com");
        for (k, v) in self.hooks.vars() {
            env.set(k, &v);
        }
        env
    }

    /// Nothing reached the public or the people outside the drill.
    async fn assert_nothing_outside(&self) {
        assert_eq!(self.sp.state.lock().unwrap().log.len(), 0, "status page");
        assert_eq!(self.x.state.lock().unwrap().log.len(), 0, "X");
        assert_eq!(self.mastodon.state.lock().unwrap().log.len(), 0, "Mastodon");
        let bsky = self.bluesky.received_requests().await.unwrap_or_default();
        assert_eq!(bsky.len(), 0, "Bluesky");
        let to_exec = self
            .slack
            .posts()
            .iter()
            .filter(|(ch, _, _)| *ch == self.exec_channel)
            .count();
        assert_eq!(to_exec, 0, "the real exec channel");
        let s = synapse();
        let (code, _) = s.reader_join(&self.exec_room);
        assert_eq!(code, 200);
        assert_eq!(
            s.messages(&self.exec_room, &s.reader_token).len(),
            0,
            "the real exec room"
        );
        let st = self.pd.state.lock().unwrap();
        assert_eq!(st.subscribers.len(), 0, "stakeholders subscribed");
        for i in &st.incidents {
            assert_eq!(i["service"]["id"], "PDRILLS", "a PagerDuty incident: {i}");
            for a in i["assignments"].as_array().into_iter().flatten() {
                assert_eq!(a["assignee"]["id"], "PUDAN04", "a real IC assigned: {i}");
            }
        }
        assert_eq!(st.events.len(), 0, "Events v2 pages");
        assert_eq!(self.og.alerts().len(), 0, "Opsgenie alerts");
    }

    /// Everything inc sent (chat, notes, titles, topics, status updates, email) says `[DRILL]`.
    async fn assert_all_marked(&self, room: &str) {
        // Something of each kind was sent (so that "all of them" is not "none of them").
        assert!(self.slack.posts().len() >= 5, "{:?}", self.slack.posts());
        for f in self.hooks.all() {
            assert!(f.texts().len() >= 5, "{:?}: {:?}", f.kind, f.texts());
        }
        for (ch, t, _) in self.slack.posts() {
            assert!(t.starts_with(DRILL), "Slack post in {ch}: {t}");
        }
        for c in self.slack.channels() {
            assert!(
                c.topic.is_empty() || c.topic.starts_with(DRILL),
                "topic {}",
                c.topic
            );
        }
        for f in self.hooks.all() {
            for t in f.texts() {
                assert!(t.starts_with(DRILL), "{:?} post: {t}", f.kind);
            }
        }
        let s = synapse();
        let in_room = s.messages(room, &s.bot_token);
        assert!(in_room.len() >= 5, "{in_room:?}");
        for m in in_room {
            let body = m["content"]["body"].as_str().unwrap_or_default();
            assert!(body.starts_with(DRILL), "Matrix message: {body}");
        }
        let st = self.pd.state.lock().unwrap();
        assert!(st.notes.len() >= 3, "{:?}", st.notes);
        assert_eq!(st.status_updates.len(), 1, "{:?}", st.status_updates);
        for (pd, n) in &st.notes {
            assert!(n.starts_with(DRILL), "PagerDuty note on {pd}: {n}");
        }
        for (pd, u) in &st.status_updates {
            assert!(u.starts_with(DRILL), "PagerDuty status update on {pd}: {u}");
        }
        for i in &st.incidents {
            let t = i["title"].as_str().unwrap_or_default();
            assert!(t.starts_with(DRILL), "PagerDuty title: {t}");
        }
        assert_eq!(self.smtp.messages().len(), 1);
        for m in self.smtp.messages() {
            let subject = m["subject"].as_str().unwrap_or_default();
            assert!(subject.starts_with(DRILL), "email subject: {subject}");
        }
    }

    fn assert_clean(&self) {
        self.pd.assert_clean();
        self.og.assert_clean();
        self.slack.assert_clean();
        self.hooks.assert_clean();
    }
}

const DRILL_TABLE: &str = "[drill]\nic_schedules = [\"PDBSCHD\"]\nservice = \"PDRILLS\"\n\
     slack_channel_prefix = \"drill-\"\nexec_channel = \"#incident-drills\"\n\
     email_to = [\"gameday@example.com\"]\n";

#[tokio::test(flavor = "multi_thread")]
async fn a_drill_with_every_provider_reaches_nobody_outside_it() {
    let w = World::start().await;
    let env = w.env(DRILL_TABLE);
    let title = unique("Game day: the primary database fails over");

    // Declared as a drill: the PagerDuty incident on the drill service, the drill's own rooms.
    let doc = ok(&run(
        &env,
        &[
            "declare", "--drill", &title, "--sev", "2", "--ic", "me", "--json",
        ],
    )
    .await);
    assert_eq!(doc["incident"]["drill"], true, "{doc}");
    let id = doc["incident"]["id"].as_str().unwrap().to_string();
    let incidents = w.pd.incidents();
    assert_eq!(incidents.len(), 1, "one PagerDuty incident: {incidents:?}");
    assert_eq!(incidents[0]["service"]["id"], "PDRILLS");
    let channels = w.slack.channels();
    let own: Vec<_> = channels
        .iter()
        .filter(|c| c.name.contains("primary-database"))
        .collect();
    assert_eq!(own.len(), 1, "{channels:?}");
    assert!(own[0].name.starts_with("drill-"), "{}", own[0].name);
    let room = doc["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["provider"] == "matrix" && d["action"] == "create_room")
        .expect("a Matrix room");
    assert!(
        room["target"].as_str().unwrap().starts_with("#drill-"),
        "{room}"
    );
    let room_id = room["id"].as_str().unwrap().to_string();

    // The IC page: only the drill's schedule (Dan), on the drill service; no Opsgenie alert.
    let page = ok(&run(&env, &["page-ic", "--json"]).await);
    let paged: Vec<&str> = page["paged"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(paged, ["Dan Database"], "{page}");
    assert_eq!(
        w.pd.count("POST /incidents"),
        2,
        "the drill's incident and its IC page"
    );

    // The process: notes, severity, exec summary, public update, resolve, post-mortem, email.
    ok(&run(&env, &["note", "Failover started", "--type", "action"]).await);
    ok(&run(&env, &["sev", "1"]).await);
    let exec = ok(&run(
        &env,
        &[
            "notify-exec",
            "--summary",
            "Primary database failed over",
            "--actions",
            "practising the failover",
            "--impact",
            "none (drill)",
            "--eta",
            "10 min",
            "--json",
        ],
    )
    .await);
    let to_drill_channel = w
        .slack
        .posts()
        .iter()
        .filter(|(ch, _, _)| *ch == w.drill_channel)
        .count();
    assert_eq!(to_drill_channel, 1, "the drill's exec channel: {exec}");
    let comms = run(
        &env,
        &[
            "comms",
            "investigating",
            "We are practising.",
            "--yes",
            "--json",
        ],
    )
    .await;
    let comms_doc = json(&comms);
    assert!(comms.status.success(), "{}", text(&comms).1);
    assert_eq!(comms_doc["dry_run"], true, "{comms_doc}");
    assert!(
        text(&comms).1.contains("drill"),
        "says why nothing was posted: {}",
        text(&comms).1
    );
    ok(&run(&env, &["resolve"]).await);
    ok(&run(&env, &["postmortem", "new", "--owner", "me"]).await);
    ok(&run(&env, &["email", "--yes"]).await);
    let mails = w.smtp.wait_for(1);
    assert_eq!(mails.len(), 1, "the internal email");
    // Only to `[drill] email_to`, never to the real `[email] to` (eng-all@).
    assert_eq!(mails[0]["rcpt_to"], "gameday@example.com", "{}", mails[0]);

    w.assert_nothing_outside().await;
    w.assert_all_marked(&room_id).await;
    w.assert_clean();

    // The journal marks it; the public update was never journaled; `inc list` hides it.
    let timeline = ok(&run(&env, &["timeline", "--json"]).await);
    let events = timeline["timeline"].as_array().unwrap();
    let declared: Vec<_> = events.iter().filter(|e| e["event"] == "declared").collect();
    assert_eq!(declared.len(), 1);
    assert_eq!(declared[0]["drill"], true);
    assert_eq!(events.iter().filter(|e| e["event"] == "comms").count(), 0);
    let pm = std::fs::read_dir(env.home.path().join("postmortems"))
        .unwrap()
        .flatten()
        .next()
        .expect("a post-mortem file");
    let doc = std::fs::read_to_string(pm.path()).unwrap();
    assert!(
        doc.lines()
            .next()
            .unwrap()
            .starts_with("# [DRILL] Post-mortem"),
        "{doc}"
    );
    assert!(
        doc.contains("\n\n_This was a drill") && doc.contains("notified._\n\n- **Status:**"),
        "{doc}"
    );
    let list = ok(&run(&env, &["list", "--json"]).await);
    assert_eq!(list["incidents"].as_array().unwrap().len(), 0, "{list}");
    let all = ok(&run(&env, &["list", "--all", "--json"]).await);
    assert_eq!(all["incidents"][0]["id"], id.as_str());
    assert_eq!(all["incidents"][0]["drill"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_drill_table_nobody_is_paged_and_no_pager_incident_opens() {
    let w = World::start().await;
    // Drill schedules without a drill service: a configuration error naming the key; nothing
    // is paged and no incident is opened.
    let mut half = w.env("[drill]\nic_schedules = [\"PDBSCHD\"]\n");
    half.set("INC_DRILL", "1");
    let o = run(&half, &["page-ic"]).await;
    assert_eq!(o.status.code(), Some(78), "{}", text(&o).1);
    assert!(text(&o).1.contains("drill.service"), "{}", text(&o).1);
    assert!(half.state_files().is_empty(), "{:?}", half.state_files());

    let mut env = w.env("");
    env.set("INC_DRILL", "1");

    // page-ic before declare (3 a.m. order): the real rotation is looked up and shown, nobody
    // is paged through either pager.
    let o = run(&env, &["page-ic"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    for who in ["Ann Primary", "Bob Backup", "Cat Shadow"] {
        assert!(
            out.lines()
                .any(|l| l.contains("would page") && l.contains(who)),
            "{out}"
        );
    }
    assert!(!out.contains("✔"), "{out}");
    assert!(err.contains("nobody was paged"), "{err}");
    assert!(!err.contains("CALL THEM NOW"), "{err}");
    assert_eq!(w.pd.count("POST /incidents"), 0);

    // The drill's declaration adopts the drill's page; no PagerDuty incident (no drill service).
    let doc = ok(&run(&env, &["declare", "Practice run", "--sev", "2", "--json"]).await);
    assert_eq!(doc["incident"]["drill"], true);
    assert_eq!(doc["incident"]["state"], "open");
    let paging = doc["incident"]["id"].as_str().unwrap().to_string();
    let list = ok(&run(&env, &["list", "--all", "--json"]).await);
    assert_eq!(
        list["incidents"].as_array().unwrap().len(),
        1,
        "the page was adopted: {list}"
    );
    assert_eq!(list["incidents"][0]["id"], paging.as_str());

    // `inc page` has nowhere of its own to page: it is only rehearsed.
    let o = run(&env, &["page", "dan@example.com"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("would page"), "{out}");
    // Exec summaries stay in the incident room.
    ok(&run(
        &env,
        &[
            "notify-exec",
            "--summary",
            "Practising",
            "--actions",
            "none",
            "--impact",
            "none",
            "--eta",
            "unknown",
        ],
    )
    .await);
    let room: Vec<_> = w
        .slack
        .channels()
        .into_iter()
        .filter(|c| c.name.starts_with("drill-"))
        .collect();
    assert_eq!(room.len(), 1, "the default drill prefix");
    let in_room = w
        .slack
        .posts()
        .iter()
        .filter(|(ch, t, _)| *ch == room[0].id && t.contains("Executive update"))
        .count();
    assert_eq!(in_room, 1, "{:?}", w.slack.posts());
    assert_eq!(w.pd.count("POST /incidents"), 0);
    w.assert_nothing_outside().await;
    w.assert_clean();
}

/// Slack and Matrix configured with shared rooms only (`per_incident_channel = false`,
/// `per_incident_room = false`), as many teams run them: the real `#incident-chat` and the real
/// Matrix room, plus (when `drill_rooms`) the drill's own channel and room in `[drill]`.
struct Shared {
    slack: FakeSlack,
    shared_channel: String,
    drill_channel: String,
    shared_room: String,
    drill_room: String,
    drill_alias: String,
}

impl Shared {
    async fn start() -> Shared {
        let slack = FakeSlack::start().await;
        let shared_channel = slack.add_channel("incident-chat", false, true);
        let drill_channel = slack.add_channel("incident-drills", false, true);
        let s = synapse();
        let (_, shared_room) = s.reader_room(&unique("shared").replace(' ', "-"));
        let (drill_alias, drill_room) = s.reader_room(&unique("drills").replace(' ', "-"));
        Shared {
            slack,
            shared_channel,
            drill_channel,
            shared_room,
            drill_room,
            drill_alias,
        }
    }

    fn env(&self, drill: &str) -> TestEnv {
        let s = synapse();
        let shared_alias = s.call(
            "GET",
            &format!(
                "/_matrix/client/v3/rooms/{}/state/m.room.canonical_alias",
                common::synapse::enc(&self.shared_room)
            ),
            &s.reader_token,
            None,
        )["alias"]
            .as_str()
            .unwrap()
            .to_string();
        let mut env = TestEnv::with_config(&format!(
            "[delivery]\ntimeout = \"2s\"\nretry_for = \"4s\"\nbackoff = \"50ms\"\n\n\
             [slack]\napi_url = \"{}\"\nper_incident_channel = false\nchannel = \"#incident-chat\"\n\n\
             [matrix]\nhomeserver = \"{}\"\nper_incident_room = false\nroom = \"{shared_alias}\"\n\n{drill}",
            self.slack.api_url(),
            s.url,
        ));
        env.set("SLACK_BOT_TOKEN", SLACK_TOKEN)
            .set("MATRIX_ACCESS_TOKEN", &s.bot_token)
            .set("INC_USER", "ann@example.com");
        env
    }

    fn slack_posts_in(&self, channel: &str) -> Vec<String> {
        self.slack
            .posts()
            .into_iter()
            .filter(|(ch, _, _)| ch == channel)
            .map(|(_, t, _)| t)
            .collect()
    }

    fn matrix_bodies(&self, room: &str) -> Vec<String> {
        let s = synapse();
        s.messages(room, &s.reader_token)
            .iter()
            .map(|m| {
                m["content"]["body"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }
}

const EXEC: [&str; 9] = [
    "notify-exec",
    "--summary",
    "Practising the failover",
    "--actions",
    "failing over",
    "--impact",
    "none (drill)",
    "--eta",
    "10 min",
];

#[tokio::test(flavor = "multi_thread")]
async fn a_drill_on_shared_rooms_never_posts_in_them() {
    let w = Shared::start().await;
    let env = w.env(&format!(
        "[drill]\nexec_channel = \"#incident-drills\"\nexec_room = \"{}\"\n",
        w.drill_alias
    ));
    ok(&run(
        &env,
        &["declare", "--drill", "Game day: failover", "--sev", "2"],
    )
    .await);
    ok(&run(&env, &["note", "Failover started"]).await);
    ok(&run(&env, &["sev", "1"]).await);
    ok(&run(&env, &EXEC).await);
    ok(&run(&env, &["resolve"]).await);

    // Not one post in the team's real shared channel or room, counted on the fake's record and
    // read back from Synapse as the room's owner.
    assert_eq!(w.slack_posts_in(&w.shared_channel), Vec::<String>::new());
    assert_eq!(w.matrix_bodies(&w.shared_room), Vec::<String>::new());
    // The drill ran in the drill's own channel and room instead, every message tagged.
    for (place, texts) in [
        ("Slack #incident-drills", w.slack_posts_in(&w.drill_channel)),
        ("Matrix drill room", w.matrix_bodies(&w.drill_room)),
    ] {
        assert!(texts.len() >= 4, "{place}: {texts:#?}");
        assert!(
            texts.iter().all(|t| t.starts_with(DRILL)),
            "{place}: {texts:#?}"
        );
        assert!(
            texts.iter().any(|t| t.contains("Failover started")),
            "{place}: {texts:#?}"
        );
        assert!(
            texts.iter().any(|t| t.contains("Executive update")),
            "{place}: {texts:#?}"
        );
    }
    w.slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn without_drill_rooms_a_drill_on_shared_rooms_uses_the_terminal() {
    let w = Shared::start().await;
    let env = w.env("");
    let (out, err) = text(
        &run(
            &env,
            &["declare", "--drill", "Game day: failover", "--sev", "2"],
        )
        .await,
    );
    assert!(
        out.contains("Major incident declared") && out.contains("[DRILL]"),
        "the roster is shown where the room would have read it:\n{out}\n{err}"
    );
    let (out, _) = text(&run(&env, &["note", "Failover started"]).await);
    assert!(out.contains("Failover started"), "{out}");
    let (out, _) = text(&run(&env, &EXEC).await);
    assert!(out.contains("Executive update"), "{out}");
    assert_eq!(w.slack.posts().len(), 0, "{:?}", w.slack.posts());
    assert_eq!(w.slack.calls("conversations.join"), 0);
    assert_eq!(w.matrix_bodies(&w.shared_room), Vec::<String>::new());
    // A real incident on the same config still uses the shared rooms.
    ok(&run(&env, &["declare", "Checkout returns 500s", "--sev", "2"]).await);
    assert!(!w.slack_posts_in(&w.shared_channel).is_empty());
    assert!(!w.matrix_bodies(&w.shared_room).is_empty());
    w.slack.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_drills_email_goes_only_to_email_to_else_nobody() {
    let w = World::start().await;
    // No [drill] email_to: nobody; the email is shown as --dry-run shows it.
    let env = w.env("[drill]\n");
    ok(&run(&env, &["declare", "--drill", "Game day", "--sev", "2"]).await);
    let o = run(&env, &["email"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        out.contains("would send") && out.contains("[DRILL]"),
        "{out}"
    );
    assert!(err.contains("email_to") && err.contains("nobody"), "{err}");
    // `--to` in a drill reaches only the drill's addresses.
    let env = w.env("[drill]\nemail_to = [\"gameday@example.com\"]\n");
    ok(&run(&env, &["declare", "--drill", "Game day", "--sev", "2"]).await);
    let o = run(
        &env,
        &["email", "--to", "eng-all@example.com,gameday@example.com"],
    )
    .await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(err.contains("not to eng-all@example.com"), "{err}");
    let mails = w.smtp.wait_for(1);
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0]["rcpt_to"], "gameday@example.com", "{}", mails[0]);
    assert!(mails[0]["subject"].as_str().unwrap().starts_with(DRILL));
    w.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_shows_where_a_drill_goes() {
    let w = Shared::start().await;
    let env = w.env("[drill]\nexec_channel = \"#incident-drills\"\nemail_to = [\"gameday@\"]\n");
    let o = run(&env, &["doctor", "--json"]).await;
    let doc = json(&o);
    let row = |name: &str| {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} row: {doc}"))
    };
    let rooms = row("drill rooms")["detail"].as_str().unwrap().to_string();
    assert!(
        rooms.contains("Slack #incident-drills (never #incident-chat)"),
        "{rooms}"
    );
    assert!(rooms.contains("Matrix: none, the terminal"), "{rooms}");
    assert!(
        row("drill page")["detail"]
            .as_str()
            .unwrap()
            .contains("no pager")
    );
    // [email] is not configured here: no email row; with it, a bad address is a ✘.
    assert!(
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["check"] != "drill email")
    );
    w.slack.assert_clean();
}

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

// ---- People are people: a team on one shared config ----
//
// Four responders, each with their own HOME and state dir and one shared config with no
// `[user]`: who they are is `$USER` only. The IC typed the others' emails. Against the
// spec-validating Slack and PagerDuty fakes and the real Synapse.

mod team {
    use std::process::Output;

    use super::common;
    use common::cmd::TestEnv;
    use common::pagerduty::FakePd;
    use common::slack::{FakeSlack, TOKEN as SLACK_TOKEN};
    use common::synapse::{SERVER_NAME, enc, synapse};
    use serde_json::{Value, json};

    /// The hint `declare` and `attach --as` give a responder who is no email.
    const HINT: &str = "Set `[user] email";

    fn config(pd: &FakePd, slack: &FakeSlack, matrix: &str) -> String {
        format!(
            "{}\n[slack]\napi_url = \"{}\"\nper_incident_channel = true\nchannel_prefix = \"inc-\"\n\n\
             [matrix]\nhomeserver = \"{matrix}\"\nper_incident_room = true\n",
            pd.config(""),
            slack.api_url()
        )
    }

    /// A responder known only by their login name (`$USER`).
    fn responder(config: &str, user: &str) -> TestEnv {
        let mut env = TestEnv::with_config(config);
        env.set("PAGERDUTY_TOKEN", common::pagerduty::TOKEN)
            .set("SLACK_BOT_TOKEN", SLACK_TOKEN)
            .set("USER", user);
        // Synapse starts only for the tests that use it.
        if config.contains("[matrix]") {
            env.set("MATRIX_ACCESS_TOKEN", &synapse().bot_token);
        }
        env
    }

    async fn run(env: &TestEnv, args: &[&str]) -> Output {
        common::cmd::run(env, args).await
    }

    /// Runs, expects exit 0, returns (stdout as JSON or Null, stderr).
    #[track_caller]
    fn ok(o: &Output) -> (Value, String) {
        let (out, err) = common::cmd::text(o);
        assert!(o.status.success(), "exit {:?}\n{out}\n{err}", o.status);
        (serde_json::from_str(&out).unwrap_or(Value::Null), err)
    }

    /// Declares with ann as IC; the incident id.
    async fn declare(env: &TestEnv, title: &str) -> String {
        let o = run(
            env,
            &[
                "declare",
                title,
                "--sev",
                "2",
                "--ic",
                "ann@example.com",
                "-q",
            ],
        )
        .await;
        let (out, err) = common::cmd::text(&o);
        assert!(
            o.status.success(),
            "{out}
{err}"
        );
        out.trim().to_string()
    }

    fn delivery<'a>(doc: &'a Value, provider: &str, action: &str) -> &'a Value {
        doc["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["provider"] == provider && d["action"] == action)
            .unwrap_or_else(|| panic!("no {provider} {action} in {doc}"))
    }

    /// The rows of the post-mortem's responders table.
    fn responder_rows(md: &str) -> Vec<String> {
        md.split("## Responders")
            .nth(1)
            .and_then(|r| r.split("## Timeline").next())
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| Responder"))
            .map(str::to_string)
            .collect()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_shared_config_team_is_four_people_each_once_and_named_everywhere() {
        let pd = FakePd::start().await;
        let slack = FakeSlack::start().await;
        let s = synapse();
        let config = config(&pd, &slack, &s.url);
        let mut ann = responder(&config, "ann");
        let bob = responder(&config, "bob");
        let carol = responder(&config, "carol");
        let dana = responder(&config, "dana");

        // Ann declares, IC herself, the others by email.
        let o = run(
            &ann,
            &[
                "declare",
                &format!("Payments gateway errors {}", fastrand::u32(1000..9999)),
                "--sev",
                "2",
                "--ic",
                "me",
                "--deputy",
                "bob@example.com",
                "--scribe",
                "carol@example.com",
                "--json",
            ],
        )
        .await;
        let (declared, err) = ok(&o);
        // Said once how to be known by email.
        assert_eq!(err.matches(HINT).count(), 1, "{err}");
        assert!(err.contains("INC_USER"), "{err}");
        assert!(err.contains("\"ann\" (from $USER)"), "{err}");
        let id = declared["incident"]["id"].as_str().unwrap().to_string();
        let pd_id = pd.incidents()[0]["id"].as_str().unwrap().to_string();
        let channel = slack.channels()[0].clone();
        let room = delivery(&declared, "matrix", "create_room")["id"]
            .as_str()
            .unwrap()
            .to_string();
        // The roster mentions the people Slack knows by email; ann is only a handle.
        let roster = slack.messages(&channel.id)[0].text.clone();
        assert!(
            roster.contains("Roster: IC ann · Deputy <@UBOB> · Scribe <@UCAROL>"),
            "{roster}"
        );
        // They are invited, in one call.
        assert_eq!(slack.calls("conversations.invite"), 1);
        let mut members = slack.channels()[0].members.clone();
        members.sort();
        assert_eq!(members, ["UBOB", "UCAROL"]);

        // Carol joins as scribe: she is the carol@example.com the IC named, not a second one.
        let o = run(
            &carol,
            &["attach", &format!("#{}", channel.name), "--as", "scribe"],
        )
        .await;
        let (_, err) = ok(&o);
        assert_eq!(err.matches(HINT).count(), 1, "{err}");
        assert!(
            common::cmd::text(&o)
                .0
                .contains("you are already Scribe (as carol@example.com)"),
            "{:?}",
            common::cmd::text(&o)
        );
        let (shown, _) = ok(&run(&carol, &["show", "--json"]).await);
        assert_eq!(
            shown["incident"]["roles"]["scribe"],
            json!(["carol@example.com"])
        );
        // Bob joins as SME under the email he is known by; dana as herself.
        let (_, err) = ok(&run(&bob, &["attach", &channel.id, "--as", "sme"]).await);
        assert_eq!(err.matches(HINT).count(), 1, "{err}");
        ok(&run(&dana, &["attach", &pd_id, "--as", "sme"]).await);
        // A plain attach says nothing about it.
        let (_, err) = ok(&run(&responder(&config, "eve"), &["attach", &room]).await);
        assert_eq!(err.matches(HINT).count(), 0, "{err}");

        // Carol notes, bob adds a TODO: every place shows who wrote it.
        ok(&run(&carol, &["note", "Payments gateway config pushed"]).await);
        ok(&run(&bob, &["todo", "Alert on gateway error rate"]).await);
        for (who, text) in [
            ("carol", "Payments gateway config pushed"),
            ("bob", "TODO: Alert on gateway error rate"),
        ] {
            let want = format!("{who}: {text}");
            let in_slack = slack
                .messages(&channel.id)
                .iter()
                .filter(|m| m.text == want)
                .count();
            assert_eq!(in_slack, 1, "Slack: {want}");
            let in_matrix = s
                .messages(&room, &s.bot_token)
                .iter()
                .filter(|m| m["content"]["body"] == want.as_str())
                .count();
            assert_eq!(in_matrix, 1, "Matrix: {want}");
            let in_pd = pd
                .notes_of(&pd_id)
                .iter()
                .filter(|n| {
                    n["content"]
                        .as_str()
                        .is_some_and(|c| c.starts_with(&format!("{want} [inc:")))
                })
                .count();
            assert_eq!(in_pd, 1, "PagerDuty: {want} in {:?}", pd.notes_of(&pd_id));
        }
        // Read back, the note is carol's and its text is hers alone.
        let (timeline, _) = ok(&run(&ann, &["timeline", "--json"]).await);
        let notes: Vec<&Value> = timeline["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == "note" && e["text"] == "Payments gateway config pushed")
            .collect();
        assert_eq!(notes.len(), 1, "{timeline}");
        assert_eq!(notes[0]["by"], "carol");

        // Ann hands over to bob by his handle: he is bob@example.com. Then, having read the
        // hint, she is known by her email, and resolves.
        ok(&run(&ann, &["handover", "bob"]).await);
        ann.set("INC_USER", "ann@example.com");
        ok(&run(
            &ann,
            &["note", "Rolled back the gateway config", "--type", "action"],
        )
        .await);
        ok(&run(&ann, &["resolve", "--yes"]).await);
        let (shown, _) = ok(&run(&ann, &["show", "--json"]).await);
        assert_eq!(shown["incident"]["roles"]["ic"], json!(["bob@example.com"]));

        // Each person once, with every role they held: 4 people, 4 rows.
        ok(&run(&ann, &["postmortem", "new", "--owner", "ann@example.com"]).await);
        let md =
            std::fs::read_to_string(ann.home.path().join(format!("postmortems/{id}.md"))).unwrap();
        assert_eq!(
            responder_rows(&md),
            [
                "| ann@example.com | **Incident Commander** |",
                "| bob@example.com | **Incident Commander, Deputy, SME** |",
                "| carol@example.com | **Scribe** |",
                "| dana | SME |",
            ],
            "{md}"
        );

        // A second incident: ann is an email now, so she is mentioned, invited, and not told.
        let o = run(
            &ann,
            &[
                "declare",
                &format!("Search is slow {}", fastrand::u32(1000..9999)),
                "--ic",
                "me",
                "--deputy",
                &format!("reader@{SERVER_NAME}"),
                "--scribe",
                "bob@example.com",
                "--json",
            ],
        )
        .await;
        let (declared, err) = ok(&o);
        assert_eq!(err.matches(HINT).count(), 0, "{err}");
        let channel = slack.channels().last().unwrap().clone();
        let roster = slack.messages(&channel.id)[0].text.clone();
        assert!(
            roster.contains("Roster: IC <@UANN> · Deputy reader@"),
            "{roster}"
        );
        assert_eq!(slack.calls("conversations.invite"), 2);
        let mut members = channel.members.clone();
        members.sort();
        assert_eq!(
            members,
            ["UANN", "UBOB"],
            "the IC is invited to her own channel"
        );
        // In Matrix, the homeserver's own reader is a pill, notified, and invited.
        let room = delivery(&declared, "matrix", "create_room")["id"]
            .as_str()
            .unwrap()
            .to_string();
        let reader = s.reader.clone();
        let msgs = s.messages(&room, &s.bot_token);
        let roster = msgs
            .iter()
            .find(|m| {
                m["content"]["body"]
                    .as_str()
                    .is_some_and(|b| b.contains("Roster:"))
            })
            .expect("the roster in Matrix");
        assert_eq!(
            roster["content"]["m.mentions"],
            json!({ "user_ids": [reader] })
        );
        let html = roster["content"]["formatted_body"].as_str().unwrap();
        assert!(
            html.contains(&format!(
                "<a href=\"https://matrix.to/#/{reader}\">reader@{SERVER_NAME}</a>"
            )),
            "{html}"
        );
        let member = s.call(
            "GET",
            &format!(
                "/_matrix/client/v3/rooms/{}/state/m.room.member/{}",
                enc(&room),
                enc(&reader)
            ),
            &s.bot_token,
            None,
        );
        assert_eq!(member["membership"], "invite", "{member}");
        assert_eq!(delivery(&declared, "matrix", "invite")["ok"], true);
        pd.assert_clean();
        slack.assert_clean();
    }

    /// With PagerDuty alone, a note's author comes back from its text: the note is by inc's
    /// `from` user there.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_pagerduty_note_names_its_author_and_reads_back_as_theirs() {
        let pd = FakePd::start().await;
        let config = pd.config("");
        let ann = responder(&config, "ann");
        let bob = responder(&config, "bob");
        declare(&ann, "Queue backlog").await;
        let pd_id = pd.incidents()[0]["id"].as_str().unwrap().to_string();
        ok(&run(&ann, &["note", "Drained the queue", "--type", "action"]).await);
        let note = pd
            .notes_of(&pd_id)
            .into_iter()
            .filter_map(|n| n["content"].as_str().map(str::to_string))
            .find(|c| c.contains("Drained"))
            .unwrap();
        assert!(
            note.starts_with("ann: ACTION: Drained the queue [inc:"),
            "{note}"
        );
        ok(&run(&bob, &["attach", &pd_id]).await);
        let (timeline, _) = ok(&run(&bob, &["timeline", "--json"]).await);
        let read: Vec<&Value> = timeline["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["text"].as_str().is_some_and(|t| t.contains("Drained")))
            .collect();
        assert_eq!(read.len(), 1, "{timeline}");
        assert_eq!(read[0]["by"], "ann", "{timeline}");
        assert!(
            !read[0]["text"].as_str().unwrap().starts_with("ann:"),
            "{timeline}"
        );
        pd.assert_clean();
    }

    /// `inc list` on another machine: the IC's resolve shows; a state that cannot be read
    /// says as of when it is. `inc show`: one row per provider, not one per delivery.
    #[tokio::test(flavor = "multi_thread")]
    async fn list_refreshes_states_and_show_groups_deliveries() {
        let pd = FakePd::start().await;
        let slack = FakeSlack::start().await;
        let config = format!(
            "{}\n[slack]\napi_url = \"{}\"\nper_incident_channel = true\n",
            pd.config(""),
            slack.api_url()
        );
        let ann = responder(&config, "ann");
        let bob = responder(&config, "bob");
        let first = declare(&ann, "Queue backlog").await;
        let channel = slack.channels()[0].id.clone();
        ok(&run(&bob, &["attach", &channel]).await);
        let (listed, _) = ok(&run(&bob, &["list", "--json"]).await);
        assert_eq!(listed["incidents"][0]["state"], "open", "{listed}");
        // Ann resolves on her machine; bob's list shows it without a sync.
        ok(&run(&ann, &["note", "Drained the queue"]).await);
        ok(&run(&ann, &["resolve", "--yes"]).await);
        let (listed, _) = ok(&run(&bob, &["list", "--json"]).await);
        assert_eq!(listed["incidents"][0]["id"], first.as_str());
        assert_eq!(listed["incidents"][0]["state"], "resolved", "{listed}");
        assert!(listed["incidents"][0].get("stale").is_none(), "{listed}");
        let (open, _) = ok(&run(&bob, &["list", "--open", "--json"]).await);
        assert_eq!(open["incidents"], json!([]), "{open}");

        // A second incident, and Slack cannot be read: its state is as of the last pull.
        let second = declare(&ann, "Search is slow").await;
        let channel = slack.channels()[1].id.clone();
        ok(&run(&bob, &["attach", &channel]).await);
        slack.fault(common::slack::Fault::Error(
            "conversations.history",
            "internal_error",
        ));
        let o = run(&bob, &["list"]).await;
        let (out, err) = common::cmd::text(&o);
        assert!(o.status.success(), "{out}\n{err}");
        let row = out.lines().find(|l| l.contains(&second)).expect("listed");
        assert!(row.contains("open? (as of "), "{out}");
        assert_eq!(err.matches("could not read slack").count(), 1, "{err}");
        let (listed, _) = ok(&run(&bob, &["list", "--json"]).await);
        let row = |doc: &Value, id: &str| {
            doc["incidents"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["id"] == id)
                .cloned()
                .unwrap()
        };
        assert_eq!(row(&listed, &second)["state"], "open");
        assert_eq!(row(&listed, &first)["state"], "resolved");

        // `inc show`: one row per provider, each with what was opened and how much went there.
        let (shown, _) = ok(&run(&ann, &["show", &first, "--json"]).await);
        let places = shown["places"].as_array().unwrap();
        let slack_place = places.iter().find(|p| p["provider"] == "slack").unwrap();
        assert_eq!(
            places.iter().filter(|p| p["provider"] == "slack").count(),
            1
        );
        assert!(
            slack_place["delivered"]["post"].as_u64().unwrap() >= 3,
            "{shown}"
        );
        assert_eq!(slack_place["delivered"]["create_channel"], 1);
        let o = run(&ann, &["show", &first]).await;
        let (out, _) = common::cmd::text(&o);
        assert_eq!(
            out.lines().filter(|l| l.starts_with("Slack ")).count(),
            1,
            "{out}"
        );
        assert_eq!(
            out.lines().filter(|l| l.starts_with("PagerDuty ")).count(),
            1,
            "{out}"
        );
        assert!(!out.lines().any(|l| l.starts_with("link ")), "{out}");
        assert!(out.contains("post ×"), "{out}");
        pd.assert_clean();
        slack.assert_clean();
    }
}

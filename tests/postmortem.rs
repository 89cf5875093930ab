//! `inc postmortem new`: the document written from the journal (golden files under
//! tests/golden/, fixed clock through `INC_NOW`), custom and broken templates, re-runs that never
//! overwrite an edited file, and the link in `inc status`.
//!
//! After an intended change of the built-in template: `INC_BLESS=1 cargo test --test postmortem`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::cmd::TestEnv;
use common::pagerduty::{FakePd, TOKEN};
use serde_json::Value;

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Runs `inc ARGS` with the clock at `at` (UTC, `HH:MM:SS` on 2026-11-26 unless a full time).
fn at(env: &TestEnv, when: &str, args: &[&str]) -> Output {
    let now = if when.contains('T') {
        when.to_string()
    } else {
        format!("2026-11-26T{when}Z")
    };
    env.inc()
        .env("INC_NOW", now)
        .args(args)
        .output()
        .expect("run inc")
}

#[track_caller]
fn ok(o: Output) -> Output {
    let (out, err) = text(&o);
    assert!(o.status.success(), "failed: {:?}\n{out}\n{err}", o.status);
    o
}

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compares with (or, under `INC_BLESS=1`, writes) a golden file.
#[track_caller]
fn assert_golden(name: &str, have: &str) {
    let path = golden(name);
    if std::env::var("INC_BLESS").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, have).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (INC_BLESS=1 writes it)", path.display()));
    if want != have {
        let line = want
            .lines()
            .zip(have.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(have.lines().count()));
        panic!(
            "{name} differs from the golden file at line {}:\n  want: {:?}\n  have: {:?}\n--- whole document ---\n{have}\n(INC_BLESS=1 cargo test --test postmortem rewrites it)",
            line + 1,
            want.lines().nth(line).unwrap_or("<end>"),
            have.lines().nth(line).unwrap_or("<end>"),
        );
    }
}

/// The incident of the golden files: SEV-2 → SEV-1 → resolved (final SEV-2), with notes,
/// TODOs, role changes and pages through a fake PagerDuty.
async fn scenario() -> (FakePd, TestEnv, String) {
    let fake = FakePd::start().await;
    let extra = "\n[postmortem]\nrecording_url = \"https://meet.example.com/rec/4411\"\n";
    let mut env = TestEnv::with_config(&fake.config(extra));
    env.set("PAGERDUTY_TOKEN", TOKEN);
    let pd_state = fake.state.clone();
    let env = tokio::task::spawn_blocking(move || {
        let steps: &[(&str, &[&str])] = &[
            (
                "03:04:00",
                &[
                    "declare",
                    "Checkout returns 500s",
                    "--sev",
                    "2",
                    "--ic",
                    "ann@example.com",
                    "--scribe",
                    "cat@example.com",
                ],
            ),
            ("03:04:30", &["page-ic", "-m", "Checkout returns 500s"]),
            // Ann acknowledges the IC page at 03:05:10; `inc status` at 03:07 journals it.
            ("03:07:00", &["status"]),
            (
                "03:06:10",
                &[
                    "note",
                    "Error rate at 40% | checkout-api",
                    "--type",
                    "status",
                ],
            ),
            (
                "03:08:00",
                &[
                    "comms",
                    "investigating",
                    "We are investigating errors at checkout",
                    "--yes",
                ],
            ),
            ("03:09:00", &["page", "dan@example.com", "-m", "DB help"]),
            ("03:09:30", &["role", "sme", "dan@example.com"]),
            (
                "03:12:45",
                &["todo", "Alert on queue depth before it saturates"],
            ),
            ("03:20:00", &["sev", "1"]),
            (
                "03:31:00",
                &["note", "Rolled back deploy 4411", "--type", "action"],
            ),
            ("03:40:00", &["handover", "bob@example.com"]),
            (
                "03:55:00",
                &["note", "Error rate back to normal", "--type", "status"],
            ),
            (
                "04:02:00",
                &["todo", "Add a canary stage\nwith automatic rollback"],
            ),
            ("04:47:00", &["resolve", "--final-sev", "2"]),
        ];
        for (when, args) in steps {
            // PagerDuty writes its log at the same (fixed) time as inc.
            pd_state.lock().unwrap().clock = Some(format!("2026-11-26T{when}Z"));
            if *when == "03:07:00" {
                let mut st = pd_state.lock().unwrap();
                let page = st.incidents.iter_mut().find(|i| i["id"] == "PINC002").expect("the IC page");
                page["status"] = "acknowledged".into();
                page["acknowledgements"] = serde_json::json!([{
                    "at": "2026-11-26T03:05:10Z",
                    "acknowledger": { "id": "PUANN01", "type": "user_reference", "summary": "Ann Primary" },
                }]);
            }
            ok(at(&env, when, args));
        }
        env
    })
    .await
    .unwrap();
    let id = env.json(&["show"])["incident"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (fake, env, id)
}

/// The document with what varies between runs (incident id, fake port) made stable.
fn normalized(doc: &str, id: &str, fake: &FakePd) -> String {
    doc.replace(id, "INCIDENT-ID")
        .replace(&fake.uri(), "http://fake-pagerduty")
}

#[tokio::test(flavor = "multi_thread")]
async fn golden_sev2_to_sev1_resolved() {
    let (fake, env, id) = scenario().await;
    let o = ok(at(
        &env,
        "05:30:00",
        &["postmortem", "new", "--owner", "ann@example.com", "--json"],
    ));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    let rel = format!("postmortems/{id}.md");
    assert_eq!(doc["postmortem"]["path"], rel.as_str());
    assert_eq!(doc["postmortem"]["status"], "written");
    assert_eq!(doc["postmortem"]["meeting_due"], "2026-11-29");
    assert_eq!(doc["postmortem"]["tags"][0], "sev1_20261126");
    assert!(doc["deliveries"].is_array(), "{doc}");
    let file = env.home.path().join(&rel);
    let md = std::fs::read_to_string(&file).expect("the post-mortem file");
    // The figures the process asks for, exactly.
    for want in [
        "| Time in SEV-1 | 87 min |",
        "| Time in SEV-2 | 16 min |",
        "- **Status:** Draft",
        "- **Post-mortem owner:** ann@example.com",
        "due by Sunday 2026-11-29 (SEV-1: within 3 calendar days)",
        "- **Call recording:** https://meet.example.com/rec/4411",
        "| 1 | Alert on queue depth before it saturates | `sev1_20261126` `sev1` | |",
        "| 2 | Add a canary stage<br/>with automatic rollback | `sev1_20261126` `sev1` | |",
        "| ann@example.com | **Incident Commander** |",
        "| cat@example.com | **Scribe** |",
        "| dan@example.com | SME |",
        "STATUS: Error rate at 40% \\| checkout-api",
    ] {
        assert!(md.contains(want), "missing {want:?} in:\n{md}");
    }
    // Timeline rows in journal order, times in UTC.
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| 2026-11-26 "))
        .collect();
    let times: Vec<&str> = rows.iter().map(|r| &r[2..21]).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "timeline in order:\n{}", rows.join("\n"));
    assert!(rows[0].contains("Incident declared: SEV-2"), "{}", rows[0]);
    assert!(
        rows.iter().any(|r| r.contains("IC paged")),
        "{}",
        rows.join("\n")
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("Severity raised to SEV-1")
                && r.starts_with("| 2026-11-26 03:20:00")),
        "{}",
        rows.join("\n")
    );
    assert!(
        rows.last().unwrap().contains("Resolved"),
        "{}",
        rows.join("\n")
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("| 2026-11-26 03:08:00")
                && r.contains("went public (investigating)")),
        "the public post is in the timeline:\n{}",
        rows.join("\n")
    );
    assert_golden("postmortem_sev2_sev1.md", &normalized(&md, &id, &fake));
    fake.assert_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn rerun_keeps_edits_status_shows_the_link() {
    let (_fake, env, id) = scenario().await;
    let env = tokio::task::spawn_blocking(move || {
        let pm = |when: &str, extra: &[&str]| {
            let mut args = vec!["postmortem", "new"];
            args.extend(extra);
            at(&env, when, &args)
        };
        // Scripts must name the owner.
        let o = pm("05:00:00", &[]);
        assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
        assert!(text(&o).1.contains("--owner"), "{}", text(&o).1);
        assert!(!env.home.path().join("postmortems").exists());
        // --dry-run writes nothing.
        let before = env.state_files();
        let o = ok(pm("05:00:00", &["--owner", "ann", "--dry-run"]));
        assert!(text(&o).0.contains("# Post-mortem: Checkout returns 500s"));
        assert!(!env.home.path().join("postmortems").exists());
        assert_eq!(env.state_files(), before);

        ok(pm("05:00:00", &["--owner", "ann"]));
        let file = env.home.path().join(format!("postmortems/{id}.md"));
        // Same journal, same clock: unchanged. The owner is remembered.
        let o = ok(pm("05:00:00", &["--json"]));
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(doc["postmortem"]["status"], "unchanged");
        assert_eq!(doc["postmortem"]["owner"], "ann");
        // Untouched but stale: regenerated.
        ok(at(&env, "05:10:00", &["todo", "Document the rollback"]));
        let o = ok(pm("05:10:00", &["--json"]));
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(doc["postmortem"]["status"], "regenerated");
        assert!(
            std::fs::read_to_string(&file)
                .unwrap()
                .contains("Document the rollback")
        );
        // Edited: never overwritten without --force.
        let edited = std::fs::read_to_string(&file)
            .unwrap()
            .replace("_A short, factual account.", "The queue filled up.");
        std::fs::write(&file, &edited).unwrap();
        let o = pm("05:20:00", &[]);
        assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
        assert!(text(&o).1.contains("edited"), "{}", text(&o).1);
        assert!(text(&o).1.contains("--force"), "{}", text(&o).1);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), edited);
        let o = ok(pm("05:20:00", &["--force", "--json"]));
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(doc["postmortem"]["status"], "overwritten");
        assert!(
            !std::fs::read_to_string(&file)
                .unwrap()
                .contains("The queue filled up.")
        );
        // The link is journaled and shown.
        let st = env.json(&["status"]);
        let link = st["incident"]["postmortem"]["path_or_url"]
            .as_str()
            .unwrap();
        assert!(link.ends_with(&format!("postmortems/{id}.md")), "{link}");
        assert_eq!(st["incident"]["postmortem"]["owner"], "ann");
        let o = ok(env.inc().arg("status").output().unwrap());
        assert!(text(&o).0.contains("post-mortem"), "{}", text(&o).0);
        let o = ok(env.inc().arg("show").output().unwrap());
        assert!(
            text(&o).0.contains(&format!("postmortems/{id}.md")),
            "{}",
            text(&o).0
        );
        let tl = env.json(&["timeline"]);
        assert!(
            tl["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["event"] == "postmortem" && e["owner"] == "ann")
        );
        // `[postmortem] dir` is relative to the current directory; --out - prints.
        let o = ok(at(&env, "05:30:00", &["postmortem", "new", "--out", "-"]));
        assert!(
            text(&o)
                .0
                .starts_with("# Post-mortem: Checkout returns 500s")
        );
        env
    })
    .await
    .unwrap();
    drop(env);
}

#[test]
fn sev2_meeting_in_business_days_and_configurable() {
    let env = TestEnv::with_config("[postmortem]\ndir = \"pm\"\nsev2_meeting_business_days = 2\n");
    // Friday 2026-11-27: two business days later is Tuesday.
    ok(at(
        &env,
        "2026-11-27T22:00:00Z",
        &["declare", "Search is slow", "--sev", "2"],
    ));
    ok(at(&env, "2026-11-27T23:30:00Z", &["resolve"]));
    let o = ok(at(
        &env,
        "2026-11-28T09:00:00Z",
        &["postmortem", "new", "--owner", "me", "--json"],
    ));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["postmortem"]["meeting_due"], "2026-12-01");
    assert_eq!(
        doc["postmortem"]["meeting_rule"],
        "SEV-2: within 2 business days"
    );
    assert_eq!(doc["postmortem"]["owner"], "tester");
    let path = doc["postmortem"]["path"].as_str().unwrap();
    assert!(path.starts_with("pm/"), "{path}");
    let md = std::fs::read_to_string(env.home.path().join(path)).unwrap();
    assert!(md.contains("| Time in SEV-1 | 0 min |"), "{md}");
    assert!(md.contains("| Time in SEV-2 | 90 min |"), "{md}");
    assert!(md.contains("`sev2_20261127` `sev2`"), "{md}");
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn custom_template_renders_and_broken_one_names_file_and_line() {
    let env = TestEnv::new();
    ok(at(
        &env,
        "03:04:00",
        &["declare", "Checkout returns 500s", "--sev", "1"],
    ));
    ok(at(&env, "03:10:00", &["todo", "Add | alert"]));
    ok(at(&env, "03:34:00", &["resolve"]));
    let custom = write(
        env.home.path(),
        "team.md.j2",
        "# {{ incident.title }} ({{ incident.worst_severity }})\n\
         Owner: {{ postmortem.owner }}, due {{ postmortem.meeting_due }}\n\
         SEV-1 minutes: {{ impact.sev1_minutes }}\n\
         {% for item in action_items %}- [ ] {{ item.text | cell }} {{ item.tags | join(',') }}\n{% endfor %}\
         {% for row in timeline %}{{ row.time }} {{ row.kind }}\n{% endfor %}",
    );
    let o = ok(env
        .inc()
        .env("INC_NOW", "2026-11-26T04:00:00Z")
        .args([
            "postmortem",
            "new",
            "--owner",
            "ann",
            "--out",
            "-",
            "--template",
        ])
        .arg(&custom)
        .output()
        .unwrap());
    assert_eq!(
        text(&o).0,
        "# Checkout returns 500s (SEV-1)\nOwner: ann, due 2026-11-29\nSEV-1 minutes: 30\n\
         - [ ] Add \\| alert sev1_20261126,sev1\n\
         2026-11-26 03:04:00 declared\n2026-11-26 03:10:00 todo\n2026-11-26 03:34:00 resolved\n"
    );
    // A syntax error and an unknown variable: exit 2, naming the file and the line; nothing written.
    for (name, body, line) in [
        ("syntax.md.j2", "# {{ incident.title }}\n\n{% if %}\n", 3),
        (
            "typo.md.j2",
            "# {{ incident.title }}\n{{ incident.titel }}\n",
            2,
        ),
        (
            "filter.md.j2",
            "a\nb\nc\n{{ incident.title | nosuchfilter }}\n",
            4,
        ),
    ] {
        let p = write(env.home.path(), name, body);
        let o = env
            .inc()
            .args([
                "postmortem",
                "new",
                "--owner",
                "ann",
                "--out",
                "x.md",
                "--template",
            ])
            .arg(&p)
            .output()
            .unwrap();
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name), "{name}: {err}");
        assert!(err.contains(&format!("line {line}")), "{name}: {err}");
        assert!(!env.home.path().join("x.md").exists());
    }
    // A template that does not exist, from the flag: 2; from the config: 78.
    let o = env
        .inc()
        .args([
            "postmortem",
            "new",
            "--owner",
            "ann",
            "--template",
            "nope.j2",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("nope.j2"), "{}", text(&o).1);
    env.write_config("[postmortem]\ntemplate = \"missing.j2\"\n");
    let o = env
        .inc()
        .args(["postmortem", "new", "--owner", "ann"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(78), "{:?}", text(&o));
    assert!(text(&o).1.contains("postmortem.template"), "{}", text(&o).1);
    // The config's template, relative to the config file.
    env.write_config("[postmortem]\ntemplate = \"team.md.j2\"\n");
    let o = ok(env
        .inc()
        .env("INC_NOW", "2026-11-26T04:00:00Z")
        .args(["postmortem", "new", "--owner", "ann", "--out", "-"])
        .output()
        .unwrap());
    assert!(text(&o).0.starts_with("# Checkout returns 500s (SEV-1)"));
}

#[test]
fn bad_input_and_config() {
    let env = TestEnv::new();
    let o = env
        .inc()
        .args(["postmortem", "new", "--owner", "ann"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(4), "no incident: {:?}", text(&o));
    env.declare("Checkout returns 500s", &[]);
    let o = env
        .inc()
        .args(["postmortem", "new", "--owner", "ann, bob"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("one person"), "{}", text(&o).1);
    for (config, want) in [
        ("[postmortem]\npublish = \"wiki\"\n", "postmortem.publish"),
        ("[postmortem]\npublish = \"confluence\"\n", "[confluence]"),
        (
            "[github]\nrepo = \"acme\"\n[postmortem]\npublish = \"github\"\n",
            "github.repo",
        ),
        ("[postmortem]\nowner = \"x\"\n", "owner"),
    ] {
        env.write_config(config);
        let o = env
            .inc()
            .args(["postmortem", "new", "--owner", "ann"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(78), "{config}: {:?}", text(&o));
        assert!(text(&o).1.contains(want), "{config}: {}", text(&o).1);
    }
    env.write_config("");
    let o = env
        .inc()
        .args([
            "postmortem",
            "new",
            "--owner",
            "ann",
            "--publish",
            "github",
            "--out",
            "x.md",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
}

//! Hostile input through the real binary: arguments and stdin that are not UTF-8, NUL bytes,
//! huge titles and notes, terminal escapes and control characters, a config that is a directory
//! or unreadable, a read-only state dir and a full disk. Each gets its SPEC exit code, one clear
//! line on stderr, nothing sent (a chat sink and a PagerDuty sink record every request) and the
//! state dir unchanged, byte for byte.

mod common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Output, Stdio};

use common::cmd::TestEnv;
use common::pagerduty::{FakePd, TOKEN as PD_TOKEN};
use common::slack::{FakeSlack, TOKEN as SLACK_TOKEN};
use common::statuspage::{self, FakeStatuspage};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const MM_ENV: &str = "INC_MATTERMOST_WEBHOOK";

/// A server that answers every request like a Mattermost webhook (`200 ok`) and records it:
/// the chat and the pager of these tests.
struct Sink {
    server: MockServer,
}

impl Sink {
    async fn start() -> Sink {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .mount(&server)
            .await;
        Sink { server }
    }

    /// A config that sends every chat message to this sink (a Mattermost webhook).
    fn env(&self) -> TestEnv {
        let mut env = TestEnv::with_config(&format!(
            "[delivery]\ntimeout = \"1s\"\nretry_for = \"1s\"\nbackoff = \"50ms\"\n\n\
             [webhooks]\nmattermost = {{ url_env = \"{MM_ENV}\" }}\n"
        ));
        env.set(MM_ENV, &format!("{}/hooks/sink", self.server.uri()));
        env
    }

    /// Bodies of every request the sink received, as text.
    async fn bodies(&self) -> Vec<String> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| String::from_utf8_lossy(&r.body).into_owned())
            .collect()
    }
}

/// Every file of the state dir with its bytes (and mode), to prove nothing changed.
fn snapshot(env: &TestEnv) -> Vec<(PathBuf, Vec<u8>)> {
    env.state_files()
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_default();
            (p, bytes)
        })
        .collect()
}

/// Runs `inc ARGS` (arguments as raw bytes) with `stdin`, off the test's runtime.
async fn run_raw(env: &TestEnv, args: &[&[u8]], stdin: &[u8]) -> Output {
    run_with(env, args, stdin, |_| {}).await
}

async fn run_with(
    env: &TestEnv,
    args: &[&[u8]],
    stdin: &[u8],
    setup: impl FnOnce(&mut std::process::Command),
) -> Output {
    spawn(env.std_command(), args, stdin, setup).await
}

/// Runs `inc ARGS` as an unprivileged user (see [`unprivileged`]), from a copy of the binary
/// in the test's HOME: the build's own binary lives in the checkout, which may sit under a
/// directory only its owner can enter (a `mktemp -d` clone, most home directories).
async fn run_unprivileged(env: &TestEnv, args: &[&[u8]]) -> Output {
    open_home(env);
    let bin = env.home.path().join("bin");
    let copy = bin.join("inc");
    if !copy.exists() {
        std::fs::create_dir_all(&bin).unwrap();
        let built = assert_cmd::cargo::cargo_bin("inc");
        // A hard link when the checkout and the temp dir share a file system, else a copy.
        if std::fs::hard_link(&built, &copy).is_err() {
            std::fs::copy(&built, &copy).expect("copy the inc binary into the test's HOME");
        }
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    spawn(env.std_command_with(&copy), args, b"", unprivileged).await
}

async fn spawn(
    mut cmd: std::process::Command,
    args: &[&[u8]],
    stdin: &[u8],
    setup: impl FnOnce(&mut std::process::Command),
) -> Output {
    cmd.args(args.iter().map(|a| OsStr::from_bytes(a)));
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    setup(&mut cmd);
    let stdin = stdin.to_vec();
    tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().expect("run inc");
        let mut pipe = child.stdin.take().expect("stdin");
        // inc may refuse before it reads: a closed pipe is fine.
        let _ = std::io::Write::write_all(&mut pipe, &stdin);
        drop(pipe);
        child.wait_with_output().expect("wait for inc")
    })
    .await
    .unwrap()
}

/// The exit code, exactly one line on stderr that contains every one of `says`, nothing on
/// stdout; returns that line.
#[track_caller]
fn refused(out: &Output, code: i32, says: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "want exit {code}\nstdout: {stdout}\nstderr: {stderr}"
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one clear line on stderr, got:\n{stderr}");
    for s in says {
        assert!(lines[0].contains(s), "{s:?} missing from {:?}", lines[0]);
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stdout.is_empty(), "nothing on stdout: {stdout}");
    assert!(
        !lines[0].contains('\u{1b}'),
        "no escape reaches the terminal"
    );
    lines[0].to_string()
}

/// An env with a declared incident, and how many requests the sink had received by then.
async fn declared(sink: &Sink) -> (TestEnv, usize) {
    let env = sink.env();
    let out = run_raw(
        &env,
        &[b"declare", b"Checkout is down", b"--sev", b"2", b"-q"],
        b"",
    )
    .await;
    assert!(
        out.status.success(),
        "declare: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent = sink.bodies().await.len();
    assert!(sent > 0, "declare posted to the sink");
    (env, sent)
}

// ------------------------------------------------------------------ not UTF-8

#[tokio::test]
async fn an_argument_that_is_not_utf8_is_bad_input() {
    let sink = Sink::start().await;
    let env = sink.env();
    let out = run_raw(&env, &[b"declare", b"\xff\xfe"], b"").await;
    refused(&out, 2, &["argument 2", "\\xFF\\xFE", "not valid UTF-8"]);
    assert!(env.state_files().is_empty(), "nothing written");
    assert!(sink.bodies().await.is_empty(), "nothing sent");

    // With --json the error is the one document on stdout.
    let out = run_raw(&env, &[b"declare", b"bad \xc3(", b"--json"], b"").await;
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["error"]["exit_code"], 2);
    assert!(env.state_files().is_empty());

    // The same for a note on an open incident.
    let (env, sent) = declared(&sink).await;
    let before = snapshot(&env);
    let out = run_raw(&env, &[b"note", b"caf\xe9 latte"], b"").await;
    refused(&out, 2, &["argument 2", "not valid UTF-8"]);
    assert_eq!(snapshot(&env), before, "state unchanged");
    assert_eq!(sink.bodies().await.len(), sent, "nothing sent");
}

#[tokio::test]
async fn stdin_that_is_not_utf8_or_holds_nul_is_bad_input() {
    let sink = Sink::start().await;
    let (env, sent) = declared(&sink).await;
    let before = snapshot(&env);
    for (stdin, says) in [
        (&b"\xff\xfe not text"[..], "not valid UTF-8"),
        (&b"ok so far\xc3"[..], "at byte 9"),
        (&b"binary\x00data"[..], "NUL byte"),
    ] {
        for verb in [&b"note"[..], b"todo"] {
            let out = run_raw(&env, &[verb, b"-"], stdin).await;
            refused(&out, 2, &["stdin", says]);
        }
        let out = run_raw(&env, &[b"notify-exec", b"--file", b"-"], stdin).await;
        refused(&out, 2, &["stdin", says]);
        // The same text in a file.
        let file = env.home.path().join("update.txt");
        std::fs::write(&file, stdin).unwrap();
        let path = file.display().to_string();
        let out = run_raw(&env, &[b"notify-exec", b"--file", path.as_bytes()], b"").await;
        refused(&out, 2, &["--file", says]);
    }
    assert_eq!(snapshot(&env), before, "state unchanged");
    assert_eq!(sink.bodies().await.len(), sent, "nothing sent");
}

// ------------------------------------------------------------------ size

#[tokio::test]
async fn huge_titles_and_notes_are_refused() {
    let sink = Sink::start().await;
    let env = sink.env();
    // One argument may be at most 128 KiB on Linux (MAX_ARG_STRLEN): 100 KB titles and notes
    // as arguments, 1 MB through stdin.
    let big = "x".repeat(100_000);
    let out = run_raw(&env, &[b"declare", big.as_bytes()], b"").await;
    let line = refused(&out, 2, &["TITLE", "200"]);
    assert!(line.len() < 300, "the line does not echo the title: {line}");
    assert!(env.state_files().is_empty());
    assert!(sink.bodies().await.is_empty());

    let (env, sent) = declared(&sink).await;
    let before = snapshot(&env);
    let out = run_raw(&env, &[b"note", big.as_bytes()], b"").await;
    refused(&out, 2, &["10,000"]);
    let mega = "y".repeat(1_000_000);
    for verb in [&b"note"[..], b"todo"] {
        let out = run_raw(&env, &[verb, b"-"], mega.as_bytes()).await;
        let line = refused(&out, 2, &["1000000 characters", "10,000"]);
        assert!(line.len() < 300, "{line}");
    }
    assert_eq!(snapshot(&env), before, "state unchanged");
    assert_eq!(sink.bodies().await.len(), sent, "nothing sent");
}

// ------------------------------------------------------------------ control characters

#[tokio::test]
async fn control_characters_in_arguments_are_refused() {
    let sink = Sink::start().await;
    let env = sink.env();
    for (args, says) in [
        (
            vec![
                &b"declare"[..],
                b"Checkout \x1b[2J\x1b[31mdown",
                b"--sev",
                b"2",
            ],
            vec!["TITLE", "ESC", "U+001B", "character 10"],
        ),
        (
            vec![&b"declare"[..], b"bell\x07", b"--sev", b"2"],
            vec!["TITLE", "U+0007"],
        ),
        (
            vec![&b"declare"[..], b"fine title", b"--ic", b"ann\rmallory"],
            vec!["--ic", "carriage return"],
        ),
        (
            vec![
                &b"declare"[..],
                "c1 \u{9b}31m csi".as_bytes(),
                b"--sev",
                b"2",
            ],
            vec!["TITLE", "U+009B"],
        ),
    ] {
        let out = run_raw(&env, &args, b"").await;
        refused(&out, 2, &says);
    }
    assert!(env.state_files().is_empty(), "nothing written");
    assert!(sink.bodies().await.is_empty(), "nothing sent");

    let (env, sent) = declared(&sink).await;
    let before = snapshot(&env);
    for verb in [&b"note"[..], b"todo"] {
        let out = run_raw(&env, &[verb, b"done \x1b]0;pwned\x07 ok"], b"").await;
        refused(&out, 2, &["ESC"]);
    }
    let out = run_raw(&env, &[b"note", b"fine", b"--incident", b"\x1b[2Jx"], b"").await;
    refused(&out, 2, &["--incident", "ESC"]);
    assert_eq!(snapshot(&env), before, "state unchanged");
    assert_eq!(sink.bodies().await.len(), sent, "nothing sent");

    // Newlines and tabs are text, not control: a multi-line note is fine.
    let out = run_raw(&env, &[b"note", b"line one\n\tline two"], b"").await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn escapes_on_stdin_are_stripped_and_never_reach_chat_or_terminal() {
    let sink = Sink::start().await;
    let (env, sent) = declared(&sink).await;
    // What `kubectl get pods --color | inc note -` sends: colours, a title-setting OSC, CRLF.
    let stdin = "pods \x1b[31mCrashLoop\x1b[0m\r\n\x1b]0;owned\x07next \u{9b}2Jline\x08\n";
    let out = run_raw(&env, &[b"note", b"-"], stdin.as_bytes()).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("removed 5"),
        "says what it removed: {stderr}"
    );
    let bodies = sink.bodies().await;
    assert!(bodies.len() > sent, "the note went to chat");
    for body in &bodies[sent..] {
        assert!(
            !body.contains("\\u001b") && !body.contains('\u{1b}') && !body.contains("\\u009b"),
            "no escape replayed into chat: {body}"
        );
    }
    assert!(
        bodies[sent..]
            .iter()
            .any(|b| b.contains("pods CrashLoop\\nnext line")),
        "the text itself arrives: {:?}",
        &bodies[sent..]
    );
    let timeline = run_raw(&env, &[b"timeline"], b"").await;
    let shown = String::from_utf8_lossy(&timeline.stdout);
    assert!(shown.contains("pods CrashLoop"), "{shown}");
    assert!(!shown.contains('\u{1b}'), "{shown:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn escapes_typed_into_a_provider_never_reach_the_terminal() {
    let pd = FakePd::start().await;
    let mut env = TestEnv::with_config(&pd.config(""));
    env.set("PAGERDUTY_TOKEN", PD_TOKEN);
    let out = run_raw(
        &env,
        &[b"declare", b"Checkout down", b"--sev", b"2", b"-q"],
        b"",
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pd_id = pd.incidents()[0]["id"].as_str().unwrap().to_string();
    // Someone types a note into PagerDuty that would clear a terminal and retitle its window.
    pd.human_note(
        &pd_id,
        "bob\u{1b}[8m",
        "\u{1b}[2J\u{1b}]0;owned\u{7}wiped the screen",
    );
    for args in [
        &[&b"sync"[..]][..],
        &[b"timeline"],
        &[b"timeline", b"--json"],
        &[b"show"],
    ] {
        let out = run_raw(&env, args, b"").await;
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert!(
            !stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'),
            "{args:?}: an escape reached the terminal: {stdout:?} {stderr:?}"
        );
        if args == [b"timeline"] {
            assert!(stdout.contains("wiped the screen"), "pulled: {stdout}");
        }
    }
    let journal = env
        .state_files()
        .into_iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect::<String>();
    assert!(
        !journal.contains("\\u001b"),
        "no escape in the journal: {journal}"
    );
}

// ------------------------------------------------------------------ config

#[tokio::test]
async fn a_config_that_is_a_directory_or_unreadable_is_a_config_error() {
    let env = TestEnv::new();
    let dir = env.home.path().join("conf.d");
    std::fs::create_dir(&dir).unwrap();
    let dir_s = dir.display().to_string();
    for args in [
        vec!["--config", dir_s.as_str(), "list"],
        vec!["--config", dir_s.as_str(), "declare", "t", "--sev", "2"],
    ] {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let out = run_raw(&env, &args, b"").await;
        refused(&out, 78, &[dir_s.as_str(), "directory"]);
    }
    // The same through INC_CONFIG.
    let mut via_env = TestEnv::new();
    via_env.set("INC_CONFIG", &dir_s);
    let out = run_raw(&via_env, &[b"list"], b"").await;
    refused(&out, 78, &[dir_s.as_str()]);

    // A symlink loop cannot be read by anyone, root included.
    let lp = env.home.path().join("loop.toml");
    std::os::unix::fs::symlink(&lp, &lp).unwrap();
    let lp_s = lp.display().to_string();
    let out = run_raw(&env, &[b"--config", lp_s.as_bytes(), b"list"], b"").await;
    refused(&out, 78, &[lp_s.as_str()]);

    // A file without read permission, read by an unprivileged user.
    let cfg = env.home.path().join("secret.toml");
    std::fs::write(&cfg, "[call]\nphone = \"1\"\n").unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o000)).unwrap();
    let cfg_s = cfg.display().to_string();
    let out = run_unprivileged(&env, &[b"--config", cfg_s.as_bytes(), b"list"]).await;
    refused(&out, 78, &[cfg_s.as_str(), "ermission denied"]);
    assert!(env.state_files().is_empty(), "nothing written");
}

// ------------------------------------------------------------------ state dir and disk

/// Lets an unprivileged user through the test's HOME (tempdirs are 0700).
fn open_home(env: &TestEnv) {
    std::fs::set_permissions(env.home.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    for f in [env.config.clone()] {
        if f.exists() {
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

/// Runs the child as `nobody` when the tests run as root (root reads and writes through any
/// permission bits); as anyone else, the permission bits already apply.
fn unprivileged(cmd: &mut std::process::Command) {
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::geteuid() == 0
                && (libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(65534) != 0
                    || libc::setuid(65534) != 0)
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Makes `dir` and everything in it read-only (and readable by all).
fn read_only(dir: &std::path::Path) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            read_only(&p);
        } else {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o444)).unwrap();
        }
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
}

#[tokio::test]
async fn a_read_only_state_dir_fails_cleanly() {
    let sink = Sink::start().await;
    let (env, sent) = declared(&sink).await;
    open_home(&env);
    read_only(&env.state);
    let before = snapshot(&env);
    let out = run_unprivileged(&env, &[b"note", b"rolled back"]).await;
    refused(&out, 1, &["incident journal", "ermission denied"]);
    let out = run_unprivileged(&env, &[b"todo", b"add an alert"]).await;
    refused(&out, 1, &["incident journal", "ermission denied"]);
    let out = run_unprivileged(&env, &[b"declare", b"second", b"--sev", b"2", b"-q"]).await;
    refused(&out, 1, &["ermission denied"]);
    assert_eq!(snapshot(&env), before, "state unchanged");
    assert_eq!(sink.bodies().await.len(), sent, "nothing sent");
    // Reading still works.
    let out = run_unprivileged(&env, &[b"list"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The child may write files of at most `bytes` (RLIMIT_FSIZE; a write past it fails with
/// EFBIG, as a full disk fails with ENOSPC). SIGXFSZ is ignored, so the write returns the error.
fn file_size_limit(bytes: u64) -> impl FnOnce(&mut std::process::Command) {
    move |cmd| unsafe {
        // SAFETY: only async-signal-safe calls between fork and exec.
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[tokio::test]
async fn a_full_disk_fails_cleanly_with_no_half_line() {
    let sink = Sink::start().await;
    let (env, sent) = declared(&sink).await;
    let journal = env
        .state_files()
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .expect("the journal");
    let size = std::fs::metadata(&journal).unwrap().len();
    let before = snapshot(&env);
    // Room for a few more bytes, not for the note's line: the write starts, then fails.
    let note = "n".repeat(2_000);
    let out = run_with(
        &env,
        &[b"note", note.as_bytes()],
        b"",
        file_size_limit(size + 100),
    )
    .await;
    refused(&out, 1, &["incident journal", "File too large"]);
    assert_eq!(snapshot(&env), before, "no half line, nothing else written");
    assert_eq!(sink.bodies().await.len(), sent, "nothing sent");

    // A new incident on the full disk: no journal without its first event is left behind.
    let out = run_with(
        &env,
        &[b"declare", b"second", b"--sev", b"2", b"-q"],
        b"",
        file_size_limit(0),
    )
    .await;
    refused(&out, 1, &["incident journal"]);
    assert_eq!(snapshot(&env), before, "state unchanged");
    assert_eq!(sink.bodies().await.len(), sent, "nothing sent");

    // The journal still takes the next note whole.
    let out = run_raw(&env, &[b"note", b"after the disk was freed"], b"").await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(text.lines().all(|l| l.starts_with('{') && l.ends_with('}')));
}

// ------------------------------------------------------------------ checked before the network

/// A team's places, each a spec-validating fake that records every request (PagerDuty, Slack,
/// Statuspage) plus an `[email]` table, and an incident declared in them: what bad input must
/// never reach. Every check is counted on the fakes' own records.
struct Places {
    pd: FakePd,
    slack: FakeSlack,
    sp: FakeStatuspage,
    env: TestEnv,
}

impl Places {
    async fn start() -> Places {
        let (pd, slack, sp) =
            tokio::join!(FakePd::start(), FakeSlack::start(), FakeStatuspage::start());
        let config = format!(
            "{}\n[slack]\napi_url = \"{}\"\nper_incident_channel = true\nexec_channel = \"#exec\"\n\n{}\n\
             [email]\nsmtp_url = \"smtp://127.0.0.1:9\"\nfrom = \"incidents@example.com\"\nto = [\"eng@example.com\"]\n",
            pd.config(""),
            slack.api_url(),
            sp.config("")
        );
        let mut env = TestEnv::with_config(&config);
        env.set("PAGERDUTY_TOKEN", PD_TOKEN)
            .set("SLACK_BOT_TOKEN", SLACK_TOKEN)
            .set("STATUSPAGE_API_KEY", statuspage::KEY);
        let places = Places { pd, slack, sp, env };
        let out = places
            .run(&["declare", "Checkout is down", "--sev", "2", "-q"])
            .await;
        assert!(
            out.status.success(),
            "declare: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(places.requests() > 0, "the declaration reached the places");
        places
    }

    /// Requests every fake has received so far.
    fn requests(&self) -> usize {
        [&self.pd.requests, &self.slack.requests, &self.sp.requests]
            .iter()
            .map(|r| r.lock().unwrap().len())
            .sum()
    }

    async fn run(&self, args: &[&str]) -> Output {
        let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        run_raw(&self.env, &raw, b"").await
    }

    /// `inc ARGS` is refused with `code`: its first stderr line names every one of `says`,
    /// nothing is on stdout, no fake received a request and the state dir is unchanged.
    async fn refused(&self, args: &[&str], code: i32, says: &[&str]) {
        let (before, state) = (self.requests(), snapshot(&self.env));
        let out = self.run(args).await;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(code), "inc {args:?}\n{stderr}");
        let first = stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with("error: "), "inc {args:?}: {stderr}");
        for s in says {
            assert!(
                first.contains(s),
                "inc {args:?}: {s:?} missing from {first:?}"
            );
        }
        assert!(
            !stderr.contains("panicked") && !stderr.contains("warning"),
            "{stderr}"
        );
        assert!(
            out.stdout.is_empty(),
            "inc {args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(
            self.requests(),
            before,
            "inc {args:?} sent a request before refusing"
        );
        assert_eq!(
            snapshot(&self.env),
            state,
            "inc {args:?} wrote to the state dir"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_notes_and_todos_send_nothing() {
    let p = Places::start().await;
    let long = "n".repeat(10_001);
    p.refused(&["note", "   "], 2, &["the note is empty"]).await;
    p.refused(&["note", &long], 2, &["10,000"]).await;
    p.refused(&["note", "x", "--type", "rumour"], 2, &["--type"])
        .await;
    p.refused(&["todo", ""], 2, &["the TODO is empty"]).await;
    p.refused(
        &["note", "x", "--incident", "261130-0000-nope"],
        4,
        &["--incident"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_notify_exec_input_sends_nothing() {
    let p = Places::start().await;
    // The case: a file that is not there synced with Slack and PagerDuty first.
    p.refused(
        &["notify-exec", "--file", "/nonexistent/x.txt"],
        2,
        &["--file", "/nonexistent/x.txt"],
    )
    .await;
    // One field of four in a script: the @here never goes out.
    p.refused(
        &["notify-exec", "--summary", "SEV-2: checkout errors"],
        2,
        &["missing --actions, --impact and --eta"],
    )
    .await;
    p.refused(
        &[
            "notify-exec",
            "--actions",
            "a",
            "--impact",
            "i",
            "--eta",
            "e",
        ],
        2,
        &["missing --summary"],
    )
    .await;
    let file = p.env.home.path().join("update.txt");
    std::fs::write(&file, "Summary: SEV-2\nImpact: EU cannot pay\n").unwrap();
    let path = file.display().to_string();
    p.refused(
        &["notify-exec", "--file", &path],
        2,
        &["missing --actions and --eta"],
    )
    .await;
    let huge = "x".repeat(3_001);
    p.refused(
        &[
            "notify-exec",
            "--summary",
            &huge,
            "--actions",
            "a",
            "--impact",
            "i",
            "--eta",
            "e",
        ],
        2,
        &["3,000"],
    )
    .await;
    assert!(
        p.slack
            .posts()
            .iter()
            .all(|(_, t, _)| !t.contains("Executive update"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_postmortem_input_sends_nothing() {
    let p = Places::start().await;
    p.refused(
        &[
            "postmortem",
            "new",
            "--template",
            "/nonexistent/t.md",
            "--owner",
            "ann",
        ],
        2,
        &["--template", "/nonexistent/t.md"],
    )
    .await;
    let broken = p.env.home.path().join("broken.md.j2");
    std::fs::write(&broken, "# {{ incident.title }}\n{% if %}\n").unwrap();
    let broken = broken.display().to_string();
    p.refused(
        &["postmortem", "new", "--template", &broken, "--owner", "ann"],
        2,
        &["broken.md.j2", "line 2"],
    )
    .await;
    let typo = p.env.home.path().join("typo.md.j2");
    std::fs::write(&typo, "# {{ incident.titel }}\n").unwrap();
    let typo = typo.display().to_string();
    p.refused(
        &["postmortem", "new", "--template", &typo, "--owner", "ann"],
        2,
        &["typo.md.j2", "line 1"],
    )
    .await;
    p.refused(
        &["postmortem", "new", "--owner", "ann, bob"],
        2,
        &["--owner", "one person"],
    )
    .await;
    p.refused(
        &["postmortem", "new", "--owner", "ann@"],
        2,
        &["--owner", "not an email"],
    )
    .await;
    p.refused(
        &["postmortem", "new", "--owner", ""],
        2,
        &["--owner is empty"],
    )
    .await;
    let dir = p.env.home.path().display().to_string();
    p.refused(
        &["postmortem", "new", "--owner", "ann", "--out", &dir],
        2,
        &["--out", "directory"],
    )
    .await;
    p.refused(
        &[
            "postmortem",
            "new",
            "--owner",
            "ann",
            "--publish",
            "confluence",
        ],
        78,
        &["[confluence]"],
    )
    .await;
    p.refused(
        &[
            "postmortem",
            "new",
            "--owner",
            "ann",
            "--publish",
            "github",
            "--out",
            "x.md",
        ],
        2,
        &["--out"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_email_input_sends_nothing() {
    let p = Places::start().await;
    p.refused(
        &["email", "--to", "not-an-email-address"],
        2,
        &["--to", "not-an-email-address"],
    )
    .await;
    p.refused(
        &["email", "--to", "ann@example.com,bob@"],
        2,
        &["--to", "bob@"],
    )
    .await;
    p.refused(&["email", "--to", ""], 2, &["--to is empty"])
        .await;
    p.refused(&["email", "--after", "lunch"], 2, &["--after"])
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_comms_input_sends_nothing() {
    let p = Places::start().await;
    p.refused(
        &["comms", "identified", "", "--yes"],
        2,
        &["MESSAGE is empty"],
    )
    .await;
    p.refused(
        &["comms", "investigating", "--component", "api", "--yes"],
        2,
        &["--component api"],
    )
    .await;
    p.refused(
        &[
            "comms",
            "investigating",
            "--component",
            "db=major_outage",
            "--yes",
        ],
        2,
        &["db"],
    )
    .await;
    p.refused(
        &[
            "comms",
            "investigating",
            "--component",
            "api=on_fire",
            "--yes",
        ],
        2,
        &["on_fire"],
    )
    .await;
    p.refused(
        &["comms", "investigating", "--impact", "bogus", "--yes"],
        2,
        &["--impact"],
    )
    .await;
    p.refused(
        &["comms", "investigating", "--close", "--yes"],
        2,
        &["--close"],
    )
    .await;
    assert_eq!(
        p.sp.requests.lock().unwrap().len(),
        0,
        "the status page was never touched"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_declare_input_sends_nothing() {
    let p = Places::start().await;
    let long = "t".repeat(201);
    p.refused(&["declare", "  ", "--sev", "2"], 2, &["TITLE is empty"])
        .await;
    p.refused(&["declare", &long, "--sev", "2"], 2, &["200"])
        .await;
    p.refused(&["declare", "x", "--sev", "9"], 2, &["--sev"])
        .await;
    p.refused(
        &["declare", "x", "--sev", "2", "--ic", "ann@"],
        2,
        &["--ic", "not an email"],
    )
    .await;
    p.refused(
        &["declare", "x", "--sev", "2", "--scribe", "sam smith"],
        2,
        &["--scribe", "no spaces"],
    )
    .await;
    p.refused(
        &[
            "declare", "x", "--sev", "2", "--ic", "ann", "--deputy", "ann",
        ],
        2,
        &["IC"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_sev_and_role_input_sends_nothing() {
    let p = Places::start().await;
    p.refused(&["sev", "9"], 2, &["SEVERITY"]).await;
    p.refused(&["sev", "3"], 2, &["lower than the current SEV-2"])
        .await;
    p.refused(&["role", "king", "bob"], 2, &["king"]).await;
    p.refused(&["role", "scribe", "sam smith"], 2, &["USER", "no spaces"])
        .await;
    p.refused(&["role", "scribe", "<sam>"], 2, &["USER", "'<'"])
        .await;
    p.refused(&["handover", ""], 2, &["USER is empty"]).await;
    p.refused(&["handover", "bob@"], 2, &["USER", "not an email"])
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_attach_input_sends_nothing() {
    let p = Places::start().await;
    p.refused(
        &["attach", "garbage ref"],
        2,
        &["REF", "not an incident reference"],
    )
    .await;
    p.refused(&["attach", "https://example.com/foo"], 2, &["REF"])
        .await;
    p.refused(&["attach", "#inc-x", "--as", "ic"], 2, &["--as ic"])
        .await;
    p.refused(&["attach", "#inc-x", "--as", "king"], 2, &["--as"])
        .await;
    // Without REF a script must name it: the providers are not asked for a list.
    p.refused(&["attach"], 2, &["missing REF"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_status_intervals_send_nothing() {
    let p = Places::start().await;
    p.refused(&["status", "--interval", "0s"], 2, &["--interval"])
        .await;
    p.refused(
        &["status", "--watch", "--interval", "0s"],
        2,
        &["--interval"],
    )
    .await;
    p.refused(
        &["status", "--watch", "--interval", "soon"],
        2,
        &["--interval"],
    )
    .await;
    p.refused(&["status", "--post"], 2, &["required"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_page_targets_send_nothing() {
    let p = Places::start().await;
    p.refused(&["page", "schedule:"], 2, &["TARGET 'schedule:'"])
        .await;
    p.refused(&["page", "ep:"], 2, &["TARGET 'ep:'"]).await;
    p.refused(&["page", "dan@"], 2, &["TARGET 'dan@'", "not an email"])
        .await;
    p.refused(&["page", "not a target"], 2, &["TARGET 'not a target'"])
        .await;
    p.refused(&["page", "PDAN001", "-m", " "], 2, &["--message is empty"])
        .await;
    p.refused(&["page", ""], 2, &["TARGET is empty"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_resolve_input_sends_nothing() {
    let p = Places::start().await;
    p.refused(&["resolve", "--final-sev", "9"], 2, &["--final-sev"])
        .await;
    p.refused(
        &["resolve", "--public-message", "  ", "--yes"],
        2,
        &["--public-message is empty"],
    )
    .await;
    let long = "m".repeat(25_001);
    p.refused(
        &["resolve", "--public-message", &long, "--yes"],
        2,
        &["--public-message", "25,000"],
    )
    .await;
}

// ------------------------------------------------------------------ missing secrets

/// Slack only (a spec-validating fake that records every request), with an incident declared
/// while the token was there.
async fn slack_only() -> (FakeSlack, TestEnv) {
    let slack = FakeSlack::start().await;
    let mut env = TestEnv::with_config(&format!(
        "[delivery]\ntimeout = \"1s\"\nretry_for = \"2s\"\nbackoff = \"50ms\"\n\n\
         [slack]\napi_url = \"{}\"\nper_incident_channel = true\nexec_channel = \"#exec\"\n",
        slack.api_url()
    ));
    env.set("SLACK_BOT_TOKEN", SLACK_TOKEN);
    let out = run_raw(
        &env,
        &[b"declare", b"Checkout is down", b"--sev", b"2", b"-q"],
        b"",
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (slack, env)
}

fn raw<'a>(args: &[&'a str]) -> Vec<&'a [u8]> {
    args.iter().map(|a| a.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_token_for_the_only_provider_is_78_and_nothing_happens() {
    // Declared without the token: 78 before anything is written.
    let slack = FakeSlack::start().await;
    let fresh = TestEnv::with_config(&format!(
        "[slack]\napi_url = \"{}\"\nper_incident_channel = true\n",
        slack.api_url()
    ));
    let out = run_raw(
        &fresh,
        &[b"declare", b"Checkout is down", b"--sev", b"2"],
        b"",
    )
    .await;
    refused(
        &out,
        78,
        &["Slack", "$SLACK_BOT_TOKEN is not set", "inc doctor"],
    );
    assert!(fresh.state_files().is_empty(), "{:?}", fresh.state_files());
    assert_eq!(slack.requests.lock().unwrap().len(), 0);

    let (slack, mut env) = slack_only().await;
    env.vars.retain(|(k, _)| k != "SLACK_BOT_TOKEN");
    let before = (slack.requests.lock().unwrap().len(), snapshot(&env));
    for args in [
        &["note", "Rolled back 4411"][..],
        &["todo", "Alert on queue depth"],
        &["sev", "1"],
        &["role", "scribe", "sam@example.com"],
        &["handover", "bob@example.com"],
        &[
            "notify-exec",
            "--summary",
            "s",
            "--actions",
            "a",
            "--impact",
            "i",
            "--eta",
            "e",
        ],
        &["resolve"],
        &["sync"],
        &["status", "--watch", "--post", "--interval", "1s"],
        &["attach", "#inc-20261130-other"],
    ] {
        let out = run_raw(&env, &raw(args), b"").await;
        let line = refused(&out, 78, &["$SLACK_BOT_TOKEN is not set", "inc doctor"]);
        assert!(
            line.contains("nothing was sent or written"),
            "{args:?}: {line}"
        );
    }
    assert_eq!(
        (slack.requests.lock().unwrap().len(), snapshot(&env)),
        before,
        "no request, no journal line, no outbox entry"
    );

    // A `token_cmd` that fails is named the same way.
    env.write_config(&format!(
        "[slack]\napi_url = \"{}\"\nper_incident_channel = true\ntoken_cmd = \"exit 3\"\n",
        slack.api_url()
    ));
    let out = run_raw(&env, &[b"note", b"Rolled back 4411"], b"").await;
    refused(&out, 78, &["Slack", "token_cmd", "inc doctor"]);
    assert_eq!(snapshot(&env), before.1);
    assert_eq!(slack.requests.lock().unwrap().len(), before.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_another_place_a_missing_token_is_left_out_and_said_exit_3() {
    let (pd, slack) = tokio::join!(FakePd::start(), FakeSlack::start());
    slack.add_channel("exec", false, true);
    let mut env = TestEnv::with_config(&format!(
        "{}\n[slack]\napi_url = \"{}\"\nper_incident_channel = true\nexec_channel = \"#exec\"\n",
        pd.config(""),
        slack.api_url()
    ));
    env.set("PAGERDUTY_TOKEN", PD_TOKEN)
        .set("SLACK_BOT_TOKEN", SLACK_TOKEN);
    let out = run_raw(
        &env,
        &[b"declare", b"Checkout is down", b"--sev", b"2", b"-q"],
        b"",
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pd_id = pd.incidents()[0]["id"].as_str().unwrap().to_string();
    env.vars.retain(|(k, _)| k != "SLACK_BOT_TOKEN");
    let to_slack = slack.requests.lock().unwrap().len();

    // The note goes to PagerDuty; Slack is left out, said, and kept for later.
    let out = run_raw(&env, &[b"note", b"Rolled back 4411", b"--json"], b"").await;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("not sent")
            && stderr.contains("$SLACK_BOT_TOKEN is not set")
            && stderr.contains("inc doctor"),
        "{stderr}"
    );
    let notes = pd.notes_of(&pd_id);
    assert!(
        notes.iter().any(|n| n["content"]
            .as_str()
            .unwrap_or_default()
            .contains("Rolled back 4411")),
        "{notes:?}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let slack_d: Vec<_> = doc["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["provider"] == "slack")
        .collect();
    assert_eq!(slack_d.len(), 1, "{doc}");
    assert_eq!(
        (slack_d[0]["ok"].as_bool(), slack_d[0]["attempts"].as_u64()),
        (Some(false), Some(0)),
        "{doc}"
    );
    assert!(
        slack_d[0]["outbox"].is_string(),
        "kept until the token is set: {doc}"
    );

    // Executive update: PagerDuty's status update goes, the exec channel waits for its token.
    let out = run_raw(
        &env,
        &raw(&[
            "notify-exec",
            "--summary",
            "s",
            "--actions",
            "a",
            "--impact",
            "i",
            "--eta",
            "e",
        ]),
        b"",
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        pd.count(&format!("POST /incidents/{pd_id}/status_updates")),
        1
    );

    // A reading command shows the local view and says why Slack was not read.
    let out = run_raw(&env, &[b"status"], b"").await;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("$SLACK_BOT_TOKEN is not set") && stderr.contains("inc doctor"),
        "{stderr}"
    );
    assert_eq!(
        slack.requests.lock().unwrap().len(),
        to_slack,
        "not one request reached Slack"
    );

    // With the token back, the outbox delivers what was left out, once.
    env.set("SLACK_BOT_TOKEN", SLACK_TOKEN);
    let out = run_raw(&env, &[b"outbox", b"retry"], b"").await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let posts = slack.posts();
    assert_eq!(
        posts
            .iter()
            .filter(|(_, t, _)| t.contains("Rolled back 4411"))
            .count(),
        1,
        "{posts:?}"
    );
    assert_eq!(
        posts
            .iter()
            .filter(|(_, t, _)| t.contains("Executive update"))
            .count(),
        1,
        "{posts:?}"
    );
}

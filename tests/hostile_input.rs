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
    let mut cmd = env.std_command();
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
    open_home(&env);
    let cfg_s = cfg.display().to_string();
    let out = run_with(
        &env,
        &[b"--config", cfg_s.as_bytes(), b"list"],
        b"",
        unprivileged,
    )
    .await;
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
    let out = run_with(&env, &[b"note", b"rolled back"], b"", unprivileged).await;
    refused(&out, 1, &["incident journal", "ermission denied"]);
    let out = run_with(&env, &[b"todo", b"add an alert"], b"", unprivileged).await;
    refused(&out, 1, &["incident journal", "ermission denied"]);
    let out = run_with(
        &env,
        &[b"declare", b"second", b"--sev", b"2", b"-q"],
        b"",
        unprivileged,
    )
    .await;
    refused(&out, 1, &["ermission denied"]);
    assert_eq!(snapshot(&env), before, "state unchanged");
    assert_eq!(sink.bodies().await.len(), sent, "nothing sent");
    // Reading still works.
    let out = run_with(&env, &[b"list"], b"", unprivileged).await;
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

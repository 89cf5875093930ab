//! A real SMTP server on 127.0.0.1 for the email tests: Python's aiosmtpd (shared/notes/stack.md
//! "SMTP: aiosmtpd") writing every message it accepts to a Maildir, optionally requiring AUTH.
//!
//! The interpreter comes from `$INC_TEST_PYTHON` (`.ci/run` builds a venv with aiosmtpd and exports
//! it); without it, the harness builds the venv itself under the target directory. A test that
//! needs the server FAILS, never skips, when the server cannot be started.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// The server: an aiosmtpd `Controller` with the `Mailbox` handler; with a user, AUTH
/// (PLAIN/LOGIN) is required and is accepted without TLS (loopback only).
const SERVER: &str = r#"
import sys
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword

host, port, maildir, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login == user.encode()
          and auth_data.password == password.encode())
    return AuthResult(success=ok, handled=False)

kwargs = {}
if user:
    kwargs = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
controller = Controller(Mailbox(maildir), hostname=host, port=port, **kwargs)
controller.start()
print("ready", flush=True)
try:
    sys.stdin.read()
finally:
    controller.stop()
"#;

/// Sends one probe message (argv: host, port, user, password, subject), logging in first when
/// a user is given.
const PROBE: &str = r#"
import smtplib, sys
host, port, user, password, subject = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
s = smtplib.SMTP(host, port, timeout=10)
if user:
    s.login(user, password)
s.sendmail("probe@test.invalid", ["probe@test.invalid"], "Subject: " + subject + "\r\n\r\nprobe\r\n")
s.quit()
"#;

/// The subject of the harness's own probe messages (see [`SmtpServer::settled`]).
const PROBE_SUBJECT: &str = "inc-test-probe";

/// Prints every message of a Maildir as JSON, decoded by Python's `email` package.
const READER: &str = r#"
import email, email.policy, json, os, re, sys
new = os.path.join(sys.argv[1], "new")
out = []
# Maildir names are `SECONDS.M<usec>P<pid>Q<n>.host`, the microseconds not zero-padded: order by
# the server's own delivery counter (Q), not by the name's text.
def order(name):
    m = re.search(r"Q(\d+)", name)
    return (int(m.group(1)) if m else 0, name)
for name in sorted(os.listdir(new), key=order) if os.path.isdir(new) else []:
    with open(os.path.join(new, name), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    out.append({
        "subject": str(m["subject"]),
        "from": str(m["from"]),
        "to": str(m["to"]),
        "message_id": str(m["message-id"]),
        "date": str(m["date"]),
        "rcpt_to": str(m["x-rcptto"]),
        "content_type": m.get_content_type(),
        "body": m.get_content(),
        "raw": open(os.path.join(new, name), "rb").read().decode("utf-8", "replace"),
    })
print(json.dumps(out))
"#;

/// The Python interpreter with aiosmtpd.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        if let Some(p) = std::env::var_os("INC_TEST_PYTHON").filter(|p| !p.is_empty()) {
            let p = PathBuf::from(p);
            assert!(
                works(&p),
                "INC_TEST_PYTHON={} cannot import aiosmtpd",
                p.display()
            );
            return p;
        }
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        std::fs::create_dir_all(&root).expect("target tmpdir");
        // Test binaries run in parallel: one builds the venv, the others wait.
        let lock = std::fs::File::create(root.join("aiosmtpd-venv.lock")).expect("lock file");
        lock.lock().expect("lock the venv");
        let venv = root.join("aiosmtpd-venv");
        let python = venv.join("bin").join("python");
        if !works(&python) {
            let run = |cmd: &mut Command| {
                let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
                assert!(
                    out.status.success(),
                    "{cmd:?} failed (the email tests need Python 3 and aiosmtpd; set INC_TEST_PYTHON):\n{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            };
            super::tools::require_python3();
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
            run(Command::new(&python).args(["-m", "pip", "install", "-q", "aiosmtpd"]));
            assert!(works(&python), "aiosmtpd did not install into {}", venv.display());
        }
        python
    })
}

fn works(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A free port on 127.0.0.1 (nothing listens on it when this returns).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: PathBuf,
    /// The AUTH user and password the server requires (empty: none).
    auth: (String, String),
    probes: std::sync::atomic::AtomicUsize,
    _dir: TempDir,
}

impl SmtpServer {
    /// A server that accepts mail from anyone.
    pub fn start() -> SmtpServer {
        Self::start_on(free_port(), None)
    }

    /// A server that requires AUTH with this user and password.
    pub fn with_auth(user: &str, password: &str) -> SmtpServer {
        Self::start_on(free_port(), Some((user, password)))
    }

    /// Starts on `port`; panics (the test fails) when the server does not come up.
    pub fn start_on(port: u16, auth: Option<(&str, &str)>) -> SmtpServer {
        let dir = tempfile::tempdir().expect("tempdir");
        // aiosmtpd's Mailbox creates the Maildir; it must not exist beforehand.
        let maildir = dir.path().join("maildir");
        let (user, password) = auth.unwrap_or(("", ""));
        let mut child = Command::new(python())
            .args(["-c", SERVER, "127.0.0.1", &port.to_string()])
            .arg(&maildir)
            .args([user, password])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start aiosmtpd: {e}"));
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(line) if line.trim() == "ready" => break,
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                    if let Ok(Some(status)) = child.try_wait() {
                        let mut err = String::new();
                        if let Some(mut e) = child.stderr.take() {
                            let _ = std::io::Read::read_to_string(&mut e, &mut err);
                        }
                        panic!("aiosmtpd exited ({status}) before it was ready:\n{err}");
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    panic!("aiosmtpd did not come up on 127.0.0.1:{port} within 30 s");
                }
            }
        }
        std::net::TcpStream::connect(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("aiosmtpd said ready but 127.0.0.1:{port} refuses: {e}"));
        SmtpServer {
            child,
            port,
            maildir,
            auth: (user.to_string(), password.to_string()),
            probes: Default::default(),
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, parsed: subject, from, to, message_id, rcpt_to, body, raw
    /// (the harness's probes left out).
    pub fn messages(&self) -> Vec<Value> {
        self.all_messages()
            .into_iter()
            .filter(|m| {
                !m["subject"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(PROBE_SUBJECT))
            })
            .collect()
    }

    /// Every message that reached the server before this call, once the server has written
    /// them all: a probe is sent after them and waited for (the server writes each message
    /// before it answers, and inc's session has ended). To prove that nothing arrived without
    /// guessing how long to wait.
    pub fn settled(&self) -> Vec<Value> {
        let n = self
            .probes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let subject = format!("{PROBE_SUBJECT}-{n}");
        let out = Command::new(python())
            .args(["-c", PROBE, "127.0.0.1", &self.port.to_string()])
            .args([&self.auth.0, &self.auth.1, &subject])
            .output()
            .expect("send the probe");
        assert!(
            out.status.success(),
            "the probe message was refused: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self
            .all_messages()
            .iter()
            .any(|m| m["subject"] == subject.as_str())
        {
            assert!(
                Instant::now() < deadline,
                "the probe message was not written within 10 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        self.messages()
    }

    fn all_messages(&self) -> Vec<Value> {
        let out = Command::new(python())
            .args(["-c", READER])
            .arg(&self.maildir)
            .output()
            .expect("read the maildir");
        assert!(
            out.status.success(),
            "reading the maildir failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout)
            .expect("reader prints JSON")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Waits until `n` messages have arrived (the server writes after it answers); to count
    /// them exactly, use [`SmtpServer::settled`].
    pub fn wait_for(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let m = self.messages();
            if m.len() >= n || Instant::now() > deadline {
                return m;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(mut stdin) = self.child.stdin.take() {
            let _ = stdin.flush();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

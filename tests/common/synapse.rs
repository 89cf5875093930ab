//! A real Matrix homeserver (Synapse, PyPI `matrix-synapse`) on 127.0.0.1 for the Matrix tests.
//!
//! One server per test binary, started on first use from a config generated here: loopback
//! only, the client API only (no federation, no key servers), registration closed, generous
//! `rc_*` rate limits. Two users are registered with `register_new_matrix_user` and the
//! config's shared secret: the bot `inc` posts as, and a `reader` that owns shared rooms and
//! reads what arrived, the way a responder would.
//!
//! Python: `$INC_TEST_SYNAPSE_PYTHON` (CI sets it), else `target/ci-venv-synapse/bin/python`,
//! created with `pip install matrix-synapse` when it is missing (needs PyPI once). A server that
//! cannot start FAILS the tests; it never skips them.
//!
//! Clean-up: Synapse runs under a small `sh` watchdog that reads the test process's pipe; when
//! the test process exits for any reason (even SIGKILL) the pipe closes, and the watchdog stops
//! Synapse and removes its directory.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const SERVER_NAME: &str = "localhost";

pub struct Synapse {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub port: u16,
    pub bot: String,
    pub bot_token: String,
    pub reader: String,
    pub reader_token: String,
    pub startup: Duration,
    /// The registration shared secret (more users: [`Synapse::user`]).
    secret: String,
    /// Held until the process exits: its end of the watchdog's pipe.
    _watchdog: Mutex<(Child, ChildStdin)>,
}

static SERVER: OnceLock<Result<Synapse, String>> = OnceLock::new();

/// The shared server; panics (fails the test) when it cannot be started.
pub fn synapse() -> &'static Synapse {
    match SERVER.get_or_init(start) {
        Ok(s) => s,
        Err(e) => panic!("Synapse could not be started for the Matrix tests:\n{e}"),
    }
}

fn target_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp for integration tests.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .to_path_buf()
}

fn has_synapse(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import synapse"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The Python that has Synapse: `$INC_TEST_SYNAPSE_PYTHON`, else a venv under target/.
fn python() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("INC_TEST_SYNAPSE_PYTHON").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if has_synapse(&p) {
            Ok(p)
        } else {
            Err(format!(
                "$INC_TEST_SYNAPSE_PYTHON={} cannot import synapse",
                p.display()
            ))
        };
    }
    let venv = target_dir().join("ci-venv-synapse");
    let py = venv.join("bin").join("python");
    if has_synapse(&py) {
        return Ok(py);
    }
    // Several test processes (nextest) may get here at once: one installs, the others wait.
    std::fs::create_dir_all(target_dir()).map_err(|e| e.to_string())?;
    let lock = std::fs::File::create(target_dir().join("ci-venv-synapse.lock"))
        .map_err(|e| e.to_string())?;
    lock.lock().map_err(|e| e.to_string())?;
    if has_synapse(&py) {
        return Ok(py);
    }
    eprintln!(
        "matrix tests: installing matrix-synapse into {} (once; about 30 s)",
        venv.display()
    );
    let run = |cmd: &mut Command| -> Result<(), String> {
        let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{cmd:?} failed ({}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    super::tools::require_python3();
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(venv.join("bin").join("pip")).args(["install", "-q", "matrix-synapse"]))?;
    if has_synapse(&py) {
        Ok(py)
    } else {
        Err(format!(
            "{} cannot import synapse after pip install",
            py.display()
        ))
    }
}

fn random_hex(n: usize) -> String {
    (0..n)
        .map(|_| char::from_digit(fastrand::u32(0..16), 16).unwrap())
        .collect()
}

/// Unpadded standard base64 (the signing key's format).
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn config(dir: &Path, port: u16, shared_secret: &str) -> String {
    let d = dir.display();
    let fast = "{per_second: 1000, burst_count: 1000}";
    format!(
        r#"server_name: "{SERVER_NAME}"
pid_file: "{d}/homeserver.pid"
listeners:
  - port: {port}
    type: http
    tls: false
    x_forwarded: false
    bind_addresses: ['127.0.0.1']
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: "{d}/homeserver.db"
media_store_path: "{d}/media_store"
signing_key_path: "{d}/signing.key"
registration_shared_secret: "{shared_secret}"
macaroon_secret_key: "{mac}"
form_secret: "{form}"
report_stats: false
enable_registration: false
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
presence:
  enabled: false
rc_message: {fast}
rc_registration: {fast}
rc_room_creation: {fast}
rc_login:
  address: {fast}
  account: {fast}
  failed_attempts: {fast}
rc_joins:
  local: {fast}
  remote: {fast}
rc_invites:
  per_room: {fast}
  per_user: {fast}
"#,
        mac = random_hex(32),
        form = random_hex(32),
    )
}

/// Stops Synapse and removes `dir` once the test process closes the pipe on stdin.
const WATCHDOG: &str = r#"
exec 3<&0
"$0" -m synapse.app.homeserver -c "$1/homeserver.yaml" </dev/null &
pid=$!
( cat <&3 >/dev/null; kill "$pid" 2>/dev/null
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; rm -rf "$1" ) &
wait "$pid"
"#;

fn start() -> Result<Synapse, String> {
    let t0 = Instant::now();
    let python = python()?;
    let dir =
        target_dir()
            .join("tmp")
            .join(format!("synapse-{}-{}", std::process::id(), random_hex(6)));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        l.local_addr().map_err(|e| e.to_string())?.port()
    };
    let secret = random_hex(32);
    let cfg_path = dir.join("homeserver.yaml");
    std::fs::write(&cfg_path, config(&dir, port, &secret)).map_err(|e| e.to_string())?;
    let seed: Vec<u8> = (0..32).map(|_| fastrand::u8(..)).collect();
    std::fs::write(
        dir.join("signing.key"),
        format!("ed25519 a_test {}\n", base64(&seed)),
    )
    .map_err(|e| e.to_string())?;
    let log_path = dir.join("synapse.log");
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg(&python)
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("could not run sh: {e}"))?;
    let stdin = child.stdin.take().expect("piped stdin");
    let url = format!("http://127.0.0.1:{port}");
    let log_tail = || {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Ok((200, _)) = request("GET", port, "/_matrix/client/versions", None, None) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "Synapse exited ({status}) before it was ready:\n{}",
                log_tail()
            ));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "Synapse was not ready within 90 s:\n{}",
                log_tail()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let startup = t0.elapsed();
    // Register both users at once (each run of the script takes ~0.5 s).
    let register = |user: &str, password: &str| {
        Command::new(&python)
            .args(["-m", "synapse._scripts.register_new_matrix_user"])
            .arg("-c")
            .arg(&cfg_path)
            .args(["-u", user, "-p", password, "--no-admin", &url])
            .stdin(Stdio::null())
            .output()
    };
    let bot_pw = format!("bot-{}", random_hex(12));
    let reader_pw = format!("reader-{}", random_hex(12));
    let outs = std::thread::scope(|s| {
        let a = s.spawn(|| register("incbot", &bot_pw));
        let b = s.spawn(|| register("reader", &reader_pw));
        [a.join().expect("thread"), b.join().expect("thread")]
    });
    for out in outs {
        let out = out.map_err(|e| format!("register_new_matrix_user: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "register_new_matrix_user failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let login = |user: &str, password: &str| -> Result<String, String> {
        let body = json!({
            "type": "m.login.password",
            "identifier": { "type": "m.id.user", "user": user },
            "password": password,
        });
        match request("POST", port, "/_matrix/client/v3/login", None, Some(&body))? {
            (200, b) => Ok(b["access_token"].as_str().unwrap_or_default().to_string()),
            (s, b) => Err(format!("login {user}: HTTP {s} {b}")),
        }
    };
    Ok(Synapse {
        url,
        port,
        bot: format!("@incbot:{SERVER_NAME}"),
        bot_token: login("incbot", &bot_pw)?,
        reader: format!("@reader:{SERVER_NAME}"),
        reader_token: login("reader", &reader_pw)?,
        startup,
        secret,
        _watchdog: Mutex::new((child, stdin)),
    })
}

/// A minimal HTTP/1.0 client (the server closes the connection after each answer), so the
/// harness needs no async runtime.
pub fn request(
    method: &str,
    port: u16,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Result<(u16, Value), String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\n",
        payload.len()
    );
    if body.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())
        .and_then(|_| s.write_all(payload.as_bytes()))
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no HTTP head")?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("no HTTP status")?;
    let value = serde_json::from_str(body).unwrap_or(Value::String(body.to_string()));
    Ok((status, value))
}

/// Percent-encodes a room id or alias for a path.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A user of the test server: its id and an access token.
#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub token: String,
}

impl Synapse {
    /// A new user `{local}-{random}` (so tests that share the server never share a user),
    /// registered with the shared secret (`/_synapse/admin/v1/register`) and logged in.
    pub fn user(&self, local: &str) -> User {
        let name = format!("{local}-{}", random_hex(6));
        let password = format!("pw-{}", random_hex(12));
        let path = "/_synapse/admin/v1/register";
        let (status, nonce) =
            request("GET", self.port, path, None, None).expect("homeserver reachable");
        assert_eq!(status, 200, "register nonce: {nonce}");
        let nonce = nonce["nonce"].as_str().expect("nonce").to_string();
        let key = ring::hmac::Key::new(
            ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            self.secret.as_bytes(),
        );
        let msg = format!("{nonce}\0{name}\0{password}\0notadmin");
        let mac: String = ring::hmac::sign(&key, msg.as_bytes())
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let body = json!({ "nonce": nonce, "username": name, "password": password, "admin": false, "mac": mac });
        match request("POST", self.port, path, None, Some(&body)).expect("homeserver reachable") {
            (200, b) => User {
                id: b["user_id"].as_str().expect("user_id").to_string(),
                token: b["access_token"]
                    .as_str()
                    .expect("access_token")
                    .to_string(),
            },
            (s, b) => panic!("register {name}: HTTP {s} {b}"),
        }
    }

    /// `GET`/`POST`/`PUT` as `token`; panics unless the answer is 2xx.
    pub fn call(&self, method: &str, path: &str, token: &str, body: Option<&Value>) -> Value {
        match request(method, self.port, path, Some(token), body) {
            Ok((s, b)) if (200..300).contains(&s) => b,
            Ok((s, b)) => panic!("{method} {path}: HTTP {s} {b}"),
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }

    /// The status and body, whatever they are.
    pub fn try_call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        request(method, self.port, path, Some(token), body).expect("homeserver reachable")
    }

    /// The room id an alias points at, if any.
    pub fn resolve(&self, alias: &str) -> Option<String> {
        let path = format!("/_matrix/client/v3/directory/room/{}", enc(alias));
        match self.try_call("GET", &path, &self.reader_token, None) {
            (200, b) => b["room_id"].as_str().map(str::to_string),
            _ => None,
        }
    }

    /// A room the reader owns (public to the server, so the bot may join it by alias).
    pub fn reader_room(&self, alias_local: &str) -> (String, String) {
        let b = self.call(
            "POST",
            "/_matrix/client/v3/createRoom",
            &self.reader_token,
            Some(&json!({ "room_alias_name": alias_local, "preset": "public_chat" })),
        );
        let id = b["room_id"].as_str().expect("room_id").to_string();
        (format!("#{alias_local}:{SERVER_NAME}"), id)
    }

    /// Joins a room as the reader.
    pub fn reader_join(&self, room: &str) -> (u16, Value) {
        let path = format!("/_matrix/client/v3/join/{}", enc(room));
        self.try_call("POST", &path, &self.reader_token, Some(&json!({})))
    }

    /// The `m.room.message` events of a room, oldest first, read as `token`.
    pub fn messages(&self, room_id: &str, token: &str) -> Vec<Value> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/messages?dir=b&limit=200",
            enc(room_id)
        );
        let b = self.call("GET", &path, token, None);
        let mut v: Vec<Value> = b["chunk"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e["type"] == "m.room.message")
            .collect();
        v.reverse();
        v
    }

    /// One state event's content (`None` when the room has none).
    pub fn state(&self, room_id: &str, event_type: &str, token: &str) -> Option<Value> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/state/{event_type}",
            enc(room_id)
        );
        match self.try_call("GET", &path, token, None) {
            (200, b) => Some(b),
            _ => None,
        }
    }
}

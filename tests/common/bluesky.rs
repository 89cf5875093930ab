//! A real Bluesky PDS (npm `@atproto/pds`, the AT Protocol reference server) on 127.0.0.1 for
//! the Bluesky tests, behind a small recording proxy.
//!
//! One PDS per test binary, started on first use: `@atproto/pds@0.4.184` (the line that runs
//! on Node 20; 0.5 needs Node 22) installed with npm into `target/ci-node-pds` once, a ~50-line
//! PLC directory stub (account DIDs are `did:plc`, and the real directory is not reachable),
//! dev mode, invites off, SQLite and blobs under `target/tmp/pds-*`. An account
//! `acme-status.test` is created with an app password, which is what inc signs in with.
//!
//! The proxy in front of it records every XRPC request, validates each against the Lexicons in
//! `tests/specs/bluesky/` (a request that breaks them fails the test, as with the fakes), and
//! can be scripted per method: answer with a status of its own (401, 403, 429 with the PDS's
//! `RateLimit-*` headers, 5xx) without forwarding, or forward and then hold the answer (the
//! client times out after the record was made).
//!
//! Needs `node` (20.x) and `npm` on PATH: a test that needs them fails naming them when they
//! are missing; it never skips. npm needs the registry once (about 90 s).
//!
//! Clean-up: both node processes run under an `sh` watchdog that reads the test process's
//! pipe; when the test process exits (even killed) it stops them and removes their directory.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::lexicon;
use super::synapse::request;

pub const PDS_VERSION: &str = "0.4.184";
pub const HANDLE: &str = "acme-status.test";

pub struct Pds {
    /// The proxy's URL, `http://127.0.0.1:PORT`: what inc is configured with.
    pub url: String,
    /// The PDS itself (for reading back what inc did).
    pub pds_port: u16,
    pub did: String,
    pub app_password: String,
    /// The account's own session token (reads in the tests).
    pub access: String,
    pub proxy: Proxy,
    pub startup: Duration,
    _watchdog: Mutex<(Child, ChildStdin)>,
}

static SERVER: OnceLock<Result<Pds, String>> = OnceLock::new();

/// The shared PDS; panics (fails the test) when it cannot be started.
pub fn pds() -> &'static Pds {
    match SERVER.get_or_init(start) {
        Ok(s) => s,
        Err(e) => panic!("the Bluesky PDS could not be started for the Bluesky tests:\n{e}"),
    }
}

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .to_path_buf()
}

fn tool_version(tool: &str) -> Option<String> {
    let out = Command::new(tool).arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `node` 20+ and `npm`, or why not.
fn require_node() -> Result<(), String> {
    let install = "install Node.js 20 and npm (Debian/Ubuntu: apt-get install -y nodejs npm, \
                   or the NodeSource packages for Node 20)";
    let node = tool_version("node").ok_or_else(|| {
        format!("node is required for the Bluesky tests (a real PDS) and was not found on PATH: {install}")
    })?;
    tool_version("npm").ok_or_else(|| {
        format!("npm is required for the Bluesky tests (to install @atproto/pds) and was not found on PATH: {install}")
    })?;
    let major: u32 = node
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 20 {
        return Err(format!(
            "node {node} is too old for @atproto/pds {PDS_VERSION}: {install}"
        ));
    }
    Ok(())
}

/// The prefix whose `include/node/node.h` belongs to the `node` on PATH (`/usr` for Debian's or
/// NodeSource's package), if the headers are installed.
fn node_headers() -> Option<PathBuf> {
    let out = Command::new("node")
        .args(["-p", "process.execPath"])
        .output()
        .ok()?;
    let exec = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let prefix = std::fs::canonicalize(exec)
        .ok()?
        .parent()?
        .parent()?
        .to_path_buf();
    prefix
        .join("include/node/node.h")
        .is_file()
        .then_some(prefix)
}

/// `target/ci-node-pds` with `@atproto/pds` installed (once; several test processes wait for
/// the one that installs).
fn installed() -> Result<PathBuf, String> {
    require_node()?;
    let dir = target_dir().join("ci-node-pds");
    let marker = dir.join("node_modules/@atproto/pds/package.json");
    let ready = || {
        std::fs::read_to_string(&marker)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .is_some_and(|p| p["version"] == PDS_VERSION)
    };
    if ready() {
        return Ok(dir);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let lock =
        std::fs::File::create(target_dir().join("ci-node-pds.lock")).map_err(|e| e.to_string())?;
    lock.lock().map_err(|e| e.to_string())?;
    if ready() {
        return Ok(dir);
    }
    eprintln!(
        "bluesky tests: installing @atproto/pds@{PDS_VERSION} into {} (once; about 90 s)",
        dir.display()
    );
    std::fs::write(
        dir.join("package.json"),
        r#"{"name":"inc-test-pds","private":true}"#,
    )
    .map_err(|e| e.to_string())?;
    let mut npm = Command::new("npm");
    npm.args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
        .arg(format!("@atproto/pds@{PDS_VERSION}"))
        .current_dir(&dir)
        .stdin(Stdio::null());
    // better-sqlite3 builds from source here (no prebuilt binary can be fetched): node-gyp
    // must use the headers installed beside node, not download them (there is no network).
    if let Some(nodedir) = node_headers() {
        npm.env("npm_config_nodedir", nodedir);
    }
    let out = npm.output().map_err(|e| format!("npm install: {e}"))?;
    if !out.status.success() || !ready() {
        return Err(format!(
            "npm install @atproto/pds@{PDS_VERSION} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(dir)
}

/// The PLC directory, as much as a PDS needs: `POST /{did}` stores an operation, `GET /{did}`
/// the DID document of the latest one, `/{did}/data`, `/{did}/log`, `/{did}/log/last`,
/// `/{did}/log/audit`.
const PLC: &str = r#"
const http = require('http');
const ops = new Map();
const doc = (did, op) => ({
  '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1',
               'https://w3id.org/security/suites/secp256k1-2019/v1'],
  id: did,
  alsoKnownAs: op.alsoKnownAs || [],
  verificationMethod: Object.entries(op.verificationMethods || {}).map(([k, key]) => ({
    id: `${did}#${k}`, type: 'Multikey', controller: did,
    publicKeyMultibase: key.replace(/^did:key:/, '') })),
  service: Object.entries(op.services || {}).map(([k, s]) => ({
    id: `#${k}`, type: s.type, serviceEndpoint: s.endpoint })),
});
http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const send = (s, v) => { res.writeHead(s, { 'content-type': 'application/json' }); res.end(JSON.stringify(v)); };
    const parts = req.url.split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
    const did = parts[0];
    if (!did) return send(200, { ok: true });
    if (req.method === 'POST') {
      if (!ops.has(did)) ops.set(did, []);
      ops.get(did).push(JSON.parse(body));
      return send(200, {});
    }
    const log = ops.get(did);
    if (!log) return send(404, { message: `DID not registered: ${did}` });
    const last = log[log.length - 1];
    if (parts.length === 1) return send(200, doc(did, last));
    if (parts[1] === 'data') return send(200, { did, verificationMethods: last.verificationMethods,
      rotationKeys: last.rotationKeys, alsoKnownAs: last.alsoKnownAs, services: last.services });
    if (parts[1] === 'log' && parts[2] === 'last') return send(200, last);
    if (parts[1] === 'log' && parts[2] === 'audit') return send(200, log.map((operation) => ({
      did, operation, cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm',
      nullified: false, createdAt: new Date().toISOString() })));
    if (parts[1] === 'log') return send(200, log);
    return send(404, {});
  });
}).listen(Number(process.argv[2]), '127.0.0.1');
"#;

const START: &str = r#"
const { PDS, envToCfg, envToSecrets, readEnv } = require('@atproto/pds');
(async () => {
  const env = readEnv();
  const pds = await PDS.create(envToCfg(env), envToSecrets(env));
  await pds.start();
})().catch((e) => { console.error(e); process.exit(1); });
"#;

/// Runs the PLC stub and the PDS; stops both and removes `$2` once stdin closes.
const WATCHDOG: &str = r#"
exec 3<&0
node "$1/plc.js" "$3" </dev/null &
plc=$!
node "$1/start.js" </dev/null &
pds=$!
( cat <&3 >/dev/null; kill "$pds" "$plc" 2>/dev/null
  while kill -0 "$pds" 2>/dev/null; do sleep 0.1; done; rm -rf "$2" ) &
wait "$pds"
"#;

fn random_hex(n: usize) -> String {
    (0..n)
        .map(|_| char::from_digit(fastrand::u32(0..16), 16).unwrap())
        .collect()
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

fn start() -> Result<Pds, String> {
    let t0 = Instant::now();
    let install = installed()?;
    for (name, text) in [("plc.js", PLC), ("start.js", START)] {
        std::fs::write(install.join(name), text).map_err(|e| e.to_string())?;
    }
    let dir =
        target_dir()
            .join("tmp")
            .join(format!("pds-{}-{}", std::process::id(), random_hex(6)));
    std::fs::create_dir_all(dir.join("blobs")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (plc_port, pds_port) = (free_port()?, free_port()?);
    let log_path = dir.join("pds.log");
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let d = dir.display().to_string();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg("watchdog")
        .arg(&install)
        .arg(&dir)
        .arg(plc_port.to_string())
        .current_dir(&dir)
        .envs([
            ("PDS_HOSTNAME", "localhost".to_string()),
            ("PDS_PORT", pds_port.to_string()),
            ("PDS_DEV_MODE", "true".into()),
            ("PDS_INVITE_REQUIRED", "false".into()),
            ("PDS_SERVICE_HANDLE_DOMAINS", ".test".into()),
            ("PDS_CRAWLERS", String::new()),
            ("PDS_DID_PLC_URL", format!("http://127.0.0.1:{plc_port}")),
            ("PDS_DATA_DIRECTORY", d.clone()),
            ("PDS_BLOBSTORE_DISK_LOCATION", format!("{d}/blobs")),
            ("PDS_ADMIN_PASSWORD", random_hex(16)),
            ("PDS_JWT_SECRET", random_hex(32)),
            ("PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX", random_hex(64)),
            ("LOG_ENABLED", "false".into()),
            (
                "NODE_PATH",
                install.join("node_modules").display().to_string(),
            ),
        ])
        .stdin(Stdio::piped())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("could not run sh: {e}"))?;
    let stdin = child.stdin.take().expect("piped stdin");
    let log_tail = || {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok((200, _)) = request("GET", pds_port, "/xrpc/_health", None, None) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "the PDS exited ({status}) before it was ready:\n{}",
                log_tail()
            ));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the PDS was not ready within 60 s:\n{}",
                log_tail()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let startup = t0.elapsed();
    let password = format!("acct-{}", random_hex(16));
    let call = |path: &str, token: Option<&str>, body: Value| -> Result<Value, String> {
        match request("POST", pds_port, path, token, Some(&body))? {
            (200, b) => Ok(b),
            (s, b) => Err(format!("{path}: HTTP {s} {b}\n{}", log_tail())),
        }
    };
    let account = call(
        "/xrpc/com.atproto.server.createAccount",
        None,
        json!({ "handle": HANDLE, "email": "status@acme.test", "password": password }),
    )?;
    let access = account["accessJwt"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let app = call(
        "/xrpc/com.atproto.server.createAppPassword",
        Some(&access),
        json!({ "name": "inc" }),
    )?;
    let proxy = Proxy::start(pds_port)?;
    Ok(Pds {
        url: format!("http://127.0.0.1:{}", proxy.port),
        pds_port,
        did: account["did"].as_str().unwrap_or_default().to_string(),
        app_password: app["password"].as_str().unwrap_or_default().to_string(),
        access,
        proxy,
        startup,
        _watchdog: Mutex::new((child, stdin)),
    })
}

impl Pds {
    /// The account's posts as the PDS has them (newest first): `(rkey, record)`.
    pub fn posts(&self) -> Vec<(String, Value)> {
        let path = format!(
            "/xrpc/com.atproto.repo.listRecords?repo={}&collection=app.bsky.feed.post&limit=100",
            self.did
        );
        let (status, body) =
            request("GET", self.pds_port, &path, None, None).expect("PDS reachable");
        assert_eq!(status, 200, "listRecords: {body}");
        body["records"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                let uri = r["uri"].as_str().unwrap_or_default();
                (
                    uri.rsplit('/').next().unwrap_or_default().to_string(),
                    r["value"].clone(),
                )
            })
            .collect()
    }

    /// The `bluesky = {...}` line of a `[social]` table for this PDS.
    pub fn config(&self) -> String {
        format!(
            "bluesky = {{ service = \"{}\", handle = \"{HANDLE}\" }}\n",
            self.url
        )
    }
}

// ---- The recording, validating, fault-injecting proxy ----

#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this status (and XRPC error body) without forwarding.
    Status(u16),
    /// 429 as the PDS's rate limiter answers, `RateLimit-Reset` this many seconds ahead.
    RateLimited(u64),
    /// Forward, then hold the answer this long.
    SlowAfterForward(Duration),
}

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The XRPC method (NSID).
    pub nsid: String,
    pub body: Value,
    /// The process-wide sequence number of the request.
    pub seq: u64,
}

#[derive(Default)]
struct ProxyState {
    log: Vec<Recorded>,
    failures: Vec<String>,
    faults: VecDeque<(String, Fault)>,
    seq: u64,
}

pub struct Proxy {
    pub port: u16,
    state: Arc<Mutex<ProxyState>>,
}

impl Proxy {
    fn start(upstream: u16) -> Result<Proxy, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let state = Arc::new(Mutex::new(ProxyState::default()));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let st = st.clone();
                std::thread::spawn(move || {
                    let _ = serve(conn, upstream, &st);
                });
            }
        });
        Ok(Proxy { port, state })
    }

    /// Scripts the next request to XRPC method `nsid`.
    pub fn fault(&self, nsid: &str, f: Fault) {
        self.state
            .lock()
            .unwrap()
            .faults
            .push_back((nsid.to_string(), f));
    }

    /// The sequence number the next request will get (to look at what came after it).
    pub fn mark(&self) -> u64 {
        self.state.lock().unwrap().seq
    }

    /// The requests since `mark`.
    pub fn since(&self, mark: u64) -> Vec<Recorded> {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|r| r.seq >= mark)
            .cloned()
            .collect()
    }

    /// How many requests to `nsid` arrived since `mark`.
    pub fn count(&self, mark: u64, nsid: &str) -> usize {
        self.since(mark).iter().filter(|r| r.nsid == nsid).count()
    }

    /// No request broke the Lexicons.
    #[track_caller]
    pub fn assert_clean(&self) {
        let f = self.state.lock().unwrap().failures.clone();
        assert!(
            f.is_empty(),
            "{} request(s) violated the Bluesky Lexicons:\n{}",
            f.len(),
            f.join("\n")
        );
    }
}

fn serve(mut client: TcpStream, upstream: u16, st: &Mutex<ProxyState>) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    // The request head, then its body (Content-Length).
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        let n = client.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())
                .flatten()
        })
        .unwrap_or(0);
    while raw.len() < head_end + length {
        let n = client.read(&mut buf)?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let body_bytes = raw[head_end..].to_vec();
    let mut first = head.lines().next().unwrap_or("").split_whitespace();
    let method = first.next().unwrap_or("").to_string();
    let target = first.next().unwrap_or("").to_string();
    let nsid = target
        .split('?')
        .next()
        .unwrap_or("")
        .trim_start_matches("/xrpc/")
        .to_string();
    let body: Value = if body_bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body_bytes).unwrap_or(Value::String("<not JSON>".into()))
    };
    let fault = {
        let mut s = st.lock().unwrap();
        s.seq += 1;
        let seq = s.seq;
        s.log.push(Recorded {
            method: method.clone(),
            nsid: nsid.clone(),
            body: body.clone(),
            seq,
        });
        if let Err(e) = lexicon::validate_request(&method, &nsid, &body)
            && !s.failures.contains(&e)
        {
            s.failures.push(e);
        }
        s.faults
            .iter()
            .position(|(n, _)| *n == nsid)
            .and_then(|i| s.faults.remove(i))
            .map(|(_, f)| f)
    };
    let canned = |status: u16, extra: &str, error: &str, message: &str| {
        let b = json!({ "error": error, "message": message }).to_string();
        format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{b}",
            b.len()
        )
    };
    let hold = match fault {
        Some(Fault::Status(s)) => {
            let (error, message) = match s {
                401 => ("AuthenticationRequired", "Invalid identifier or password"),
                403 => ("AccountTakedown", "Account has been taken down"),
                _ => ("InternalServerError", "Internal Server Error"),
            };
            return client.write_all(canned(s, "", error, message).as_bytes());
        }
        Some(Fault::RateLimited(secs)) => {
            let reset = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
                + secs;
            let extra = format!(
                "RateLimit-Limit: 30\r\nRateLimit-Remaining: 0\r\nRateLimit-Reset: {reset}\r\nRateLimit-Policy: 30;w=300\r\n"
            );
            return client.write_all(
                canned(429, &extra, "RateLimitExceeded", "Rate Limit Exceeded").as_bytes(),
            );
        }
        Some(Fault::SlowAfterForward(d)) => Some(d),
        None => None,
    };
    // Forward with the connection closed after the answer, and pass the answer back.
    let mut up = TcpStream::connect(("127.0.0.1", upstream))?;
    let mut out = String::new();
    for (i, line) in head[..head_end].split("\r\n").enumerate() {
        if line.is_empty() {
            continue;
        }
        let lower = line.to_ascii_lowercase();
        if i > 0 && (lower.starts_with("connection:") || lower.starts_with("keep-alive:")) {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    up.write_all(out.as_bytes())?;
    up.write_all(&body_bytes)?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer)?;
    if let Some(d) = hold {
        std::thread::sleep(d);
    }
    client.write_all(&answer)
}

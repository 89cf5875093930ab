//! A fault-injecting HTTP/1.1 proxy on 127.0.0.1, put in front of one fake (or the real
//! Synapse) for `tests/faults.rs`. Every request passes through unchanged unless a fault is
//! armed for its method and path; then it meets that fault, the way a provider or the network
//! fails:
//! - an answer from the provider without the request reaching it: 5xx, 429 with `Retry-After`
//!   in seconds or as an HTTP date (computed when answering), 401/403/400 with the provider's
//!   own error body;
//! - a failure on the way back from a provider that DID handle the request: its answer held
//!   past the client's timeout ([`Fault::Late`]), cut mid-body and the connection reset
//!   ([`Fault::Reset`]), or its body replaced by broken JSON ([`Fault::Malformed`]);
//! - nothing listening at all: [`FaultProxy::close`] until [`FaultProxy::reopen`].
//!
//! The proxy answers one request per connection (`Connection: close`) and logs every request
//! with when it arrived and which fault it met.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Clone, Debug)]
pub enum Fault {
    /// This answer, without reaching the provider. `retry_at`: add `Retry-After` as an HTTP
    /// date this far ahead of the moment of answering.
    Answer {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
        retry_at: Option<Duration>,
    },
    /// The provider handles the request; its answer is held this long before it is sent.
    Late(Duration),
    /// The provider handles the request; its answer stops halfway through the body and the
    /// connection is reset.
    Reset,
    /// The provider handles the request; its body is replaced by JSON cut short.
    Malformed,
}

impl Fault {
    /// An answer with a JSON (or text, when `body` is not JSON) body.
    pub fn answer(status: u16, body: &str) -> Fault {
        let ct = if body.trim_start().starts_with(['{', '[']) {
            "application/json"
        } else {
            "text/plain"
        };
        Fault::Answer {
            status,
            headers: vec![("Content-Type".into(), ct.into())],
            body: body.into(),
            retry_at: None,
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Fault {
        if let Fault::Answer { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }

    pub fn retry_at(mut self, ahead: Duration) -> Fault {
        if let Fault::Answer { retry_at, .. } = &mut self {
            *retry_at = Some(ahead);
        }
        self
    }

    fn name(&self) -> String {
        match self {
            Fault::Answer { status, .. } => format!("answer {status}"),
            Fault::Late(d) => format!("late {d:?}"),
            Fault::Reset => "reset".into(),
            Fault::Malformed => "malformed".into(),
        }
    }
}

/// One request the proxy saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub at: Instant,
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The fault it met, if any.
    pub fault: Option<String>,
}

struct Rule {
    method: String,
    path: String,
    fault: Fault,
    left: usize,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    log: Vec<Seen>,
}

pub struct FaultProxy {
    pub port: u16,
    upstream: SocketAddr,
    state: Arc<Mutex<State>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl FaultProxy {
    /// A proxy in front of `upstream` (`http://127.0.0.1:PORT[/...]`; only the address is used).
    pub async fn start(upstream: &str) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let url = url::Url::parse(upstream).expect("upstream URL");
        let upstream: SocketAddr = format!(
            "{}:{}",
            url.host_str().expect("host"),
            url.port_or_known_default().expect("port")
        )
        .parse()
        .expect("upstream must be an IP address");
        let p = FaultProxy {
            port,
            upstream,
            state: Arc::default(),
            task: Mutex::new(None),
        };
        p.serve(listener);
        p
    }

    fn serve(&self, listener: TcpListener) {
        let state = self.state.clone();
        let upstream = self.upstream;
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(handle(conn, upstream, state.clone()));
            }
        });
        *self.task.lock().unwrap() = Some(task);
    }

    /// `http://127.0.0.1:PORT`
    pub fn uri(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The next `times` requests of `method` whose path (and query) contains `path` meet `fault`.
    pub fn arm(&self, method: &str, path: &str, fault: Fault, times: usize) {
        self.state.lock().unwrap().rules.push(Rule {
            method: method.into(),
            path: path.into(),
            fault,
            left: times,
        });
    }

    /// Every armed fault is lifted: the provider answers again as itself.
    pub fn disarm(&self) {
        self.state.lock().unwrap().rules.clear();
    }

    /// Every request seen so far.
    pub fn log(&self) -> Vec<Seen> {
        self.state.lock().unwrap().log.clone()
    }

    /// The requests of `method` whose path contains `path`.
    pub fn seen(&self, method: &str, path: &str) -> Vec<Seen> {
        self.log()
            .into_iter()
            .filter(|s| s.method == method && s.target.contains(path))
            .collect()
    }

    /// Stops listening: connecting to the port is refused until [`FaultProxy::reopen`].
    pub async fn close(&self) {
        let task = self.task.lock().unwrap().take();
        if let Some(t) = task {
            t.abort();
            let _ = t.await;
        }
        // The listener is dropped with the task; wait until the port really refuses.
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", self.port)).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("127.0.0.1:{} still accepts connections", self.port);
    }

    /// Listens on the same port again.
    pub async fn reopen(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .unwrap_or_else(|e| panic!("cannot listen on 127.0.0.1:{} again: {e}", self.port));
        self.serve(listener);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(t) = self.task.lock().unwrap().take() {
            t.abort();
        }
    }
}

/// A request or a response: the head's lines, and the body.
struct Message {
    first: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The head again, without the framing headers; `extra` added.
    fn head(&self, extra: &[(String, String)]) -> String {
        let mut h = format!("{}\r\n", self.first);
        for (k, v) in &self.headers {
            let framing = [
                "content-length",
                "transfer-encoding",
                "connection",
                "keep-alive",
            ]
            .iter()
            .any(|f| k.eq_ignore_ascii_case(f));
            if !framing && !extra.iter().any(|(x, _)| x.eq_ignore_ascii_case(k)) {
                h.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        for (k, v) in extra {
            h.push_str(&format!("{k}: {v}\r\n"));
        }
        h
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads one message: its head, then a body framed by `Content-Length` or chunks, or (for a
/// response, `to_eof`) whatever comes until the connection closes.
async fn read_message(conn: &mut TcpStream, to_eof: bool) -> Option<Message> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let first = lines.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut msg = Message {
        first,
        headers,
        body: buf[end + 4..].to_vec(),
    };
    let chunked = msg
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let length = msg
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(len) = length.filter(|_| !chunked) {
        while msg.body.len() < len {
            let n = conn.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            msg.body.extend_from_slice(&chunk[..n]);
        }
        msg.body.truncate(len);
    } else if chunked || to_eof {
        loop {
            let n = conn.read(&mut chunk).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            msg.body.extend_from_slice(&chunk[..n]);
        }
        if chunked {
            msg.body = dechunk(&msg.body);
        }
    }
    Some(msg)
}

fn dechunk(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(i) = find(rest, b"\r\n") {
        let size = std::str::from_utf8(&rest[..i])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 || rest.len() < i + 2 + size {
            break;
        }
        out.extend_from_slice(&rest[i + 2..i + 2 + size]);
        rest = &rest[(i + 4 + size).min(rest.len())..];
    }
    out
}

/// Sends the request to the provider and reads its whole answer.
async fn forward(upstream: SocketAddr, req: &Message) -> Option<Message> {
    let mut up = TcpStream::connect(upstream).await.ok()?;
    let head = req.head(&[
        ("Content-Length".into(), req.body.len().to_string()),
        ("Connection".into(), "close".into()),
    ]);
    up.write_all(format!("{head}\r\n").as_bytes()).await.ok()?;
    up.write_all(&req.body).await.ok()?;
    read_message(&mut up, true).await
}

fn http_date(at: jiff::Timestamp) -> String {
    jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&at)
        .expect("an HTTP date")
}

/// Writes a response with exact framing and `Connection: close`.
async fn reply(conn: &mut TcpStream, resp: &Message) {
    let head = resp.head(&[
        ("Content-Length".into(), resp.body.len().to_string()),
        ("Connection".into(), "close".into()),
    ]);
    let _ = conn.write_all(format!("{head}\r\n").as_bytes()).await;
    let _ = conn.write_all(&resp.body).await;
    let _ = conn.shutdown().await;
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

async fn handle(mut conn: TcpStream, upstream: SocketAddr, state: Arc<Mutex<State>>) {
    let Some(req) = read_message(&mut conn, false).await else {
        return;
    };
    let mut parts = req.first.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let fault = {
        let mut st = state.lock().unwrap();
        let fault = st
            .rules
            .iter_mut()
            .find(|r| r.left > 0 && r.method == method && target.contains(&r.path))
            .map(|r| {
                r.left -= 1;
                r.fault.clone()
            });
        st.log.push(Seen {
            at: Instant::now(),
            method,
            target,
            fault: fault.as_ref().map(Fault::name),
        });
        fault
    };
    match fault {
        None => {
            if let Some(resp) = forward(upstream, &req).await {
                reply(&mut conn, &resp).await;
            }
        }
        Some(Fault::Answer {
            status,
            mut headers,
            body,
            retry_at,
        }) => {
            let now = jiff::Timestamp::now();
            headers.push(("Date".into(), http_date(now)));
            if let Some(ahead) = retry_at {
                let at = now + jiff::SignedDuration::try_from(ahead).expect("duration");
                headers.push(("Retry-After".into(), http_date(at)));
            }
            let resp = Message {
                first: format!("HTTP/1.1 {status} {}", reason(status)),
                headers,
                body: body.into_bytes(),
            };
            reply(&mut conn, &resp).await;
        }
        Some(Fault::Late(hold)) => {
            if let Some(resp) = forward(upstream, &req).await {
                tokio::time::sleep(hold).await;
                reply(&mut conn, &resp).await;
            }
        }
        Some(Fault::Reset) => {
            let Some(resp) = forward(upstream, &req).await else {
                return;
            };
            // Promise the whole body (at least a few bytes), send half of it, then reset.
            let promised = resp.body.len().max(16);
            let head = resp.head(&[("Content-Length".into(), promised.to_string())]);
            let _ = conn.write_all(format!("{head}\r\n").as_bytes()).await;
            let _ = conn.write_all(&resp.body[..resp.body.len() / 2]).await;
            let _ = conn.flush().await;
            // Let the client read the head first: the reset comes in the middle of the body.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let _ = conn.set_zero_linger();
            drop(conn);
        }
        Some(Fault::Malformed) => {
            let Some(mut resp) = forward(upstream, &req).await else {
                return;
            };
            let json = resp.body.len() > 2 && resp.body.first().is_some_and(|b| b"{[".contains(b));
            resp.body = if json {
                resp.body[..resp.body.len() / 2].to_vec()
            } else {
                b"{\"ok\": tr".to_vec()
            };
            resp.headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
            resp.headers
                .push(("Content-Type".into(), "application/json".into()));
            reply(&mut conn, &resp).await;
        }
    }
}

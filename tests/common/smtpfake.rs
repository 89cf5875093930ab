//! A small SMTP server on 127.0.0.1 whose faults can be scripted, for `tests/faults.rs` (the
//! real aiosmtpd in `smtp.rs` serves the other email tests). It speaks RFC 5321 the way a
//! submission server does: `220` greeting, `EHLO` with `AUTH PLAIN LOGIN`, AUTH required
//! before `MAIL` (checked against the user and password it was given), `MAIL`/`RCPT`/`DATA`,
//! `RSET`, `NOOP`, `QUIT`; a message counts as accepted only when its `DATA` ends with `.` and
//! the server answered `250`.
//!
//! Faults hit the next connections: a reply in place of the normal one at one stage, silence
//! after the connection is accepted, a reset in the middle of `DATA`, or a reply that is not
//! SMTP at all.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Greeting,
    Ehlo,
    Auth,
    Mail,
    Rcpt,
    /// The reply to the `.` that ends `DATA` (the message is then NOT accepted).
    DataEnd,
}

#[derive(Clone, Debug)]
pub enum SmtpFault {
    /// This reply (e.g. `421 4.3.2 Service not available`) instead of the normal one at `stage`;
    /// the server then closes the connection if the reply is `421`.
    Reply(Stage, &'static str),
    /// Accept the connection, then say nothing for this long.
    Silent(Duration),
    /// Reset the connection halfway through the message text.
    ResetInData,
    /// Answer `EHLO` with a line that is not an SMTP reply.
    Garbage,
}

#[derive(Default)]
struct State {
    faults: Vec<(SmtpFault, usize)>,
    accepted: Vec<String>,
    connections: usize,
}

pub struct FakeSmtp {
    pub port: u16,
    state: Arc<Mutex<State>>,
    task: Mutex<Option<JoinHandle<()>>>,
    user: &'static str,
    password: &'static str,
}

impl FakeSmtp {
    pub async fn start(user: &'static str, password: &'static str) -> FakeSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().unwrap().port();
        let s = FakeSmtp {
            port,
            state: Arc::default(),
            task: Mutex::new(None),
            user,
            password,
        };
        s.serve(listener);
        s
    }

    fn serve(&self, listener: TcpListener) {
        let state = self.state.clone();
        let (user, password) = (self.user, self.password);
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let fault = {
                    let mut st = state.lock().unwrap();
                    st.connections += 1;
                    st.faults
                        .iter_mut()
                        .find(|(_, left)| *left > 0)
                        .map(|(f, left)| {
                            *left -= 1;
                            f.clone()
                        })
                };
                tokio::spawn(session(conn, fault, state.clone(), user, password));
            }
        });
        *self.task.lock().unwrap() = Some(task);
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next `times` connections meet `fault`.
    pub fn arm(&self, fault: SmtpFault, times: usize) {
        self.state.lock().unwrap().faults.push((fault, times));
    }

    /// The raw messages accepted so far.
    pub fn accepted(&self) -> Vec<String> {
        self.state.lock().unwrap().accepted.clone()
    }

    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    /// Stops listening: connections are refused until [`FakeSmtp::reopen`].
    pub async fn close(&self) {
        let task = self.task.lock().unwrap().take();
        if let Some(t) = task {
            t.abort();
            let _ = t.await;
        }
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", self.port)).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("127.0.0.1:{} still accepts connections", self.port);
    }

    pub async fn reopen(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .unwrap_or_else(|e| panic!("cannot listen on 127.0.0.1:{} again: {e}", self.port));
        self.serve(listener);
    }
}

impl Drop for FakeSmtp {
    fn drop(&mut self) {
        if let Some(t) = self.task.lock().unwrap().take() {
            t.abort();
        }
    }
}

/// Standard base64 (what AUTH PLAIN and LOGIN carry).
fn b64decode(s: &str) -> Option<Vec<u8>> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.trim().bytes().filter(|c| *c != b'=') {
        let v = A.iter().position(|a| *a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

async fn session(
    conn: TcpStream,
    fault: Option<SmtpFault>,
    state: Arc<Mutex<State>>,
    user: &str,
    password: &str,
) {
    let (r, mut w) = conn.into_split();
    let mut r = BufReader::new(r);
    let reply_at = |stage: Stage| match &fault {
        Some(SmtpFault::Reply(s, line)) if *s == stage => Some(*line),
        _ => None,
    };
    macro_rules! say {
        ($line:expr) => {
            if w.write_all(format!("{}\r\n", $line).as_bytes())
                .await
                .is_err()
            {
                return;
            }
        };
    }
    /// Sends a scripted reply instead of the normal one; a 421 also closes the connection.
    macro_rules! scripted {
        ($stage:expr) => {
            if let Some(line) = reply_at($stage) {
                say!(line);
                if line.starts_with("421") {
                    return;
                }
                continue;
            }
        };
    }
    if let Some(SmtpFault::Silent(d)) = &fault {
        tokio::time::sleep(*d).await;
        return;
    }
    if let Some(line) = reply_at(Stage::Greeting) {
        say!(line);
        return;
    }
    say!("220 fake.smtp.example ESMTP ready");
    let mut authed = false;
    let mut in_tx = false;
    let mut rcpts = 0;
    let mut line = String::new();
    loop {
        line.clear();
        match r.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let cmd = line.trim_end().to_string();
        let verb = cmd
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" | "HELO" => {
                if matches!(fault, Some(SmtpFault::Garbage)) {
                    say!("HTTP/1.1 400 Bad Request");
                    return;
                }
                scripted!(Stage::Ehlo);
                say!("250-fake.smtp.example");
                say!("250-AUTH PLAIN LOGIN");
                say!("250 8BITMIME");
            }
            "AUTH" => {
                scripted!(Stage::Auth);
                let args: Vec<&str> = cmd.split_whitespace().skip(1).collect();
                let ok = match args.first().map(|m| m.to_ascii_uppercase()).as_deref() {
                    Some("PLAIN") => {
                        let data = match args.get(1) {
                            Some(d) => d.to_string(),
                            None => {
                                say!("334 ");
                                let mut l = String::new();
                                if r.read_line(&mut l).await.is_err() {
                                    return;
                                }
                                l.trim().to_string()
                            }
                        };
                        let raw = b64decode(&data).unwrap_or_default();
                        let parts: Vec<&[u8]> = raw.split(|b| *b == 0).collect();
                        parts.len() == 3
                            && parts[1] == user.as_bytes()
                            && parts[2] == password.as_bytes()
                    }
                    Some("LOGIN") => {
                        say!("334 VXNlcm5hbWU6");
                        let mut u = String::new();
                        if r.read_line(&mut u).await.is_err() {
                            return;
                        }
                        say!("334 UGFzc3dvcmQ6");
                        let mut p = String::new();
                        if r.read_line(&mut p).await.is_err() {
                            return;
                        }
                        b64decode(&u).as_deref() == Some(user.as_bytes())
                            && b64decode(&p).as_deref() == Some(password.as_bytes())
                    }
                    _ => false,
                };
                if ok {
                    authed = true;
                    say!("235 2.7.0 Authentication successful");
                } else {
                    say!("535 5.7.8 Authentication credentials invalid");
                }
            }
            "MAIL" => {
                if !authed {
                    say!("530 5.7.0 Authentication required");
                    continue;
                }
                scripted!(Stage::Mail);
                in_tx = true;
                rcpts = 0;
                say!("250 2.1.0 Ok");
            }
            "RCPT" => {
                if !in_tx {
                    say!("503 5.5.1 Bad sequence of commands");
                    continue;
                }
                scripted!(Stage::Rcpt);
                rcpts += 1;
                say!("250 2.1.5 Ok");
            }
            "DATA" => {
                if !in_tx || rcpts == 0 {
                    say!("503 5.5.1 Bad sequence of commands");
                    continue;
                }
                say!("354 End data with <CR><LF>.<CR><LF>");
                let mut data = String::new();
                let mut l = String::new();
                loop {
                    l.clear();
                    match r.read_line(&mut l).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if l == ".\r\n" || l == ".\n" {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                    if matches!(fault, Some(SmtpFault::ResetInData)) && data.len() > 40 {
                        // Swallow what is still coming, then reset the connection.
                        let mut rest = [0u8; 4096];
                        let _ = tokio::time::timeout(Duration::from_millis(100), r.read(&mut rest))
                            .await;
                        let conn = r.into_inner().reunite(w).expect("same connection");
                        let _ = conn.set_zero_linger();
                        return;
                    }
                }
                in_tx = false;
                scripted!(Stage::DataEnd);
                state.lock().unwrap().accepted.push(data);
                say!("250 2.0.0 Ok: queued");
            }
            "RSET" => {
                in_tx = false;
                say!("250 2.0.0 Ok");
            }
            "NOOP" => say!("250 2.0.0 Ok"),
            "QUIT" => {
                say!("221 2.0.0 Bye");
                return;
            }
            _ => say!("502 5.5.2 Command not recognized"),
        }
    }
}

//! The progress line: an indicatif spinner on stderr saying what the run waits for ("paging
//! PagerDuty…", "creating #inc-…") once a wait lasts over 300 ms, cleared before any result
//! line is printed. Only on a terminal: never with `--json`, `-q` or `-v`, nor when stdout or
//! stderr is not a terminal (a pipe, a script). Flows and the delivery engine report their
//! waits through [`Ctx::waiting`]; this module alone draws.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::ctx::{Ctx, Progress, Wait};

/// A wait shorter than this never shows.
const SHOW_AFTER: Duration = Duration::from_millis(300);
/// How often the spinner turns.
const TICK: Duration = Duration::from_millis(80);

/// Reports the run's waits with a spinner when a human watches a terminal; else nothing.
pub fn install(ctx: &Ctx) {
    let io = &ctx.io;
    let dumb = ctx.env.get("TERM").is_none_or(|t| t == "dumb");
    if io.json || io.quiet || io.verbose > 0 || !io.stderr_tty || !io.stdout_tty || dumb {
        return;
    }
    ctx.set_progress(Box::new(Spinner::start()));
}

/// Puts the terminal back as inc found it (Ctrl-C): the spinner cleared, the cursor shown (a
/// prompt hides it while it asks).
pub fn restore_terminal(ctx: &Ctx) {
    ctx.clear_progress();
    if ctx.io.stderr_tty {
        use std::io::Write;
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(b"\x1b[?25h");
        let _ = err.flush();
    }
}

#[derive(Default)]
struct State {
    /// The waits in progress: token, what, since when.
    waits: Vec<(u64, Vec<Wait>, Instant)>,
    next: u64,
    /// The spinner on the screen, while a wait has lasted long enough.
    bar: Option<ProgressBar>,
    stop: bool,
}

type Shared = Arc<(Mutex<State>, Condvar)>;

/// The spinner: a thread that shows it once the oldest wait in progress is over
/// [`SHOW_AFTER`] old and turns it; the last wait's end clears it at once, on the caller's
/// thread, so the lines printed next never share the screen with it.
pub struct Spinner {
    shared: Shared,
    thread: Option<JoinHandle<()>>,
}

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared.0.lock().unwrap_or_else(|e| e.into_inner())
}

impl Spinner {
    fn start() -> Spinner {
        let shared: Shared = Arc::default();
        let for_thread = shared.clone();
        let thread = std::thread::spawn(move || turn(&for_thread));
        Spinner {
            shared,
            thread: Some(thread),
        }
    }
}

/// The spinner thread: shows, updates and turns the spinner until stopped.
fn turn(shared: &Shared) {
    let mut st = lock(shared);
    loop {
        if st.stop {
            if let Some(bar) = st.bar.take() {
                bar.finish_and_clear();
            }
            return;
        }
        let oldest = st.waits.iter().map(|(_, _, since)| *since).min();
        match oldest {
            Some(since) if since.elapsed() >= SHOW_AFTER => {
                let text = line(&st.waits);
                let bar = st.bar.get_or_insert_with(|| {
                    let target = ProgressDrawTarget::term_like(Box::new(Stderr));
                    let bar = ProgressBar::with_draw_target(None, target);
                    bar.set_style(
                        ProgressStyle::with_template("{spinner} {wide_msg}")
                            .expect("a valid template")
                            .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "),
                    );
                    bar
                });
                bar.set_message(text);
                bar.tick();
            }
            _ => {}
        }
        let wait = match oldest {
            Some(since) if since.elapsed() < SHOW_AFTER => SHOW_AFTER - since.elapsed(),
            Some(_) => TICK,
            // Nothing to wait on: sleep until a wait begins (or the run ends).
            None => Duration::from_secs(3600),
        };
        st = shared
            .1
            .wait_timeout(st, wait)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}

impl Progress for Spinner {
    fn clear(&self) {
        if let Some(bar) = lock(&self.shared).bar.take() {
            bar.finish_and_clear();
        }
    }

    fn begin(&self, waits: Vec<Wait>) -> u64 {
        let mut st = lock(&self.shared);
        st.next += 1;
        let token = st.next;
        st.waits.push((token, waits, Instant::now()));
        self.shared.1.notify_all();
        token
    }

    fn end(&self, token: u64) {
        let mut st = lock(&self.shared);
        st.waits.retain(|(t, _, _)| *t != token);
        if st.waits.is_empty()
            && let Some(bar) = st.bar.take()
        {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        lock(&self.shared).stop = true;
        self.shared.1.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The terminal's size on stderr (rows, columns), if it has one.
fn stderr_size() -> Option<(u16, u16)> {
    // SAFETY: TIOCGWINSZ fills the winsize it is given, or fails and leaves it zeroed.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    (ok && ws.ws_col > 0).then_some((ws.ws_row, ws.ws_col))
}

/// stderr as the spinner draws on it, two columns narrower than the terminal. indicatif pads
/// its line to the full width, leaving the cursor waiting to wrap: the `^C` the terminal
/// echoes at Ctrl-C would then start a new line, and clearing "the spinner line" would clear
/// that one and leave the spinner on the screen. Two columns short, the `^C` lands on the
/// spinner's own line, and clearing it clears both.
#[derive(Debug)]
struct Stderr;

impl Stderr {
    fn write(&self, s: &str) -> std::io::Result<()> {
        use std::io::Write;
        std::io::stderr().lock().write_all(s.as_bytes())
    }
}

impl indicatif::TermLike for Stderr {
    fn width(&self) -> u16 {
        stderr_size()
            .map_or(80, |(_, w)| w)
            .saturating_sub(2)
            .max(10)
    }

    fn height(&self) -> u16 {
        stderr_size().map_or(24, |(h, _)| h).max(1)
    }

    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.write(&format!("\x1b[{n}A"))
    }

    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.write(&format!("\x1b[{n}B"))
    }

    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.write(&format!("\x1b[{n}C"))
    }

    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.write(&format!("\x1b[{n}D"))
    }

    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.write(&format!("{s}\n"))
    }

    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.write(s)
    }

    fn clear_line(&self) -> std::io::Result<()> {
        self.write("\r\x1b[2K")
    }

    fn flush(&self) -> std::io::Result<()> {
        use std::io::Write;
        std::io::stderr().lock().flush()
    }
}

/// What the spinner says: every wait in progress, each once, oldest first.
fn line(waits: &[(u64, Vec<Wait>, Instant)]) -> String {
    let mut phrases: Vec<String> = Vec::new();
    for w in waits.iter().flat_map(|(_, w, _)| w) {
        let p = phrase(w);
        if !phrases.contains(&p) {
            phrases.push(p);
        }
    }
    format!("{}…", phrases.join(", "))
}

/// A provider as people name it.
fn name(provider: &str) -> &str {
    match provider {
        "pagerduty" => "PagerDuty",
        "opsgenie" => "Opsgenie",
        "slack" => "Slack",
        "matrix" => "Matrix",
        "teams" => "Teams",
        "mattermost" => "Mattermost",
        "discord" => "Discord",
        "statuspage" => "the status page",
        "x" => "X",
        "mastodon" => "Mastodon",
        "bluesky" => "Bluesky",
        "email" => "the mail server",
        "confluence" => "Confluence",
        "github" => "GitHub",
        other => other,
    }
}

/// One wait in words: "paging PagerDuty", "creating #inc-20261126-checkout".
pub fn phrase(w: &Wait) -> String {
    let who = name(&w.provider);
    match w.action.as_str() {
        "page_ic" | "page_ic_event" => format!("paging {who}"),
        "page" | "request_responders" => format!("paging {} via {who}", w.target),
        "create_channel" | "create_room" => format!("creating {}", w.target),
        "join_room" => format!("joining {}", w.target),
        "create_incident" if w.provider == "pagerduty" => "opening the PagerDuty incident".into(),
        "create_incident" | "update_incident" if w.provider == "statuspage" => {
            "posting to the status page".into()
        }
        "post" => format!("posting to {who}"),
        "add_note" => format!("adding a note in {who}"),
        "set_topic" => format!("setting the {who} topic"),
        "send_email" => "sending the email".into(),
        "publish_postmortem" => format!("publishing to {who}"),
        "oncall" => format!("looking up who is on call in {who}"),
        "attach" => format!("reading the shared record of {}", w.target),
        "check" => format!("checking {}", w.target),
        "sync" => format!("reading what is new in {who}"),
        other => format!("{who}: {}", other.replace('_', " ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_as_what_the_run_waits_for() {
        let w = |p: &str, a: &str, t: &str| Wait::new(p, a, t);
        assert_eq!(
            phrase(&w("pagerduty", "page_ic", "service P")),
            "paging PagerDuty"
        );
        assert_eq!(
            phrase(&w("slack", "create_channel", "#inc-20261126-x")),
            "creating #inc-20261126-x"
        );
        let now = Instant::now();
        let waits = vec![
            (
                1,
                vec![w("slack", "post", "C1"), w("slack", "post", "C2")],
                now,
            ),
            (2, vec![w("teams", "post", "teams")], now),
        ];
        assert_eq!(line(&waits), "posting to Slack, posting to Teams…");
    }
}

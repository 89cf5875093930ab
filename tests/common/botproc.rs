//! `inc bot` as an operator runs it, for the bot's tests: the real binary in the foreground,
//! its stderr lines collected as they come, stopped with SIGTERM (or killed, as a node dies).

use std::io::{BufRead, BufReader};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::cmd::TestEnv;

/// Long enough for a loaded 2-core machine; a test waits for what it expects, never a fixed time.
pub const PATIENCE: Duration = Duration::from_secs(40);

/// A running `inc bot`: its stderr lines, collected as they come.
pub struct Bot {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Bot {
    /// Starts `inc bot -v` and waits until it listens.
    pub fn start(env: &TestEnv) -> Bot {
        let mut cmd = env.std_command();
        cmd.args(["bot", "-v"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start inc bot");
        let err = child.stderr.take().expect("stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let bot = Bot { child, lines };
        bot.wait_line(|l| l.contains("listening on"), "the bot to listen");
        bot
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    pub fn text(&self) -> String {
        self.lines().join("\n")
    }

    /// Waits for a stderr line; panics (with everything it said) when it does not come.
    pub fn wait_line(&self, want: impl Fn(&str) -> bool, what: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(l) = self.lines().into_iter().find(|l| want(l)) {
                return l;
            }
            assert!(
                Instant::now() < deadline,
                "no line for {what}; the bot said:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL: the bot dies without a word (a node lost, an OOM kill).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit status (a bot that does not stop fails the test).
    pub fn stop(&mut self) -> ExitStatus {
        self.signal(libc::SIGTERM)
    }

    /// Ctrl-C (SIGINT), then the exit status.
    pub fn interrupt(&mut self) -> ExitStatus {
        self.signal(libc::SIGINT)
    }

    fn signal(&mut self, sig: i32) -> ExitStatus {
        // SAFETY: kill(2) on the child's own pid.
        unsafe { libc::kill(self.child.id() as i32, sig) };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                // The stderr thread has the last lines a moment later.
                std::thread::sleep(Duration::from_millis(100));
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "inc bot did not stop on SIGTERM:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

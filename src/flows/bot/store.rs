//! What `inc bot` keeps in the state dir (`bot/`): a lock (one bot per state dir), its
//! instance name (the same across restarts, so a claim it made before a crash is still its
//! own), the commands it answered (never answered twice, even after a restart), and the Matrix
//! `/sync` token, saved only once every command before it was handled.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::error::{CliError, CliResult};

/// How long a command is remembered as answered (longer than any redelivery or replay).
const REMEMBER_SECS: i64 = 7 * 24 * 3600;

pub struct Store {
    dir: PathBuf,
    /// Held while the bot runs (an exclusive lock on `bot/lock`).
    _lock: File,
    pub instance: String,
    handled: std::cell::RefCell<HashMap<String, i64>>,
    dry_run: bool,
}

impl Store {
    /// Opens the store; refuses (exit 78) when another `inc bot` holds this state dir.
    pub fn open(state_dir: &Path, dry_run: bool) -> CliResult<Store> {
        let dir = state_dir.join("bot");
        let io = |what: &str, e: std::io::Error| {
            CliError::failed(format!("{what} {}: {e}", dir.display()))
        };
        std::fs::create_dir_all(&dir).map_err(|e| io("cannot create", e))?;
        let mut lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join("lock"))
            .map_err(|e| io("cannot open the lock in", e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = lock.read_to_string(&mut pid);
                return Err(CliError::config(format!(
                    "another `inc bot` (pid {}) runs with the state dir {}",
                    pid.trim(),
                    state_dir.display()
                ))
                .hint("run each bot with its own INC_STATE_DIR (two bots on one dir would share one sync token)"));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io("cannot lock", e)),
        }
        let _ = lock.set_len(0);
        let _ = lock.seek(SeekFrom::Start(0));
        let _ = write!(lock, "{}", std::process::id());
        let instance = instance(&dir)?;
        let store = Store {
            dir,
            _lock: lock,
            instance,
            handled: Default::default(),
            dry_run,
        };
        store.load_handled();
        Ok(store)
    }

    /// Has this command been answered (by this state dir's bot, in any run)?
    pub fn handled(&self, key: &str) -> bool {
        self.handled.borrow().contains_key(key)
    }

    /// Remembers a command as answered (appended, so a crash loses at most this line).
    pub fn mark(&self, key: &str, now: Timestamp) {
        if self
            .handled
            .borrow_mut()
            .insert(key.to_string(), now.as_second())
            .is_some()
            || self.dry_run
        {
            return;
        }
        let path = self.dir.join("handled");
        if let Ok(mut f) = OpenOptions::new().create(true).append(true).open(&path) {
            let _ = writeln!(f, "{key} {}", now.as_second());
        }
    }

    /// Reads the answered commands, forgetting the old ones (the file is rewritten without them).
    fn load_handled(&self) {
        let path = self.dir.join("handled");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let now = Timestamp::now().as_second();
        let mut map = HashMap::new();
        let mut dropped = false;
        for line in text.lines() {
            let Some((key, at)) = line.split_once(' ') else {
                dropped = true;
                continue;
            };
            match at.trim().parse::<i64>() {
                Ok(at) if now - at < REMEMBER_SECS => {
                    map.insert(key.to_string(), at);
                }
                _ => dropped = true,
            }
        }
        if dropped && !self.dry_run {
            let mut out = String::new();
            for (k, at) in &map {
                out.push_str(&format!("{k} {at}\n"));
            }
            let _ = replace(&self.dir, "handled", out.as_bytes());
        }
        *self.handled.borrow_mut() = map;
    }

    /// The saved Matrix `/sync` token, if any.
    pub fn since(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.join("matrix-since"))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    /// Saves the Matrix `/sync` token (written whole: a temp file renamed over the old one).
    pub fn save_since(&self, token: &str) -> CliResult {
        if self.dry_run {
            return Ok(());
        }
        replace(&self.dir, "matrix-since", token.as_bytes()).map_err(|e| {
            CliError::failed(format!(
                "cannot save the Matrix sync token in {}: {e}",
                self.dir.display()
            ))
        })
    }

    /// A small JSON document kept in the store (room → incident of `!ic page`, ...).
    pub fn read_json(&self, name: &str) -> serde_json::Value {
        std::fs::read(self.dir.join(name))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(serde_json::Value::Null)
    }

    pub fn write_json(&self, name: &str, v: &serde_json::Value) {
        if !self.dry_run {
            let _ = replace(&self.dir, name, &serde_json::to_vec(v).expect("json"));
        }
    }
}

/// This state dir's bot instance name: `host-xxxxxx`, made once and kept.
fn instance(dir: &Path) -> CliResult<String> {
    let path = dir.join("instance");
    if let Ok(s) = std::fs::read_to_string(&path) {
        let s = s.trim();
        if valid_instance(s) {
            return Ok(s.to_string());
        }
    }
    let host = hostname();
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let suffix: String = (0..6)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect();
    let name = if host.is_empty() {
        format!("bot-{suffix}")
    } else {
        format!("{host}-{suffix}")
    };
    replace(dir, "instance", name.as_bytes())
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display())))?;
    Ok(name)
}

fn valid_instance(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The host's name, lowercase, in `[a-z0-9-]`, at most 40 characters.
fn hostname() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let mut s: String = raw
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s.truncate(40);
    s.trim_matches('-').to_string()
}

/// Writes a small file whole: a temp file beside it, renamed over it.
fn replace(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{name}.{}", std::process::id()));
    let mut f = File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all().ok();
    drop(f);
    std::fs::rename(&tmp, dir.join(name)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bot_per_state_dir_and_its_name_stays() {
        let dir = tempfile::tempdir().unwrap();
        let a = Store::open(dir.path(), false).unwrap();
        let e = Store::open(dir.path(), false).err().expect("locked");
        assert!(e.message.contains("another `inc bot`"), "{}", e.message);
        let name = a.instance.clone();
        assert!(valid_instance(&name), "{name}");
        a.mark("k1", Timestamp::now());
        drop(a);
        let b = Store::open(dir.path(), false).unwrap();
        assert_eq!(b.instance, name);
        assert!(b.handled("k1") && !b.handled("k2"));
    }

    #[test]
    fn the_sync_token_is_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path(), false).unwrap();
        assert_eq!(s.since(), None);
        s.save_since("s72594_4483_1934").unwrap();
        assert_eq!(s.since().as_deref(), Some("s72594_4483_1934"));
    }
}

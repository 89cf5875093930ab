//! The local incident journal: one append-only JSON-lines file per incident under
//! `$INC_STATE_DIR/incidents/`, plus the current-incident pointer.
//!
//! Writers from separate processes take an exclusive file lock around each append, so entries
//! never interleave or get lost. A process killed mid-write can leave a torn last line; readers
//! skip it with a warning, and the next writer starts on a fresh line.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::model::{Event, Incident};

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("no incident '{0}' in the journal")]
    NotFound(String),
    #[error("incident journal {path}: {err}")]
    Io { path: String, err: std::io::Error },
    #[error("incident journal {0} does not start with a `declared` event")]
    Corrupt(String),
}

pub struct Journal {
    dir: PathBuf,
}

/// What reading a journal found besides the events.
#[derive(Debug, Default)]
pub struct ReadReport {
    pub skipped: Vec<(usize, String)>,
}

impl Journal {
    pub fn new(state_dir: &Path) -> Self {
        Journal {
            dir: state_dir.to_path_buf(),
        }
    }

    pub fn state_dir(&self) -> &Path {
        &self.dir
    }

    fn incidents_dir(&self) -> PathBuf {
        self.dir.join("incidents")
    }

    pub fn path(&self, id: &str) -> PathBuf {
        self.incidents_dir().join(format!("{id}.jsonl"))
    }

    /// Ids are ours (`[a-z0-9-]`); anything else names no incident (and never a path outside the dir).
    pub fn is_valid_id(id: &str) -> bool {
        !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    }

    pub fn exists(&self, id: &str) -> bool {
        Self::is_valid_id(id) && self.path(id).is_file()
    }

    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
        move |err| JournalError::Io {
            path: path.display().to_string(),
            err,
        }
    }

    /// Creates the journal of a new incident with its `declared` event.
    pub fn create(&self, id: &str, first: &Event) -> Result<(), JournalError> {
        let dir = self.incidents_dir();
        std::fs::create_dir_all(&dir).map_err(Self::io(&dir))?;
        let path = self.path(id);
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(Self::io(&path))?;
        self.append(id, first)
    }

    /// Appends one event under an exclusive lock, as a single write of one line.
    pub fn append(&self, id: &str, event: &Event) -> Result<(), JournalError> {
        let path = self.path(id);
        if !self.exists(id) {
            return Err(JournalError::NotFound(id.to_string()));
        }
        let mut line = serde_json::to_vec(event).expect("events serialize");
        line.push(b'\n');
        let mut f = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&path)
            .map_err(Self::io(&path))?;
        f.lock().map_err(Self::io(&path))?;
        // A writer killed mid-line left no newline: start ours on a fresh line so it stays whole.
        let len = f.metadata().map_err(Self::io(&path))?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            f.seek(SeekFrom::Start(len - 1)).map_err(Self::io(&path))?;
            f.read_exact(&mut last).map_err(Self::io(&path))?;
            if last[0] != b'\n' {
                line.insert(0, b'\n');
            }
        }
        f.write_all(&line).map_err(Self::io(&path))?;
        f.unlock().map_err(Self::io(&path))?;
        Ok(())
    }

    /// Reads every whole event; torn or unreadable lines are reported, not fatal.
    pub fn read(&self, id: &str) -> Result<(Vec<Event>, ReadReport), JournalError> {
        if !self.exists(id) {
            return Err(JournalError::NotFound(id.to_string()));
        }
        let path = self.path(id);
        let f = File::open(&path).map_err(Self::io(&path))?;
        f.lock_shared().map_err(Self::io(&path))?;
        let mut text = Vec::new();
        (&f).read_to_end(&mut text).map_err(Self::io(&path))?;
        drop(f);
        let mut report = ReadReport::default();
        let mut events = Vec::with_capacity(text.len() / 120);
        for (n, line) in text.split(|b| *b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Event>(line) {
                Ok(e) => events.push(e),
                Err(e) => report.skipped.push((n + 1, e.to_string())),
            }
        }
        Ok((events, report))
    }

    pub fn load(&self, id: &str) -> Result<(Incident, ReadReport), JournalError> {
        let (events, report) = self.read(id)?;
        let inc = Incident::from_events(events)
            .ok_or_else(|| JournalError::Corrupt(self.path(id).display().to_string()))?;
        Ok((inc, report))
    }

    /// Every incident id, oldest first (ids sort by time).
    pub fn list(&self) -> Result<Vec<String>, JournalError> {
        let dir = self.incidents_dir();
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(JournalError::Io {
                    path: dir.display().to_string(),
                    err: e,
                });
            }
        };
        let mut ids: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                e.file_name()
                    .to_str()?
                    .strip_suffix(".jsonl")
                    .map(str::to_string)
            })
            .filter(|id| Self::is_valid_id(id))
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// Where the last pull of an incident's shared record stopped, per provider (Slack's last
    /// message `ts`, Matrix's pagination token, PagerDuty's last log entry time). Local only.
    pub fn cursors(&self, id: &str) -> serde_json::Value {
        std::fs::read(self.dir.join("sync").join(format!("{id}.json")))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_else(|| serde_json::json!({}))
    }

    /// Saves the cursors (a temp file renamed over the old one: never half-written).
    pub fn set_cursors(&self, id: &str, cursors: &serde_json::Value) -> Result<(), JournalError> {
        let dir = self.dir.join("sync");
        std::fs::create_dir_all(&dir).map_err(Self::io(&dir))?;
        let tmp = dir.join(format!(".{id}.{}", std::process::id()));
        std::fs::write(&tmp, serde_json::to_vec(cursors).expect("json")).map_err(Self::io(&tmp))?;
        let dst = dir.join(format!("{id}.json"));
        std::fs::rename(&tmp, &dst).map_err(Self::io(&dst))
    }

    /// Appends the events the journal does not have yet (by event id); returns those appended.
    pub fn append_new(&self, id: &str, events: Vec<Event>) -> Result<Vec<Event>, JournalError> {
        let (have, _) = self.read(id)?;
        let mut known: std::collections::HashSet<String> =
            have.into_iter().filter_map(|e| e.id).collect();
        let mut added = Vec::new();
        for e in events {
            if e.id.as_ref().is_some_and(|i| !known.insert(i.clone())) {
                continue;
            }
            self.append(id, &e)?;
            added.push(e);
        }
        Ok(added)
    }

    pub fn current(&self) -> Option<String> {
        let id = std::fs::read_to_string(self.dir.join("current")).ok()?;
        let id = id.trim();
        self.exists(id).then(|| id.to_string())
    }

    /// Points `current` at an incident (write to a temp file, then rename: never half-written).
    pub fn set_current(&self, id: &str) -> Result<(), JournalError> {
        let tmp = self.dir.join(format!(".current.{}", std::process::id()));
        std::fs::write(&tmp, format!("{id}\n")).map_err(Self::io(&tmp))?;
        let dst = self.dir.join("current");
        std::fs::rename(&tmp, &dst).map_err(Self::io(&dst))
    }
}

/// A new incident id: `YYMMDD-HHMM-xxxx` in UTC. Short, sortable by time, unique enough across
/// responders (4 random base-36 characters per minute), and valid as a file and chat-channel name.
pub fn new_id(now: jiff::Timestamp) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let suffix: String = (0..4)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect();
    format!("{}-{suffix}", now.strftime("%y%m%d-%H%M"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventKind, Severity};

    fn declared(id: &str) -> Event {
        Event {
            id: None,
            at: jiff::Timestamp::UNIX_EPOCH,
            by: None,
            kind: EventKind::Declared {
                id: id.into(),
                title: "t".into(),
                severity: Severity::new(2).unwrap(),
                security: false,
                codename: None,
                drill: false,
            },
        }
    }

    #[test]
    fn torn_last_line_is_skipped_and_next_append_is_whole() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path());
        j.create("a-1", &declared("a-1")).unwrap();
        let mut f = OpenOptions::new().append(true).open(j.path("a-1")).unwrap();
        f.write_all(br#"{"at":"2026-01-01T00:00:00Z","event":"no"#)
            .unwrap();
        let (events, report) = j.read("a-1").unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(report.skipped.len(), 1);
        let note = Event {
            id: None,
            at: jiff::Timestamp::UNIX_EPOCH,
            by: None,
            kind: EventKind::Note {
                text: "x".into(),
                note_type: None,
            },
        };
        j.append("a-1", &note).unwrap();
        let (events, report) = j.read("a-1").unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(report.skipped.len(), 1);
    }

    #[test]
    fn ids_are_safe_and_sortable() {
        let t1: jiff::Timestamp = "2026-11-26T03:04:05Z".parse().unwrap();
        let t2: jiff::Timestamp = "2026-11-26T03:05:00Z".parse().unwrap();
        let (a, b) = (new_id(t1), new_id(t2));
        assert!(a.starts_with("261126-0304-"), "{a}");
        assert!(a < b);
        assert!(Journal::is_valid_id(&a));
        assert!(!Journal::is_valid_id("../etc"));
        assert!(!Journal::is_valid_id("A"));
    }
}

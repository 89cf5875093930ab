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
        self.create_all(id, std::slice::from_ref(first))
    }

    /// Creates the journal of a new incident with its first events (`declared`, then e.g. the
    /// roles given with it), written as one append: all of them, or no journal at all.
    pub fn create_all(&self, id: &str, events: &[Event]) -> Result<(), JournalError> {
        let dir = self.incidents_dir();
        std::fs::create_dir_all(&dir).map_err(Self::io(&dir))?;
        let path = self.path(id);
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(Self::io(&path))?;
        // A journal without its first event is no journal: do not leave one behind.
        self.append_all(id, events).inspect_err(|_| {
            let _ = std::fs::remove_file(&path);
        })
    }

    /// Appends one event under an exclusive lock, as a single write of one line.
    pub fn append(&self, id: &str, event: &Event) -> Result<(), JournalError> {
        self.append_all(id, std::slice::from_ref(event))
    }

    /// Appends events under one exclusive lock, as a single write of one line each: when the
    /// write fails, none of them is in the journal.
    pub fn append_all(&self, id: &str, events: &[Event]) -> Result<(), JournalError> {
        let path = self.path(id);
        if !self.exists(id) {
            return Err(JournalError::NotFound(id.to_string()));
        }
        let mut line = Vec::new();
        for event in events {
            serde_json::to_writer(&mut line, &scrub(event)).expect("events serialize");
            line.push(b'\n');
        }
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
        write_whole(&mut f, len, &line, |f, line| f.write_all(line)).map_err(Self::io(&path))?;
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
                Ok(e) if may_hold_controls(line) => events.push(scrub(&e).into_owned()),
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

    /// When this machine last pulled the incident's shared record (its cursors were saved),
    /// if it ever did.
    pub fn synced_at(&self, id: &str) -> Option<jiff::Timestamp> {
        let modified = std::fs::metadata(self.dir.join("sync").join(format!("{id}.json")))
            .and_then(|m| m.modified())
            .ok()?;
        jiff::Timestamp::try_from(modified).ok()
    }

    /// Saves the cursors (a temp file renamed over the old one: never half-written).
    pub fn set_cursors(&self, id: &str, cursors: &serde_json::Value) -> Result<(), JournalError> {
        let dir = self.dir.join("sync");
        std::fs::create_dir_all(&dir).map_err(Self::io(&dir))?;
        write_replace(
            &dir,
            &format!("{id}.json"),
            &serde_json::to_vec(cursors).expect("json"),
        )
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
        write_replace(&self.dir, "current", format!("{id}\n").as_bytes())
    }
}

/// The event with control characters (other than newline and tab: ESC and the rest that drive
/// a terminal) removed from every text in it. Text that came from a provider (a note typed into
/// PagerDuty, a Slack message, an error body) may hold terminal escapes: they neither enter the
/// journal nor leave it (a journal written before may hold some).
fn scrub(event: &Event) -> std::borrow::Cow<'_, Event> {
    fn strip(v: &mut serde_json::Value) -> bool {
        use serde_json::Value;
        let bad = |c: char| c.is_control() && c != '\n' && c != '\t';
        match v {
            Value::String(s) if s.chars().any(bad) => {
                s.retain(|c| !bad(c));
                true
            }
            Value::Array(items) => items.iter_mut().fold(false, |any, i| strip(i) | any),
            Value::Object(map) => map.values_mut().fold(false, |any, i| strip(i) | any),
            _ => false,
        }
    }
    let Ok(mut v) = serde_json::to_value(event) else {
        return std::borrow::Cow::Borrowed(event);
    };
    if !strip(&mut v) {
        return std::borrow::Cow::Borrowed(event);
    }
    serde_json::from_value(v).map_or(std::borrow::Cow::Borrowed(event), std::borrow::Cow::Owned)
}

/// [`scrub`] for an event a command will also show: one pulled from a provider.
pub fn scrubbed(event: Event) -> Event {
    match scrub(&event) {
        std::borrow::Cow::Owned(e) => e,
        std::borrow::Cow::Borrowed(_) => event,
    }
}

/// Whether a journal line may hold a control character: JSON writes C0 as `\u00XX`, DEL and
/// C1 as themselves. (A false alarm only costs a [`scrub`].)
fn may_hold_controls(line: &[u8]) -> bool {
    line.windows(4).any(|w| w == b"\\u00")
        || line
            .windows(2)
            .any(|w| w[0] == 0x7f || (w[0] == 0xc2 && (0x80..=0x9f).contains(&w[1])))
        || line.last() == Some(&0x7f)
}

/// Writes `line` at the end of `f` (which was `len` bytes long) with `write`; when that fails
/// (a full disk, a file size limit), cuts `f` back to `len`, so no half line stays behind.
fn write_whole(
    f: &mut File,
    len: u64,
    line: &[u8],
    write: impl FnOnce(&mut File, &[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write(f, line).inspect_err(|_| {
        let _ = f.set_len(len);
    })
}

/// Writes a small file whole: a temp file beside it, renamed over it; the temp file is removed
/// when the write fails.
fn write_replace(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), JournalError> {
    let tmp = dir.join(format!(".{name}.{}", std::process::id()));
    if let Err(e) = std::fs::write(&tmp, bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(JournalError::Io {
            path: tmp.display().to_string(),
            err: e,
        });
    }
    let dst = dir.join(name);
    std::fs::rename(&tmp, &dst).map_err(|err| {
        let _ = std::fs::remove_file(&tmp);
        JournalError::Io {
            path: dst.display().to_string(),
            err,
        }
    })
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
    fn a_failed_write_leaves_no_half_line() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path());
        j.create("a-1", &declared("a-1")).unwrap();
        let before = std::fs::read(j.path("a-1")).unwrap();
        let mut f = OpenOptions::new()
            .read(true)
            .append(true)
            .open(j.path("a-1"))
            .unwrap();
        let len = before.len() as u64;
        // The disk fills up half-way through the line.
        let full = write_whole(&mut f, len, b"{\"half\": \"a line\"}\n", |f, line| {
            f.write_all(&line[..7])?;
            Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "No space left on device",
            ))
        });
        assert_eq!(full.unwrap_err().kind(), std::io::ErrorKind::StorageFull);
        assert_eq!(std::fs::read(j.path("a-1")).unwrap(), before);
        let (events, report) = j.read("a-1").unwrap();
        assert_eq!((events.len(), report.skipped.len()), (1, 0));
    }

    #[test]
    fn control_characters_neither_enter_nor_leave_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path());
        j.create("a-1", &declared("a-1")).unwrap();
        let note = |text: &str| Event {
            id: None,
            at: jiff::Timestamp::UNIX_EPOCH,
            by: Some("bob\u{9b}2J".into()),
            kind: EventKind::Note {
                text: text.into(),
                note_type: None,
            },
        };
        // A note typed into a provider, pulled by sync.
        j.append(
            "a-1",
            &note("\u{1b}[2J\u{1b}]0;owned\u{7}wiped\nline\ttwo\u{7f}"),
        )
        .unwrap();
        let raw = std::fs::read_to_string(j.path("a-1")).unwrap();
        assert!(!raw.contains("\\u001b") && !raw.contains('\u{9b}'), "{raw}");
        // A journal written before holds one raw.
        let mut f = OpenOptions::new().append(true).open(j.path("a-1")).unwrap();
        let old = serde_json::to_string(&note("\u{1b}[31mred")).unwrap();
        f.write_all(format!("{old}\n").as_bytes()).unwrap();
        let (events, _) = j.read("a-1").unwrap();
        let texts: Vec<(String, Option<String>)> = events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Note { text, .. } => Some((text.clone(), e.by.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(
            texts,
            [
                (
                    "[2J]0;ownedwiped\nline\ttwo".to_string(),
                    Some("bob2J".into())
                ),
                ("[31mred".to_string(), Some("bob2J".into())),
            ]
        );
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

    /// Property tests: whatever bytes end up in a journal (a crash mid-write, a torn line, a
    /// huge line, garbage), reading never panics, every whole event is read, and a later
    /// append is whole.
    mod props {
        use super::*;
        use proptest::prelude::*;

        fn note(text: &str) -> Event {
            Event {
                id: None,
                at: jiff::Timestamp::UNIX_EPOCH,
                by: Some("tester".into()),
                kind: EventKind::Note {
                    text: text.into(),
                    note_type: None,
                },
            }
        }

        fn notes(events: &[Event]) -> Vec<String> {
            events
                .iter()
                .filter_map(|e| match &e.kind {
                    EventKind::Note { text, .. } => Some(text.clone()),
                    _ => None,
                })
                .collect()
        }

        fn raw_append(j: &Journal, id: &str, bytes: &[u8]) {
            let mut f = OpenOptions::new().append(true).open(j.path(id)).unwrap();
            f.write_all(bytes).unwrap();
        }

        #[derive(Clone, Debug)]
        enum Op {
            /// An event written by inc.
            Append(String),
            /// Bytes written by anything else (a crash, a disk error, a person).
            Garbage(Vec<u8>),
            /// The first `cut` bytes of an event's line: a writer killed mid-write.
            Torn(String, usize),
        }

        /// Note text: anything, or text full of terminal escapes.
        fn text() -> impl Strategy<Value = String> {
            prop_oneof![
                any::<String>(),
                proptest::collection::vec(
                    prop_oneof![
                        Just("\u{1b}[31m".to_string()),
                        Just("\u{7}\u{7f}\u{9b}\r".to_string()),
                        Just("\n\t".to_string()),
                        "[a-z]{0,4}",
                    ],
                    0..8
                )
                .prop_map(|v| v.concat()),
            ]
        }

        /// What the journal keeps of a text: all but control characters (newline, tab stay).
        fn kept(t: &str) -> String {
            t.chars()
                .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
                .collect()
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                text().prop_map(Op::Append),
                proptest::collection::vec(any::<u8>(), 0..300).prop_map(Op::Garbage),
                proptest::collection::vec(
                    prop_oneof![Just(b'\n'), Just(b'{'), Just(b'"'), Just(b'}'), any::<u8>()],
                    0..60
                )
                .prop_map(Op::Garbage),
                (text(), any::<usize>()).prop_map(|(t, cut)| Op::Torn(t, cut)),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(96))]

            #[test]
            fn whole_events_survive_whatever_is_around_them(
                ops in proptest::collection::vec(op(), 0..20)
            ) {
                let dir = tempfile::tempdir().unwrap();
                let j = Journal::new(dir.path());
                j.create("p-1", &declared("p-1")).unwrap();
                let mut want: Vec<String> = Vec::new();
                for op in ops {
                    match op {
                        Op::Append(t) => {
                            j.append("p-1", &note(&t)).unwrap();
                            want.push(kept(&t));
                        }
                        // Garbage right after a torn line can complete it into a valid event
                        // (`{"event":"note","text":"` + `"}`): that is a new event, not a lost
                        // one. Garbage on a line of its own must never become one.
                        Op::Garbage(b) => {
                            let mut line = vec![b'\n'];
                            line.extend(b.iter().filter(|c| **c != b'\n'));
                            line.push(b'\n');
                            raw_append(&j, "p-1", &line)
                        }
                        Op::Torn(t, cut) => {
                            let line = serde_json::to_vec(&note(&t)).unwrap();
                            raw_append(&j, "p-1", &line[..cut % line.len()]);
                        }
                    }
                    let (events, _) = j.read("p-1").unwrap();
                    prop_assert_eq!(notes(&events), want.clone());
                }
                // The journal is still an incident, and the next append is read back whole.
                j.append("p-1", &note("after")).unwrap();
                want.push("after".into());
                let (inc, _) = j.load("p-1").unwrap();
                prop_assert_eq!(inc.id.as_str(), "p-1");
                let (events, _) = j.read("p-1").unwrap();
                prop_assert_eq!(notes(&events), want);
            }

            #[test]
            fn any_file_reads_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
                let dir = tempfile::tempdir().unwrap();
                let j = Journal::new(dir.path());
                std::fs::create_dir_all(j.incidents_dir()).unwrap();
                std::fs::write(j.path("p-2"), &bytes).unwrap();
                let _ = j.read("p-2").unwrap();
                let _ = j.load("p-2");
                // Appending to it still adds one whole event.
                j.append("p-2", &note("whole")).unwrap();
                let (events, _) = j.read("p-2").unwrap();
                prop_assert_eq!(notes(&events).last().cloned(), Some("whole".to_string()));
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(6))]

            /// Lines of megabytes: a huge garbage line and a huge note, then a small note.
            #[test]
            fn huge_lines_are_read_or_skipped_whole(
                fill in any::<u8>(),
                garbage in 1_000_000usize..3_000_000,
                text_len in 500_000usize..1_500_000,
            ) {
                let dir = tempfile::tempdir().unwrap();
                let j = Journal::new(dir.path());
                j.create("p-3", &declared("p-3")).unwrap();
                raw_append(&j, "p-3", &vec![fill; garbage]);
                let big = "é".repeat(text_len / 2);
                j.append("p-3", &note(&big)).unwrap();
                j.append("p-3", &note("small")).unwrap();
                let (events, _) = j.read("p-3").unwrap();
                prop_assert_eq!(notes(&events), vec![big, "small".to_string()]);
            }
        }
    }
}

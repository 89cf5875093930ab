//! Deliveries that could not be delivered, kept on disk (`$INC_STATE_DIR/outbox/*.json`) until
//! `inc outbox retry` delivers them or the user drops them. One file per dedup key, so a
//! failed action that fails again updates its entry instead of adding a second one.
//!
//! Entries keep the order they were queued in (`seq`), and an entry may wait behind another
//! (`after`): a post to a room whose creation is itself still in the outbox. [`down`] keeps the
//! providers that are down.

pub mod down;

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::providers::Delivery;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub delivery: Delivery,
    pub error: String,
    pub attempts: u32,
    pub first_failed_at: Timestamp,
    pub last_tried_at: Timestamp,
    /// When it was first queued, in nanoseconds of the machine's clock (never `INC_NOW`): the
    /// order `inc outbox retry` delivers in. 0 in entries written before it existed.
    #[serde(default)]
    pub seq: u64,
    /// The dedup key of the delivery this one waits behind: the creation of the room it posts
    /// to. Delivered only after that one, into the room it made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl Entry {
    /// The order entries go out in: as queued (older entries by their first failure).
    fn order(&self) -> (i128, &str) {
        let queued = if self.seq > 0 {
            i128::from(self.seq)
        } else {
            self.first_failed_at.as_nanosecond()
        };
        (queued, &self.id)
    }
}

/// Nanoseconds since the epoch on this machine's clock, strictly increasing within a process.
fn next_seq() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(last + 1);
        match LAST.compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

pub struct Outbox {
    dir: PathBuf,
}

/// A short, stable id for a dedup key (FNV-1a, 64-bit, hex).
pub fn entry_id(dedup_key: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in dedup_key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")[..12].to_string()
}

impl Outbox {
    pub fn new(state_dir: &Path) -> Self {
        Outbox {
            dir: state_dir.join("outbox"),
        }
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Parks a delivery; returns its entry id.
    pub fn put(
        &self,
        d: &Delivery,
        error: &str,
        attempts: u32,
        now: Timestamp,
    ) -> std::io::Result<String> {
        self.put_after(d, error, attempts, now, None)
    }

    /// Parks a delivery that waits behind the delivery whose dedup key is `after` (kept from an
    /// earlier entry of the same key when `None`); returns its entry id. An entry updated in
    /// place keeps its place in the order.
    pub fn put_after(
        &self,
        d: &Delivery,
        error: &str,
        attempts: u32,
        now: Timestamp,
        after: Option<&str>,
    ) -> std::io::Result<String> {
        std::fs::create_dir_all(&self.dir)?;
        let id = entry_id(&d.dedup_key);
        let previous = self.get(&id);
        let entry = Entry {
            id: id.clone(),
            delivery: d.clone(),
            error: error.to_string(),
            attempts: attempts + previous.as_ref().map_or(0, |p| p.attempts),
            first_failed_at: previous.as_ref().map_or(now, |p| p.first_failed_at),
            last_tried_at: now,
            seq: previous
                .as_ref()
                .map(|p| p.seq)
                .filter(|s| *s > 0)
                .unwrap_or_else(next_seq),
            after: after
                .map(str::to_string)
                .or_else(|| previous.and_then(|p| p.after)),
        };
        let tmp = self.dir.join(format!(".{id}.{}.tmp", std::process::id()));
        std::fs::write(
            &tmp,
            serde_json::to_vec_pretty(&entry).expect("entries serialize"),
        )?;
        std::fs::rename(&tmp, self.path(&id))?;
        Ok(id)
    }

    pub fn get(&self, id: &str) -> Option<Entry> {
        if !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let text = std::fs::read(self.path(id)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Every entry, in the order they were queued.
    pub fn list(&self) -> Vec<Entry> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut entries: Vec<Entry> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let id = name.strip_suffix(".json")?;
                self.get(id)
            })
            .collect();
        entries.sort_by(|a, b| a.order().cmp(&b.order()));
        entries
    }

    /// The entry holding the delivery with this dedup key.
    pub fn by_key(&self, dedup_key: &str) -> Option<Entry> {
        self.get(&entry_id(dedup_key))
    }

    /// The creation of one of an incident's places (`create_channel`, `create_room`) while it
    /// waits here: what a post to that place must wait behind.
    pub fn pending_creation(&self, incident: &str, provider: &str, action: &str) -> Option<Entry> {
        self.list().into_iter().find(|e| {
            let d = &e.delivery;
            d.incident.as_deref() == Some(incident) && d.provider == provider && d.action == action
        })
    }

    pub fn remove(&self, id: &str) -> std::io::Result<bool> {
        match std::fs::remove_file(self.path(id)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

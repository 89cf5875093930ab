//! Deliveries that could not be delivered, kept on disk (`$INC_STATE_DIR/outbox/*.json`) until
//! `inc outbox retry` delivers them or the user drops them. One file per dedup key, so a
//! failed action that fails again updates its entry instead of adding a second one.

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
        std::fs::create_dir_all(&self.dir)?;
        let id = entry_id(&d.dedup_key);
        let previous = self.get(&id);
        let entry = Entry {
            id: id.clone(),
            delivery: d.clone(),
            error: error.to_string(),
            attempts: attempts + previous.as_ref().map_or(0, |p| p.attempts),
            first_failed_at: previous.map_or(now, |p| p.first_failed_at),
            last_tried_at: now,
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

    /// Every entry, oldest failure first.
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
        entries.sort_by_key(|e| (e.first_failed_at, e.id.clone()));
        entries
    }

    pub fn remove(&self, id: &str) -> std::io::Result<bool> {
        match std::fs::remove_file(self.path(id)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

//! The public incident (the status page post of `inc comms`) as the journal knows it: its
//! stages and the fold of `comms` events into it. Pure state; `flows::comms` does the posting.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Event, EventKind};

/// A stage of the public incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// First post: an investigation is under way (within 5 minutes of the call starting).
    Investigating,
    /// Scope and cause known: impact, affected components and regions.
    Identified,
    /// A fix is out; watching that it holds.
    Monitoring,
    /// Full recovery confirmed by the IC.
    Resolved,
    /// False alarm: remove the ephemeral post (or close it, with a message or --close).
    Retract,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Investigating => "investigating",
            Stage::Identified => "identified",
            Stage::Monitoring => "monitoring",
            Stage::Resolved => "resolved",
            Stage::Retract => "retract",
        }
    }

    /// The Statuspage incident status a post of this stage sets.
    pub fn status(self) -> &'static str {
        match self {
            Stage::Retract => "resolved",
            s => s.as_str(),
        }
    }

    /// Does the public incident stay open after a post of this stage?
    pub fn is_open(self) -> bool {
        !matches!(self, Stage::Resolved | Stage::Retract)
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The public incident of an inc incident, folded from its `comms` events.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PublicIncident {
    /// The Statuspage incident id (none when posted by hand, without a status page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub stage: Stage,
    pub first_posted_at: Timestamp,
    pub last_posted_at: Timestamp,
    /// Posts so far, the first included.
    pub posts: usize,
    /// Component name → the status last posted.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub components: BTreeMap<String, String>,
}

impl PublicIncident {
    pub fn is_open(&self) -> bool {
        self.stage.is_open()
    }
}

/// Folds one `comms` event into the incident's public incident (called by `Incident::apply`).
pub fn apply(public: &mut Option<PublicIncident>, e: &Event) {
    let EventKind::Comms {
        stage,
        public_id,
        url,
        components,
        ..
    } = &e.kind
    else {
        return;
    };
    match public {
        Some(p) if p.is_open() || *stage == Stage::Retract => {
            p.stage = *stage;
            p.last_posted_at = e.at;
            p.posts += 1;
            if public_id.is_some() {
                p.id = public_id.clone();
            }
            if url.is_some() {
                p.url = url.clone();
            }
            p.components.extend(components.clone());
        }
        _ => {
            *public = Some(PublicIncident {
                id: public_id.clone(),
                url: url.clone(),
                stage: *stage,
                first_posted_at: e.at,
                last_posted_at: e.at,
                posts: 1,
                components: components.clone(),
            })
        }
    }
}

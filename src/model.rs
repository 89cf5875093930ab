//! The incident data model: severities, roles, journal events, and the incident derived from them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

mod change;
mod public;
pub mod wire;
pub use change::{Change, MAX_SUMMARY, first_url, one_line, safe_url, slack_plain};
pub use public::{PublicIncident, Stage};

/// SEV-1 (most severe) .. SEV-5. Ordered so that `SEV-1 < SEV-2`: "raising" means a smaller number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Severity(u8);

impl Severity {
    pub const DEFAULT_UNSURE: Severity = Severity(2);
    pub fn new(n: u8) -> Option<Self> {
        (1..=5).contains(&n).then_some(Severity(n))
    }
    pub fn number(self) -> u8 {
        self.0
    }
    /// A major incident in PagerDuty's process (SEV-1 and SEV-2 page the IC and brief executives).
    pub fn is_major(self) -> bool {
        self.0 <= 2
    }
    pub fn all() -> impl Iterator<Item = Severity> {
        (1..=5).map(Severity)
    }
    /// One line from PagerDuty's severity table, shown when choosing.
    pub fn describe(self) -> &'static str {
        match self.0 {
            1 => {
                "critical: customer-facing service down for most customers, data loss or security exposure"
            }
            2 => {
                "major: customer-facing service down for a subset, or a critical function degraded"
            }
            3 => "minor: stability or minor customer impact; fix soon, no call needed",
            4 => "low: no customer impact, fix during business hours",
            _ => "cosmetic or informational",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SEV-{}", self.0)
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let digits = t
            .strip_prefix("sev")
            .map(|r| r.trim_start_matches(['-', '_', ' ']))
            .unwrap_or(&t);
        digits
            .parse::<u8>()
            .ok()
            .and_then(Severity::new)
            .ok_or_else(|| format!("invalid severity '{s}': use 1..5 or SEV-1..SEV-5"))
    }
}

impl TryFrom<String> for Severity {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Severity> for String {
    fn from(s: Severity) -> String {
        s.to_string()
    }
}

/// The roles of PagerDuty's process.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Incident Commander: the single decision maker.
    Ic,
    /// Deputy: backs up the IC, keeps time, handles side tasks.
    Deputy,
    /// Scribe: keeps the timeline.
    Scribe,
    /// Customer Liaison: public status updates.
    Cl,
    /// Internal Liaison: executive and internal updates.
    Il,
    /// Subject Matter Expert (several may be assigned).
    Sme,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Ic => "IC",
            Role::Deputy => "Deputy",
            Role::Scribe => "Scribe",
            Role::Cl => "Customer Liaison",
            Role::Il => "Internal Liaison",
            Role::Sme => "SME",
        }
    }
    /// Every role but SME has one holder at a time.
    pub fn single_holder(self) -> bool {
        self != Role::Sme
    }
    pub fn all() -> [Role; 6] {
        [
            Role::Ic,
            Role::Deputy,
            Role::Scribe,
            Role::Cl,
            Role::Il,
            Role::Sme,
        ]
    }
}

/// The kind of a scribe's note.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum NoteType {
    Action,
    Decision,
    Status,
    Callout,
}

impl NoteType {
    pub fn label(self) -> &'static str {
        match self {
            NoteType::Action => "ACTION",
            NoteType::Decision => "DECISION",
            NoteType::Status => "STATUS",
            NoteType::Callout => "CALLOUT",
        }
    }
}

/// One line of an incident's journal.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Event {
    /// The event's own id, the same on every machine and in every provider that carries it
    /// (Slack metadata, Matrix content, the PagerDuty note marker): what merging dedups by.
    /// Events written before team mode have none.
    #[serde(rename = "event_id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub at: Timestamp,
    /// Who did it: the responder's identity (SPEC's order), or a provider's user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The typed events from which an incident is derived.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// `inc page-ic` before any incident was declared: an incident in state `paging`, which a
    /// later `inc declare` adopts.
    Paging {
        id: String,
        message: String,
        /// A drill's IC page (`INC_DRILL=1 inc page-ic`): the incident it opens is a drill.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        drill: bool,
    },
    Declared {
        id: String,
        title: String,
        severity: Severity,
        #[serde(default)]
        security: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        codename: Option<String>,
        /// A practice incident (`inc declare --drill`, SPEC "Drills"); journals written before
        /// drills existed read as `false`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        drill: bool,
    },
    Role {
        role: Role,
        person: String,
    },
    Severity {
        severity: Severity,
        #[serde(default, rename = "final")]
        is_final: bool,
    },
    Note {
        text: String,
        #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
        note_type: Option<NoteType>,
    },
    Todo {
        text: String,
    },
    /// An exec update was sent (or shown, with no chat provider configured).
    ExecUpdate {
        summary: String,
    },
    /// A provider write and its outcome; keeps the provider's reference (incident id, channel, ts).
    Delivery {
        provider: String,
        action: String,
        target: String,
        ok: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dedup_key: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
    },
    Resolved {
        severity: Severity,
    },
    /// Someone acknowledged a page in the pager (seen by `inc status`); `at` is the pager's time.
    Acknowledged {
        provider: String,
        /// Who acknowledged (not `by`: that is the journal's own field, who ran inc).
        who: String,
        /// The pager's incident id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        incident: Option<String>,
    },
    /// Something that happened in the pager outside inc (a PagerDuty log entry: triggered,
    /// assigned, escalated, resolved), at the pager's time.
    Pager {
        provider: String,
        /// `triggered`, `assigned`, `escalated`, `resolved`, ...
        action: String,
        /// The pager's own words.
        summary: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        incident: Option<String>,
    },
    /// A place that carries the incident (the PagerDuty incident, the Slack channel, the Matrix
    /// room), published so that another responder's `inc attach` finds the others. A
    /// declaration names its places before they exist (nothing waits for them to be opened):
    /// then only `name` is known, and each machine learns the id when it first reads the place.
    Linked {
        provider: String,
        /// The provider's id: PagerDuty incident id, Slack channel id, Matrix room id; empty
        /// while the place is known by its name only.
        #[serde(rename = "ref", default, skip_serializing_if = "String::is_empty")]
        reference: String,
        /// What finds the place before its id is known: the Slack channel's `#name`, the
        /// Matrix room's alias (`#localpart` on the team's homeserver, or `#alias:server`),
        /// the PagerDuty incident key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
    },
    /// A pager's copy of an event inc mirrored there (a PagerDuty or Opsgenie note that ends in
    /// the event's marker): only its text, under the event's id. It stands in for the event
    /// until a complete copy arrives (the chat metadata carries the kind and every field), and
    /// shows as a note when none ever does. Never published: it is how a pager note was read.
    Mirrored {
        provider: String,
        text: String,
    },
    /// What `inc status --watch --post` posted to the incident room; its id comes from its
    /// text, so a second watcher that sees the same change does not post it again.
    Posted {
        text: String,
    },
    /// A public status-page post (`inc comms`): the "went public" moment of the timeline.
    Comms {
        stage: Stage,
        message: String,
        /// The status-page incident (none when there is no status page to post to).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        public_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        /// Component name → status posted with it.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        components: BTreeMap<String, String>,
    },
    /// The post-mortem was written (a file) or published (a page or an issue).
    Postmortem {
        /// The file's absolute path, or the page or issue URL.
        path_or_url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        /// `file`, `confluence` or `github`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<String>,
        /// Digest of the file as inc wrote it, to tell an edited file from an untouched one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        digest: Option<String>,
    },
    /// An affected service (`inc declare --service NAME`, `inc service add NAME`): a name of
    /// `[changes.services]`, whose changes `inc changes` and `inc status` show.
    Service {
        name: String,
    },
    /// `inc changes --cite N`: a change recorded as a suspected cause, which the post-mortem
    /// lists under contributing factors (and at its own time in the timeline).
    SuspectedCause {
        change: Change,
    },
}

/// A TODO from the timeline.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Todo {
    pub number: usize,
    pub at: Timestamp,
    pub text: String,
}

/// The state of an incident, folded from its journal.
#[derive(Clone, Debug, Serialize)]
pub struct Incident {
    pub id: String,
    /// `paging` (an IC page, nothing declared yet), `open` or `resolved`.
    pub state: &'static str,
    pub title: String,
    pub security: bool,
    /// A practice incident (SPEC "Drills"): `[DRILL]` on everything sent, nobody outside the
    /// drill paged or notified, the status page and the social accounts never touched.
    pub drill: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    pub severity: Severity,
    /// The worst severity reached.
    pub worst_severity: Severity,
    pub declared_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Timestamp>,
    pub roles: BTreeMap<Role, Vec<String>>,
    /// When the current IC took over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ic_since: Option<Timestamp>,
    pub severity_history: Vec<(Timestamp, Severity)>,
    pub todos: Vec<Todo>,
    pub notes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_exec_update: Option<Timestamp>,
    /// The public status-page incident, once something was posted (`inc comms`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public: Option<PublicIncident>,
    /// The newest post-mortem link (`inc postmortem new`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postmortem: Option<PostmortemLink>,
    /// Provider references, newest last: `(provider, action) -> (id, url)`.
    pub refs: Vec<ProviderRef>,
    /// Places that carry the incident whose provider id is known (`linked` events, ours and
    /// other responders'), each once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub linked: Vec<Linked>,
    /// The affected services, in the order they were named (each once).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// The changes cited as suspected causes (each change once, however often it was cited).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suspected_causes: Vec<Cited>,
    /// Places announced by name whose id this machine has not learned yet (a declaration names
    /// its channel, room and PagerDuty incident key before they exist).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub named: Vec<Linked>,
    #[serde(skip)]
    pub events: Vec<Event>,
}

/// A change cited as a suspected cause: the change, and who cited it when.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Cited {
    pub change: Change,
    pub cited_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cited_by: Option<String>,
}

/// Where the post-mortem is, and who owns it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PostmortemLink {
    pub path_or_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub at: Timestamp,
}

/// A place that carries the incident.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Linked {
    pub provider: String,
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProviderRef {
    pub provider: String,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Incident {
    /// Folds a journal: the events of every responder, each once (by event id), in the order
    /// they happened (UTC; ties keep the journal's order). The incident starts with its
    /// `declared` event, or with the `paging` of an IC page that a later `declared` adopts.
    pub fn from_events(events: Vec<Event>) -> Option<Incident> {
        let events = merge(events);
        let start = events
            .iter()
            .position(|e| matches!(e.kind, EventKind::Declared { .. }))
            .or_else(|| {
                events
                    .iter()
                    .position(|e| matches!(e.kind, EventKind::Paging { .. }))
            })?;
        let first = &events[start];
        let (id, title, severity, security, codename, state, drill) = match &first.kind {
            EventKind::Declared {
                id,
                title,
                severity,
                security,
                codename,
                drill,
            } => (
                id,
                title.clone(),
                *severity,
                *security,
                codename.clone(),
                "open",
                *drill,
            ),
            EventKind::Paging { id, message, drill } => (
                id,
                message.clone(),
                Severity::DEFAULT_UNSURE,
                false,
                None,
                "paging",
                *drill,
            ),
            _ => return None,
        };
        let began = events
            .iter()
            .find(|e| matches!(e.kind, EventKind::Paging { .. }))
            .map_or(first.at, |p| p.at.min(first.at));
        let mut inc = Incident {
            id: id.clone(),
            state,
            title,
            security,
            drill,
            codename,
            severity,
            worst_severity: severity,
            declared_at: if state == "paging" { began } else { first.at },
            resolved_at: None,
            roles: BTreeMap::new(),
            ic_since: None,
            severity_history: vec![(first.at, severity)],
            todos: Vec::new(),
            notes: 0,
            last_exec_update: None,
            public: None,
            postmortem: None,
            refs: Vec::new(),
            linked: Vec::new(),
            services: Vec::new(),
            suspected_causes: Vec::new(),
            named: Vec::new(),
            events: Vec::new(),
        };
        for (i, e) in events.iter().enumerate() {
            if i != start {
                inc.apply(e);
            }
        }
        let linked = &inc.linked;
        inc.named.retain(|n| {
            !linked
                .iter()
                .any(|l| l.provider == n.provider && l.name.is_some() && l.name == n.name)
        });
        inc.events = events;
        Some(inc)
    }

    fn apply(&mut self, e: &Event) {
        match &e.kind {
            EventKind::Declared { .. } | EventKind::Paging { .. } => {}
            EventKind::Pager { .. } | EventKind::Posted { .. } => {}
            EventKind::Linked {
                provider,
                reference,
                name,
                url,
            } => {
                let place = Linked {
                    provider: provider.clone(),
                    reference: reference.clone(),
                    name: name.clone(),
                    url: url.clone(),
                };
                if reference.is_empty() {
                    if name.is_some()
                        && !self
                            .named
                            .iter()
                            .any(|l| &l.provider == provider && &l.name == name)
                    {
                        self.named.push(place);
                    }
                } else if let Some(l) = self
                    .linked
                    .iter_mut()
                    .find(|l| &l.provider == provider && &l.reference == reference)
                {
                    // Each copy may know more of the same place.
                    if l.name.is_none() {
                        l.name = name.clone();
                    }
                    if l.url.is_none() {
                        l.url = url.clone();
                    }
                } else {
                    self.linked.push(place);
                }
            }
            EventKind::Role { role, person } => {
                if *role == Role::Ic {
                    // The IC holds no other role.
                    for holders in self.roles.values_mut() {
                        holders.retain(|p| p != person);
                    }
                    self.ic_since = Some(e.at);
                }
                let holders = self.roles.entry(*role).or_default();
                if role.single_holder() {
                    holders.clear();
                }
                if !holders.contains(person) {
                    holders.push(person.clone());
                }
            }
            EventKind::Severity { severity, is_final } => {
                // Merged from several responders, the severity is the highest raised; only a
                // final severity may set it lower.
                let next = if *is_final {
                    *severity
                } else {
                    self.severity.min(*severity)
                };
                if next != self.severity || *is_final {
                    self.severity_history.push((e.at, next));
                }
                self.severity = next;
                self.worst_severity = self.worst_severity.min(*severity);
            }
            EventKind::Note { .. } | EventKind::Mirrored { .. } => self.notes += 1,
            EventKind::Todo { text } => self.todos.push(Todo {
                number: self.todos.len() + 1,
                at: e.at,
                text: text.clone(),
            }),
            EventKind::ExecUpdate { .. } => self.last_exec_update = Some(e.at),
            EventKind::Delivery {
                provider,
                action,
                ok: true,
                id,
                url,
                ..
            } => {
                // A post-mortem published later by `inc outbox retry` still becomes the link.
                if action == "publish_postmortem"
                    && let Some(u) = url
                    && self.postmortem.as_ref().is_none_or(|p| &p.path_or_url != u)
                {
                    self.postmortem = Some(PostmortemLink {
                        path_or_url: u.clone(),
                        owner: self.postmortem.as_ref().and_then(|p| p.owner.clone()),
                        at: e.at,
                    });
                }
                self.refs.push(ProviderRef {
                    provider: provider.clone(),
                    action: action.clone(),
                    id: id.clone(),
                    url: url.clone(),
                })
            }
            EventKind::Postmortem {
                path_or_url, owner, ..
            } => {
                let owner = owner
                    .clone()
                    .or_else(|| self.postmortem.as_ref().and_then(|p| p.owner.clone()));
                self.postmortem = Some(PostmortemLink {
                    path_or_url: path_or_url.clone(),
                    owner,
                    at: e.at,
                });
            }
            EventKind::Delivery { .. } | EventKind::Acknowledged { .. } => {}
            EventKind::Service { name } => {
                if !self.services.contains(name) {
                    self.services.push(name.clone());
                }
            }
            EventKind::SuspectedCause { change } => {
                // Two responders may cite the same change: it is one contributing factor.
                if !self
                    .suspected_causes
                    .iter()
                    .any(|c| c.change.id == change.id)
                {
                    self.suspected_causes.push(Cited {
                        change: change.clone(),
                        cited_at: e.at,
                        cited_by: e.by.clone(),
                    });
                }
            }
            EventKind::Comms { .. } => public::apply(&mut self.public, e),
            EventKind::Resolved { .. } if self.resolved_at.is_some() => {}
            EventKind::Resolved { severity } => {
                self.resolved_at = Some(e.at);
                self.state = "resolved";
                if *severity != self.severity {
                    self.severity_history.push((e.at, *severity));
                }
                self.severity = *severity;
                self.worst_severity = self.worst_severity.min(*severity);
            }
        }
    }

    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }

    pub fn state(&self) -> &'static str {
        self.state
    }

    /// An IC page that nothing has declared yet.
    pub fn is_paging(&self) -> bool {
        self.state == "paging"
    }

    pub fn holder(&self, role: Role) -> Option<&str> {
        self.roles
            .get(&role)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    /// The roles a person holds.
    pub fn roles_of(&self, person: &str) -> Vec<Role> {
        self.roles
            .iter()
            .filter(|(_, who)| who.iter().any(|p| p == person))
            .map(|(r, _)| *r)
            .collect()
    }

    /// The name to use where the incident is visible to many (chat): the codename of a security incident.
    pub fn public_name(&self) -> &str {
        self.codename.as_deref().unwrap_or(&self.title)
    }

    /// The newest successful delivery reference of a provider action.
    pub fn find_ref(&self, provider: &str, action: &str) -> Option<&ProviderRef> {
        self.refs
            .iter()
            .rev()
            .find(|r| r.provider == provider && r.action == action)
    }
}

/// How complete a copy of an event is, when the same event arrives from several places: a
/// pager's copy (its text only) is the poorest; a note may be a copy an older inc made of a
/// pager's note; every other kind is the event itself (published with its kind and fields).
/// A known kind never turns into a note.
pub fn completeness(e: &Event) -> u8 {
    match e.kind {
        EventKind::Mirrored { .. } => 0,
        EventKind::Note { .. } => 1,
        _ => 2,
    }
}

/// Every event once, by its id, as journaled: the most complete copy, the last of equally
/// complete ones (a later copy is a repair: `inc attach` appends the exact copy it read over
/// one an older inc wrote), at the place of the first copy, so the journal's order holds.
/// Events without an id are kept as they are.
pub fn winners(events: Vec<Event>) -> Vec<Event> {
    let places: Vec<Option<(usize, usize)>> = {
        let best = best_copies(&events);
        events
            .iter()
            .map(|e| e.id.as_deref().and_then(|id| best.get(id)).copied())
            .collect()
    };
    let mut slots: Vec<Option<Event>> = events.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    for (i, place) in places.into_iter().enumerate() {
        match place {
            None => out.extend(slots[i].take()),
            Some((first, winner)) if first == i => out.extend(slots[winner].take()),
            Some(_) => {}
        }
    }
    out
}

/// For each event id: where its first copy is, and where its most complete copy is (the last
/// of equally complete ones).
fn best_copies(events: &[Event]) -> std::collections::HashMap<&str, (usize, usize)> {
    let mut best: std::collections::HashMap<&str, (usize, usize)> = Default::default();
    for (i, e) in events.iter().enumerate() {
        let Some(id) = e.id.as_deref() else { continue };
        match best.get_mut(id) {
            Some((_, w)) if completeness(&events[*w]) > completeness(e) => {}
            Some((_, w)) => *w = i,
            None => {
                best.insert(id, (i, i));
            }
        }
    }
    best
}

/// The events, each once ([`winners`]), as people read them, ordered by time (the sort is
/// stable: events at the same instant keep the journal's order). A pager's copy that no
/// complete copy replaced reads as a note by its pager author, but the bookkeeping notes of
/// older incs ("Where this incident is: …") never show.
pub fn merge(events: Vec<Event>) -> Vec<Event> {
    let mut out: Vec<Event> = winners(events).into_iter().filter_map(as_read).collect();
    out.sort_by_key(|e| e.at);
    out
}

/// An event as people read it: a pager's copy becomes the note it stands in for, and a
/// bookkeeping note of an older inc nothing at all.
pub fn as_read(e: Event) -> Option<Event> {
    match e.kind {
        EventKind::Mirrored { text, .. } | EventKind::Note { text, .. }
            if text.starts_with(LEGACY_PLACES_NOTE) =>
        {
            None
        }
        EventKind::Mirrored { text, .. } => Some(Event {
            kind: EventKind::Note {
                text,
                note_type: None,
            },
            ..e
        }),
        _ => Some(e),
    }
}

/// How the note an older `inc declare` posted after the declaration began (its places, now
/// named in the declaration itself): bookkeeping, never a timeline note.
pub const LEGACY_PLACES_NOTE: &str = "Where this incident is: ";

/// Of `incoming` (copies read from the shared record), those that add to `have` (the journal):
/// an event it lacks, or a more complete copy of one it has. With `repair` (a fresh `inc
/// attach`), also an exact copy (anything but a pager's) that differs from the one the journal
/// keeps: an older inc may have kept a pager's copy as a note. Each at most once.
pub fn additions(have: &[Event], incoming: Vec<Event>, repair: bool) -> Vec<Event> {
    let kept = best_copies(have);
    winners(incoming)
        .into_iter()
        .filter(|e| {
            let Some(id) = e.id.as_deref() else {
                return false;
            };
            match kept.get(id).map(|(_, w)| &have[*w]) {
                None => true,
                Some(k) if completeness(e) > completeness(k) => true,
                Some(k) => {
                    repair && completeness(e) > 0 && completeness(e) == completeness(k) && k != e
                }
            }
        })
        .collect()
}

/// A new event id: 12 base-36 characters, unique across responders.
pub fn new_event_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    (0..12)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_parses_both_spellings() {
        for s in ["1", "SEV-1", "sev1", "Sev-1", " SEV 1 "] {
            assert_eq!(s.parse::<Severity>().unwrap(), Severity(1), "{s}");
        }
        for s in ["0", "6", "SEV-", "high", ""] {
            assert!(s.parse::<Severity>().is_err(), "{s}");
        }
        assert!(Severity(1) < Severity(2));
    }

    #[test]
    fn events_round_trip_with_the_journal_by_field() {
        // A variant field named like Event's own (`by`) would be swallowed by the flatten.
        for kind in [
            EventKind::Acknowledged {
                provider: "pagerduty".into(),
                who: "Ann".into(),
                incident: Some("P1".into()),
            },
            EventKind::Note {
                text: "t".into(),
                note_type: Some(NoteType::Action),
            },
            EventKind::Resolved {
                severity: Severity(2),
            },
        ] {
            let e = Event {
                id: None,
                at: Timestamp::UNIX_EPOCH,
                by: Some("scribe".into()),
                kind,
            };
            let line = serde_json::to_string(&e).unwrap();
            assert_eq!(serde_json::from_str::<Event>(&line).unwrap(), e, "{line}");
        }
    }

    #[test]
    fn drills_are_marked_and_old_journals_read_as_real_incidents() {
        let old = r#"{"event_id":"e1","at":"2026-11-26T03:04:05Z","event":"declared","id":"x","title":"t","severity":"SEV-2"}"#;
        let e: Event = serde_json::from_str(old).unwrap();
        let inc = Incident::from_events(vec![e.clone()]).unwrap();
        assert!(!inc.drill);
        // A real incident's line is written as before; a drill's carries the flag.
        assert!(!serde_json::to_string(&e).unwrap().contains("drill"));
        let mut d = e;
        if let EventKind::Declared { drill, .. } = &mut d.kind {
            *drill = true;
        }
        let line = serde_json::to_string(&d).unwrap();
        assert!(line.contains(r#""drill":true"#), "{line}");
        let back: Event = serde_json::from_str(&line).unwrap();
        assert!(Incident::from_events(vec![back]).unwrap().drill);
    }

    fn at(secs: i64, id: &str, by: &str, kind: EventKind) -> Event {
        Event {
            id: Some(id.into()),
            at: Timestamp::from_second(secs).unwrap(),
            by: Some(by.into()),
            kind,
        }
    }

    fn declared() -> Event {
        at(
            0,
            "decl",
            "ann",
            EventKind::Declared {
                id: "x".into(),
                title: "t".into(),
                severity: Severity(2),
                security: false,
                codename: None,
                drill: false,
            },
        )
    }

    fn pager_copy(secs: i64, id: &str, text: &str) -> Event {
        at(
            secs,
            id,
            "IC Bot",
            EventKind::Mirrored {
                provider: "pagerduty".into(),
                text: text.into(),
            },
        )
    }

    #[test]
    fn the_richest_copy_wins_whichever_place_was_read_first() {
        let todo = at(
            10,
            "t1",
            "bob",
            EventKind::Todo {
                text: "Page DB".into(),
            },
        );
        let role = at(
            11,
            "r1",
            "bob",
            EventKind::Role {
                role: Role::Scribe,
                person: "carol".into(),
            },
        );
        // The pager's copies first (attached by the PagerDuty link), then the chat's.
        let events = vec![
            declared(),
            pager_copy(12, "t1", "TODO: Page DB"),
            pager_copy(13, "r1", "carol is now Scribe"),
            todo.clone(),
            role.clone(),
        ];
        let inc = Incident::from_events(events.clone()).unwrap();
        assert_eq!(inc.todos.len(), 1);
        assert_eq!(inc.notes, 0, "a known kind never turns into a note");
        assert_eq!(inc.holder(Role::Scribe), Some("carol"));
        let merged = merge(events);
        assert_eq!(
            merged,
            vec![declared(), todo, role],
            "the complete copies, by their times"
        );
        // Alone, a pager's copy stands in as a note by its pager author.
        let alone = merge(vec![declared(), pager_copy(12, "n1", "Rolled back")]);
        assert_eq!(
            alone[1].kind,
            EventKind::Note {
                text: "Rolled back".into(),
                note_type: None
            }
        );
        assert_eq!(alone[1].by.as_deref(), Some("IC Bot"));
        // An older inc's bookkeeping note never shows, as a pager's copy or as a note.
        let old = at(
            5,
            "l1",
            "IC Bot",
            EventKind::Note {
                text: format!("{LEGACY_PLACES_NOTE}Slack #inc-x (Slack channel C1)"),
                note_type: None,
            },
        );
        let inc = Incident::from_events(vec![
            declared(),
            old,
            pager_copy(6, "l2", LEGACY_PLACES_NOTE),
        ])
        .unwrap();
        assert_eq!(inc.notes, 0);
        assert_eq!(inc.events.len(), 1);
    }

    #[test]
    fn additions_are_what_the_journal_lacks_and_a_repair_replaces_a_kept_copy() {
        let note = at(
            10,
            "n1",
            "bob",
            EventKind::Note {
                text: "Rolled back".into(),
                note_type: Some(NoteType::Action),
            },
        );
        let kept_by_an_older_inc = at(
            12,
            "n1",
            "IC Bot",
            EventKind::Note {
                text: "ACTION: Rolled back".into(),
                note_type: None,
            },
        );
        let have = vec![declared(), pager_copy(12, "t1", "TODO: x")];
        let todo = at(10, "t1", "bob", EventKind::Todo { text: "x".into() });
        // A pull: the complete copy of a pager's copy is new; the pager's copy again is not.
        let got = additions(
            &have,
            vec![pager_copy(12, "t1", "TODO: x"), todo.clone(), declared()],
            false,
        );
        assert_eq!(got, vec![todo.clone()]);
        // An older inc kept a pager's note as a note: a pull leaves it (same completeness), a
        // repair appends the exact copy, which then wins; twice adds nothing more.
        let have = vec![declared(), kept_by_an_older_inc.clone()];
        assert!(additions(&have, vec![note.clone()], false).is_empty());
        let fixed = additions(&have, vec![note.clone(), pager_copy(12, "n1", "x")], true);
        assert_eq!(fixed, vec![note.clone()]);
        let mut journal = have.clone();
        journal.extend(fixed);
        assert_eq!(merge(journal.clone())[1], note);
        assert!(additions(&journal, vec![note], true).is_empty());
    }

    #[test]
    fn a_place_named_before_it_exists_is_linked_once_its_id_is_known() {
        let named = |id: &str, provider: &str, name: &str| {
            at(
                1,
                id,
                "ann",
                EventKind::Linked {
                    provider: provider.into(),
                    reference: String::new(),
                    name: Some(name.into()),
                    url: None,
                },
            )
        };
        let found = at(
            2,
            "linked-slack-1",
            "ann",
            EventKind::Linked {
                provider: "slack".into(),
                reference: "C1".into(),
                name: Some("#inc-x".into()),
                url: None,
            },
        );
        let inc = Incident::from_events(vec![
            declared(),
            named("a", "slack", "#inc-x"),
            named("b", "matrix", "#inc-x"),
        ])
        .unwrap();
        assert!(
            inc.linked.is_empty(),
            "no id yet: nothing to read or post to"
        );
        assert_eq!(inc.named.len(), 2);
        let inc = Incident::from_events(vec![
            declared(),
            named("a", "slack", "#inc-x"),
            named("b", "matrix", "#inc-x"),
            found.clone(),
            found,
        ])
        .unwrap();
        assert_eq!(inc.linked.len(), 1);
        assert_eq!(inc.linked[0].reference, "C1");
        assert_eq!(inc.named.len(), 1);
        assert_eq!(inc.named[0].provider, "matrix");
        // A named place reads and writes as `linked` without a `ref`.
        let line = serde_json::to_string(&named("a", "slack", "#inc-x")).unwrap();
        assert!(!line.contains("\"ref\""), "{line}");
        assert_eq!(
            serde_json::from_str::<Event>(&line).unwrap(),
            named("a", "slack", "#inc-x")
        );
    }

    #[test]
    fn ic_holds_no_other_role() {
        let t = Timestamp::UNIX_EPOCH;
        let ev = |kind| Event {
            id: None,
            at: t,
            by: None,
            kind,
        };
        let events = vec![
            ev(EventKind::Declared {
                id: "x".into(),
                title: "t".into(),
                severity: Severity(2),
                security: false,
                codename: None,
                drill: false,
            }),
            ev(EventKind::Role {
                role: Role::Scribe,
                person: "ann".into(),
            }),
            ev(EventKind::Role {
                role: Role::Ic,
                person: "bob".into(),
            }),
            ev(EventKind::Role {
                role: Role::Ic,
                person: "ann".into(),
            }),
            ev(EventKind::Severity {
                severity: Severity(1),
                is_final: false,
            }),
            ev(EventKind::Resolved {
                severity: Severity(2),
            }),
        ];
        let inc = Incident::from_events(events).unwrap();
        assert_eq!(inc.holder(Role::Ic), Some("ann"));
        assert_eq!(inc.holder(Role::Scribe), None);
        assert_eq!(inc.worst_severity, Severity(1));
        assert_eq!(inc.severity, Severity(2));
        assert_eq!(inc.severity_history.len(), 3);
    }
}

//! `inc attach`: join an incident another responder started. From one reference (a PagerDuty
//! incident, a Slack channel, a Matrix room or an inc id) find the others, build the local
//! journal from the shared record, and make the incident current.

use serde::Serialize;
use serde_json::Value;

use crate::ctx::{Ctx, Wait};
use crate::error::{CliError, CliResult};
use crate::model::{Event, EventKind, Incident, Severity, wire};
use crate::providers::{matrix, pagerduty, slack};

use super::sync::{self, Read};

/// What `REF` names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "ref", rename_all = "snake_case")]
pub enum Ref {
    PagerDuty(String),
    PagerDutyNumber(u64),
    /// A channel id, or `#name`.
    Slack(String),
    /// A room id (`!id:server`) or alias (`#alias:server`).
    Matrix(String),
    Inc(String),
}

impl Ref {
    pub fn describe(&self) -> String {
        match self {
            Ref::PagerDuty(id) => format!("PagerDuty incident {id}"),
            Ref::PagerDutyNumber(n) => format!("PagerDuty incident #{n}"),
            Ref::Slack(c) => format!("Slack channel {c}"),
            Ref::Matrix(r) => format!("Matrix room {r}"),
            Ref::Inc(id) => format!("inc incident {id}"),
        }
    }
}

/// Reads `REF` as a user gives it; `Err` says why it is not a reference (exit 2).
pub fn parse_ref(raw: &str) -> Result<Ref, String> {
    let s = raw.trim();
    let bad = || {
        format!(
            "REF '{s}' is not an incident reference: give a PagerDuty incident (id, #number or URL), \
             a Slack channel (#name, id or URL), a Matrix room (!id:server, #alias:server or \
             matrix.to URL) or an inc incident id"
        )
    };
    if s.is_empty() || s.len() > 512 || s.chars().any(char::is_control) {
        return Err(bad());
    }
    if let Some(rest) = s.strip_prefix("https://matrix.to/#/") {
        let room = rest.split(['?', '/']).next().unwrap_or_default();
        let room = url::form_urlencoded::parse(format!("r={room}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        return matrix_ref(&room).ok_or_else(bad);
    }
    if let Ok(u) = url::Url::parse(s) {
        let segs: Vec<&str> = u.path_segments().map(|p| p.collect()).unwrap_or_default();
        let host = u.host_str().unwrap_or_default();
        if let Some(i) = segs.iter().position(|p| *p == "incidents")
            && let Some(id) = segs.get(i + 1).filter(|id| pd_id(id))
        {
            return Ok(Ref::PagerDuty(id.to_string()));
        }
        if (host.contains("slack") || segs.contains(&"archives"))
            && let Some(i) = segs.iter().position(|p| *p == "archives")
            && let Some(id) = segs.get(i + 1).filter(|id| slack_id(id))
        {
            return Ok(Ref::Slack(id.to_string()));
        }
        return Err(bad());
    }
    if let Some(n) = s.strip_prefix('#').and_then(|n| n.parse::<u64>().ok()) {
        return Ok(Ref::PagerDutyNumber(n));
    }
    if s.starts_with('!') || (s.starts_with('#') && s.contains(':')) {
        return matrix_ref(s).ok_or_else(bad);
    }
    if let Some(name) = s.strip_prefix('#') {
        return slack_name(name)
            .then(|| Ref::Slack(s.to_string()))
            .ok_or_else(bad);
    }
    if wire::valid_id(s) && s.contains('-') {
        return Ok(Ref::Inc(s.to_string()));
    }
    if slack_id(s) && s.starts_with(['C', 'G']) {
        return Ok(Ref::Slack(s.to_string()));
    }
    if pd_id(s) {
        return Ok(Ref::PagerDuty(s.to_string()));
    }
    Err(bad())
}

/// `#alias:server`, or a room id: `!opaque:server`, or (room version 12) `!opaque` alone.
fn matrix_ref(s: &str) -> Option<Ref> {
    if s.contains(char::is_whitespace) || s.len() < 2 {
        return None;
    }
    let ok = match s.split_once(':') {
        Some((local, server)) => local.len() > 1 && !server.is_empty(),
        None => s.starts_with('!') && s.len() > 8,
    };
    (ok && s.starts_with(['!', '#'])).then(|| Ref::Matrix(s.to_string()))
}

fn pd_id(s: &str) -> bool {
    (2..=20).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn slack_id(s: &str) -> bool {
    (5..=20).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn slack_name(s: &str) -> bool {
    (1..=80).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_".contains(&b))
}

/// What attaching found and wrote.
#[derive(Clone, Debug, Serialize)]
pub struct Attached {
    pub incident: Incident,
    /// Where the shared record was read.
    pub read_from: Vec<String>,
    /// Events written to this machine's journal.
    pub events: usize,
    /// True when nothing carried inc's record and the incident was built from what could be
    /// read (a title from the room's topic or name).
    pub unmarked: bool,
    #[serde(skip)]
    pub tried: Vec<String>,
}

/// The shared record gathered so far.
#[derive(Default)]
struct Found {
    inc_id: Option<String>,
    events: Vec<Event>,
    slack: Option<String>,
    matrix: Option<String>,
    pagerduty: Vec<String>,
    /// Places named (`(provider, name)`) whose id is still to be found: a declaration names its
    /// channel, its room and its PagerDuty incident key before they exist.
    names: Vec<(String, String)>,
    /// Names already looked up (`provider:name`), found or not: each is asked once.
    asked: Vec<String>,
    /// The places found, for the journal's `linked` events: `(provider, id, name, url)`.
    places: Vec<(String, String, Option<String>, Option<String>)>,
    /// The providers read so far (each is read once).
    read: Vec<&'static str>,
    /// A title from a room or incident that carries no inc record.
    fallback_title: Option<(String, Severity)>,
    read_from: Vec<String>,
    tried: Vec<String>,
    cursors: serde_json::Map<String, Value>,
}

impl Found {
    fn take(&mut self, read: Read, provider: &'static str, what: String) {
        for r in read.refused {
            self.tried.push(format!("{provider}: ignored {r}"));
        }
        if let Some(c) = read.cursor {
            self.cursors.insert(provider.into(), c);
        }
        for e in &read.events {
            if self.inc_id.is_none()
                && let EventKind::Declared { id, .. } | EventKind::Paging { id, .. } = &e.kind
            {
                self.inc_id = Some(id.clone());
            }
            if let EventKind::Linked {
                provider,
                reference,
                name,
                url,
            } = &e.kind
            {
                match (reference.is_empty(), name) {
                    (false, _) => self.link(provider, reference, name.clone(), url.clone()),
                    (true, Some(n)) => self.name(provider, n),
                    (true, None) => {}
                }
            }
        }
        self.events.extend(read.events);
        self.read_from.push(what);
        self.mark_read(provider);
    }

    fn mark_read(&mut self, provider: &'static str) {
        if !self.read.contains(&provider) {
            self.read.push(provider);
        }
    }

    /// A place named before it existed.
    fn name(&mut self, provider: &str, name: &str) {
        if !self.names.iter().any(|(p, n)| p == provider && n == name) {
            self.names.push((provider.into(), name.into()));
        }
    }

    /// The first name of a place of `provider` not looked up yet.
    fn next_to_ask(&mut self, provider: &str) -> Option<String> {
        let (_, name) = self
            .names
            .iter()
            .find(|(p, n)| p == provider && !self.asked.contains(&format!("{p}:{n}")))?
            .clone();
        self.asked.push(format!("{provider}:{name}"));
        Some(name)
    }

    /// A place whose id is known (each chat provider's first; every PagerDuty incident).
    fn link(&mut self, provider: &str, reference: &str, name: Option<String>, url: Option<String>) {
        if reference.is_empty() {
            return;
        }
        match provider {
            slack::PROVIDER if self.slack.is_none() => self.slack = Some(reference.into()),
            matrix::PROVIDER if self.matrix.is_none() => self.matrix = Some(reference.into()),
            pagerduty::PROVIDER if !self.pagerduty.iter().any(|p| p == reference) => {
                self.pagerduty.push(reference.into())
            }
            slack::PROVIDER | matrix::PROVIDER | pagerduty::PROVIDER => {}
            _ => return,
        }
        match self
            .places
            .iter_mut()
            .find(|(p, r, _, _)| p == provider && r == reference)
        {
            Some((_, _, n, u)) => {
                if n.is_none() {
                    *n = name;
                }
                if u.is_none() {
                    *u = url;
                }
            }
            None => self
                .places
                .push((provider.into(), reference.into(), name, url)),
        }
    }

    /// A place a `linked` list names (the Matrix state event's): by its id, else by its name.
    fn place_from(&mut self, l: &Value) {
        let (Some(p), name) = (l["provider"].as_str(), l["name"].as_str()) else {
            return;
        };
        match (l["ref"].as_str().filter(|r| !r.is_empty()), name) {
            (Some(r), _) => self.link(
                p,
                r,
                name.map(str::to_string),
                l["url"].as_str().map(str::to_string),
            ),
            (None, Some(n)) => self.name(p, n),
            (None, None) => {}
        }
    }
}

/// Attaches to the incident `r` names. Exit 4 when nothing matches (naming what was tried);
/// 78 when the provider it names is not configured.
pub async fn attach(ctx: &Ctx, r: &Ref) -> CliResult<Attached> {
    let _waiting = ctx.waiting(vec![Wait::new("inc", "attach", &r.describe())]);
    let mut f = Found::default();
    start(ctx, r, &mut f).await?;
    follow(ctx, &mut f).await?;
    write(ctx, f).await
}

/// Reads every other place the record names, each provider once: a place named before it
/// existed is found by its name first (the Slack channel by `#name`, the Matrix room by its
/// alias, the PagerDuty incident by its key). Each place read may name more.
async fn follow(ctx: &Ctx, f: &mut Found) -> CliResult {
    let config = ctx.config()?;
    let Some(id) = f.inc_id.clone() else {
        return Ok(());
    };
    for _ in 0..3 {
        let before = f.read.len();
        if config.values.slack.is_some() && !f.read.contains(&slack::PROVIDER) {
            let client = ctx.slack()?;
            while f.slack.is_none()
                && let Some(name) = f.next_to_ask(slack::PROVIDER)
            {
                match client.channel(&name).await {
                    Ok(Some((ch, _, _))) => f.link(slack::PROVIDER, &ch, Some(name), None),
                    Ok(None) => f.tried.push(format!("slack: no channel {name} (yet)")),
                    Err(e) => ctx.warn(format!("could not look up the Slack channel {name}: {e}")),
                }
            }
            if let Some(ch) = f.slack.clone() {
                match sync::read_slack(client, &id, &ch, None).await {
                    Ok(read) => f.take(read, slack::PROVIDER, format!("Slack channel {ch}")),
                    Err(e) => {
                        ctx.warn(format!("could not read Slack channel {ch}: {e}"));
                        f.mark_read(slack::PROVIDER);
                    }
                }
            }
        }
        if config.values.matrix.is_some() && !f.read.contains(&matrix::PROVIDER) {
            let client = ctx.matrix()?;
            while f.matrix.is_none()
                && let Some(alias) = f.next_to_ask(matrix::PROVIDER)
            {
                // A room named by its id needs no look-up.
                let found = if alias.starts_with('!') {
                    Ok(Some(alias.clone()))
                } else {
                    client.find_alias(&alias).await
                };
                match found {
                    Ok(Some(room)) => f.link(matrix::PROVIDER, &room, Some(alias), None),
                    Ok(None) => f.tried.push(format!("matrix: no room {alias} (yet)")),
                    Err(e) => ctx.warn(format!("could not look up the Matrix room {alias}: {e}")),
                }
            }
            if let Some(room) = f.matrix.clone() {
                if let Err(e) = joined(ctx, &room).await {
                    ctx.warn(format!("could not join Matrix room {room}: {e}"));
                }
                if let Err(e) = read_room(ctx, &id, &room, f).await {
                    ctx.warn(format!("could not read Matrix room {room}: {e}"));
                    f.mark_read(matrix::PROVIDER);
                }
            }
        }
        if config.values.pagerduty.is_some() && !f.read.contains(&pagerduty::PROVIDER) {
            let client = ctx.pagerduty()?;
            while f.pagerduty.is_empty()
                && let Some(key) = f.next_to_ask(pagerduty::PROVIDER)
            {
                match client.find_by_key(&key).await {
                    Ok(Some(i)) if i["id"].is_string() => f.link(
                        pagerduty::PROVIDER,
                        i["id"].as_str().unwrap_or_default(),
                        Some(key),
                        i["html_url"].as_str().map(str::to_string),
                    ),
                    Ok(_) => f
                        .tried
                        .push(format!("pagerduty: no incident with the key {key}")),
                    Err(e) => ctx.warn(format!(
                        "could not look up the PagerDuty incident {key}: {e}"
                    )),
                }
            }
            if !f.pagerduty.is_empty() {
                let pds = f.pagerduty.clone();
                match sync::read_pagerduty(client, &id, &pds, &Value::Null).await {
                    Ok(read) => f.take(
                        read,
                        pagerduty::PROVIDER,
                        format!("PagerDuty {}", pds.join(", ")),
                    ),
                    Err(e) => {
                        ctx.warn(format!("could not read PagerDuty: {e}"));
                        f.mark_read(pagerduty::PROVIDER);
                    }
                }
            }
        }
        if f.read.len() == before {
            break;
        }
    }
    Ok(())
}

/// Joins a Matrix room unless this account can already read it (a responder's own account may
/// not be in the incident's room yet).
async fn joined(ctx: &Ctx, room: &str) -> Result<(), crate::providers::SendError> {
    let client = ctx.matrix().map_err(crate::providers::SendError::from)?;
    if client.state(room, wire::MATRIX_STATE_TYPE).await.is_err() {
        client.join(room).await?;
    }
    Ok(())
}

/// Reads the place `r` names.
async fn start(ctx: &Ctx, r: &Ref, f: &mut Found) -> CliResult {
    let not_found = |tried: &[String]| {
        CliError::no_incident(format!(
            "no incident found for {}: tried {}",
            r.describe(),
            tried.join("; ")
        ))
    };
    let pd_failed = |e: crate::providers::SendError| CliError::failed(format!("PagerDuty: {e}"));
    match r {
        Ref::PagerDuty(_) | Ref::PagerDutyNumber(_) => {
            let pd = ctx.pagerduty()?;
            let got = match r {
                Ref::PagerDuty(id) => match pd.incident_with_body(id).await {
                    Ok(v) => Some(v),
                    Err(crate::providers::SendError::Rejected {
                        status: Some(404), ..
                    }) => None,
                    Err(e) => return Err(pd_failed(e)),
                },
                Ref::PagerDutyNumber(n) => {
                    match pd.incident_by_number(*n).await.map_err(pd_failed)? {
                        // The list shows no body: read the incident itself.
                        Some(listed) => match listed["id"].as_str() {
                            Some(id) => Some(pd.incident_with_body(id).await.map_err(pd_failed)?),
                            None => None,
                        },
                        None => None,
                    }
                }
                _ => None,
            };
            let Some(incident) = got.filter(|v| v["id"].is_string()) else {
                return Err(not_found(&[format!("PagerDuty ({})", r.describe())]));
            };
            from_pagerduty(ctx, &incident, f).await
        }
        Ref::Slack(ch) => {
            let client = ctx.slack()?;
            let info = client
                .channel(ch)
                .await
                .map_err(|e| CliError::failed(format!("Slack: {e}")))?;
            let Some((id, name, topic)) = info else {
                return Err(not_found(&[format!(
                    "Slack conversations.info/list for {ch}"
                )]));
            };
            // The incident id comes from the record itself.
            let messages = client
                .history(&id, None)
                .await
                .map_err(|e| CliError::failed(format!("Slack: {e}")))?;
            let mut inc_id = None;
            for m in &messages {
                match wire::from_slack_metadata(&m["metadata"]) {
                    Ok(Some((i, _))) => {
                        inc_id.get_or_insert(i);
                    }
                    Ok(None) => {}
                    Err(why) => f.tried.push(format!(
                        "slack: ignored message {}: {why}",
                        m["ts"].as_str().unwrap_or("?")
                    )),
                }
            }
            f.link(slack::PROVIDER, &id, Some(format!("#{name}")), None);
            match inc_id {
                Some(inc) => {
                    f.inc_id = Some(inc.clone());
                    let read = sync::read_slack(client, &inc, &id, None)
                        .await
                        .map_err(|e| CliError::failed(format!("Slack: {e}")))?;
                    f.take(read, slack::PROVIDER, format!("Slack #{name}"));
                }
                None => {
                    let title = if topic.trim().is_empty() {
                        name.clone()
                    } else {
                        topic
                    };
                    f.fallback_title = Some(title_and_severity(&title));
                    f.read_from.push(format!("Slack #{name}"));
                    f.mark_read(slack::PROVIDER);
                }
            }
            Ok(())
        }
        Ref::Matrix(room) => {
            let client = ctx.matrix()?;
            let id = match client.resolve(room).await {
                Ok(id) if !id.is_empty() => id,
                Ok(_) | Err(crate::providers::SendError::Rejected { .. }) => {
                    return Err(not_found(&[format!(
                        "Matrix directory and state of {room}"
                    )]));
                }
                Err(e) => return Err(CliError::failed(format!("Matrix: {e}"))),
            };
            let state = client.state(&id, wire::MATRIX_STATE_TYPE).await;
            let state = match state {
                Ok(s) => s,
                // Not joined yet: join, then read.
                Err(_) => {
                    client
                        .join(&id)
                        .await
                        .map_err(|e| CliError::failed(format!("Matrix: {e}")))?;
                    client
                        .state(&id, wire::MATRIX_STATE_TYPE)
                        .await
                        .map_err(|e| CliError::failed(format!("Matrix: {e}")))?
                }
            };
            let alias = room.starts_with('#').then(|| room.clone());
            f.link(matrix::PROVIDER, &id, alias, None);
            match state
                .as_ref()
                .and_then(|s| s["id"].as_str())
                .filter(|i| wire::valid_id(i))
            {
                Some(inc) => {
                    f.inc_id = Some(inc.to_string());
                    for l in state
                        .as_ref()
                        .and_then(|s| s["linked"].as_array())
                        .into_iter()
                        .flatten()
                        .take(64)
                    {
                        f.place_from(l);
                    }
                    read_room(ctx, inc, &id, f)
                        .await
                        .map_err(|e| CliError::failed(format!("Matrix: {e}")))?;
                }
                None => {
                    let name = client
                        .state(&id, "m.room.topic")
                        .await
                        .ok()
                        .flatten()
                        .and_then(|t| t["topic"].as_str().map(str::to_string))
                        .filter(|t| !t.trim().is_empty())
                        .unwrap_or_else(|| room.clone());
                    f.fallback_title = Some(title_and_severity(&name));
                    f.read_from.push(format!("Matrix {room}"));
                    f.mark_read(matrix::PROVIDER);
                }
            }
            Ok(())
        }
        Ref::Inc(id) => {
            let mut tried = Vec::new();
            let config = ctx.config()?;
            if config.values.pagerduty.is_some() {
                tried.push(format!("PagerDuty incident_key inc-{id}"));
                let pd = ctx.pagerduty()?;
                match pd.find_by_key(&format!("inc-{id}")).await {
                    Ok(Some(listed)) if listed["id"].is_string() => {
                        // The list shows no body: read the incident itself.
                        let pd_id = listed["id"].as_str().unwrap_or_default();
                        let incident = pd.incident_with_body(pd_id).await.unwrap_or(listed);
                        return from_pagerduty(ctx, &incident, f).await;
                    }
                    Ok(_) => {}
                    Err(e) => tried.push(format!("(PagerDuty failed: {e})")),
                }
            }
            if config.values.matrix.is_some() {
                tried.push("Matrix rooms with org.inc.incident".into());
                let client = ctx.matrix()?;
                if let Ok(rooms) = client.incident_rooms(wire::MATRIX_STATE_TYPE).await
                    && let Some((room, state)) = rooms.iter().find(|(_, s)| s["id"] == id.as_str())
                {
                    f.inc_id = Some(id.clone());
                    f.link(matrix::PROVIDER, room, None, None);
                    for l in state["linked"].as_array().into_iter().flatten().take(64) {
                        f.place_from(l);
                    }
                    return read_room(ctx, id, room, f)
                        .await
                        .map_err(|e| CliError::failed(format!("Matrix: {e}")));
                }
            }
            if config.values.slack.is_some() {
                let prefix = config
                    .values
                    .slack
                    .as_ref()
                    .and_then(|s| s.channel_prefix.clone())
                    .unwrap_or_else(|| "inc-".into());
                tried.push(format!("Slack channels #{prefix}*"));
                let client = ctx.slack()?;
                if let Ok(chans) = client.channels_with_prefix(&prefix).await {
                    for (ch, name) in chans.into_iter().take(50) {
                        if let Ok(read) = sync::read_slack(client, id, &ch, None).await
                            && !read.events.is_empty()
                        {
                            f.inc_id = Some(id.clone());
                            f.link(slack::PROVIDER, &ch, Some(format!("#{name}")), None);
                            f.take(read, slack::PROVIDER, format!("Slack #{name}"));
                            return Ok(());
                        }
                    }
                }
            }
            if tried.is_empty() {
                tried.push("no provider is configured".into());
            }
            Err(not_found(&tried))
        }
    }
}

async fn read_room(ctx: &Ctx, inc: &str, room: &str, f: &mut Found) -> Result<(), String> {
    let read = sync::read_matrix(ctx.matrix().map_err(|e| e.message)?, inc, room, None)
        .await
        .map_err(|e| e.to_string())?;
    f.take(read, matrix::PROVIDER, format!("Matrix {room}"));
    Ok(())
}

/// A PagerDuty incident: the inc id from its body's marker, its notes' markers or its key;
/// the rooms its body names (an older inc named them in a note); its notes and log.
async fn from_pagerduty(ctx: &Ctx, incident: &Value, f: &mut Found) -> CliResult {
    let pd_id = incident["id"].as_str().unwrap_or_default().to_string();
    let client = ctx.pagerduty()?;
    let notes = client
        .notes(&pd_id)
        .await
        .map_err(|e| CliError::failed(format!("PagerDuty: {e}")))?;
    let key = incident["incident_key"].as_str().map(str::to_string);
    // An IC page's key is the IC service's, not an incident's.
    let from_key = key
        .as_deref()
        .filter(|k| !pagerduty::is_ic_page_key(k))
        .and_then(|k| k.strip_prefix("inc-"))
        .and_then(|k| k.strip_prefix("page-").or(Some(k)))
        .filter(|k| wire::valid_id(k))
        .map(str::to_string);
    let details = incident["body"]["details"].as_str().unwrap_or_default();
    let from_body = wire::parse_marker(details).map(|(i, _, _)| i);
    for (provider, name) in wire::places_from_text(details) {
        f.name(&provider, &name);
    }
    let from_notes = notes.iter().find_map(|n| {
        wire::parse_marker(n["content"].as_str().unwrap_or_default()).map(|(i, _, _)| i)
    });
    for n in &notes {
        let text = n["content"].as_str().unwrap_or_default();
        if wire::parse_marker(text).is_some() {
            for (provider, tag) in [
                (slack::PROVIDER, "(Slack channel "),
                (matrix::PROVIDER, "(Matrix room "),
            ] {
                if let Some(rest) = text.split(tag).nth(1)
                    && let Some(r) = rest.split(')').next()
                {
                    f.link(provider, r.trim(), None, None);
                }
            }
        }
    }
    f.link(
        pagerduty::PROVIDER,
        &pd_id,
        key,
        incident["html_url"].as_str().map(str::to_string),
    );
    // An IC page (any machine's) starts the paging incident its body's marker names:
    // attaching to it before anyone declared joins that incident.
    let page_start = ic_page_start(incident);
    let inc_id = from_body.or(from_notes).or(from_key);
    let title = incident["title"].as_str().unwrap_or("PagerDuty incident");
    match &inc_id {
        Some(id) => f.inc_id = Some(id.clone()),
        None => f.fallback_title = Some(title_and_severity(title)),
    }
    let read = sync::read_pagerduty(
        client,
        inc_id.as_deref().unwrap_or(""),
        std::slice::from_ref(&pd_id),
        &Value::Null,
    )
    .await
    .map_err(|e| CliError::failed(format!("PagerDuty: {e}")))?;
    f.take(read, pagerduty::PROVIDER, format!("PagerDuty {pd_id}"));
    f.events.extend(page_start);
    if f.fallback_title.is_none() && inc_id.is_some() {
        f.fallback_title = Some(title_and_severity(title));
    }
    Ok(())
}

/// An IC page (its key is the IC service's, the same on every machine) carries the marker of
/// the paging incident it belongs to in its body (read with `include[]=body`) from its
/// creation: its `paging` event. `None` for any other incident, or a body without the marker.
fn ic_page_start(incident: &Value) -> Option<Event> {
    let key = incident["incident_key"].as_str()?;
    if !pagerduty::is_ic_page_key(key) {
        return None;
    }
    let (inc, event, _) = wire::parse_marker(incident["body"]["details"].as_str()?)?;
    let title = incident["title"].as_str().unwrap_or_default();
    let drill = title.starts_with(crate::messages::DRILL);
    let message = title
        .trim_start_matches(crate::messages::DRILL)
        .trim_start()
        .trim_start_matches("IC needed:")
        .trim()
        .chars()
        .take(200)
        .collect();
    Some(Event {
        id: Some(event),
        at: incident["created_at"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH),
        by: None,
        kind: EventKind::Paging {
            id: inc,
            message,
            drill,
        },
    })
}

/// `[SEV-1] Checkout errors` → the title and SEV-1; a title without a prefix is SEV-2.
fn title_and_severity(t: &str) -> (String, Severity) {
    let t = t.trim();
    if let Some(rest) = t.strip_prefix('[')
        && let Some((sev, title)) = rest.split_once(']')
        && let Ok(s) = sev.parse::<Severity>()
    {
        return (title.trim().chars().take(200).collect(), s);
    }
    (t.chars().take(200).collect(), Severity::DEFAULT_UNSURE)
}

/// Writes the journal from what was found and makes the incident current. Into a journal that
/// exists (a second `attach`), only what it lacks: events it does not have, more complete
/// copies of those it has, and the exact copy of any event an older inc kept differently (a
/// pager's note kept as a note): attaching again repairs it.
async fn write(ctx: &Ctx, f: Found) -> CliResult<Attached> {
    let Found {
        inc_id,
        events: read,
        names,
        places,
        fallback_title,
        read_from,
        tried,
        cursors,
        ..
    } = f;
    // A provider's text may hold terminal escapes: kept without them.
    let read: Vec<Event> = read.into_iter().map(crate::journal::scrubbed).collect();
    let has_start = read.iter().any(|e| {
        matches!(
            e.kind,
            EventKind::Declared { .. } | EventKind::Paging { .. }
        )
    });
    let unmarked = !has_start;
    let id = inc_id.unwrap_or_else(|| crate::journal::new_id(ctx.now()));
    // This machine's own: a declaration built from what could be read, and where each place is.
    let mut local = Vec::new();
    if !has_start {
        let (title, severity) =
            fallback_title.unwrap_or_else(|| ("Incident".to_string(), Severity::DEFAULT_UNSURE));
        // A drill's PagerDuty incident is titled `[DRILL] [SEV-N] …` (SPEC "Drills").
        let (title, severity, drill) = match title.strip_prefix(crate::messages::DRILL) {
            Some(rest) => {
                let (t, s) = title_and_severity(rest);
                (t, s, true)
            }
            None => (title, severity, false),
        };
        let at = read.iter().map(|e| e.at).min().unwrap_or_else(|| ctx.now());
        local.push(Event {
            id: Some(format!("{id}-declared")),
            at,
            by: None,
            kind: EventKind::Declared {
                id: id.clone(),
                title,
                severity,
                security: false,
                codename: None,
                drill,
            },
        });
    }
    for (provider, reference, name, url) in places {
        // A room goes by the name it was announced with (the same on every machine, however
        // this one reached it: `#alias:server`, a room id), else by the one found here.
        let announced = {
            let mut of = names.iter().filter(|(p, _)| *p == provider);
            match (of.next(), of.next()) {
                (Some((_, n)), None) if provider != pagerduty::PROVIDER => Some(n.clone()),
                _ => None,
            }
        };
        let name = announced.or(name);
        local.push(sync::place(ctx, &provider, &reference, name, url));
    }
    let mut all = read.clone();
    all.extend(local.iter().cloned());
    let Some(incident) = Incident::from_events(all.clone()) else {
        return Err(CliError::failed("the shared record holds no incident"));
    };
    let mut written = crate::model::winners(all.clone()).len();
    if !ctx.dry_run() {
        let journal = ctx.journal()?;
        if journal.exists(&id) {
            let (have, _) = journal.read(&id)?;
            let mut adds = crate::model::additions(&have, read, true);
            let known: std::collections::HashSet<&str> =
                have.iter().filter_map(|e| e.id.as_deref()).collect();
            adds.extend(
                local
                    .into_iter()
                    .filter(|e| e.id.as_deref().is_some_and(|i| !known.contains(i))),
            );
            written = adds.len();
            if !adds.is_empty() {
                journal.append_all(&id, &adds)?;
            }
        } else {
            journal.create_all(&id, &crate::model::winners(all))?;
        }
        let mut c = journal.cursors(&id);
        for (k, v) in cursors {
            c[k] = v;
        }
        journal.set_cursors(&id, &c)?;
        journal.set_current(&id)?;
    }
    let incident = if ctx.dry_run() {
        incident
    } else {
        ctx.load(&id)?
    };
    Ok(Attached {
        incident,
        read_from,
        events: written,
        unmarked,
        tried,
    })
}

/// An open incident a configured provider knows, to choose from.
#[derive(Clone, Debug, Serialize)]
pub struct Candidate {
    pub reference: Ref,
    pub title: String,
}

/// The open incidents the configured providers know: PagerDuty incidents on the incident and
/// IC services, Slack channels with the incident prefix, Matrix rooms carrying
/// `org.inc.incident`. A provider that cannot be read is warned about and skipped.
pub async fn candidates(ctx: &Ctx) -> CliResult<Vec<Candidate>> {
    let config = ctx.config()?;
    let mut out = Vec::new();
    if let Some(pd) = &config.values.pagerduty {
        let services: Vec<String> = [&pd.incident_service, &pd.ic_service]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        if !services.is_empty() {
            match ctx.pagerduty()?.open_incidents(&services).await {
                Ok(list) => out.extend(list.iter().filter_map(|i| {
                    Some(Candidate {
                        reference: Ref::PagerDuty(i["id"].as_str()?.to_string()),
                        title: format!(
                            "#{} {}",
                            i["incident_number"].as_u64().unwrap_or(0),
                            i["title"].as_str().unwrap_or_default()
                        ),
                    })
                })),
                Err(e) => ctx.warn(format!("could not list PagerDuty incidents: {e}")),
            }
        }
    }
    if let Some(s) = &config.values.slack {
        let prefix = s.channel_prefix.clone().unwrap_or_else(|| "inc-".into());
        match ctx.slack()?.channels_with_prefix(&prefix).await {
            Ok(list) => out.extend(list.into_iter().map(|(id, name)| Candidate {
                reference: Ref::Slack(id),
                title: format!("#{name}"),
            })),
            Err(e) => ctx.warn(format!("could not list Slack channels: {e}")),
        }
    }
    if config.values.matrix.is_some() {
        match ctx.matrix()?.incident_rooms(wire::MATRIX_STATE_TYPE).await {
            Ok(list) => out.extend(
                list.into_iter()
                    .filter(|(_, s)| s["state"] != "resolved")
                    .map(|(room, s)| Candidate {
                        reference: Ref::Matrix(room),
                        title: crate::messages::tag_if(
                            s["drill"] == true,
                            &format!(
                                "{} {}",
                                s["severity"].as_str().unwrap_or_default(),
                                s["title"].as_str().unwrap_or_default()
                            ),
                        ),
                    }),
            ),
            Err(e) => ctx.warn(format!("could not list Matrix rooms: {e}")),
        }
    }
    Ok(out)
}

/// `--as ROLE`: the role taken on joining, recorded and announced like `inc role`.
#[derive(Clone, Debug, Serialize)]
pub struct Claimed {
    pub role: crate::model::Role,
    pub person: String,
    pub deliveries: Vec<crate::deliver::DeliveryResult>,
    pub messages: Vec<String>,
    /// The IC had already named this person for the role: nothing recorded or sent.
    #[serde(skip)]
    pub already: bool,
}

pub async fn claim(
    ctx: &Ctx,
    inc: &Incident,
    role: crate::model::Role,
    person: &str,
) -> CliResult<Claimed> {
    super::people::hint(ctx);
    // The name the incident knows me by: a bare `carol` joining is the `carol@example.com`
    // the IC named, never a second person who replaces her.
    let person = super::people::known_as(inc, person);
    let person = person.as_str();
    if inc
        .roles
        .get(&role)
        .is_some_and(|v| v.iter().any(|p| p.eq_ignore_ascii_case(person)))
    {
        return Ok(Claimed {
            role,
            person: person.to_string(),
            deliveries: Vec::new(),
            messages: Vec::new(),
            already: true,
        });
    }
    let event = ctx.record(
        &inc.id,
        EventKind::Role {
            role,
            person: person.to_string(),
        },
    )?;
    let inc = ctx.load(&inc.id)?;
    let messages = vec![crate::messages::role(role, person)];
    let mut deliveries = super::mirrors(ctx, &inc, Some(&event), &messages, true);
    deliveries.extend(super::room::topic_updates(ctx, &inc));
    let deliveries = ctx.deliver(deliveries).await?;
    Ok(Claimed {
        role,
        person: person.to_string(),
        deliveries,
        messages,
        already: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_of_every_kind() {
        let ok = |s: &str, want: Ref| assert_eq!(parse_ref(s), Ok(want), "{s}");
        ok("PINC001", Ref::PagerDuty("PINC001".into()));
        ok("#42", Ref::PagerDutyNumber(42));
        ok(
            "https://acme.pagerduty.com/incidents/Q1W2E3R4",
            Ref::PagerDuty("Q1W2E3R4".into()),
        );
        ok(
            "#inc-261130-checkout",
            Ref::Slack("#inc-261130-checkout".into()),
        );
        ok("C0123ABCD", Ref::Slack("C0123ABCD".into()));
        ok(
            "https://acme.slack.com/archives/C0123ABCD",
            Ref::Slack("C0123ABCD".into()),
        );
        ok("!abc:example.com", Ref::Matrix("!abc:example.com".into()));
        ok(
            "#inc-x:example.com",
            Ref::Matrix("#inc-x:example.com".into()),
        );
        ok(
            "https://matrix.to/#/%23inc-x:example.com",
            Ref::Matrix("#inc-x:example.com".into()),
        );
        ok(
            "https://matrix.to/#/!abc:example.com?via=example.com",
            Ref::Matrix("!abc:example.com".into()),
        );
        ok("261130-1141-iba6", Ref::Inc("261130-1141-iba6".into()));
        for bad in [
            "",
            "hello world",
            "#",
            "https://example.com/nothing",
            "!nocolon",
            "x\u{7}y",
        ] {
            assert!(parse_ref(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn titles_carry_their_severity() {
        assert_eq!(
            title_and_severity("[SEV-1] Checkout errors"),
            ("Checkout errors".to_string(), Severity::new(1).unwrap())
        );
        assert_eq!(title_and_severity("db slow").1, Severity::DEFAULT_UNSURE);
    }
}

//! The incident room on every configured chat provider: opening it at declare (Slack: create
//! channel → topic ∥ roster post → pin ∥ invites), mirroring messages into it, keeping its topic
//! current, and the executive update with `@here`. Providers run concurrently; within one
//! provider only the steps that need an earlier answer (a channel id, a message ts) wait for it.

use serde_json::{Value, json};

use super::drill;
use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::CliResult;
use crate::messages;
use crate::model::{Incident, Role};
use crate::providers::{Delivery, matrix, slack};

/// An executive summary (PagerDuty's process: SEV, cause, actions, impact, time to recovery).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ExecUpdate {
    pub summary: String,
    pub actions: String,
    pub impact: String,
    pub eta: String,
}

impl ExecUpdate {
    pub fn fields(&self) -> [(&'static str, &str); 4] {
        [
            ("Current state", &self.summary),
            ("Actions in progress", &self.actions),
            ("Customer impact", &self.impact),
            ("Expected time to recovery", &self.eta),
        ]
    }

    /// The plain-text form (fallback text, webhooks, the local console).
    pub fn text(&self, inc: &Incident) -> String {
        let mut s = format!("Executive update: {} {}", inc.severity, inc.public_name());
        for (k, v) in self.fields() {
            if !v.trim().is_empty() {
                s.push_str(&format!("\n{k}: {v}"));
            }
        }
        s
    }
}

/// Is any chat provider configured? (Without one, commands show the messages to the user, as
/// they do for a drill that has no room of its own: SPEC "Drills".)
pub fn configured(ctx: &Ctx) -> bool {
    !ctx.terminal_is_room()
        && ctx.config().is_ok_and(|c| {
            let v = &c.values;
            v.slack.is_some() // hook: other chat providers add `|| v.<provider>.is_some()` here
            || crate::providers::webhook::any(v.webhooks.as_ref())
            || v.matrix.is_some()
        })
}

/// The Slack channel of an incident: its own channel, else the configured shared one.
fn slack_room(ctx: &Ctx, inc: &Incident) -> Option<String> {
    let cfg = ctx.config().ok()?.values.slack.as_ref()?;
    if let Some(r) = own_channel(inc) {
        return Some(r);
    }
    if cfg.per_incident_channel {
        return pending_place(ctx, inc, slack::PROVIDER, "create_channel");
    }
    shared_or_drill(inc, cfg.channel.clone(), drill::config(ctx).exec_channel)
}

/// The shared room a `per_incident_* = false` config names, except for a drill, which never
/// posts in a shared real room (SPEC "Drills"): its `[drill]` room, else none (the terminal).
fn shared_or_drill(
    inc: &Incident,
    shared: Option<String>,
    drill: Option<String>,
) -> Option<String> {
    match inc.drill {
        true => drill.filter(|d| !d.trim().is_empty()),
        false => shared,
    }
}

/// The name of the incident's own room while its creation waits in the outbox (the provider
/// was down at `declare`): a post addressed to it waits there behind the creation, in order,
/// and `inc outbox retry` delivers it into the room once it exists (`Ctx::deliver`).
fn pending_place(ctx: &Ctx, inc: &Incident, provider: &str, action: &str) -> Option<String> {
    ctx.outbox()
        .ok()?
        .pending_creation(&inc.id, provider, action)
        .map(|e| e.delivery.target)
}

/// The incident's own Slack channel: the one inc created here, else the one another
/// responder's inc published (`inc attach`).
fn own_channel(inc: &Incident) -> Option<String> {
    inc.find_ref(slack::PROVIDER, "create_channel")
        .and_then(|r| r.id.clone())
        .or_else(|| linked(inc, slack::PROVIDER))
}

/// The incident's own Matrix room: created here, else published by another responder.
fn own_room(inc: &Incident) -> Option<String> {
    inc.find_ref(matrix::PROVIDER, "create_room")
        .and_then(|r| r.id.clone())
        .or_else(|| linked(inc, matrix::PROVIDER))
}

fn linked(inc: &Incident, provider: &str) -> Option<String> {
    inc.linked
        .iter()
        .find(|l| l.provider == provider)
        .map(|l| l.reference.clone())
}

/// One post of `text` (plain, unescaped) into each provider's incident room (a drill's starts
/// with `[DRILL]`).
pub fn room_posts(ctx: &Ctx, inc: &Incident, text: &str, key: &str) -> Vec<Delivery> {
    let text = &messages::tagged(inc, text);
    let mut out = Vec::new();
    if let Some(channel) = slack_room(ctx, inc) {
        out.push(slack::post(
            &channel,
            &slack::escape(text),
            None,
            format!("{key}-slack"),
            Some(&inc.id),
        ));
    }
    // hook: other chat providers push their room post here
    if let Some(room) = matrix_room(ctx, inc) {
        out.push(matrix::post(
            &room,
            text,
            format!("{key}-matrix"),
            Some(&inc.id),
        ));
    }
    out.extend(crate::providers::webhook::posts(
        ctx.config().ok().and_then(|c| c.values.webhooks.as_ref()),
        text,
        key,
        Some(&inc.id),
    ));
    if inc.drill && out.is_empty() {
        ctx.set_terminal_is_room();
    }
    // A room command's own room gets the bot's reply instead, which carries the same event.
    out.retain(|d| !ctx.posts_itself(&d.provider, &d.target));
    out
}

/// The room topic: severity, roles and the bridge.
pub fn topic(ctx: &Ctx, inc: &Incident) -> String {
    let who = |r: Role| inc.holder(r).unwrap_or("—").to_string();
    let mut t = format!(
        "{} | IC: {} | Deputy: {} | Scribe: {}",
        inc.severity,
        who(Role::Ic),
        who(Role::Deputy),
        who(Role::Scribe)
    );
    if let Some(b) = ctx
        .config()
        .ok()
        .and_then(|c| c.values.call.bridge_url.clone())
    {
        t.push_str(&format!(" | Bridge: {b}"));
    }
    if inc.security {
        // PagerDuty's security process: every chat topic and email carries this prefix.
        t = format!("Attorney Work Project | {t}");
    }
    if !inc.is_open() {
        t = format!("[RESOLVED] {t}");
    }
    messages::tagged(inc, &t)
}

/// Topic updates for rooms inc created (never the topic of a shared channel).
pub fn topic_updates(ctx: &Ctx, inc: &Incident) -> Vec<Delivery> {
    let mut out = Vec::new();
    if ctx.config().is_ok_and(|c| c.values.slack.is_some())
        && let Some(channel) = own_channel(inc)
    {
        let key = format!("inc-{}-{}-topic", inc.id, inc.events.len());
        out.push(slack::set_topic(
            &channel,
            &slack::escape(&topic(ctx, inc)),
            key,
            &inc.id,
        ));
    }
    if ctx.config().is_ok_and(|c| c.values.matrix.is_some())
        && let Some(room) = own_room(inc)
    {
        let key = format!("inc-{}-{}-topic-matrix", inc.id, inc.events.len());
        out.push(matrix::set_topic(&room, &topic(ctx, inc), key, &inc.id));
        out.push(incident_state(inc, &room));
    }
    out
}

/// The roster post carries the declaration and every event before it (the roles given at
/// declare, an adopted IC page), so another responder's `inc attach` reads them back.
fn carry_declaration(post: &mut Delivery, inc: &Incident) {
    let events: Vec<_> = inc
        .events
        .iter()
        .filter(|e| e.id.is_some() && !matches!(e.kind, crate::model::EventKind::Delivery { .. }))
        .cloned()
        .collect();
    if let Some((first, also)) = events.split_first() {
        crate::providers::publish_all(post, &inc.id, first, also);
    }
}

/// The room state event `org.inc.incident`: the incident's current facts, for the next
/// responder's `inc attach` (a state event replaces the last one: sending it twice is harmless).
pub fn incident_state(inc: &Incident, room: &str) -> Delivery {
    matrix::set_state(
        room,
        crate::model::wire::MATRIX_STATE_TYPE,
        crate::model::wire::incident_state(inc),
        format!("inc-{}-{}-state", inc.id, inc.events.len()),
        &inc.id,
    )
}

/// Opens the incident room on every chat provider, concurrently, and posts `messages` there.
pub async fn open_rooms(
    ctx: &Ctx,
    inc: &Incident,
    messages: &[String],
) -> CliResult<Vec<DeliveryResult>> {
    // The people the rooms mention and invite are known by email: say how, once, if I am not.
    super::people::hint(ctx);
    let text = messages::tagged(inc, &messages.join("\n"));
    // hook: other chat providers add their `open_*` future to this join
    let (slack, hooks, mx) = tokio::join!(
        open_slack(ctx, inc, &text),
        open_webhooks(ctx, inc, &text),
        open_matrix(ctx, inc, &text)
    );
    let mut all = slack?;
    all.extend(hooks?);
    all.extend(mx?);
    if inc.drill && all.is_empty() {
        // A drill without a room of its own: the terminal is its room (SPEC "Drills").
        ctx.set_terminal_is_room();
    }
    Ok(all)
}

/// The incident's own Slack channel name, as `open_slack` creates it (known before it exists).
fn slack_channel_name(ctx: &Ctx, inc: &Incident, cfg: &crate::config::SlackConfig) -> String {
    let date = inc.declared_at.strftime("%Y%m%d").to_string();
    let prefix = drill::room_prefix(ctx, inc, cfg.channel_prefix.as_deref().unwrap_or("inc-"));
    slack::channel_name(&prefix, &date, inc.public_name())
}

/// The localpart of the incident's own Matrix room alias, as `open_matrix` creates it.
fn matrix_alias(ctx: &Ctx, inc: &Incident) -> String {
    let date = inc.declared_at.strftime("%Y%m%d").to_string();
    matrix::alias_localpart(
        &drill::room_prefix(ctx, inc, "inc-"),
        &date,
        inc.public_name(),
    )
}

/// The incident's own Slack channel and Matrix room that `open_rooms` will create, named before
/// they exist (SPEC "Delivery rules": each place is named in the others without waiting for
/// it): `(provider, #channel-name or #alias-localpart)`. A shared room is not the incident's
/// (inc keeps off its topic): every responder finds it in the config.
pub fn planned(ctx: &Ctx, inc: &Incident) -> Vec<(&'static str, String)> {
    let Ok(config) = ctx.config() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(cfg) = config
        .values
        .slack
        .as_ref()
        .filter(|c| c.per_incident_channel)
    {
        out.push((
            slack::PROVIDER,
            format!("#{}", slack_channel_name(ctx, inc, cfg)),
        ));
    }
    if config
        .values
        .matrix
        .as_ref()
        .is_some_and(|c| c.per_incident_room)
    {
        out.push((matrix::PROVIDER, format!("#{}", matrix_alias(ctx, inc))));
    }
    out
}

/// Webhooks have no room to open: each gets the declaration, roster and contact summary as one post.
async fn open_webhooks(ctx: &Ctx, inc: &Incident, text: &str) -> CliResult<Vec<DeliveryResult>> {
    let cfg = ctx.config()?.values.webhooks.as_ref();
    ctx.deliver(crate::providers::webhook::posts(
        cfg,
        text,
        &format!("inc-{}-open", inc.id),
        Some(&inc.id),
    ))
    .await
}

async fn open_slack(ctx: &Ctx, inc: &Incident, text: &str) -> CliResult<Vec<DeliveryResult>> {
    let config = ctx.config()?;
    let Some(cfg) = &config.values.slack else {
        return Ok(Vec::new());
    };
    let key = |step: &str| format!("inc-{}-slack-{step}", inc.id);
    let mut results = Vec::new();
    // Who the roster names, in Slack: looked up while the channel is made, so the roster's
    // mentions and the invites wait on nothing more than the channel.
    let named = super::people::named(ctx, inc);
    let channel = if cfg.per_incident_channel {
        let name = slack_channel_name(ctx, inc, cfg);
        let (created, users) = tokio::join!(
            ctx.deliver(vec![slack::create_channel(
                &name,
                inc.security,
                key("channel"),
                &inc.id,
            )]),
            super::people::on_slack(ctx, &named)
        );
        let created = created?;
        let id = created[0].id.clone();
        let ok = created[0].ok;
        results.extend(created);
        let channel = match id {
            Some(id) => id,
            None if ctx.dry_run() && ok => format!("#{name}"),
            None => return Ok(results),
        };
        (channel, users)
    } else {
        match shared_or_drill(inc, cfg.channel.clone(), drill::config(ctx).exec_channel) {
            Some(c) => (c, super::people::on_slack(ctx, &named).await),
            None => return Ok(results),
        }
    };
    let (channel, users) = channel;
    results.extend(fill_slack(ctx, inc, &channel, text, &users).await?);
    Ok(results)
}

/// The declaration's text with its roster line written another way (mentions, pills) and
/// every other line by `plain` (escaped for the provider).
fn with_roster(
    inc: &Incident,
    text: &str,
    plain: impl Fn(&str) -> String,
    roster: String,
) -> String {
    let ours = messages::roster(inc);
    let mut roster = Some(roster);
    text.lines()
        .map(|l| match roster.take_if(|_| l == ours) {
            Some(r) => r,
            None => plain(l),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The rest of a Slack room once its channel exists: topic ∥ roster → pin ∥ invites. The
/// roster mentions each person Slack knows (`users`: looked up by email), and those people
/// (the IC among them) are invited to a channel inc created. Also run by `inc outbox retry`
/// when a channel create that had failed finally goes through.
async fn fill_slack(
    ctx: &Ctx,
    inc: &Incident,
    channel: &str,
    text: &str,
    users: &[(String, slack::User)],
) -> CliResult<Vec<DeliveryResult>> {
    let config = ctx.config()?;
    let Some(cfg) = &config.values.slack else {
        return Ok(Vec::new());
    };
    let key = |step: &str| format!("inc-{}-slack-{step}", inc.id);
    let channel = channel.to_string();
    let mut results = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for (_, u) in users {
        if !ids.contains(&u.id) {
            ids.push(u.id.clone());
        }
    }
    let invite = async {
        if !cfg.per_incident_channel || ids.is_empty() {
            return Ok(Vec::new());
        }
        ctx.deliver(vec![slack::invite(&channel, &ids, key("invite"), &inc.id)])
            .await
    };
    let mention = |p: &str| match users.iter().find(|(who, _)| who.eq_ignore_ascii_case(p)) {
        Some((_, u)) => u.mention(),
        None => slack::escape(p),
    };
    let text = with_roster(
        inc,
        text,
        slack::escape,
        messages::roster_with(inc, mention),
    );
    let topic = async {
        if cfg.per_incident_channel {
            ctx.deliver(vec![slack::set_topic(
                &channel,
                &slack::escape(&topic(ctx, inc)),
                key("topic"),
                &inc.id,
            )])
            .await
        } else {
            Ok(Vec::new())
        }
    };
    let roster = async {
        let mut post = slack::post(&channel, &text, None, key("roster"), Some(&inc.id));
        carry_declaration(&mut post, inc);
        let posted = ctx.deliver(vec![post]).await?;
        let mut out = posted.clone();
        if let Some(r) = posted.first().filter(|r| r.ok && !r.dry_run)
            && let Some(ts) = r.id.clone()
        {
            let ch = r
                .receipt
                .as_ref()
                .and_then(|rc| rc.body["channel"].as_str().map(str::to_string))
                .unwrap_or(channel.clone());
            out.extend(
                ctx.deliver(vec![slack::pin(&ch, &ts, key("pin"), &inc.id)])
                    .await?,
            );
        }
        Ok::<_, crate::error::CliError>(out)
    };
    let (a, b, c) = tokio::join!(topic, roster, invite);
    results.extend(a?);
    results.extend(b?);
    results.extend(c?);
    Ok(results)
}

/// The Matrix room of an incident: the room inc created (or reused), else the shared room it
/// joined, else the configured shared `room` (an alias, joined at send time).
fn matrix_room(ctx: &Ctx, inc: &Incident) -> Option<String> {
    let cfg = ctx.config().ok()?.values.matrix.as_ref()?;
    for action in ["create_room", "join_room"] {
        if let Some(id) = inc
            .find_ref(matrix::PROVIDER, action)
            .and_then(|r| r.id.clone())
        {
            return Some(id);
        }
    }
    if let Some(id) = linked(inc, matrix::PROVIDER) {
        return Some(id);
    }
    if cfg.per_incident_room {
        return pending_place(ctx, inc, matrix::PROVIDER, "create_room");
    }
    shared_or_drill(inc, cfg.room.clone(), drill::config(ctx).exec_room)
}

/// Matrix: create the room with the incident's alias (or join the shared `room`) → topic ∥
/// (roster post → pin). Topic and pin only in a room inc created: a shared room's topic is
/// not inc's, and pinning there needs a moderator's power level.
async fn open_matrix(ctx: &Ctx, inc: &Incident, text: &str) -> CliResult<Vec<DeliveryResult>> {
    let config = ctx.config()?;
    let Some(cfg) = &config.values.matrix else {
        return Ok(Vec::new());
    };
    let key = |step: &str| format!("inc-{}-matrix-{step}", inc.id);
    let own = cfg.per_incident_room;
    let (open, placeholder) = if own {
        let alias = matrix_alias(ctx, inc);
        (
            matrix::create_room(
                &alias,
                &messages::tagged(inc, inc.public_name()),
                inc.security,
                key("room"),
                &inc.id,
            ),
            format!("#{alias}"),
        )
    } else {
        let Some(room) = shared_or_drill(inc, cfg.room.clone(), drill::config(ctx).exec_room)
        else {
            return Ok(Vec::new());
        };
        (matrix::join_room(&room, key("join"), &inc.id), room)
    };
    // Who the roster names, in Matrix: found while the room is made.
    let named = super::people::named(ctx, inc);
    let (opened, users) = tokio::join!(
        ctx.deliver(vec![open]),
        super::people::on_matrix(ctx, &named)
    );
    let mut results = opened?;
    let room = match (results[0].id.clone(), results[0].ok) {
        (Some(id), _) => id,
        (None, true) if ctx.dry_run() => placeholder,
        _ => return Ok(results),
    };
    results.extend(fill_matrix(ctx, inc, &room, own, text, &users).await?);
    Ok(results)
}

/// The rest of a Matrix room once it exists: topic ∥ roster → pin ∥ invites (pins, topic and
/// invites only in a room inc created). The roster pills each person Matrix knows (`users`).
/// Also run by `inc outbox retry` when a create that had failed goes through.
async fn fill_matrix(
    ctx: &Ctx,
    inc: &Incident,
    room: &str,
    own: bool,
    text: &str,
    users: &[(String, String)],
) -> CliResult<Vec<DeliveryResult>> {
    let key = |step: &str| format!("inc-{}-matrix-{step}", inc.id);
    let room = room.to_string();
    let mut results = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for (_, id) in users {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    let invite = async {
        if !own || ids.is_empty() {
            return Ok(Vec::new());
        }
        let invites = ids
            .iter()
            .map(|id| {
                matrix::invite(
                    &room,
                    id,
                    key(&format!("invite-{}", matrix::fnv(id))),
                    &inc.id,
                )
            })
            .collect();
        ctx.deliver(invites).await
    };
    let pill = |p: &str| match users.iter().find(|(who, _)| who.eq_ignore_ascii_case(p)) {
        Some((_, id)) => matrix::pill(id, p),
        None => matrix::html_text(p),
    };
    let html = with_roster(
        inc,
        text,
        matrix::html_text,
        messages::roster_with(inc, pill),
    )
    .replace('\n', "<br>");
    let topic = async {
        if own {
            ctx.deliver(vec![
                matrix::set_topic(&room, &topic(ctx, inc), key("topic"), &inc.id),
                incident_state(inc, &room),
            ])
            .await
        } else {
            Ok(Vec::new())
        }
    };
    let roster = async {
        let mut post = if ids.is_empty() {
            matrix::post(&room, text, key("roster"), Some(&inc.id))
        } else {
            matrix::post_mentioning(&room, text, &html, &ids, key("roster"), Some(&inc.id))
        };
        carry_declaration(&mut post, inc);
        let mut out = ctx.deliver(vec![post]).await?;
        if let Some(event) = out
            .first()
            .filter(|r| own && r.ok && !r.dry_run)
            .and_then(|r| r.id.clone())
        {
            out.extend(
                ctx.deliver(vec![matrix::pin(&room, &event, key("pin"), &inc.id)])
                    .await?,
            );
        }
        Ok::<_, crate::error::CliError>(out)
    };
    let (a, b, c) = tokio::join!(topic, roster, invite);
    results.extend(a?);
    results.extend(b?);
    results.extend(c?);
    Ok(results)
}

/// The Slack post of an executive update, with `@here` (a drill's starts with `[DRILL]`).
fn slack_exec_post(inc: &Incident, update: &ExecUpdate, channel: &str, key: &str) -> Delivery {
    let fallback = messages::tagged(
        inc,
        &format!("<!here> {}", slack::escape(&update.text(inc))),
    );
    let heading = format!(
        "<!here> *Executive update: {} {}*",
        inc.severity,
        slack::escape(inc.public_name())
    );
    let mut blocks: Vec<Value> = vec![json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": messages::tagged(inc, &heading) },
    })];
    for (k, v) in update.fields() {
        if !v.trim().is_empty() {
            blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": format!("*{k}*\n{}", slack::escape(v)) } }));
        }
    }
    slack::post(
        channel,
        &fallback,
        Some(Value::Array(blocks)),
        format!("{key}-slack"),
        Some(&inc.id),
    )
}

/// A drill's executive update (SPEC "Drills"): to `[drill] exec_channel` on Slack when set,
/// everywhere else to the incident room only; never to the real exec channel or room.
fn drill_exec_posts(ctx: &Ctx, inc: &Incident, update: &ExecUpdate, key: &str) -> Vec<Delivery> {
    let cfg = drill::config(ctx);
    let configured = |p: &str| {
        ctx.config().is_ok_and(|c| match p {
            slack::PROVIDER => c.values.slack.is_some(),
            _ => c.values.matrix.is_some(),
        })
    };
    let channel = cfg
        .exec_channel
        .filter(|c| !c.trim().is_empty() && configured(slack::PROVIDER));
    let room = cfg
        .exec_room
        .filter(|r| !r.trim().is_empty() && configured(matrix::PROVIDER));
    let mut out: Vec<Delivery> = room_posts(ctx, inc, &update.text(inc), key)
        .into_iter()
        .filter(|d| channel.is_none() || d.provider != slack::PROVIDER)
        .filter(|d| room.is_none() || d.provider != matrix::PROVIDER)
        .collect();
    if let Some(room) = room {
        out.insert(
            0,
            matrix::post(
                &room,
                &messages::tagged(inc, &update.text(inc)),
                format!("{key}-matrix"),
                Some(&inc.id),
            ),
        );
    }
    if let Some(channel) = channel {
        out.insert(0, slack_exec_post(inc, update, &channel, key));
    }
    out
}

/// The executive update for the exec room of each chat provider, with `@here`.
pub fn exec_posts(ctx: &Ctx, inc: &Incident, update: &ExecUpdate, key: &str) -> Vec<Delivery> {
    if inc.drill {
        return drill_exec_posts(ctx, inc, update, key);
    }
    let mut out = Vec::new();
    if let Some(cfg) = ctx.config().ok().and_then(|c| c.values.slack.clone())
        && let Some(channel) = cfg.exec_channel.as_deref()
    {
        out.push(slack_exec_post(inc, update, channel, key));
    }
    // hook: other chat providers push their exec-room post (with their @here/@room form) here
    if let Some(room) = ctx
        .config()
        .ok()
        .and_then(|c| c.values.matrix.as_ref()?.exec_room.clone())
    {
        out.push(matrix::post_room_mention(
            &room,
            &update.text(inc),
            format!("{key}-matrix"),
            Some(&inc.id),
        ));
    }
    let heading = format!("Executive update: {} {}", inc.severity, inc.public_name());
    out.extend(crate::providers::webhook::exec_posts(
        ctx.config().ok().and_then(|c| c.values.webhooks.as_ref()),
        &heading,
        &update.fields(),
        key,
        Some(&inc.id),
    ));
    out
}

/// After `inc outbox retry` delivered a room that had failed to open at declare, finish the
/// room (topic, roster, pin, invites) as declare would have.
pub async fn after_retry(ctx: &Ctx, r: &DeliveryResult) -> CliResult<Vec<DeliveryResult>> {
    let (Some(id), Some(inc_id)) = (r.id.as_deref(), r.delivery.incident.as_deref()) else {
        return Ok(Vec::new());
    };
    if !r.ok || r.dry_run {
        return Ok(Vec::new());
    }
    let inc = ctx.load(inc_id)?;
    let config = ctx.config()?;
    let text = messages::tagged(
        &inc,
        &[
            messages::declared(&inc),
            messages::roster(&inc),
            messages::contact_summary_in_room(&config.values.call, config.values.bot.as_ref()),
        ]
        .join("\n"),
    );
    let named = super::people::named(ctx, &inc);
    match (r.provider.as_str(), r.action.as_str()) {
        (slack::PROVIDER, "create_channel") => {
            let users = super::people::on_slack(ctx, &named).await;
            fill_slack(ctx, &inc, id, &text, &users).await
        }
        (matrix::PROVIDER, action @ ("create_room" | "join_room")) => {
            let users = super::people::on_matrix(ctx, &named).await;
            fill_matrix(ctx, &inc, id, action == "create_room", &text, &users).await
        }
        _ => Ok(Vec::new()),
    }
}

//! The social side of a public update (`[social]`: X, Mastodon, Bluesky): the same update as
//! the status page, fitted to each network's limit with the status page link kept, planned
//! before the IC's approval and sent through the delivery engine; the deletion of what inc
//! posted (`inc comms retract`); and the networks' rows in `inc doctor`.
//!
//! One update is one post per network, ever: its dedup key comes from the incident, the stage
//! and the words, so a retry, an outbox retry or a re-run of the same update finds the post the
//! journal (or the network) already has instead of making a second one.

use serde::Serialize;

use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::{CliError, CliResult};
use crate::model::{EventKind, Incident, Stage};
use crate::providers::social::{self, Link, Network};
use crate::providers::{Delivery, SendError, bluesky, mastodon, x};

/// One network's post of an update, as previewed and then as posted.
#[derive(Clone, Debug, Serialize)]
pub struct SocialPost {
    pub network: Network,
    /// The words as they go out (with the status page link, or a placeholder for a link the
    /// status page has yet to give).
    pub text: String,
    /// Its length as the network counts it, and the network's limit.
    pub length: usize,
    pub limit: usize,
    pub shortened: bool,
    /// The post this update already made (a re-run): nothing is sent again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub already: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ok: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The message part the link follows.
    #[serde(skip)]
    part: String,
    #[serde(skip)]
    key: String,
}

/// A post inc made that a retract deletes.
#[derive(Clone, Debug, Serialize)]
pub struct SocialDelete {
    pub network: Network,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ok: Option<bool>,
    #[serde(skip)]
    key: String,
}

/// The configured networks, in a fixed order.
pub fn networks(ctx: &Ctx) -> CliResult<Vec<Network>> {
    let Some(s) = &ctx.config()?.values.social else {
        return Ok(Vec::new());
    };
    Ok(Network::ALL
        .into_iter()
        .filter(|n| match n {
            Network::X => s.x.is_some(),
            Network::Mastodon => s.mastodon.is_some(),
            Network::Bluesky => s.bluesky.is_some(),
        })
        .collect())
}

/// The config key that names a network's secret.
fn secret_key(ctx: &Ctx, n: Network) -> String {
    let social = ctx.config().ok().and_then(|c| c.values.social.clone());
    let cmd = match n {
        Network::X => social.and_then(|s| s.x).and_then(|x| x.secret.token_cmd),
        Network::Mastodon => social
            .and_then(|s| s.mastodon)
            .and_then(|m| m.secret.token_cmd),
        Network::Bluesky => social.and_then(|s| s.bluesky).and_then(|b| b.password_cmd),
    };
    let field = match (n, cmd.is_some()) {
        (Network::Bluesky, true) => "password_cmd",
        (Network::Bluesky, false) => "password_env",
        (_, true) => "token_cmd",
        (_, false) => "token_env",
    };
    format!("social.{}.{field}", n.name())
}

/// The network's client is built and has its secret: else a configuration error (exit 78)
/// naming the key, before anything is sent.
fn ready(ctx: &Ctx, n: Network) -> CliResult<()> {
    let missing = match n {
        Network::X => ctx.x()?.credentials(),
        Network::Mastodon => ctx.mastodon()?.credentials(),
        Network::Bluesky => ctx.bluesky()?.credentials(),
    };
    missing.map_err(|e| {
        CliError::config(format!("{}: {e}", secret_key(ctx, n)))
            .hint("`inc doctor` checks every [social] account")
    })
}

/// Who a network's deliveries go to (for humans): X, the Mastodon instance, the Bluesky handle.
fn target(ctx: &Ctx, n: Network) -> CliResult<String> {
    Ok(match n {
        Network::X => "X".into(),
        Network::Mastodon => ctx.mastodon()?.host(),
        Network::Bluesky => format!("@{}", ctx.bluesky()?.handle()),
    })
}

/// The dedup key of an update on a network: the same stage and words are the same update.
fn key(inc: &Incident, n: Network, stage: Stage, message: &str) -> String {
    let h = crate::outbox::entry_id(&format!("{stage}\n{message}"));
    format!("inc-{}-social-{}-{h}", inc.id, n.name())
}

/// The post a delivery with `key` made, as the journal knows it.
fn journaled(inc: &Incident, n: Network, key: &str) -> Option<(String, Option<String>)> {
    inc.events.iter().rev().find_map(|e| match &e.kind {
        EventKind::Delivery {
            provider,
            action,
            ok: true,
            dedup_key: Some(k),
            id: Some(id),
            url,
            ..
        } if provider == n.name() && action == "post" && k == key => {
            Some((id.clone(), url.clone()))
        }
        _ => None,
    })
}

/// Plans the update's post on every configured network: fitted to its limit, the link kept.
/// A message that cannot fit is bad input (exit 2), a missing secret a config error (78);
/// both before anything is sent.
pub fn plan(
    ctx: &Ctx,
    inc: &Incident,
    stage: Stage,
    message: &str,
    link: Link<'_>,
) -> CliResult<Vec<SocialPost>> {
    let mut posts = Vec::new();
    for n in networks(ctx)? {
        let fitted = social::fit(n, message, link).map_err(|e| {
            CliError::usage(e).hint("shorten the message: nothing was posted anywhere")
        })?;
        if !ctx.dry_run() {
            ready(ctx, n)?;
        }
        let key = key(inc, n, stage, message);
        let already = journaled(inc, n, &key);
        let (text, _) = social::compose(n, &fitted.part, link);
        posts.push(SocialPost {
            network: n,
            text,
            length: fitted.length,
            limit: n.limit(),
            shortened: fitted.shortened,
            ok: already.as_ref().map(|_| true),
            id: already.as_ref().map(|(id, _)| id.clone()),
            url: already.as_ref().and_then(|(_, u)| u.clone()),
            already: already.map(|(id, _)| id),
            part: fitted.part,
            key,
        });
    }
    Ok(posts)
}

/// The deliveries of the planned posts not made yet, with the status page `link` now known.
pub fn post_deliveries(
    ctx: &Ctx,
    inc: &Incident,
    posts: &mut [SocialPost],
    link: Link<'_>,
) -> CliResult<Vec<Delivery>> {
    let mut out = Vec::new();
    for p in posts.iter_mut().filter(|p| p.already.is_none()) {
        let n = p.network;
        let (text, range) = social::compose(n, &p.part, link);
        p.text = text.clone();
        let target = target(ctx, n)?;
        out.push(match n {
            Network::X => x::post(&text, &inc.id, p.key.clone()),
            Network::Mastodon => mastodon::post(&text, &target, &inc.id, p.key.clone()),
            Network::Bluesky => {
                let mut links: Vec<(std::ops::Range<usize>, String)> = social::url_ranges(&p.part)
                    .into_iter()
                    .map(|r| (r.clone(), p.part[r].to_string()))
                    .collect();
                if let (Some(r), Link::Url(u)) = (range, link) {
                    links.push((r, u.to_string()));
                }
                let seed =
                    u64::from_str_radix(p.key.rsplit('-').next().unwrap_or("0"), 16).unwrap_or(0);
                bluesky::post(
                    ctx.bluesky()?.handle(),
                    &text,
                    &links,
                    ctx.now(),
                    &bluesky::update_rkey(inc.declared_at, seed),
                    &inc.id,
                    p.key.clone(),
                )
            }
        });
    }
    Ok(out)
}

/// Marks each post with what its delivery did.
pub fn record_posts(posts: &mut [SocialPost], results: &[DeliveryResult]) {
    for p in posts.iter_mut().filter(|p| p.already.is_none()) {
        if let Some(r) = results.iter().find(|r| r.delivery.dedup_key == p.key) {
            p.ok = (!r.dry_run).then_some(r.ok);
            p.id = r.id.clone();
            p.url = r.url.clone();
        }
    }
}

/// What inc posted about the incident on the configured networks and has not deleted yet.
pub fn plan_deletes(ctx: &Ctx, inc: &Incident) -> CliResult<Vec<SocialDelete>> {
    let configured = networks(ctx)?;
    let mut posted: Vec<SocialDelete> = Vec::new();
    for e in &inc.events {
        let EventKind::Delivery {
            provider,
            action,
            ok: true,
            id: Some(id),
            ..
        } = &e.kind
        else {
            continue;
        };
        let Some(n) = Network::from_name(provider) else {
            continue;
        };
        match action.as_str() {
            "post" if !posted.iter().any(|p| p.network == n && &p.id == id) => {
                posted.push(SocialDelete {
                    network: n,
                    id: id.clone(),
                    ok: None,
                    key: format!(
                        "inc-{}-social-{}-delete-{}",
                        inc.id,
                        n.name(),
                        crate::outbox::entry_id(id)
                    ),
                })
            }
            "delete" => posted.retain(|p| !(p.network == n && &p.id == id)),
            _ => {}
        }
    }
    for p in posted.iter().filter(|p| !configured.contains(&p.network)) {
        ctx.warn(format!(
            "{} post {} stays: [social] {} is no longer configured; delete it by hand",
            p.network.label(),
            p.id,
            p.network.name()
        ));
    }
    posted.retain(|p| configured.contains(&p.network));
    if !ctx.dry_run() {
        for n in configured {
            if posted.iter().any(|p| p.network == n) {
                ready(ctx, n)?;
            }
        }
    }
    Ok(posted)
}

/// The deletions, and the posts still waiting in the outbox dropped: a retracted update goes
/// out nowhere later.
pub fn delete_deliveries(
    ctx: &Ctx,
    inc: &Incident,
    deletes: &[SocialDelete],
) -> CliResult<Vec<Delivery>> {
    if !ctx.dry_run() {
        let outbox = ctx.outbox()?;
        for e in outbox.list() {
            let d = &e.delivery;
            if d.incident.as_deref() == Some(inc.id.as_str())
                && d.action == "post"
                && Network::from_name(&d.provider).is_some()
            {
                let _ = outbox.remove(&e.id);
                ctx.warn(format!(
                    "dropped the {} post waiting in the outbox ({})",
                    d.provider, e.id
                ));
            }
        }
    }
    let mut out = Vec::new();
    for p in deletes {
        let key = p.key.clone();
        out.push(match p.network {
            Network::X => x::delete(&p.id, &inc.id, key),
            Network::Mastodon => mastodon::delete(&p.id, &target(ctx, p.network)?, &inc.id, key),
            Network::Bluesky => {
                let Some(rkey) = bluesky::rkey_of(&p.id) else {
                    ctx.warn(format!("Bluesky post {} has no record key: skipped", p.id));
                    continue;
                };
                bluesky::delete(ctx.bluesky()?.handle(), rkey, &inc.id, key)
            }
        });
    }
    Ok(out)
}

/// Marks each deletion with what its delivery did.
pub fn record_deletes(deletes: &mut [SocialDelete], results: &[DeliveryResult]) {
    for d in deletes.iter_mut() {
        if let Some(r) = results.iter().find(|r| r.delivery.dedup_key == d.key) {
            d.ok = (!r.dry_run).then_some(r.ok);
        }
    }
}

// ---- Doctor ----

/// `inc doctor`'s rows for the configured networks: each secret, proven by a read-only call
/// (X `GET /2/users/me`, Mastodon `verify_credentials`, Bluesky `getSession`).
pub async fn doctor_rows(ctx: &Ctx) -> Vec<(&'static str, Option<bool>, String)> {
    let Ok(nets) = networks(ctx) else {
        return Vec::new();
    };
    let timeout = ctx
        .config()
        .map(|c| c.values.delivery.timeout.0)
        .unwrap_or(std::time::Duration::from_secs(10));
    let mut rows = Vec::new();
    for n in nets {
        let name: &'static str = match n {
            Network::X => "social x",
            Network::Mastodon => "social mastodon",
            Network::Bluesky => "social bluesky",
        };
        if let Err(e) = ready(ctx, n) {
            rows.push((name, Some(false), e.message));
            continue;
        }
        let (source, live) = match n {
            Network::X => match ctx.x() {
                Ok(c) => (
                    c.token_source().to_string(),
                    timed(timeout, c.check()).await,
                ),
                Err(e) => (String::new(), Err(e.message)),
            },
            Network::Mastodon => match ctx.mastodon() {
                Ok(c) => (
                    c.token_source().to_string(),
                    timed(timeout, c.check()).await,
                ),
                Err(e) => (String::new(), Err(e.message)),
            },
            Network::Bluesky => match ctx.bluesky() {
                Ok(c) => (
                    c.password_source().to_string(),
                    timed(timeout, c.check()).await,
                ),
                Err(e) => (String::new(), Err(e.message)),
            },
        };
        let what = if n == Network::Bluesky {
            "app password"
        } else {
            "token"
        };
        rows.push(match live {
            Ok(detail) => (name, Some(true), format!("{what} from {source}: {detail}")),
            Err(e) => (name, Some(false), format!("{what} from {source}: {e}")),
        });
    }
    rows
}

async fn timed(
    timeout: std::time::Duration,
    check: impl std::future::Future<Output = Result<String, SendError>>,
) -> Result<String, String> {
    tokio::time::timeout(timeout, check)
        .await
        .unwrap_or_else(|_| {
            Err(SendError::Transient {
                message: "timed out".into(),
                retry_after: None,
            })
        })
        .map_err(|e| e.to_string())
}

//! Chat webhooks (`[webhooks]`): Microsoft Teams (a Workflows webhook taking an Adaptive Card;
//! success is 202 with an empty body), Mattermost (Slack-compatible `{"text"}`; 200 `ok`) and
//! Discord (`content` + `allowed_mentions`; 204, or 200 with the message under `?wait=true`).
//!
//! A webhook URL is a secret: it is read from the variable named by `url_env` only when a
//! delivery is sent, so a [`Delivery`] holds the payload and the provider name, never the URL,
//! and every error is scrubbed of the URL and its secret parts before anyone sees it.
//!
//! Mentions: only inc's own `@here` on an executive update may ping. User text has `@everyone`,
//! `@here`, `@channel` and `@all` broken with a zero-width space, Mattermost text is escaped like
//! Slack's (so `<!channel>` stays text), and Discord posts say `allowed_mentions: {"parse": []}`
//! except the exec update (`["everyone"]`, which is what `@here` needs). Teams webhooks cannot
//! mention a channel: the exec card only stands out by its heading.

use serde_json::{Value, json};

use super::http;
use super::{Delivery, HttpRequest, Receipt, Request, SendError};
use crate::config::{Env, WebhookConfig, WebhooksConfig};

pub const TEAMS: &str = "teams";
pub const MATTERMOST: &str = "mattermost";
pub const DISCORD: &str = "discord";
/// Every webhook provider, in the order inc posts and reports them.
pub const PROVIDERS: [&str; 3] = [TEAMS, MATTERMOST, DISCORD];

/// Discord's limit on `content`.
pub const DISCORD_MAX: usize = 2000;
/// Discord's `SUPPRESS_EMBEDS` message flag (no link previews, like Slack's `unfurl_links: false`).
const SUPPRESS_EMBEDS: u64 = 1 << 2;
/// What the `base` of a webhook [`HttpRequest`] says: the URL comes from the config at send time.
const BASE: &str = "webhook";

/// How messages name a webhook provider.
pub fn display_name(provider: &str) -> &'static str {
    match provider {
        TEAMS => "Teams",
        MATTERMOST => "Mattermost",
        _ => "Discord",
    }
}

pub fn is_webhook(provider: &str) -> bool {
    PROVIDERS.contains(&provider)
}

/// The table of one webhook provider, if configured.
pub fn entry<'a>(cfg: &'a WebhooksConfig, provider: &str) -> Option<&'a WebhookConfig> {
    match provider {
        TEAMS => cfg.teams.as_ref(),
        MATTERMOST => cfg.mattermost.as_ref(),
        DISCORD => cfg.discord.as_ref(),
        _ => None,
    }
}

/// The configured webhook providers (none when there is no `[webhooks]` table).
pub fn configured(cfg: Option<&WebhooksConfig>) -> Vec<&'static str> {
    cfg.map(|c| {
        PROVIDERS
            .into_iter()
            .filter(|p| entry(c, p).is_some())
            .collect()
    })
    .unwrap_or_default()
}

/// Is at least one webhook configured?
pub fn any(cfg: Option<&WebhooksConfig>) -> bool {
    !configured(cfg).is_empty()
}

/// The webhook URL of `provider`, read from its variable now. Errors name the variable, never
/// the value. `https://` anywhere; plain `http://` only to a loopback host.
pub fn resolve_url(cfg: &WebhooksConfig, provider: &str, env: &Env) -> Result<url::Url, String> {
    let Some(w) = entry(cfg, provider) else {
        return Err(format!("[webhooks] {provider} is not configured"));
    };
    let var = w.url_env.trim();
    if var.is_empty() {
        return Err(format!("[webhooks] {provider}: url_env is empty"));
    }
    let Some(raw) = env.get(var).map(str::trim).filter(|v| !v.is_empty()) else {
        return Err(format!("${var} is not set"));
    };
    let url = url::Url::parse(raw).map_err(|e| format!("${var} is not a URL ({e})"))?;
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if crate::config::is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "${var} uses plain http:// to a non-loopback host; use https://"
        )),
        "https" => Err(format!("${var} has no host")),
        other => Err(format!("${var} uses {other}://; use https://")),
    }
}

/// `inc doctor`: one row per configured webhook, from the configuration alone (nothing is sent).
/// Each row is (provider, ok, detail); the detail shows at most the URL's host.
pub fn doctor_rows(cfg: &WebhooksConfig, env: &Env) -> Vec<(&'static str, bool, String)> {
    configured(Some(cfg))
        .into_iter()
        .map(|p| {
            let var = entry(cfg, p).map(|w| w.url_env.trim()).unwrap_or_default();
            match resolve_url(cfg, p, env) {
                Ok(u) => (
                    p,
                    true,
                    format!(
                        "URL from ${var}: {}://{}/… (not posted to; `inc doctor --send-test` posts a test message)",
                        u.scheme(),
                        host(&u)
                    ),
                ),
                Err(e) => (p, false, e),
            }
        })
        .collect()
}

fn host(u: &url::Url) -> String {
    match (u.host_str(), u.port()) {
        (Some(h), Some(port)) => format!("{h}:{port}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

// ---- Pure builders ----

/// Breaks the group mentions a user could type (`@everyone`, `@here`, `@channel`, `@all`) with
/// a zero-width space after the `@`, so that only inc's own `@here` can ping a room.
pub fn defuse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        out.push(c);
        if c != '@' {
            continue;
        }
        let word: String = s[i + 1..]
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect::<String>()
            .to_ascii_lowercase();
        if ["everyone", "here", "channel"]
            .iter()
            .any(|g| word.starts_with(g))
            || word == "all"
        {
            out.push('\u{200B}');
        }
    }
    out
}

/// Cuts `s` to at most `max` characters (counted both as code points and as UTF-16 units, so
/// an emoji never pushes it over), ending with `…` when it was cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max && s.encode_utf16().count() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut units = 0;
    for c in s.chars() {
        if units + c.len_utf16() > max - 1 {
            break;
        }
        units += c.len_utf16();
        out.push(c);
    }
    out.push('…');
    out
}

/// What to post: an optional heading, plain text (lines), and facts (name, value).
struct Message<'a> {
    heading: Option<&'a str>,
    text: &'a str,
    facts: &'a [(&'a str, &'a str)],
    /// Ping the room (`@here`): only the executive update.
    here: bool,
}

impl Message<'_> {
    /// The whole message as plain text (Teams' `fallbackText`).
    fn plain(&self) -> String {
        let mut parts: Vec<String> = self.heading.map(str::to_string).into_iter().collect();
        if !self.text.trim().is_empty() {
            parts.push(self.text.to_string());
        }
        for (k, v) in self.facts {
            parts.push(format!("{k}: {v}"));
        }
        parts.join("\n")
    }
}

fn teams_body(m: &Message) -> Value {
    let mut body: Vec<Value> = Vec::new();
    if let Some(h) = m.heading {
        body.push(json!({ "type": "TextBlock", "text": h, "weight": "Bolder", "size": "Medium", "wrap": true }));
    }
    for line in m.text.lines().filter(|l| !l.trim().is_empty()) {
        let mut block = json!({ "type": "TextBlock", "text": line, "wrap": true });
        if !body.is_empty() {
            block["spacing"] = json!("Small");
        }
        body.push(block);
    }
    if !m.facts.is_empty() {
        let facts: Vec<Value> = m
            .facts
            .iter()
            .map(|(k, v)| json!({ "title": k, "value": v }))
            .collect();
        body.push(json!({ "type": "FactSet", "facts": facts }));
    }
    // Version 1.4: the highest that Teams Workflows webhooks render (shared/notes/apis.md §6).
    let card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "fallbackText": m.plain(),
    });
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }],
    })
}

fn mattermost_body(m: &Message) -> Value {
    let esc = |s: &str| defuse(&super::slack::escape(s));
    let mut lines = Vec::new();
    if let Some(h) = m.heading {
        lines.push(format!("**{}**", esc(h)));
    }
    if !m.text.trim().is_empty() {
        lines.push(esc(m.text));
    }
    for (k, v) in m.facts {
        lines.push(format!("**{k}:** {}", esc(v)));
    }
    let mut text = lines.join("\n");
    if m.here {
        text = format!("@here {text}");
    }
    json!({ "text": text })
}

fn discord_body(m: &Message) -> Value {
    let mut lines = Vec::new();
    if let Some(h) = m.heading {
        lines.push(format!("**{}**", defuse(h)));
    }
    if !m.text.trim().is_empty() {
        lines.push(defuse(m.text));
    }
    for (k, v) in m.facts {
        lines.push(format!("**{k}:** {}", defuse(v)));
    }
    let mut content = lines.join("\n");
    if m.here {
        content = format!("@here {content}");
    }
    let parse: &[&str] = if m.here { &["everyone"] } else { &[] };
    json!({
        "content": truncate(&content, DISCORD_MAX),
        "allowed_mentions": { "parse": parse },
        "flags": SUPPRESS_EMBEDS,
    })
}

fn delivery(
    provider: &str,
    action: &str,
    m: &Message,
    dedup_key: String,
    inc_id: Option<&str>,
) -> Delivery {
    let body = match provider {
        TEAMS => teams_body(m),
        MATTERMOST => mattermost_body(m),
        _ => discord_body(m),
    };
    let mut req = HttpRequest::post("", body).on(BASE);
    if provider == DISCORD {
        // Discord answers with the message (its id goes to the journal) instead of a bare 204.
        req.query.push(("wait".into(), "true".into()));
    }
    Delivery {
        provider: provider.into(),
        action: action.into(),
        target: format!("{provider} webhook"),
        dedup_key,
        incident: inc_id.map(str::to_string),
        request: Request::Http(req),
    }
}

/// A post of `text` (plain, unescaped; lines) through one webhook.
pub fn post(provider: &str, text: &str, dedup_key: String, inc_id: Option<&str>) -> Delivery {
    let m = Message {
        heading: None,
        text,
        facts: &[],
        here: false,
    };
    delivery(provider, "post", &m, dedup_key, inc_id)
}

/// The executive update: a heading and its fields, with `@here` where the provider has one.
pub fn exec_post(
    provider: &str,
    heading: &str,
    fields: &[(&str, &str)],
    dedup_key: String,
    inc_id: Option<&str>,
) -> Delivery {
    let facts: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .copied()
        .collect();
    let m = Message {
        heading: Some(heading),
        text: "",
        facts: &facts,
        here: true,
    };
    delivery(provider, "exec_update", &m, dedup_key, inc_id)
}

/// `post` to every configured webhook; keys are `{key}-{provider}`.
pub fn posts(
    cfg: Option<&WebhooksConfig>,
    text: &str,
    key: &str,
    inc_id: Option<&str>,
) -> Vec<Delivery> {
    configured(cfg)
        .into_iter()
        .map(|p| post(p, text, format!("{key}-{p}"), inc_id))
        .collect()
}

/// `exec_post` to every configured webhook; keys are `{key}-{provider}`.
pub fn exec_posts(
    cfg: Option<&WebhooksConfig>,
    heading: &str,
    fields: &[(&str, &str)],
    key: &str,
    inc_id: Option<&str>,
) -> Vec<Delivery> {
    configured(cfg)
        .into_iter()
        .map(|p| exec_post(p, heading, fields, format!("{key}-{p}"), inc_id))
        .collect()
}

/// `inc doctor --send-test`: one short message per configured webhook.
pub fn test_posts(cfg: Option<&WebhooksConfig>, key: &str) -> Vec<Delivery> {
    configured(cfg)
        .into_iter()
        .map(|p| {
            let mut d = post(
                p,
                "inc doctor: test message (this webhook works)",
                format!("{key}-{p}"),
                None,
            );
            d.action = "test_post".into();
            d
        })
        .collect()
}

// ---- The client ----

/// Sends webhook deliveries; resolves each URL from its variable at send time.
pub struct Client {
    http: reqwest::Client,
    cfg: WebhooksConfig,
    env: Env,
}

impl Client {
    /// Why `provider`'s webhook URL (its secret) cannot be had, naming its variable; asked
    /// before anything is sent.
    pub fn secret_error(&self, provider: &str) -> Option<String> {
        resolve_url(&self.cfg, provider, &self.env).err()
    }

    pub fn new(http: reqwest::Client, cfg: &WebhooksConfig, env: &Env) -> Client {
        Client {
            http,
            cfg: cfg.clone(),
            env: env.clone(),
        }
    }

    pub async fn send(&self, d: &Delivery) -> Result<Receipt, SendError> {
        let Request::Http(req) = &d.request else {
            return Err(SendError::Rejected {
                status: None,
                message: "not an HTTP delivery".into(),
            });
        };
        let provider = d.provider.as_str();
        let Some(w) = entry(&self.cfg, provider) else {
            return Err(SendError::NotConfigured(format!("[webhooks] {provider}")));
        };
        let var = w.url_env.trim();
        // A missing or broken URL is a credential problem: kept in the outbox until it is fixed.
        let mut url = resolve_url(&self.cfg, provider, &self.env).map_err(|e| SendError::Auth {
            message: format!("{provider} webhook: {e}"),
        })?;
        if !req.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(req.query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        let method =
            reqwest::Method::from_bytes(req.method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let body = req.body.clone().unwrap_or(Value::Null);
        let request = self
            .http
            .request(method, url.clone())
            .header("Content-Type", "application/json")
            .body(serde_json::to_vec(&body).expect("json"));
        let hint = format!("check the webhook URL in ${var}");
        let said: fn(&Value) -> Option<String> = match provider {
            TEAMS => teams_error,
            MATTERMOST => mattermost_error,
            _ => discord_error,
        };
        // A 2xx is delivered whatever follows it: the answer carries nothing inc needs, and a
        // webhook has no key to recognise a repeat by, so a lost answer is not worth a retry.
        let api = http::Api {
            json: false,
            ..http::Api::new(display_name(provider), said, &hint)
        };
        let resp = http::execute(request, &api)
            .await
            .map_err(|e| scrub_error(e, &url, &hint))?;
        // Classic Teams connectors report throttling inside a 200 (shared/notes/apis.md §6).
        if provider == TEAMS
            && let Value::String(s) = &resp.body
            && s.contains("HTTP error 429")
        {
            return Err(SendError::Transient {
                message: "Teams is throttling this webhook (HTTP error 429)".into(),
                retry_after: None,
            });
        }
        let id = (provider == DISCORD)
            .then(|| resp.body["id"].as_str().map(str::to_string))
            .flatten();
        Ok(Receipt {
            id,
            url: None,
            note: None,
            body: resp.body,
        })
    }
}

fn teams_error(b: &Value) -> Option<String> {
    b["error"]["message"]
        .as_str()
        .or(b["message"].as_str())
        .map(str::to_string)
}

fn mattermost_error(b: &Value) -> Option<String> {
    b["message"].as_str().map(str::to_string)
}

fn discord_error(b: &Value) -> Option<String> {
    let message = b["message"].as_str()?;
    match &b["errors"] {
        Value::Null => Some(message.to_string()),
        errors => Some(format!(
            "{message} {}",
            errors.to_string().chars().take(200).collect::<String>()
        )),
    }
}

/// The parts of a webhook URL that must never be shown: the URL itself, its path and query,
/// and every path segment or query value that looks like an id or a token.
fn secret_parts(url: &url::Url) -> Vec<String> {
    let mut parts = vec![url.as_str().to_string(), url.path().to_string()];
    let mut bare = url.clone();
    bare.set_query(None);
    parts.push(bare.as_str().to_string());
    if let Some(q) = url.query() {
        parts.push(q.to_string());
    }
    let looks_secret =
        |s: &str| s.len() >= 16 || (s.len() >= 6 && s.chars().any(|c| c.is_ascii_digit()));
    for seg in url.path_segments().into_iter().flatten() {
        if looks_secret(seg) {
            parts.push(seg.to_string());
        }
    }
    for (_, v) in url.query_pairs() {
        if looks_secret(&v) {
            parts.push(v.into_owned());
        }
    }
    parts.retain(|p| p.len() > 1);
    // Longest first, so the URL goes before its own parts.
    parts.sort_by_key(|p| std::cmp::Reverse(p.len()));
    parts.dedup();
    parts
}

/// `text` with every secret part of `url` replaced by `***`.
pub fn scrub(text: &str, url: &url::Url) -> String {
    let mut out = text.to_string();
    for part in secret_parts(url) {
        out = out.replace(&part, "***");
    }
    out
}

fn scrub_error(e: SendError, url: &url::Url, hint: &str) -> SendError {
    match e {
        SendError::Transient {
            message,
            retry_after,
        } => SendError::Transient {
            message: scrub(&message, url),
            retry_after,
        },
        SendError::Rejected { status, message } => {
            let mut message = scrub(&message, url);
            // A 404 or 410 means the webhook was deleted or the URL is wrong.
            if matches!(status, Some(404 | 410)) {
                message = format!("{message}; {hint}");
            }
            SendError::Rejected { status, message }
        }
        SendError::Auth { message } => SendError::Auth {
            message: scrub(&message, url),
        },
        SendError::Unconfirmed { message } => SendError::Unconfirmed {
            message: scrub(&message, url),
        },
        SendError::NotConfigured(s) => SendError::NotConfigured(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(d: &Delivery) -> &Value {
        let Request::Http(h) = &d.request else {
            panic!("http")
        };
        h.body.as_ref().unwrap()
    }

    #[test]
    fn deliveries_hold_no_url() {
        let d = post(DISCORD, "hello", "k".into(), Some("i"));
        let s = serde_json::to_string(&d).unwrap();
        assert!(!s.contains("://"), "{s}");
        assert_eq!(d.target, "discord webhook");
        let Request::Http(h) = &d.request else {
            panic!("http")
        };
        assert_eq!(h.base, "webhook");
        assert_eq!(h.query, vec![("wait".to_string(), "true".to_string())]);
    }

    #[test]
    fn user_group_mentions_are_defused() {
        assert_eq!(
            defuse("hi @everyone and @Here"),
            "hi @\u{200B}everyone and @\u{200B}Here"
        );
        assert_eq!(defuse("@channel, @all."), "@\u{200B}channel, @\u{200B}all.");
        assert_eq!(
            defuse("mail ann@example.com or @allison"),
            "mail ann@example.com or @allison"
        );
        let d = post(DISCORD, "@everyone <!channel>", "k".into(), None);
        assert_eq!(body(&d)["allowed_mentions"], json!({ "parse": [] }));
        assert!(!body(&d)["content"].as_str().unwrap().contains("@everyone"));
        let m = post(MATTERMOST, "@here <!channel> & co", "k".into(), None);
        assert_eq!(body(&m)["text"], "@\u{200B}here &lt;!channel&gt; &amp; co");
    }

    #[test]
    fn exec_updates_ping_only_with_incs_own_here() {
        let fields = [("Current state", "@everyone look"), ("Customer impact", "")];
        let d = exec_post(
            DISCORD,
            "Executive update: SEV-1 x",
            &fields,
            "k".into(),
            None,
        );
        let content = body(&d)["content"].as_str().unwrap();
        assert!(content.starts_with("@here "), "{content}");
        assert_eq!(content.matches("@here").count(), 1);
        assert!(!content.contains("@everyone") && !content.contains("Customer impact"));
        assert_eq!(
            body(&d)["allowed_mentions"],
            json!({ "parse": ["everyone"] })
        );
        let m = exec_post(MATTERMOST, "Executive update", &fields, "k".into(), None);
        assert!(
            body(&m)["text"]
                .as_str()
                .unwrap()
                .starts_with("@here **Executive update**")
        );
        let t = exec_post(TEAMS, "Executive update", &fields, "k".into(), None);
        let card = &body(&t)["attachments"][0]["content"];
        assert_eq!(card["type"], "AdaptiveCard");
        assert_eq!(
            card["body"][1]["facts"],
            json!([{ "title": "Current state", "value": "@everyone look" }])
        );
    }

    #[test]
    fn discord_content_is_cut_safely() {
        let long = "é".repeat(3000);
        let d = post(DISCORD, &long, "k".into(), None);
        let c = body(&d)["content"].as_str().unwrap();
        assert_eq!(c.chars().count(), DISCORD_MAX);
        assert!(c.ends_with('…'));
        let emoji = "🔥".repeat(1500);
        let c = truncate(&emoji, DISCORD_MAX);
        assert!(c.encode_utf16().count() <= DISCORD_MAX);
        assert_eq!(truncate("short", DISCORD_MAX), "short");
    }

    #[test]
    fn urls_come_from_the_named_variable_and_errors_never_show_them() {
        let cfg = WebhooksConfig {
            discord: Some(WebhookConfig {
                url_env: "HOOK".into(),
            }),
            ..Default::default()
        };
        let secret = "http://10.1.2.3/api/webhooks/123456789/TOKENtokenTOKEN";
        let env = Env::from_pairs([("HOOK", secret)]);
        let e = resolve_url(&cfg, DISCORD, &env).unwrap_err();
        assert!(
            e.contains("$HOOK") && !e.contains("10.1.2.3") && !e.contains("TOKEN"),
            "{e}"
        );
        assert!(
            resolve_url(&cfg, DISCORD, &Env::default())
                .unwrap_err()
                .contains("$HOOK is not set")
        );
        let env = Env::from_pairs([("HOOK", "not a url TOKENtokenTOKEN")]);
        assert!(
            !resolve_url(&cfg, DISCORD, &env)
                .unwrap_err()
                .contains("TOKEN")
        );
        let env = Env::from_pairs([(
            "HOOK",
            "https://discord.com/api/webhooks/123456789/TOKENtokenTOKEN",
        )]);
        let url = resolve_url(&cfg, DISCORD, &env).unwrap();
        let rows = doctor_rows(&cfg, &env);
        assert!(
            rows[0].1 && rows[0].2.contains("discord.com") && !rows[0].2.contains("TOKEN"),
            "{rows:?}"
        );
        let said = format!("Cannot POST {} ({})", url.path(), url);
        let clean = scrub(&said, &url);
        assert!(
            !clean.contains("TOKEN") && !clean.contains("123456789"),
            "{clean}"
        );
    }

    /// Property tests: whatever the user's text, Discord and Mattermost posts carry no group
    /// mention (`@everyone`, `@here`, `@channel`, `@all`, Slack-style `<!here>`) but inc's own
    /// `@here` on an exec update; Discord's `allowed_mentions` allows nothing else; Teams cards
    /// build; nothing panics and Discord's limit holds.
    mod props {
        use super::*;
        use crate::providers::slack::tests::props::hostile;
        use proptest::prelude::*;

        /// Group mentions a platform would act on: `@` + a group name, any case, not followed
        /// by a letter or digit (`@hereafter` is a person).
        fn group_mentions(text: &str) -> usize {
            text.match_indices('@')
                .filter(|(i, _)| {
                    let rest = &text[i + 1..];
                    ["everyone", "here", "channel", "all"].iter().any(|g| {
                        rest.get(..g.len())
                            .is_some_and(|w| w.eq_ignore_ascii_case(g))
                            && !rest[g.len()..]
                                .chars()
                                .next()
                                .is_some_and(|c| c.is_ascii_alphanumeric())
                    })
                })
                .count()
        }

        fn webhook_hostile() -> impl Strategy<Value = String> {
            prop_oneof![
                hostile(),
                prop::collection::vec(
                    prop::sample::select(vec![
                        "@everyone",
                        "@EVERYONE",
                        "@here",
                        "@Here",
                        "@channel",
                        "@all",
                        "@all.",
                        "@all_hands",
                        "@@here",
                        "@\u{200B}here",
                        "＠here",
                        "@",
                        "here",
                        "<@&1>",
                        "<@1>",
                        "**",
                        "`",
                        "x",
                        " ",
                        "\n",
                        "🔥",
                    ]),
                    0..40,
                )
                .prop_map(|v| v.concat()),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn posts_mention_no_group(text in webhook_hostile()) {
                let d = post(DISCORD, &text, "k".into(), None);
                let c = body(&d)["content"].as_str().unwrap().to_string();
                prop_assert_eq!(group_mentions(&c), 0, "discord: {:?}", c);
                prop_assert_eq!(&body(&d)["allowed_mentions"], &json!({ "parse": [] }));
                prop_assert!(c.chars().count() <= DISCORD_MAX && c.encode_utf16().count() <= DISCORD_MAX);
                let m = post(MATTERMOST, &text, "k".into(), None);
                let t = body(&m)["text"].as_str().unwrap().to_string();
                prop_assert_eq!(group_mentions(&t), 0, "mattermost: {:?}", t);
                prop_assert!(!t.contains("<!") && !t.contains("<@"), "mattermost: {:?}", t);
                let teams = post(TEAMS, &text, "k".into(), None);
                prop_assert_eq!(&body(&teams)["type"], "message");
                prop_assert!(!serde_json::to_string(body(&teams)).unwrap().contains("msteams"));
            }

            #[test]
            fn exec_updates_ping_only_with_incs_here(
                title in webhook_hostile(),
                state in webhook_hostile(),
                impact in webhook_hostile(),
            ) {
                let heading = format!("Executive update: SEV-1 {title}");
                let fields = [("Current state", state.as_str()), ("Customer impact", impact.as_str())];
                let d = exec_post(DISCORD, &heading, &fields, "k".into(), None);
                let c = body(&d)["content"].as_str().unwrap().to_string();
                prop_assert!(c.starts_with("@here "), "{:?}", c);
                prop_assert_eq!(group_mentions(&c), 1, "discord: {:?}", c);
                prop_assert_eq!(&body(&d)["allowed_mentions"], &json!({ "parse": ["everyone"] }));
                let m = exec_post(MATTERMOST, &heading, &fields, "k".into(), None);
                let t = body(&m)["text"].as_str().unwrap().to_string();
                prop_assert!(t.starts_with("@here "), "{:?}", t);
                prop_assert_eq!(group_mentions(&t), 1, "mattermost: {:?}", t);
                let _ = exec_post(TEAMS, &heading, &fields, "k".into(), None);
            }

            #[test]
            fn truncation_never_panics_and_fits(s in proptest::arbitrary::any::<String>(), max in 1usize..50) {
                let t = truncate(&s, max);
                prop_assert!(t.chars().count() <= max && t.encode_utf16().count() <= max);
            }
        }
    }
}

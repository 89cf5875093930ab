//! What `inc bot` reads and writes on Matrix besides posts: the `/sync` long poll with an
//! uploaded filter, a command's annotations (`/relations`, the claims of several bots), and the
//! builders of its writes: a claim reaction, a threaded reply that mentions only the sender,
//! an edit (`m.replace`) of its status message. Every write is a [`Delivery`] with a
//! transaction id derived from the command it answers, so two bots (or a retry) write once.

use std::time::Duration;

use serde_json::{Value, json};

use super::{CS, Client, PROVIDER, classify, enc, txn_id};
use crate::providers::{Delivery, HttpRequest, Request, SendError};

/// The room state event that records a stalk (`!status stalk`): who keeps it, its message.
pub const STALK_STATE: &str = "org.inc.stalk";

/// What a bot's claim reaction says (its key is `👀 inc bot INSTANCE`).
pub const CLAIM_PREFIX: &str = "👀 inc bot ";

/// The filter of the bot's `/sync`: messages and inc's own state in joined rooms, nothing else
/// (no presence, no receipts, no typing, no account data, members loaded lazily).
pub fn sync_filter(timeline_limit: u32) -> Value {
    let types = json!([
        "m.room.message",
        STALK_STATE,
        crate::model::wire::MATRIX_STATE_TYPE
    ]);
    json!({
        "presence": { "not_types": ["*"] },
        "account_data": { "not_types": ["*"] },
        "room": {
            "timeline": { "types": types, "limit": timeline_limit },
            "state": {
                "types": [STALK_STATE, crate::model::wire::MATRIX_STATE_TYPE, "m.room.member"],
                "lazy_load_members": true,
            },
            "ephemeral": { "not_types": ["*"] },
            "account_data": { "not_types": ["*"] },
        },
    })
}

/// Where a reply goes: the command's event, its sender, and the thread it was typed in.
#[derive(Clone, Debug)]
pub struct ReplyTo {
    pub event_id: String,
    pub sender: String,
    /// The thread root, when the command was typed in a thread.
    pub thread: Option<String>,
}

fn delivery(
    action: &str,
    room: &str,
    dedup_key: String,
    inc: Option<&str>,
    path: String,
    body: Value,
) -> Delivery {
    Delivery {
        provider: PROVIDER.into(),
        action: action.into(),
        target: room.into(),
        dedup_key,
        incident: inc.map(str::to_string),
        request: Request::Http(HttpRequest::put(path, body)),
    }
}

fn send_path(room: &str, event_type: &str, dedup_key: &str) -> String {
    format!(
        "{CS}/rooms/{}/send/{event_type}/{}",
        enc(room),
        enc(&txn_id(dedup_key))
    )
}

/// A claim: an annotation of the command naming this bot.
pub fn claim(room: &str, event_id: &str, instance: &str, dedup_key: String) -> Delivery {
    let body = json!({
        "m.relates_to": {
            "rel_type": "m.annotation",
            "event_id": event_id,
            "key": format!("{CLAIM_PREFIX}{instance}"),
        }
    });
    let path = send_path(room, "m.reaction", &dedup_key);
    delivery("claim", room, dedup_key, None, path, body)
}

/// A plain-text reply in the command's thread (or as a reply to it), mentioning only its
/// sender.
pub fn reply(
    room: &str,
    to: &ReplyTo,
    text: &str,
    dedup_key: String,
    inc: Option<&str>,
) -> Delivery {
    let relates = match &to.thread {
        Some(root) => json!({
            "rel_type": "m.thread",
            "event_id": root,
            "is_falling_back": true,
            "m.in_reply_to": { "event_id": to.event_id },
        }),
        None => json!({ "m.in_reply_to": { "event_id": to.event_id } }),
    };
    let body = json!({
        "msgtype": "m.text",
        "body": text,
        "m.mentions": { "user_ids": [to.sender] },
        "m.relates_to": relates,
    });
    let path = send_path(room, "m.room.message", &dedup_key);
    // `post`: the shared record reads it back like any post that carries an event.
    delivery("post", room, dedup_key, inc, path, body)
}

/// An edit of one of the bot's messages (`m.replace`): the new text, and `extra` fields in the
/// new content and the edit itself (a stalk's heartbeat).
pub fn edit(
    room: &str,
    original: &str,
    text: &str,
    extra: Option<(&str, Value)>,
    dedup_key: String,
    inc: Option<&str>,
) -> Delivery {
    let mut new_content = json!({ "msgtype": "m.text", "body": text, "m.mentions": {} });
    let mut body = json!({
        "msgtype": "m.text",
        "body": format!("* {text}"),
        "m.mentions": {},
        "m.new_content": new_content.clone(),
        "m.relates_to": { "rel_type": "m.replace", "event_id": original },
    });
    if let Some((k, v)) = extra {
        new_content[k] = v.clone();
        body["m.new_content"] = new_content;
        body[k] = v;
    }
    let path = send_path(room, "m.room.message", &dedup_key);
    delivery("edit", room, dedup_key, inc, path, body)
}

/// The room state that records a stalk.
pub fn stalk_state(room: &str, content: Value, dedup_key: String, inc: Option<&str>) -> Delivery {
    delivery(
        "set_state",
        room,
        dedup_key,
        inc,
        format!("{CS}/rooms/{}/state/{}/", enc(room), enc(STALK_STATE)),
        content,
    )
}

impl Client {
    /// The account's user id (`whoami`, asked once per run).
    pub async fn whoami(&self) -> Result<String, SendError> {
        self.user_id().await
    }

    /// Uploads a filter (`POST /user/{userId}/filter`) and returns its id.
    pub async fn upload_filter(&self, filter: &Value) -> Result<String, SendError> {
        let me = self.user_id().await?;
        let b = self
            .call(
                "POST",
                &format!("{CS}/user/{}/filter", enc(&me)),
                Some(filter),
            )
            .await?;
        b["filter_id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| SendError::Rejected {
                status: None,
                message: "Matrix: the homeserver answered a filter upload without filter_id".into(),
            })
    }

    /// One `/sync` long poll: the homeserver holds it up to `timeout` when nothing is new.
    /// `filter` is a filter id or inline JSON; `full_state` asks for every state event again.
    pub async fn sync(
        &self,
        since: Option<&str>,
        filter: &str,
        timeout: Duration,
        full_state: bool,
    ) -> Result<Value, SendError> {
        let mut q = vec![
            ("filter".to_string(), filter.to_string()),
            ("timeout".to_string(), timeout.as_millis().to_string()),
            ("set_presence".to_string(), "offline".to_string()),
        ];
        if let Some(s) = since {
            q.push(("since".into(), s.to_string()));
        }
        if full_state {
            q.push(("full_state".into(), "true".into()));
        }
        // The long poll's own time, and a margin for the answer.
        let limit = timeout + Duration::from_secs(20);
        match tokio::time::timeout(limit, self.raw_q("GET", &format!("{CS}/sync"), &q, None)).await
        {
            Ok(r) => r.map_err(|e| self.redact(classify(e, &self.hint()))),
            Err(_) => Err(SendError::Transient {
                message: format!("Matrix: /sync did not answer within {} s", limit.as_secs()),
                retry_after: None,
            }),
        }
    }

    /// The annotations of an event, oldest first (`/relations/{id}/m.annotation?dir=f`): the
    /// room's own order, which decides between the claims of several bots.
    pub async fn annotations(&self, room: &str, event_id: &str) -> Result<Vec<Value>, SendError> {
        let path = format!(
            "/_matrix/client/v1/rooms/{}/relations/{}/m.annotation",
            enc(room),
            enc(event_id)
        );
        let mut out = Vec::new();
        let mut from: Option<String> = None;
        for _ in 0..5 {
            let mut q = vec![
                ("dir".to_string(), "f".to_string()),
                ("limit".to_string(), "50".to_string()),
            ];
            if let Some(f) = &from {
                q.push(("from".into(), f.clone()));
            }
            let b = self
                .raw_q("GET", &path, &q, None)
                .await
                .map_err(|e| self.redact(classify(e, &self.hint())))?;
            out.extend(b["chunk"].as_array().cloned().unwrap_or_default());
            match b["next_batch"].as_str() {
                Some(n) => from = Some(n.to_string()),
                None => break,
            }
        }
        Ok(out)
    }

    /// The room's newest messages (newest first): what a shared room's record says lately.
    pub async fn recent(&self, room: &str, limit: u32) -> Result<Vec<Value>, SendError> {
        let path = format!("{CS}/rooms/{}/messages", enc(room));
        let q = vec![
            ("dir".to_string(), "b".to_string()),
            ("limit".to_string(), limit.to_string()),
            (
                "filter".to_string(),
                json!({ "types": ["m.room.message"] }).to_string(),
            ),
        ];
        let b = self
            .raw_q("GET", &path, &q, None)
            .await
            .map_err(|e| self.redact(classify(e, &self.hint())))?;
        Ok(b["chunk"].as_array().cloned().unwrap_or_default())
    }

    /// The room's messages before `from` (newest first), for a gap in `/sync`.
    pub async fn messages_before(
        &self,
        room: &str,
        from: &str,
        limit: u32,
    ) -> Result<Vec<Value>, SendError> {
        let path = format!("{CS}/rooms/{}/messages", enc(room));
        let q = vec![
            ("dir".to_string(), "b".to_string()),
            ("from".to_string(), from.to_string()),
            ("limit".to_string(), limit.to_string()),
            (
                "filter".to_string(),
                json!({ "types": ["m.room.message"] }).to_string(),
            ),
        ];
        let b = self
            .raw_q("GET", &path, &q, None)
            .await
            .map_err(|e| self.redact(classify(e, &self.hint())))?;
        Ok(b["chunk"].as_array().cloned().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(d: &Delivery) -> Value {
        let Request::Http(h) = &d.request else {
            panic!()
        };
        h.body.clone().unwrap()
    }

    fn path(d: &Delivery) -> String {
        let Request::Http(h) = &d.request else {
            panic!()
        };
        h.path.clone()
    }

    #[test]
    fn a_reply_mentions_only_the_sender_and_keeps_the_thread() {
        let to = ReplyTo {
            event_id: "$cmd".into(),
            sender: "@ann:example.com".into(),
            thread: None,
        };
        let d = reply(
            "!r:x",
            &to,
            "✔ noted @room",
            "bot-abc-reply".into(),
            Some("i"),
        );
        let b = body(&d);
        assert_eq!(b["m.mentions"], json!({ "user_ids": ["@ann:example.com"] }));
        assert_eq!(b["m.relates_to"]["m.in_reply_to"]["event_id"], "$cmd");
        assert!(path(&d).ends_with("/send/m.room.message/bot-abc-reply"));
        let threaded = ReplyTo {
            thread: Some("$root".into()),
            ..to
        };
        let b = body(&reply("!r:x", &threaded, "x", "k".into(), None));
        assert_eq!(b["m.relates_to"]["rel_type"], "m.thread");
        assert_eq!(b["m.relates_to"]["event_id"], "$root");
        assert_eq!(b["m.relates_to"]["m.in_reply_to"]["event_id"], "$cmd");
    }

    #[test]
    fn a_claim_names_the_instance_and_an_edit_replaces() {
        let b = body(&claim("!r:x", "$cmd", "host-abc123", "k".into()));
        assert_eq!(b["m.relates_to"]["key"], "👀 inc bot host-abc123");
        assert_eq!(b["m.relates_to"]["rel_type"], "m.annotation");
        let d = edit(
            "!r:x",
            "$status",
            "SEV-1",
            Some(("org.inc.stalk", json!({ "holder": "h" }))),
            "k2".into(),
            None,
        );
        let b = body(&d);
        assert_eq!(b["m.relates_to"]["rel_type"], "m.replace");
        assert_eq!(b["m.new_content"]["body"], "SEV-1");
        assert_eq!(b["m.new_content"]["org.inc.stalk"]["holder"], "h");
        assert_eq!(b["body"], "* SEV-1");
    }
}

//! Validates XRPC requests against the Bluesky Lexicons stored in `tests/specs/bluesky/`
//! (see `tests/specs/SOURCES.md`): a procedure's JSON input against its `input.schema`, a
//! query's name against the stored set, and a created record against its collection's record
//! schema. Enough of Lexicon v1 for what inc sends: object (required, properties), string
//! (maxLength in UTF-8 bytes, maxGraphemes, the formats used), integer (minimum), boolean,
//! array (items, maxLength), ref, union (by `$type`) and unknown. Refs are followed only where
//! the data goes, so a union member inc never sends needs no stored file.

use std::path::PathBuf;

use serde_json::Value;
use unicode_segmentation::UnicodeSegmentation;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/specs/bluesky/lexicons")
}

/// The stored lexicon document of `nsid`.
pub fn load(nsid: &str) -> Result<Value, String> {
    let path = dir().join(format!("{}.json", nsid.replace('.', "/")));
    let text = std::fs::read_to_string(&path)
        .map_err(|_| format!("no lexicon stored for {nsid} (tests/specs/bluesky/lexicons)"))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Checks one XRPC request: `POST /xrpc/<nsid>` with a JSON body, or `GET /xrpc/<nsid>`.
pub fn validate_request(method: &str, nsid: &str, body: &Value) -> Result<(), String> {
    let doc = load(nsid)?;
    let main = &doc["defs"]["main"];
    let mut errors = Vec::new();
    match (method, main["type"].as_str()) {
        ("POST", Some("procedure")) => {
            match main["input"]["schema"].as_object() {
                Some(_) => check(nsid, &main["input"]["schema"], body, "", &mut errors),
                None if body.is_null() => {}
                None => errors.push("/: this procedure takes no input".into()),
            }
            if nsid == "com.atproto.repo.createRecord" {
                record(body, &mut errors);
            }
        }
        ("GET", Some("query")) => {}
        (m, t) => errors.push(format!("{m} /xrpc/{nsid}: the lexicon's main is a {t:?}")),
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{method} /xrpc/{nsid}:\n  {}", errors.join("\n  ")))
    }
}

/// `createRecord`'s `record` against its collection's record schema, and facets within the text.
fn record(body: &Value, errors: &mut Vec<String>) {
    let Some(collection) = body["collection"].as_str() else {
        return;
    };
    let rec = &body["record"];
    if rec["$type"].as_str() != Some(collection) {
        errors.push(format!("/record/$type: must be {collection}"));
    }
    match load(collection) {
        Ok(doc) => {
            check(
                collection,
                &doc["defs"]["main"]["record"],
                rec,
                "/record",
                errors,
            );
            // The record's key type (`tid` for a post) binds a chosen rkey.
            if let (Some(kind), Some(rkey)) =
                (doc["defs"]["main"]["key"].as_str(), body["rkey"].as_str())
                && kind == "tid"
                && !format_ok("tid", rkey)
            {
                errors.push(format!(
                    "/rkey: {rkey:?} is not a TID ({collection} keys are)"
                ));
            }
        }
        Err(e) => errors.push(e),
    }
    // facet.json: byte offsets into the UTF-8 text, start inclusive, end exclusive.
    let text = rec["text"].as_str().unwrap_or_default();
    for (i, f) in rec["facets"].as_array().into_iter().flatten().enumerate() {
        let (s, e) = (
            f["index"]["byteStart"].as_u64().unwrap_or(0) as usize,
            f["index"]["byteEnd"].as_u64().unwrap_or(0) as usize,
        );
        if !(s < e && e <= text.len() && text.is_char_boundary(s) && text.is_char_boundary(e)) {
            errors.push(format!(
                "/record/facets/{i}/index: {s}..{e} is not a slice of the {}-byte text",
                text.len()
            ));
        }
    }
}

fn resolve(nsid: &str, reference: &str) -> Result<(String, Value), String> {
    let (other, def) = match reference.split_once('#') {
        Some(("", def)) => (nsid.to_string(), def.to_string()),
        Some((other, def)) => (other.to_string(), def.to_string()),
        None => (reference.to_string(), "main".to_string()),
    };
    let doc = load(&other)?;
    let def = doc["defs"][&def].clone();
    if def.is_null() {
        return Err(format!("{reference}: no such definition"));
    }
    Ok((other, def))
}

fn check(nsid: &str, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let here = if at.is_empty() { "/" } else { at };
    match schema["type"].as_str().unwrap_or("") {
        "object" | "record" => {
            let Some(obj) = v.as_object() else {
                errors.push(format!("{here}: expected an object"));
                return;
            };
            for r in schema["required"].as_array().into_iter().flatten() {
                let name = r.as_str().unwrap_or_default();
                if !obj.contains_key(name) {
                    errors.push(format!("{here}: \"{name}\" is required"));
                }
            }
            for (k, val) in obj {
                if let Some(p) = schema["properties"].get(k) {
                    check(nsid, p, val, &format!("{at}/{k}"), errors);
                }
            }
        }
        "ref" => match resolve(nsid, schema["ref"].as_str().unwrap_or_default()) {
            Ok((other, def)) => check(&other, &def, v, at, errors),
            Err(e) => errors.push(format!("{here}: {e}")),
        },
        "union" => {
            let t = v["$type"].as_str().unwrap_or_default();
            let refs: Vec<&str> = schema["refs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let matching = refs.iter().find(|r| {
                let full = if r.starts_with('#') {
                    format!("{nsid}{r}")
                } else {
                    r.to_string()
                };
                full == t || full.strip_suffix("#main") == Some(t)
            });
            match matching {
                Some(r) => match resolve(nsid, r) {
                    Ok((other, def)) => check(&other, &def, v, at, errors),
                    Err(e) => errors.push(format!("{here}: {e}")),
                },
                None => errors.push(format!("{here}: $type {t:?} is none of {refs:?}")),
            }
        }
        "array" => {
            let Some(items) = v.as_array() else {
                errors.push(format!("{here}: expected an array"));
                return;
            };
            if let Some(max) = schema["maxLength"].as_u64()
                && items.len() as u64 > max
            {
                errors.push(format!("{here}: more than {max} items"));
            }
            for (i, item) in items.iter().enumerate() {
                check(nsid, &schema["items"], item, &format!("{at}/{i}"), errors);
            }
        }
        "string" => {
            let Some(s) = v.as_str() else {
                errors.push(format!("{here}: expected a string"));
                return;
            };
            if let Some(max) = schema["maxLength"].as_u64()
                && s.len() as u64 > max
            {
                errors.push(format!("{here}: {} bytes, more than {max}", s.len()));
            }
            if let Some(max) = schema["maxGraphemes"].as_u64() {
                let n = s.graphemes(true).count() as u64;
                if n > max {
                    errors.push(format!("{here}: {n} graphemes, more than {max}"));
                }
            }
            if let Some(f) = schema["format"].as_str()
                && !format_ok(f, s)
            {
                errors.push(format!("{here}: {s:?} is not a valid {f}"));
            }
        }
        "integer" => match v.as_i64() {
            Some(n) => {
                if let Some(min) = schema["minimum"].as_i64()
                    && n < min
                {
                    errors.push(format!("{here}: {n} is below {min}"));
                }
            }
            None => errors.push(format!("{here}: expected an integer")),
        },
        "boolean" if !v.is_boolean() => errors.push(format!("{here}: expected a boolean")),
        "unknown" if !v.is_object() => errors.push(format!("{here}: expected an object")),
        _ => {}
    }
}

fn format_ok(format: &str, s: &str) -> bool {
    let handle = |h: &str| {
        h.len() <= 253
            && h.split('.').count() >= 2
            && h.split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    };
    match format {
        "did" => s.starts_with("did:") && s.split(':').count() >= 3,
        "handle" => handle(s),
        "at-identifier" => (s.starts_with("did:") && s.split(':').count() >= 3) || handle(s),
        "nsid" => s.split('.').count() >= 3 && s.split('.').all(|p| !p.is_empty()),
        "record-key" => {
            !s.is_empty()
                && s.len() <= 512
                && s != "."
                && s != ".."
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._:~-".contains(c))
        }
        "tid" => {
            s.len() == 13
                && s.starts_with(|c| "234567abcdefghij".contains(c))
                && s.chars()
                    .all(|c| "234567abcdefghijklmnopqrstuvwxyz".contains(c))
        }
        "datetime" => s.parse::<jiff::Timestamp>().is_ok() && s.contains('T'),
        "uri" => s.split_once(':').is_some_and(|(scheme, rest)| {
            !scheme.is_empty() && !rest.is_empty() && !s.contains(char::is_whitespace)
        }),
        "language" => !s.is_empty(),
        _ => true,
    }
}

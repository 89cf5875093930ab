//! What `inc bot` shows on stderr: one line per command (when, room, sender, command, outcome,
//! ms), the connections' news, `-v` details; with `--json`, each command also as one JSON line
//! on stdout.

use crate::ctx::Ctx;
use crate::flows::bot::{Line, Step, Stopped};

/// One step of the run.
pub fn step(ctx: &Ctx, step: Step<'_>) {
    let io = &ctx.io;
    match step {
        Step::Started {
            instance,
            listening,
        } => io.say(&format!(
            "inc bot {instance}: listening on {} (SIGTERM or Ctrl-C stops)",
            listening.join(", ")
        )),
        Step::Command(line) => {
            io.say(&text(line));
            if io.json {
                io.json_line(&serde_json::to_value(line).expect("lines serialise"));
            }
        }
        Step::Note(n) => io.say(&format!("inc bot: {n}")),
        Step::Debug(d) => io.log(1, d),
        Step::Stopping { in_flight } => io.say(&format!(
            "inc bot: stopping; {in_flight} command{} in flight",
            if in_flight == 1 { "" } else { "s" }
        )),
    }
}

/// `2026-12-08T03:04:05Z matrix !room:server @ann:server "ic page": paged (PagerDuty) 412 ms`
pub fn text(l: &Line) -> String {
    let chat = match l.chat {
        crate::flows::bot::Chat::Matrix => "matrix",
        crate::flows::bot::Chat::Slack => "slack",
    };
    format!(
        "{} {chat} {} {} \"{}\": {} ({} ms)",
        l.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        l.room,
        l.sender,
        l.command,
        l.outcome.replace('\n', " "),
        l.ms
    )
}

/// The end of the run.
pub fn stopped(ctx: &Ctx, s: &Stopped) {
    if s.unfinished > 0 {
        ctx.io.say(&format!(
            "inc bot: stopped; {} command{} did not finish in time (each told so in its thread)",
            s.unfinished,
            if s.unfinished == 1 { "" } else { "s" }
        ));
    } else {
        ctx.io.say("inc bot: stopped");
    }
}

/// `inc bot manifest`: the YAML on stdout (with `--json`, `{"manifest": "..."}`).
pub fn manifest(ctx: &Ctx, yaml: &str) -> crate::error::CliResult {
    if ctx.io.json {
        ctx.io.json_doc(&serde_json::json!({ "manifest": yaml }));
    } else {
        ctx.io.out(yaml.trim_end());
    }
    Ok(())
}

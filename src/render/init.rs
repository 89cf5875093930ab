//! What `inc init` shows: the file written and what to do next (under --dry-run, the text).

use crate::ctx::Ctx;
use crate::flows::init::Written;

/// Shows the config file written, or under --dry-run its text (even with --json).
pub fn written(ctx: &Ctx, w: &Written) {
    let io = &ctx.io;
    if w.dry_run {
        io.out(&w.text);
    } else if io.json {
        io.json_doc(&serde_json::to_value(w).expect("outcomes serialise"));
    } else {
        io.out(&format!("{} wrote {}", io.tick(true), w.config.display()));
        if w.sections.iter().any(|s| s == "pagerduty") {
            io.status("next: export PAGERDUTY_TOKEN=... (or set token_cmd), then `inc doctor`");
        } else {
            io.status("next: `inc doctor`");
        }
    }
}

//! `inc postmortem new`: what was written or published, the owner and meeting deadline, the
//! action items; the document itself for `--out -` and a `--dry-run` file.

use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::CliResult;
use crate::flows::postmortem::Postmortem;
use crate::io::Io;

use super::Outcome;

impl Outcome for Postmortem {
    fn human(&self, io: &Io) -> Vec<String> {
        let Some(shown) = &self.shown else {
            return Vec::new();
        };
        let pm = &self.postmortem;
        let n = pm.action_items;
        vec![
            format!(
                "{} Post-mortem {}: {shown}",
                io.tick(true),
                pm.status.unwrap_or_default()
            ),
            format!("  owner {} · {}", pm.owner, self.due),
            format!(
                "  {n} action item{} tagged {}",
                if n == 1 { "" } else { "s" },
                pm.tags.join(" ")
            ),
        ]
    }
    fn sent(&self) -> Option<(&[String], &[DeliveryResult])> {
        Some((&self.messages, &self.deliveries))
    }
}

/// `--out -`: the document on stdout as it is (with `--json`, inside the JSON document).
pub fn to_stdout(ctx: &Ctx, pm: &Postmortem) -> CliResult {
    if ctx.io.json {
        ctx.io
            .json_doc(&serde_json::to_value(pm).expect("outcomes serialise"));
    } else {
        print!("{}", pm.document.as_deref().unwrap_or_default());
    }
    Ok(())
}

/// A `--dry-run` file: the document that would have been written (in `--json`, it is part of
/// the JSON document).
pub fn dry_run_document(ctx: &Ctx, pm: &Postmortem) {
    if let (false, Some(document)) = (ctx.io.json, &pm.document) {
        print!("{document}");
    }
}

//! `inc doctor`: the checks as a table with ✔/✘ marks (`·` for information).

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult, ErrorKind};
use crate::flows::doctor::Doctor;
use crate::io::Io;

use super::Outcome;

impl Outcome for Doctor {
    fn human(&self, io: &Io) -> Vec<String> {
        let rows = self
            .checks
            .iter()
            .map(|c| {
                let mark = match c.ok {
                    Some(ok) => io.tick(ok),
                    None => "·".into(),
                };
                vec![mark, c.check.clone(), c.detail.clone()]
            })
            .collect();
        vec![io.table(&["", "CHECK", "DETAIL"], rows)]
    }
}

/// Shows the checks (after what `--dry-run --send-test` would have posted); exit 1 when one
/// failed.
pub fn show(ctx: &Ctx, doctor: &Doctor) -> CliResult {
    if ctx.io.json {
        ctx.io
            .json_doc(&serde_json::to_value(doctor).expect("outcomes serialise"));
    } else {
        for d in &doctor.test_posts {
            ctx.io.out(&super::dry_run_text(d));
        }
        for line in doctor.human(&ctx.io) {
            ctx.io.out(&line);
        }
    }
    if doctor.ok {
        Ok(())
    } else {
        Err(CliError::silent(ErrorKind::Failed))
    }
}

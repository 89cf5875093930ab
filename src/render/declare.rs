//! What `inc declare` shows: the new incident (its id alone with -q), the codename of a security
//! incident, and the rooms' messages and deliveries.

use super::Outcome;
use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::CliResult;
use crate::flows::declare::Declared;
use crate::io::Io;

impl Outcome for Declared {
    fn human(&self, io: &Io) -> Vec<String> {
        let inc = &self.incident;
        let mut human = vec![format!(
            "{} {} {} · {} · {}",
            io.tick(true),
            if self.resumed {
                "Finished the unfinished declaration of"
            } else {
                "Declared"
            },
            inc.id,
            inc.severity,
            inc.title
        )];
        if inc.drill {
            human.push(
                "Drill: everything sent starts with [DRILL]; nobody outside the drill is paged or notified"
                    .to_string(),
            );
        }
        if let Some(p) = &self.adopted_page {
            human.push(format!(
                "{} Adopted the open IC page {}: its acknowledgements are in this timeline; `inc resolve` resolves it",
                io.tick(true),
                crate::flows::declare::describe_page(p)
            ));
        }
        if let Some(c) = &inc.codename {
            human.push(format!(
                "Security incident: use the codename \"{c}\" anywhere others can see"
            ));
        }
        human
    }
    fn sent(&self) -> Option<(&[String], &[DeliveryResult])> {
        Some((&self.messages, &self.results))
    }
}

/// Shows a declared incident; with -q (and no --json) only its id, for scripts.
pub fn declared(ctx: &Ctx, d: &Declared) -> CliResult {
    if ctx.io.quiet && !ctx.io.json {
        ctx.io.out(&d.incident.id);
    }
    super::emit(ctx, d)
}

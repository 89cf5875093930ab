//! What `inc resolve` shows: how long the incident lasted, the open TODOs and the after-call
//! checklist (or that it was resolved before).

use super::Outcome;
use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::CliResult;
use crate::flows::resolve::{AlreadyResolved, Resolved};
use crate::io::Io;
use crate::messages;

impl Outcome for Resolved {
    fn human(&self, io: &Io) -> Vec<String> {
        let inc = &self.incident;
        let mut human = vec![format!(
            "{} Resolved {} · final {} · lasted {}",
            io.tick(true),
            inc.id,
            self.severity,
            messages::elapsed(self.lasted)
        )];
        if !inc.todos.is_empty() {
            human.push(format!("Open TODOs ({}):", inc.todos.len()));
            human.extend(
                inc.todos
                    .iter()
                    .map(|t| format!("  {}. {}", t.number, t.text)),
            );
        }
        human.push("After the call:".into());
        human.extend(self.checklist.iter().map(|s| format!("  [ ] {s}")));
        human
    }
    fn sent(&self) -> Option<(&[String], &[DeliveryResult])> {
        Some((&self.messages, &self.results))
    }
}

impl Outcome for AlreadyResolved<'_> {
    fn sent(&self) -> Option<(&[String], &[DeliveryResult])> {
        Some((&[], &[]))
    }
}

/// Says when the incident was resolved, and shows it (nothing was sent).
pub fn already(ctx: &Ctx, a: &AlreadyResolved) -> CliResult {
    if let Some(at) = a.incident.resolved_at {
        ctx.io.status(&format!(
            "{} was already resolved at {}",
            a.incident.id,
            messages::time(at)
        ));
    }
    super::emit(ctx, a)
}

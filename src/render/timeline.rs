//! What the timeline commands show: the messages they posted (the deliveries), and a status
//! line when there was nothing to change.

use super::Outcome;
use crate::ctx::Ctx;
use crate::deliver::DeliveryResult;
use crate::error::CliResult;
use crate::flows::timeline::{Already, Changed, Noted};

impl Outcome for Noted {
    fn sent(&self) -> Option<(&[String], &[DeliveryResult])> {
        Some((&self.messages, &self.results))
    }
}

impl Outcome for Changed {
    fn sent(&self) -> Option<(&[String], &[DeliveryResult])> {
        Some((&self.messages, &self.results))
    }
}

/// Shows a role, handover or severity change (first saying so when it was already so).
pub fn changed(ctx: &Ctx, c: &Changed) -> CliResult {
    match &c.already {
        Some(Already::Role(person, role)) => ctx
            .io
            .status(&format!("{person} is already {}", role.label())),
        Some(Already::Ic(person)) => ctx.io.status(&format!("{person} is already the IC")),
        Some(Already::Severity(s)) => ctx.io.status(&format!("already {s}")),
        None => {}
    }
    super::emit(ctx, c)
}

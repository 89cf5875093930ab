//! `inc notify-exec`: the executive update went out (the deliveries say where).

use crate::deliver::DeliveryResult;
use crate::flows::exec::Notified;

use super::Outcome;

impl Outcome for Notified {
    fn sent(&self) -> Option<(&[String], &[DeliveryResult])> {
        Some((&self.messages, &self.results))
    }
}

//! `inc email`: nothing but the delivery (and, with `--json`, what was sent to whom).

use crate::deliver::DeliveryResult;
use crate::flows::email::Sent;

use super::Outcome;

impl Outcome for Sent {
    fn sent(&self) -> Option<(&[String], &[DeliveryResult])> {
        Some((&[], &self.deliveries))
    }
}

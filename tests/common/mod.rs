#![allow(dead_code)]

pub mod cmd;
pub mod fake;
pub mod pagerduty;
pub mod spec;

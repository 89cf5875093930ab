#![allow(dead_code)]

pub mod cmd;
pub mod fake;
pub mod spec;

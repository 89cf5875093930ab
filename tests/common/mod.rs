#![allow(dead_code)]

pub mod bluesky;
pub mod cmd;
pub mod fake;
pub mod lexicon;
pub mod mastodon;
pub mod opsgenie;
pub mod pagerduty;
pub mod slack;
pub mod smtp;
pub mod spec;
pub mod statuspage;
pub mod synapse;
pub mod tmux;
pub mod tools;
pub mod webhooks;
pub mod x;

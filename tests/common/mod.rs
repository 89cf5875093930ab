#![allow(dead_code)]

pub mod bluesky;
pub mod botproc;
pub mod cmd;
pub mod confluence;
pub mod fake;
pub mod faultproxy;
pub mod github;
pub mod lexicon;
pub mod mastodon;
pub mod opsgenie;
pub mod pagerduty;
pub mod slack;
pub mod smtp;
pub mod smtpfake;
pub mod socketmode;
pub mod spec;
pub mod statuspage;
pub mod synapse;
pub mod tmux;
pub mod tools;
pub mod webhooks;
pub mod x;

//! imgconform: a conformance suite for OpenStack-style "list images" APIs.
//!
//! Data flow, one module per step:
//!
//! ```text
//! cases/ + schemas/ ──► loader (model, source) ──► plan ──► runner
//!                                                           │  exec: client, walker, discovery
//!                                                           │  checks: properties and oracles
//!                                                           ▼
//!                                                        verdict ──► report (console, junit)
//! ```
//!
//! `mock` is an independent implementation of the APIs (the default target); it shares no code
//! with the runner so that one bug cannot hide itself on both sides.

pub mod checks;
pub mod cli;
pub mod commands;
pub mod connect;
pub mod coverage;
pub mod exec;
pub mod exit_codes;
pub mod loader;
pub mod mock;
pub mod model;
pub mod plan;
pub mod pointer;
pub mod redact;
pub mod report;
pub mod runner;
pub mod selfcheck;
pub mod snapshot;
pub mod source;
pub mod template;
pub mod tls;
pub mod verdict;

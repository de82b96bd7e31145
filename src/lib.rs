//! imgconform: a conformance suite for OpenStack-style "list images" APIs.
//!
//! Data flow, one module per step:
//!
//! ```text
//! cases/ + schemas/ ──► loader (model, source) ──► plan ──► runner::execute
//!                        (endpoint kinds, profiles,  (target,   │  exec: client, walker, discovery
//!                         cases, schemas)            identities,│  checks: properties and oracles
//!                                                    selection) ▼
//!                                              raw verdict ──► policy (baseline, snapshots)
//!                                                               ▼
//!                                                    events ──► report (console, junit, json,
//!                                                                       snapshots)
//! ```
//!
//! `mock` is an independent implementation of the APIs (the default target); it shares no code
//! with the runner so that one bug cannot hide itself on both sides.

// Diagnostics and findings are built once per problem and carry their evidence (position,
// key path, source line): boxing them to please a size lint would buy nothing.
#![allow(clippy::result_large_err)]

/// `eprintln!` that never panics: a closed stderr (`imgconform run 2>&1 | head`) loses the
/// message, as command-line tools do, instead of aborting the run (whose JUnit and JSON files
/// must still be written). Standard output goes through `commands::emit` and the console
/// reporter, which treat a broken pipe the same way.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod checks;
pub mod cli;
pub mod commands;
pub mod connect;
pub mod coverage;
pub mod events;
pub mod exec;
pub mod exit_codes;
pub mod loader;
pub mod mock;
pub mod model;
pub mod plan;
pub mod pointer;
pub mod policy;
pub mod provision;
pub mod redact;
pub mod report;
pub mod runner;
pub mod selfcheck;
pub mod snapshot;
pub mod source;
pub mod template;
pub mod tls;
pub mod verdict;

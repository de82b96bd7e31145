//! Talking to the target: the HTTP client with its limits, the one pagination walker, and the
//! run-wide cache of unpaged lists (catalogue discovery).

pub(crate) mod catalogue;
mod client;
mod discovery;
mod links;
mod memory;
mod politeness;
pub mod preflight;
mod priority;
mod renewal;
mod walker;

pub use catalogue::{Catalogue, Interner, Projection};
pub use client::{
    Exchange, HttpClient, HttpLimits, INVALID_TOKEN, RequestSpec, Response, Retry, TlsOptions, TransportError,
    WriteRequest,
};
pub use discovery::{DEFAULT_MAX_CATALOGUE, Discovery, DiscoveryResult, encode, list_url};
pub use links::{query_pairs, resolve_link};
pub use memory::{BodyBudget, DEFAULT_MAX_BODY_MEMORY, Hold, MEMORY_WAIT, MemoryExhausted};
pub use politeness::PolitenessConfig;
pub use renewal::{RenewFn, Renewal};
pub use walker::{Page, Walk, WalkEnd, Walker, id_of as walker_id, next_link};

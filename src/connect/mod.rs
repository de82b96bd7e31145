//! Connecting the way OpenStack tools do: a cloud's settings from clouds.yaml (+ secure.yaml),
//! the `OS_*` environment and flags (flags over environment over file, as openstackclient),
//! Keystone v3 authentication, and endpoints from the token's service catalogue.

mod cloud;
mod keystone;

pub use cloud::{CloudConfig, ConfigError, find_clouds_yaml, load_cloud};
pub use keystone::{CatalogueEntry, IdentityFacts, Session, authenticate, http_client, introspect};

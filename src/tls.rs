//! Process-wide TLS set-up.
//!
//! reqwest is built with `rustls-no-provider` so that we link ring instead of aws-lc (a much cheaper
//! build, see `../shared/notes/crates.md`). reqwest then panics when a `Client` is built unless a
//! rustls crypto provider was installed first, so every entry point (main, tests) calls this once.

/// Installs ring as rustls' process-wide crypto provider; safe to call more than once.
pub fn install_crypto_provider() {
    // `install_default` fails only when a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

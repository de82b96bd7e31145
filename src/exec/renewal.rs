//! Renewing a Keystone token that is about to expire, for runs longer than its lifetime.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};

use crate::redact::{Redactor, Secret};

/// Authenticates again: the new token and its expiry.
pub type RenewFn = Box<
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<(Secret, Option<DateTime<Utc>>), String>> + Send>> + Send + Sync,
>;

pub struct Renewal {
    renew: RenewFn,
    expires_at: RwLock<Option<DateTime<Utc>>>,
    /// Renew this long before the expiry.
    margin: Duration,
    lock: tokio::sync::Mutex<()>,
    redactor: Redactor,
}

impl Renewal {
    pub fn new(renew: RenewFn, expires_at: Option<DateTime<Utc>>, margin: Duration, redactor: Redactor) -> Arc<Self> {
        Arc::new(Renewal {
            renew,
            expires_at: RwLock::new(expires_at),
            margin,
            lock: tokio::sync::Mutex::new(()),
            redactor,
        })
    }

    fn due(&self) -> bool {
        let at = *self.expires_at.read().unwrap_or_else(|p| p.into_inner());
        at.is_some_and(|t| t - Utc::now() < self.margin)
    }

    /// Renews `token` when it is about to expire; one renewal at a time. A failed renewal keeps
    /// the old token (the requests then show the server's 401 as evidence).
    pub async fn refresh(&self, token: &RwLock<Option<Secret>>) {
        if !self.due() {
            return;
        }
        let _one = self.lock.lock().await;
        if !self.due() {
            return;
        }
        match (self.renew)().await {
            Ok((new, expires)) => {
                self.redactor.add(new.clone());
                *token.write().unwrap_or_else(|p| p.into_inner()) = Some(new);
                *self.expires_at.write().unwrap_or_else(|p| p.into_inner()) = expires;
            }
            Err(e) => crate::errln!("imgconform: renewing the token failed: {}", self.redactor.redact(&e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_token_near_its_expiry_is_renewed_once() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let renew: RenewFn = Box::new(move || {
            let counter = counter.clone();
            Box::pin(async move {
                counter.fetch_add(1, Ordering::SeqCst);
                Ok((Secret::new("new-token-abcdef"), Some(Utc::now() + Duration::hours(1))))
            })
        });
        let redactor = Redactor::default();
        let soon = Some(Utc::now() + Duration::seconds(30));
        let r = Renewal::new(renew, soon, Duration::minutes(5), redactor.clone());
        let token = RwLock::new(Some(Secret::new("old-token-abcdef")));
        r.refresh(&token).await;
        r.refresh(&token).await;
        assert_eq!(calls.load(Ordering::SeqCst), 1, "renewed once, then valid for an hour");
        assert_eq!(token.read().unwrap().as_ref().unwrap().expose(), "new-token-abcdef");
        assert_eq!(redactor.redact("x new-token-abcdef"), "x [REDACTED]");
    }
}

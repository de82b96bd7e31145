//! Being a polite client of someone's production cloud: a bound on requests in flight, a rate,
//! a total request budget, and bounded retries of 429/503 that honour `Retry-After`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use super::priority::{PriorityGate, Slot};

#[derive(Clone, Debug)]
pub struct PolitenessConfig {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests per second, when limited.
    pub rate: Option<f64>,
    /// Requests in the whole run, when limited; past it, cases SKIP.
    pub max_requests: Option<usize>,
    /// Retries of a 429 or 503 answer.
    pub retries: u32,
    /// The longest wait a `Retry-After` may ask for.
    pub max_wait: Duration,
}

impl Default for PolitenessConfig {
    fn default() -> Self {
        PolitenessConfig {
            concurrency: 8,
            rate: None,
            max_requests: None,
            retries: 3,
            max_wait: Duration::from_secs(30),
        }
    }
}

pub struct Politeness {
    pub config: PolitenessConfig,
    in_flight: PriorityGate,
    next_slot: Mutex<Instant>,
    sent: AtomicUsize,
}

/// The request budget is used up.
#[derive(Debug)]
pub struct BudgetSpent(pub usize);

impl Politeness {
    pub fn new(config: PolitenessConfig) -> Self {
        Politeness {
            in_flight: PriorityGate::new(config.concurrency),
            next_slot: Mutex::new(Instant::now()),
            sent: AtomicUsize::new(0),
            config,
        }
    }

    pub fn budget_spent(&self) -> bool {
        self.config
            .max_requests
            .is_some_and(|max| self.sent.load(Ordering::SeqCst) >= max)
    }

    /// Waits for a slot (budget, rate, concurrency) and holds it while the request runs; a
    /// request of a higher `priority` (a longer chain ahead of its case) gets a slot first.
    pub async fn admit(&self, priority: u32) -> Result<Slot, BudgetSpent> {
        if let Some(max) = self.config.max_requests
            && self.sent.fetch_add(1, Ordering::SeqCst) >= max
        {
            return Err(BudgetSpent(max));
        }
        self.wait_for_rate().await;
        Ok(self.in_flight.acquire(priority).await)
    }
}

impl Politeness {
    /// Waits for the request's turn under `--rate`, if one is set.
    async fn wait_for_rate(&self) {
        if let Some(rate) = self.config.rate.filter(|r| *r > 0.0) {
            let wait_until = {
                let mut next = self.next_slot.lock().await;
                let now = Instant::now();
                let at = (*next).max(now);
                *next = at + Duration::from_secs_f64(1.0 / rate);
                at
            };
            tokio::time::sleep_until(wait_until).await;
        }
    }

    /// Waits for a slot (rate, concurrency) that the request budget never refuses: for removing
    /// what the run created (see `WriteRequest::budgeted`). It still counts as sent.
    pub async fn admit_unbudgeted(&self) -> Slot {
        self.sent.fetch_add(1, Ordering::SeqCst);
        self.wait_for_rate().await;
        // Removing what the run created goes before every case's request.
        self.in_flight.acquire(u32::MAX).await
    }
}

/// `Retry-After` as seconds or an HTTP date, as a wait from now.
pub fn retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let now = chrono::Utc::now();
    Some(
        (when.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO),
            "a past date: no wait"
        );
        assert!(retry_after("soon").is_none());
    }

    #[tokio::test]
    async fn the_budget_runs_out() {
        let p = Politeness::new(PolitenessConfig {
            max_requests: Some(2),
            ..Default::default()
        });
        assert!(p.admit(0).await.is_ok());
        assert!(p.admit(0).await.is_ok());
        assert!(p.admit(0).await.is_err());
        assert!(p.budget_spent());
    }
}

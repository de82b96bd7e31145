//! One budget for the response bodies the whole process holds at once.
//!
//! Per-request caps (`--max-body`) and per-walk caps bound one answer and one walk, but not
//! their sum: eight cases walking a server of endless 1 MB pages at once would hold eight
//! walks' worth. Every byte of a body being read, and every byte a walk keeps of its pages,
//! is taken from this one budget (a semaphore of bytes shared by all clients and walks) and
//! given back when the last copy of it is dropped. When it is used up, the reader waits a
//! little for other cases to give some back, then stops with an ERROR that names the flag:
//! the suite's own limit, never the server's failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The default of `--max-body-memory`: sixteen bodies at the default `--max-body`.
pub const DEFAULT_MAX_BODY_MEMORY: usize = 256 * 1024 * 1024;

/// How long a reader waits for other cases to give bytes back before it gives up.
pub const MEMORY_WAIT: Duration = Duration::from_secs(2);

struct Inner {
    bytes: Arc<Semaphore>,
    cap: usize,
    held: AtomicUsize,
    peak: AtomicUsize,
}

/// The process-wide budget; clones share it.
#[derive(Clone)]
pub struct BodyBudget(Arc<Inner>);

impl std::fmt::Debug for BodyBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BodyBudget({} of {} bytes held)", self.held(), self.0.cap)
    }
}

impl Default for BodyBudget {
    fn default() -> Self {
        BodyBudget::new(DEFAULT_MAX_BODY_MEMORY)
    }
}

impl BodyBudget {
    pub fn new(cap: usize) -> Self {
        let cap = cap.min(Semaphore::MAX_PERMITS);
        BodyBudget(Arc::new(Inner {
            bytes: Arc::new(Semaphore::new(cap)),
            cap,
            held: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }))
    }

    pub fn cap(&self) -> usize {
        self.0.cap
    }

    /// Bytes held now.
    pub fn held(&self) -> usize {
        self.0.held.load(Ordering::Relaxed)
    }

    /// The most bytes held at once so far (shown in the JSON results).
    pub fn peak(&self) -> usize {
        self.0.peak.load(Ordering::Relaxed)
    }

    /// An empty hold, to grow as bytes arrive.
    pub fn hold(&self) -> Hold {
        Hold {
            budget: self.clone(),
            permit: None,
        }
    }
}

/// Bytes taken from the budget, given back on drop.
pub struct Hold {
    budget: BodyBudget,
    permit: Option<OwnedSemaphorePermit>,
}

impl std::fmt::Debug for Hold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hold({} bytes)", self.bytes())
    }
}

/// The budget was used up for longer than `MEMORY_WAIT`: its size, for the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryExhausted {
    pub cap: usize,
}

impl Hold {
    pub fn bytes(&self) -> usize {
        self.permit.as_ref().map_or(0, |p| p.num_permits())
    }

    /// Takes `n` more bytes, waiting up to `MEMORY_WAIT` for them.
    pub async fn grow(&mut self, n: usize) -> Result<(), MemoryExhausted> {
        if n == 0 {
            return Ok(());
        }
        let inner = &self.budget.0;
        let exhausted = MemoryExhausted { cap: inner.cap };
        if self.bytes() + n > inner.cap {
            return Err(exhausted);
        }
        let n32 = u32::try_from(n).map_err(|_| exhausted)?;
        let permit = tokio::time::timeout(MEMORY_WAIT, inner.bytes.clone().acquire_many_owned(n32))
            .await
            .map_err(|_| exhausted)?
            .map_err(|_| exhausted)?;
        match &mut self.permit {
            Some(p) => p.merge(permit),
            None => self.permit = Some(permit),
        }
        let held = inner.held.fetch_add(n, Ordering::Relaxed) + n;
        inner.peak.fetch_max(held, Ordering::Relaxed);
        Ok(())
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        let n = self.bytes();
        self.budget.0.held.fetch_sub(n, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn holds_are_bounded_and_given_back() {
        let budget = BodyBudget::new(100);
        let mut a = budget.hold();
        a.grow(60).await.unwrap();
        let mut b = budget.hold();
        assert_eq!(b.grow(50).await, Err(MemoryExhausted { cap: 100 }));
        assert_eq!(budget.held(), 60);
        drop(a);
        b.grow(50).await.unwrap();
        b.grow(50).await.unwrap();
        assert_eq!(b.grow(1).await, Err(MemoryExhausted { cap: 100 }));
        assert_eq!((budget.held(), budget.peak()), (100, 100));
        drop(b);
        assert_eq!(budget.held(), 0);
    }
}

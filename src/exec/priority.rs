//! A semaphore that admits by priority: the requests of the case with the longest chain ahead
//! of it go first.
//!
//! The run's floor is the longer of its critical path and requests × latency / concurrency.
//! With every case in flight, a first-come queue makes the long chain's later pages wait behind
//! the short cases' first requests, and the run ends one chain-length after it could have. The
//! gate hands a freed slot to the highest-priority waiter (first come among equals), so the
//! longest chains keep moving while the short cases fill the gaps.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

/// At most `slots` holders at once; waiters served highest priority first.
#[derive(Clone)]
pub struct PriorityGate {
    inner: Arc<Mutex<State>>,
}

struct State {
    free: usize,
    next_seq: u64,
    waiters: BinaryHeap<Waiter>,
}

struct Waiter {
    priority: u32,
    seq: Reverse<u64>,
    tx: oneshot::Sender<Slot>,
}

impl PartialEq for Waiter {
    fn eq(&self, other: &Self) -> bool {
        (self.priority, self.seq) == (other.priority, other.seq)
    }
}
impl Eq for Waiter {}
impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Waiter {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.priority, self.seq).cmp(&(other.priority, other.seq))
    }
}

/// A held slot; dropping it hands the slot to the next waiter (or frees it).
pub struct Slot {
    gate: Option<Arc<Mutex<State>>>,
}

impl PriorityGate {
    pub fn new(slots: usize) -> Self {
        PriorityGate {
            inner: Arc::new(Mutex::new(State {
                free: slots.max(1),
                next_seq: 0,
                waiters: BinaryHeap::new(),
            })),
        }
    }

    /// Waits for a slot; a higher `priority` is served first.
    pub async fn acquire(&self, priority: u32) -> Slot {
        let rx = {
            let mut s = lock(&self.inner);
            if s.free > 0 && s.waiters.is_empty() {
                s.free -= 1;
                return Slot {
                    gate: Some(self.inner.clone()),
                };
            }
            let (tx, rx) = oneshot::channel();
            let seq = Reverse(s.next_seq);
            s.next_seq += 1;
            s.waiters.push(Waiter { priority, seq, tx });
            rx
        };
        // The sender is only dropped after sending: a slot arrives. A waiter cancelled after the
        // slot was sent drops the slot with the receiver, which releases it again.
        match rx.await {
            Ok(slot) => slot,
            Err(_) => unreachable!("a waiter's sender is dropped only after it sent a slot"),
        }
    }
}

fn lock(m: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(gate) = self.gate.take() else { return };
        let mut s = lock(&gate);
        while let Some(w) = s.waiters.pop() {
            let slot = Slot {
                gate: Some(gate.clone()),
            };
            match w.tx.send(slot) {
                Ok(()) => return,
                // The waiter gave up: its slot comes back here; forget it and try the next.
                Err(mut back) => back.gate = None,
            }
        }
        s.free += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_freed_slot_goes_to_the_highest_priority_waiter() {
        let gate = PriorityGate::new(1);
        let held = gate.acquire(0).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for p in [1u32, 5, 3] {
            let (gate, order) = (gate.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let _slot = gate.acquire(p).await;
                order.lock().unwrap().push(p);
            }));
            tokio::task::yield_now().await;
        }
        // Let every waiter queue up before the slot is freed.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        drop(held);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![5, 3, 1]);
    }

    #[tokio::test]
    async fn a_cancelled_waiter_does_not_lose_the_slot() {
        let gate = PriorityGate::new(1);
        let held = gate.acquire(0).await;
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move {
                let _ = gate.acquire(9).await;
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        waiting.abort();
        let _ = waiting.await;
        drop(held);
        // The slot must be free again: this would wait forever otherwise.
        let again = tokio::time::timeout(std::time::Duration::from_secs(5), gate.acquire(0)).await;
        assert!(again.is_ok());
    }
}

//! The order cases start in: the longest chains of dependent requests first.
//!
//! With latency L per answer, a run cannot end before its longest chain of requests that wait
//! on each other (discovery, then a walk page by page). Started last, that chain adds its whole
//! length to the run; started first, the short cases fill the slots around it. The length is
//! estimated from the case's shape before anything is sent: a whole walk reads the entire
//! list, a windowed walk a few windows, a case judged against the catalogue waits on discovery.

use std::cmp::Reverse;
use std::sync::Arc;

use crate::loader::LoadedCase;
use crate::model::Case;

/// Estimated requests in the case's longest dependent chain, in relative units.
pub fn chain_estimate(case: &Case) -> u32 {
    let walk = match &case.walk {
        Some(w) if w.whole => 1000,
        Some(w) if w.complete => 100,
        Some(_) => 50,
        None => 1,
    };
    let discovery = if super::judged_with_catalogue(case) || case.walk.as_ref().is_some_and(|w| w.complete) {
        10
    } else {
        0
    };
    walk + discovery
}

/// The cases in the order to start them: longest chain first, the plan's order among equals.
pub fn critical_first(cases: &[Arc<LoadedCase>]) -> Vec<Arc<LoadedCase>> {
    let mut order = cases.to_vec();
    order.sort_by_key(|c| Reverse(chain_estimate(&c.case)));
    order
}

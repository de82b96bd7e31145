//! What is printed after libtest's own lines: the WARN blocks (libtest knows only ok/failed)
//! and one line of counts per verdict.

use std::io::Write;

use super::{CaseRecord, render_outcome};
use crate::redact::Redactor;
use crate::verdict::Verdict;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub skip: usize,
    pub error: usize,
    pub xfail: usize,
    pub xpass: usize,
    pub inconclusive: usize,
}

impl Counts {
    pub fn of(records: &[CaseRecord]) -> Counts {
        let mut c = Counts::default();
        for r in records {
            match r.outcome.verdict {
                Verdict::Pass => c.pass += 1,
                Verdict::Fail => c.fail += 1,
                Verdict::Warn => c.warn += 1,
                Verdict::Skip(_) => c.skip += 1,
                Verdict::Error => c.error += 1,
                Verdict::XFail => c.xfail += 1,
                Verdict::XPass => c.xpass += 1,
                Verdict::Inconclusive(_) => c.inconclusive += 1,
            }
        }
        c
    }
    pub fn line(&self) -> String {
        let mut s = format!(
            "imgconform: {} passed, {} failed, {} errors, {} warned, {} skipped",
            self.pass, self.fail, self.error, self.warn, self.skip
        );
        // Only runs with a baseline have these.
        if self.xfail + self.xpass > 0 {
            s.push_str(&format!(", {} xfailed, {} xpassed", self.xfail, self.xpass));
        }
        if self.inconclusive > 0 {
            s.push_str(&format!(", {} inconclusive", self.inconclusive));
        }
        s
    }
}

/// Prints the WARN reports and the counts line.
pub fn print_summary(out: &mut dyn Write, records: &[CaseRecord], redactor: &Redactor) -> std::io::Result<()> {
    let mut warned: Vec<&CaseRecord> = records.iter().filter(|r| r.outcome.verdict == Verdict::Warn).collect();
    warned.sort_by(|a, b| a.id.cmp(&b.id));
    if !warned.is_empty() {
        writeln!(
            out,
            "\nwarnings (SHOULD/MAY requirements not met; they do not fail the run):"
        )?;
        for r in warned {
            writeln!(out, "\n---- {} ----\n{}", r.id, render_outcome(r, redactor))?;
        }
    }
    writeln!(out, "\n{}", Counts::of(records).line())
}

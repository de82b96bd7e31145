//! One case's outcome as text: what was expected (all alternatives), what came back, the
//! request as curl, the trimmed body, and the walk trace.

use std::fmt::Write as _;

use super::CaseRecord;
use crate::redact::Redactor;
use crate::verdict::Verdict;

fn indent(s: &str, by: &str) -> String {
    s.lines().map(|l| format!("{by}{l}")).collect::<Vec<_>>().join("\n")
}

/// The full report of a case (used for FAIL, ERROR, WARN and in JUnit).
pub fn render_outcome(r: &CaseRecord, redactor: &Redactor) -> String {
    let o = &r.outcome;
    let mut s = String::new();
    let _ = writeln!(s, "{} [{}] {} — {}", o.verdict.label(), r.level.as_str(), r.id, r.title);
    let _ = writeln!(s, "spec: {}: \"{}\"", r.spec, r.quote);
    let _ = writeln!(s, "requirements: {}", r.requirements.join(", "));
    if let Some(n) = &r.note {
        let _ = writeln!(s, "note: {n}");
    }
    let _ = writeln!(s, "case: {}", r.source);
    if let Verdict::Skip(reason) = &o.verdict {
        let _ = writeln!(s, "skipped: {reason}");
        return redactor.redact(&s);
    }
    for f in &o.findings {
        let level = match f.level {
            Some(l) if l != r.level => format!(" · {}", l.as_str()),
            _ => String::new(),
        };
        let _ = writeln!(s, "✗ [{}{level}] {}: {}", f.kind, f.check, f.message);
        if let Some(at) = &f.at {
            let _ = writeln!(s, "    at:       {at}");
        }
        if let Some(e) = &f.expected {
            let _ = writeln!(s, "    expected: {}", indent(e, "              ").trim_start());
        }
        if let Some(a) = &f.actual {
            let _ = writeln!(s, "    actual:   {}", indent(a, "              ").trim_start());
        }
    }
    if !o.expected.is_empty() {
        let _ = writeln!(s, "acceptable answers:");
        for e in &o.expected {
            let _ = writeln!(s, "  - {e}");
        }
    }
    for (n, x) in o.evidence.exchanges.iter().enumerate() {
        let _ = writeln!(
            s,
            "request{}:",
            if n == 0 { String::new() } else { format!(" {}", n + 1) }
        );
        let _ = writeln!(s, "  {}", x.curl);
        let _ = writeln!(s, "response: {}", x.summary());
        if !x.body.is_empty() {
            let _ = writeln!(s, "{}", indent(&x.body, "  | "));
        }
    }
    if !o.evidence.trace.is_empty() {
        let _ = writeln!(s, "walk trace ({} page(s)):", o.evidence.trace.len());
        const MAX: usize = 40;
        let t = &o.evidence.trace;
        for (n, p) in t.iter().enumerate() {
            if t.len() > MAX && n == MAX / 2 {
                let _ = writeln!(s, "  … {} page(s) not shown …", t.len() - MAX);
            }
            if t.len() > MAX && n >= MAX / 2 && n < t.len() - MAX / 2 {
                continue;
            }
            let ids = match (&p.first_id, &p.last_id) {
                (Some(a), Some(b)) if a != b => format!(" [{a} .. {b}]"),
                (Some(a), _) => format!(" [{a}]"),
                _ => String::new(),
            };
            // A window's first page shows where it starts.
            let new_window = p.window.is_some() && (n == 0 || t[n - 1].window != p.window);
            if new_window {
                let _ = writeln!(s, "  ── window: {} ──", p.window.as_deref().unwrap_or(""));
            }
            // Page 1 (of a window) shows its URL; later pages are the previous page's next link.
            let url = if n == 0 || new_window {
                format!(" {}", p.url)
            } else {
                String::new()
            };
            let next = p
                .next
                .as_deref()
                .map(|n| format!("  next={n}"))
                .unwrap_or_else(|| "  (no next)".into());
            let _ = writeln!(
                s,
                "  #{:<3} {}{url}  {} item(s){ids}{next}",
                n + 1,
                p.status_words(),
                p.count
            );
        }
    }
    redactor.redact(s.trim_end())
}

//! The console, libtest-style: a line (or a character) per case as it finishes, then the
//! reports of what failed and what warned, and one summary line in the verdict model's words.
//!
//! `--format json` writes libtest's JSON lines instead (each test line also carries the
//! verdict), with the reports and the summary on stderr so stdout stays machine-readable.

use std::io::Write;
use std::sync::Arc;

use serde_json::json;

use super::render_outcome;
use crate::cli::ConsoleFormat;
use crate::events::{CaseRecord, Event, Reporter, RunSummary, Signal};
use crate::redact::Redactor;
use crate::verdict::Verdict;

pub struct Console {
    out: Box<dyn Write + Send>,
    err: Box<dyn Write + Send>,
    format: ConsoleFormat,
    color: bool,
    redactor: Redactor,
    finished: Vec<Arc<CaseRecord>>,
    /// Characters on the current terse line.
    column: usize,
    /// The command that starts the embedded mock of this run again (see `PlanSummary`).
    mock_command: Option<String>,
}

/// The word of a verdict on a live line (libtest's `ok` and `FAILED` where they mean the same).
fn word(v: &Verdict) -> &'static str {
    match v {
        Verdict::Pass => "ok",
        Verdict::Fail => "FAILED",
        Verdict::Error => "ERROR",
        Verdict::Warn => "WARN",
        Verdict::Skip(_) => "SKIP",
        Verdict::XFail => "XFAIL",
        Verdict::XPass => "XPASS",
        Verdict::Inconclusive(_) => "INCONCLUSIVE",
    }
}

fn letter(v: &Verdict) -> char {
    match v {
        Verdict::Pass => '.',
        Verdict::Fail => 'F',
        Verdict::Error => 'E',
        Verdict::Warn => 'W',
        Verdict::Skip(_) => 's',
        Verdict::XFail => 'x',
        Verdict::XPass => 'X',
        Verdict::Inconclusive(_) => '?',
    }
}

/// ANSI colour of a verdict: green, red, yellow, or none.
fn colour(v: &Verdict) -> &'static str {
    match v {
        Verdict::Pass | Verdict::XFail => "\u{1b}[32m",
        Verdict::Fail | Verdict::Error | Verdict::XPass => "\u{1b}[31m",
        Verdict::Warn | Verdict::Inconclusive(_) => "\u{1b}[33m",
        Verdict::Skip(_) => "",
    }
}

impl Console {
    pub fn new(format: ConsoleFormat, color: bool, redactor: Redactor) -> Self {
        Console::with_writers(
            Box::new(std::io::stdout()),
            Box::new(std::io::stderr()),
            format,
            color,
            redactor,
        )
    }

    pub fn with_writers(
        out: Box<dyn Write + Send>,
        err: Box<dyn Write + Send>,
        format: ConsoleFormat,
        color: bool,
        redactor: Redactor,
    ) -> Self {
        Console {
            out,
            err,
            format,
            color,
            redactor,
            finished: Vec::new(),
            column: 0,
            mock_command: None,
        }
    }

    fn paint(&self, v: &Verdict, text: &str) -> String {
        let c = colour(v);
        if self.color && !c.is_empty() {
            format!("{c}{text}\u{1b}[0m")
        } else {
            text.to_string()
        }
    }

    fn json_line(&mut self, v: serde_json::Value) -> std::io::Result<()> {
        writeln!(self.out, "{}", self.redactor.redact(&v.to_string()))
    }

    fn case_finished(&mut self, r: &CaseRecord) -> std::io::Result<()> {
        let v = &r.outcome.verdict;
        match self.format {
            ConsoleFormat::Pretty => {
                let reason = match v {
                    Verdict::Skip(why) | Verdict::Inconclusive(why) => format!(": {}", self.redactor.redact(why)),
                    _ => String::new(),
                };
                writeln!(self.out, "test {} ... {}{reason}", r.id, self.paint(v, word(v)))?;
            }
            ConsoleFormat::Terse => {
                write!(self.out, "{}", self.paint(v, &letter(v).to_string()))?;
                self.column += 1;
                if self.column == 88 {
                    writeln!(self.out, " {}", self.finished.len() + 1)?;
                    self.column = 0;
                }
            }
            ConsoleFormat::Json => {
                let event = match v {
                    Verdict::Pass | Verdict::Warn | Verdict::XFail => "ok",
                    Verdict::Fail | Verdict::Error | Verdict::XPass => "failed",
                    Verdict::Skip(_) | Verdict::Inconclusive(_) => "ignored",
                };
                let mut line = json!({"type": "test", "name": r.id, "event": event, "verdict": v.label(),
                    "exec_time": r.outcome.duration.as_secs_f64(), "requests": r.requests});
                match v {
                    Verdict::Skip(why) | Verdict::Inconclusive(why) => line["message"] = json!(why),
                    Verdict::Pass => {}
                    _ => line["stdout"] = json!(render_outcome(r, &self.redactor)),
                }
                self.json_line(line)?;
            }
        }
        self.out.flush()
    }

    /// The reports of failures and warnings, the list of failures, and the summary line.
    fn finish(&mut self, summary: &RunSummary, signal: Option<Signal>) -> std::io::Result<()> {
        let mut records = self.finished.clone();
        records.sort_by(|a, b| a.id.cmp(&b.id));
        let json = self.format == ConsoleFormat::Json;
        if self.format == ConsoleFormat::Terse && self.column > 0 {
            writeln!(self.out)?;
        }
        let mut text = String::new();
        let failing: Vec<&Arc<CaseRecord>> = records.iter().filter(|r| r.outcome.verdict.fails_run()).collect();
        if !failing.is_empty() && !json {
            text.push_str("\nfailures:\n");
            for r in &failing {
                text.push_str(&format!(
                    "\n---- {} ----\n{}\n",
                    r.id,
                    render_outcome(r, &self.redactor)
                ));
            }
        }
        let warned: Vec<&Arc<CaseRecord>> = records.iter().filter(|r| r.outcome.verdict == Verdict::Warn).collect();
        if !warned.is_empty() {
            text.push_str("\nwarnings (SHOULD/MAY requirements not met; they do not fail the run):\n");
            for r in &warned {
                text.push_str(&format!(
                    "\n---- {} ----\n{}\n",
                    r.id,
                    render_outcome(r, &self.redactor)
                ));
            }
        }
        if !failing.is_empty() && !json {
            text.push_str("\nfailures:\n");
            for r in &failing {
                text.push_str(&format!("    {} ({})\n", r.id, r.outcome.verdict.label()));
            }
        }
        if let Some(cmd) = &self.mock_command
            && (!failing.is_empty() || !warned.is_empty())
        {
            text.push_str(&format!(
                "\nthe curl commands above name the embedded mock, gone with the run; the same mock on the same port:\n    {cmd}\n"
            ));
        }
        if let Some(sig) = signal {
            text.push_str(&format!(
                "\ninterrupted by {}: {} case(s) not run\n",
                sig.name(),
                summary.not_run.len()
            ));
        }
        let c = &summary.counts;
        let status = match signal {
            Some(s) => format!("INTERRUPTED ({})", s.name()),
            None if c.failed() => "FAILED".to_string(),
            None if c.nothing_checked() => "NOTHING CHECKED".to_string(),
            None => "ok".to_string(),
        };
        let not_run = if summary.not_run.is_empty() {
            String::new()
        } else {
            format!(", {} not run", summary.not_run.len())
        };
        text.push_str(&format!(
            "\ntest result: {status}. {}{not_run}; {} requests; finished in {:.2}s\n",
            c.words(),
            summary.requests,
            summary.elapsed.as_secs_f64()
        ));
        let text = self.redactor.redact(&text);
        if json {
            let event = if c.failed() || signal.is_some() { "failed" } else { "ok" };
            let line = json!({"type": "suite", "event": event, "passed": c.pass + c.warn + c.xfail,
                "failed": c.fail + c.error + c.xpass, "ignored": c.skip + c.inconclusive, "measured": 0,
                "filtered_out": 0, "exec_time": summary.elapsed.as_secs_f64(), "requests": summary.requests,
                "verdicts": {"pass": c.pass, "fail": c.fail, "error": c.error, "warn": c.warn, "skip": c.skip,
                    "xfail": c.xfail, "xpass": c.xpass, "inconclusive": c.inconclusive}});
            self.json_line(line)?;
            self.out.flush()?;
            // stderr carries notes only: a closed one loses them, not the run's console.
            let _ = write!(self.err, "{text}").and_then(|_| self.err.flush());
            Ok(())
        } else {
            write!(self.out, "{text}")?;
            self.out.flush()
        }
    }
}

impl Reporter for Console {
    fn report(&mut self, event: &Event) -> anyhow::Result<()> {
        match event {
            Event::RunStarted { plan } => {
                // The banner goes to stderr: stdout carries the results (and, with
                // `--format json`, nothing but JSON lines).
                // A note on stderr: lost, not fatal, when stderr is closed.
                let _ = write!(self.err, "{}", self.redactor.redact(&crate::plan::render_banner(plan)));
                let _ = self.err.flush();
                self.mock_command = plan.mock_command.clone();
                let _ = writeln!(self.err, "imgconform: {}", crate::plan::mode_line(plan));
                match self.format {
                    ConsoleFormat::Json => self.json_line(
                        json!({"type": "suite", "event": "started", "test_count": plan.cases + plan.ignored}),
                    )?,
                    _ => {
                        let n = plan.cases + plan.ignored;
                        writeln!(self.out, "\nrunning {n} case{}", if n == 1 { "" } else { "s" })?
                    }
                }
            }
            Event::CaseStarted { id } => {
                if self.format == ConsoleFormat::Json {
                    self.json_line(json!({"type": "test", "event": "started", "name": id}))?;
                }
            }
            Event::RequestSent(_) | Event::RequestAnswered(_) => {}
            Event::CaseFinished(r) => {
                self.case_finished(r)?;
                self.finished.push(r.clone());
            }
            Event::RunFinished(summary) => self.finish(summary, None)?,
            Event::RunInterrupted { signal, summary } => self.finish(summary, Some(*signal))?,
        }
        Ok(())
    }
}

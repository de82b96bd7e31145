//! The requests log (`--requests-log`): one JSON line per answered request, written as the
//! run goes, so that a provider can see what the suite asked of its cloud and a CI maintainer
//! where a run's requests and time went (`jq -s 'group_by(.case)'`). Lines pass through the
//! run's redactor; headers (and so the token) are never written.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use serde_json::json;

use crate::events::{Event, Reporter};
use crate::redact::Redactor;

pub struct RequestsLog {
    path: PathBuf,
    redactor: Redactor,
    /// Opened when the run starts (the path was checked writable before).
    out: Option<std::io::LineWriter<std::fs::File>>,
}

impl RequestsLog {
    pub fn new(path: PathBuf, redactor: Redactor) -> Self {
        RequestsLog {
            path,
            redactor,
            out: None,
        }
    }

    fn file(&mut self) -> anyhow::Result<&mut std::io::LineWriter<std::fs::File>> {
        if self.out.is_none() {
            let f = std::fs::File::create(&self.path)
                .with_context(|| format!("cannot write the requests log {}", self.path.display()))?;
            self.out = Some(std::io::LineWriter::new(f));
        }
        Ok(self.out.as_mut().expect("opened above"))
    }
}

impl Reporter for RequestsLog {
    fn report(&mut self, event: &Event) -> anyhow::Result<()> {
        match event {
            Event::RunStarted { .. } => {
                self.file()?;
            }
            Event::RequestAnswered(a) => {
                let line = json!({
                    "case": a.request.case,
                    "method": a.request.method,
                    "url": a.request.url,
                    "status": a.result.as_ref().ok(),
                    "error": a.result.as_ref().err(),
                    "bytes": a.bytes,
                    "ms": a.elapsed.as_secs_f64() * 1000.0,
                });
                let text = self.redactor.redact(&line.to_string());
                let path = self.path.display().to_string();
                writeln!(self.file()?, "{text}").with_context(|| format!("cannot write the requests log {path}"))?;
            }
            Event::RunFinished(_) | Event::RunInterrupted { .. } => {
                if let Some(out) = &mut self.out {
                    out.flush()
                        .with_context(|| format!("cannot write the requests log {}", self.path.display()))?;
                }
            }
            Event::CaseStarted { .. } | Event::CaseFinished(_) | Event::RequestSent(_) => {}
        }
        Ok(())
    }
}

//! What the snapshot comparison found, said once at the end: how many responses differ from
//! their recorded snapshot, and (in `update` mode) where the new snapshots are for review.

use crate::events::{Event, Reporter};
use crate::snapshot::{Config, Mode};

pub struct Snapshots {
    config: Config,
    differing: Vec<String>,
}

impl Snapshots {
    pub fn new(config: Config) -> Self {
        Snapshots {
            config,
            differing: Vec::new(),
        }
    }

    fn say(&self) -> std::io::Result<()> {
        use std::io::Write;
        if self.differing.is_empty() {
            return Ok(());
        }
        let mut err = std::io::stderr().lock();
        let what = match self.config.mode {
            Mode::Update => format!(
                "new snapshots (`.snap.new`) are in {} for review: rename them to `.snap` to accept",
                self.config.dir.display()
            ),
            Mode::Strict | Mode::Check | Mode::Off => {
                "record the current answers with --snapshots update, review them, then accept".to_string()
            }
        };
        writeln!(
            err,
            "imgconform: {} response(s) differ from their snapshot ({}); {what}",
            self.differing.len(),
            self.differing.join(", ")
        )
    }
}

impl Reporter for Snapshots {
    fn report(&mut self, event: &Event) -> anyhow::Result<()> {
        match event {
            Event::RunStarted { .. } | Event::CaseStarted { .. } => {}
            Event::RequestSent(_) | Event::RequestAnswered(_) => {}
            Event::CaseFinished(r) => {
                if r.outcome.findings.iter().any(|f| f.kind == "snapshot") {
                    self.differing.push(r.id.clone());
                }
            }
            Event::RunFinished(_) | Event::RunInterrupted { .. } => {
                self.differing.sort();
                self.say()?;
            }
        }
        Ok(())
    }
}

//! `imgconform run`: wiring only. The plan says what runs, the executor runs it and emits
//! events, the reporters write them; this maps the result to the exit code.

use crate::cli::{ConsoleFormat, RunArgs};
use crate::events::EventSink;
use crate::exit_codes;
use crate::plan::{Plan, PlanError, PreflightRecord, Request};
use crate::redact::Redactor;

pub fn run(args: RunArgs) -> u8 {
    let list = args.list;
    let show_plan = args.plan;
    let request = match Request::new(args) {
        Ok(r) => r,
        Err(e) => return plan_error(&e),
    };
    if list {
        return list_cases(&request);
    }
    for path in [&request.args.junit, &request.args.json, &request.args.requests_log]
        .into_iter()
        .flatten()
    {
        if let Err(e) = crate::report::check_writable(path) {
            crate::errln!("imgconform: {e}");
            return exit_codes::BAD_INPUT;
        }
    }
    // insta reads its settings from the environment once: set them before any thread starts.
    crate::snapshot::configure_insta(request.snapshots.mode, &request.snapshots.dir);
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let console = request.console;
    let mut plan = match request.resolve(&rt) {
        Ok(p) => p,
        Err(e) => return plan_error(&e),
    };
    if show_plan {
        let summary = plan.summary(None);
        let text = if console.format == ConsoleFormat::Json {
            let value = serde_json::to_value(&summary).unwrap_or_default();
            serde_json::to_string_pretty(&crate::report::versioned(value)).unwrap_or_default() + "\n"
        } else {
            crate::plan::render_text(&summary)
        };
        super::emit(&text);
        return exit_codes::SUCCESS;
    }
    let redactor = Redactor::new(plan.secrets.clone());
    if plan.preflight == PreflightRecord::Pending {
        match preflight(&rt, &plan) {
            Ok(passed) => plan.preflight = PreflightRecord::Passed { endpoints: passed },
            Err(lines) => {
                for l in lines {
                    crate::errln!("imgconform: {}", redactor.redact(&l));
                }
                return exit_codes::BAD_INPUT;
            }
        }
    }
    if plan.cases.is_empty() {
        crate::errln!("imgconform: every selected case is marked `ignore` (run them with --include-ignored)");
    }
    let sink = EventSink::new(crate::report::reporters(&plan, &redactor));
    let executed = match rt.block_on(crate::runner::execute(plan, sink.clone(), redactor.clone())) {
        Ok(x) => x,
        Err(e) => {
            crate::errln!("imgconform: {e}");
            return exit_codes::TOOL_FAILED;
        }
    };
    // A closed stdout (`| head`) only ends the console; any other report lost is a tool failure.
    let lost: Vec<String> = sink
        .errors()
        .into_iter()
        .filter(|e| !e.contains("Broken pipe"))
        .collect();
    for e in &lost {
        crate::errln!("imgconform: {}", redactor.redact(e));
    }
    // Background tasks (a walk cut off by an interrupt) must not hold the process.
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    if let Some(signal) = executed.interrupted {
        return signal.exit_code();
    }
    let counts = &executed.summary.counts;
    if !lost.is_empty() {
        exit_codes::TOOL_FAILED
    } else if counts.failed() || executed.leftovers > 0 {
        // Fixtures left behind: the target is not as the run found it.
        exit_codes::CASES_FAILED
    } else if counts.nothing_checked() {
        crate::errln!("imgconform: every selected case was skipped: nothing was checked");
        exit_codes::NOTHING_CHECKED
    } else {
        exit_codes::SUCCESS
    }
}

/// One look at each endpoint before any case (see `exec::preflight`): the passed endpoints, or
/// one line per endpoint that will not do.
fn preflight(rt: &tokio::runtime::Runtime, plan: &Plan) -> Result<Vec<crate::exec::preflight::Passed>, Vec<String>> {
    let limits = crate::exec::HttpLimits {
        timeout: plan.budgets.timeout,
        max_body: plan.budgets.max_body,
        tls: plan.tls.clone(),
        memory: crate::exec::BodyBudget::new(plan.budgets.max_body_memory),
    };
    // The run's politeness (rate, retries), but not its request budget: that is for the cases.
    let polite = crate::exec::PolitenessConfig {
        max_requests: None,
        ..plan.budgets.politeness.clone()
    };
    let client = crate::exec::HttpClient::with_politeness(limits, plan.main.token.clone(), polite)
        .map_err(|e| vec![format!("{e:#}")])?
        .with_other_token(plan.other.as_ref().and_then(|o| o.token.clone()));
    let targets = plan.preflight_targets();
    let creds = plan.preflight_credentials();
    rt.block_on(crate::exec::preflight::check(&client, &targets, &creds))
        .map_err(|failures| failures.iter().map(ToString::to_string).collect())
}

fn plan_error(e: &PlanError) -> u8 {
    crate::errln!(
        "{}",
        if matches!(e, PlanError::Files(_)) {
            e.to_string()
        } else {
            format!("imgconform: {e}")
        }
    );
    match e {
        PlanError::BadInput(_) | PlanError::Files(_) => exit_codes::BAD_INPUT,
        PlanError::NoCaseSelected => exit_codes::NO_CASE_SELECTED,
    }
}

/// `run --list`: the selected cases with their titles; `-q` gives libtest's plain `ID: test`
/// lines (for scripts that parse a `cargo test --list`), `--format json` a JSON document
/// (`format_version`, `cases`).
fn list_cases(request: &Request) -> u8 {
    let cases = request.listed();
    let text = if request.console.format == ConsoleFormat::Terse {
        cases.iter().map(|c| format!("{}: test\n", c.id())).collect()
    } else if request.console.format == ConsoleFormat::Json {
        let list: Vec<serde_json::Value> = cases
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.id(), "title": c.case.title, "profile": c.case.profile.value,
                    "spec": crate::model::cite(&request.suite.documents, &c.case.spec.doc.value, &c.case.spec.section),
                    "level": c.case.level.as_str(), "source": c.location(),
                    "requirements": c.case.requirements.iter().map(|r| r.value.clone()).collect::<Vec<_>>(),
                    "ignored": c.case.ignore.is_some(),
                })
            })
            .collect();
        let doc = crate::report::versioned(serde_json::json!({ "cases": list }));
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
    } else {
        let width = cases.iter().map(|c| c.id().len()).max().unwrap_or(0) + 2;
        cases
            .iter()
            .map(|c| {
                let ignored = match &c.case.ignore {
                    Some(why) => format!(" [ignored: {why}]"),
                    None => String::new(),
                };
                format!(
                    "{:<width$}{} [{}]{ignored}\n",
                    c.id(),
                    c.case.title,
                    c.case.level.as_str()
                )
            })
            .collect()
    };
    super::emit(&text);
    if cases.is_empty() {
        crate::errln!("imgconform: the filter selected no case");
        return exit_codes::NO_CASE_SELECTED;
    }
    exit_codes::SUCCESS
}

//! The executor: runs a plan's cases and tells the reporters everything through events.
//!
//! It starts the embedded mock when the plan targets it, builds the one HTTP client of the run,
//! runs the cases (a bounded number in flight), applies the run's policy to each raw verdict,
//! and ends with `RunFinished` — or, on SIGINT/SIGTERM, stops starting cases, gives running ones
//! a short grace period, and ends with `RunInterrupted` so every report still has what finished.
//! A second signal exits at once.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::RunContext;
use crate::events::{CURRENT_CASE, CaseRecord, CaseScope, Counts, Event, EventSink, RunSummary, Signal};
use crate::exec::{Discovery, HttpClient, HttpLimits, RenewFn, Renewal};
use crate::loader::LoadedCase;
use crate::plan::{EndpointUrl, Plan};
use crate::policy::Policy;
use crate::redact::Redactor;
use crate::verdict::{Finding, Outcome, Verdict};

/// How long running cases may go on after a signal before they are cut off.
const GRACE: Duration = Duration::from_secs(2);

/// What the run came to.
pub struct Executed {
    pub summary: RunSummary,
    pub interrupted: Option<Signal>,
    /// Fixtures a provisioning run could not remove (the catalogue is not as it was found).
    pub leftovers: usize,
}

/// Why the run could not start.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("cannot start the embedded mock: {0:#}")]
    Mock(anyhow::Error),
    #[error("{0:#}")]
    Client(anyhow::Error),
}

/// The record of a case as reporters see it; `documents` give the seed files their titles.
pub fn record(
    c: &LoadedCase,
    outcome: Outcome,
    requests: usize,
    documents: &std::collections::BTreeMap<String, crate::model::Document>,
) -> CaseRecord {
    let case = &c.case;
    let doc = documents.get(&case.spec.doc.value);
    CaseRecord {
        id: case.id.value.clone(),
        title: case.title.clone(),
        profile: case.profile.value.clone(),
        level: case.level,
        requirements: case.requirements.iter().map(|r| r.value.clone()).collect(),
        spec: crate::model::cite(documents, &case.spec.doc.value, &case.spec.section),
        spec_ref: crate::events::SpecRef {
            document: case.spec.doc.value.clone(),
            title: doc.map(|d| d.title.clone()),
            short: doc.map(|d| d.short.clone()),
            section: case.spec.section.clone(),
        },
        quote: case.spec.quote.clone(),
        note: case.note.clone(),
        source: c.location(),
        requests,
        outcome,
    }
}

/// Runs the plan; `redactor` knows every secret of the run.
pub async fn execute(plan: Plan, sink: EventSink, redactor: Redactor) -> Result<Executed, ExecError> {
    let started = Instant::now();
    let started_at = chrono::Utc::now();
    let mut mock = None;
    if let crate::plan::Target::Mock { config } = &plan.target {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| ExecError::Mock(e.into()))?;
        mock = Some(
            crate::mock::spawn(config.clone(), listener)
                .await
                .map_err(ExecError::Mock)?,
        );
    }
    let mock_base = mock.as_ref().map(|m| m.base_url());
    let mut endpoints = std::collections::BTreeMap::new();
    for e in &plan.endpoints {
        let url = plan.endpoint_url(e, mock_base.as_deref());
        let url = url::Url::parse(&url).map_err(|err| ExecError::Client(anyhow::anyhow!("endpoint `{url}`: {err}")))?;
        if matches!(e.url, EndpointUrl::Mock { .. }) || !endpoints.contains_key(&e.kind) {
            endpoints.insert(e.kind.clone(), url);
        }
    }

    let client = build_client(&plan, &redactor)?
        .with_events(sink.clone())
        .with_origins(endpoints.values());
    let mut summary = plan.summary(mock_base.as_deref());
    summary.started_at = Some(started_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    sink.emit(Event::RunStarted {
        plan: Arc::new(summary),
    });
    let identity = super::IdentityContext {
        main_project_id: plan.main.facts.as_ref().and_then(|f| f.project_id.clone()),
        other_project_id: plan.other.as_ref().and_then(|o| o.facts.as_ref()?.project_id.clone()),
        main_is_admin: plan.main.facts.as_ref().map(|f| f.is_admin()),
        other_is_admin: plan.other.as_ref().and_then(|o| o.facts.as_ref().map(|f| f.is_admin())),
    };

    // Provisioning comes first; a signal while it runs lets the calls under way finish, starts
    // no case, and goes straight to cleanup.
    let mut signals = Signals::new();
    let mut interrupted = None;
    let mut provisioned = None;
    if let Some(pp) = &plan.provision {
        let (p, sig) = provision(&client, pp, &endpoints, &identity, &mut signals).await;
        interrupted = sig;
        provisioned = Some(Arc::new(p));
    }

    let ctx = Arc::new(RunContext {
        client,
        endpoints,
        profiles: plan.suite.profiles.clone(),
        kinds: plan.suite.kinds.clone(),
        schemas: plan.suite.schemas.clone(),
        discovery: Discovery::new(
            super::projections(&plan.suite.profiles, plan.cases.iter().map(|c| &**c)),
            plan.budgets.max_catalogue,
            plan.budgets.max_pages,
        ),
        max_pages: plan.budgets.max_pages,
        snapshots: Some(plan.snapshots.clone()),
        redactor: redactor.clone(),
        walks: plan.budgets.walks,
        identity,
        fixtures: provisioned.clone(),
    });
    let policy = Arc::new(Policy {
        baseline: plan.baseline.clone(),
        snapshots: Some(plan.snapshots.clone()),
        today: chrono::Utc::now().date_naive(),
    });

    let mut counts = Counts::default();
    let mut finished: std::collections::HashSet<String> = Default::default();
    for c in &plan.ignored {
        let reason = c.case.ignore.clone().unwrap_or_else(|| "ignored".into());
        let rec = record(c, Outcome::skip(format!("ignored: {reason}")), 0, &plan.suite.documents);
        counts.add(&rec.outcome.verdict);
        finished.insert(rec.id.clone());
        sink.emit(Event::CaseFinished(Arc::new(rec)));
    }

    let gate = Arc::new(Semaphore::new(plan.budgets.cases_in_flight.max(1)));
    let mut tasks: JoinSet<CaseRecord> = JoinSet::new();
    let mut running: std::collections::HashMap<tokio::task::Id, Arc<LoadedCase>> = Default::default();
    let order = super::critical_first(&plan.cases);
    let mut queue = order.iter();
    'schedule: loop {
        if interrupted.is_some() || (queue.len() == 0 && tasks.is_empty()) {
            break;
        }
        // Start cases while there are permits; otherwise wait for one to finish or a signal.
        tokio::select! {
            biased;
            sig = signals.next() => {
                interrupted = Some(sig);
                break 'schedule;
            }
            permit = gate.clone().acquire_owned(), if queue.len() > 0 => {
                let Ok(permit) = permit else { break 'schedule };
                let Some(c) = queue.next() else { continue };
                let (ctx, policy, sink, c2) = (ctx.clone(), policy.clone(), sink.clone(), c.clone());
                let suite = plan.suite.clone();
                let handle = tasks.spawn(async move {
                    let _permit = permit;
                    run_one(&ctx, &policy, &sink, &c2, &suite.documents).await
                });
                running.insert(handle.id(), c.clone());
            }
            done = tasks.join_next_with_id(), if !tasks.is_empty() => {
                if let Some(done) = done {
                    let rec = finished_record(done, &mut running, &sink, &plan.suite.documents);
                    counts.add(&rec.outcome.verdict);
                    finished.insert(rec.id.clone());
                }
            }
        }
    }
    let run_id = provisioned.as_ref().map(|p| p.run_id.clone());
    if let Some(sig) = interrupted {
        crate::errln!(
            "imgconform: {} received: no new case starts; {} running case(s) get {} s to finish{} (a second signal exits at once)",
            sig.name(),
            tasks.len(),
            GRACE.as_secs(),
            if run_id.is_some() {
                ", then the fixtures are removed"
            } else {
                ""
            }
        );
        signals.exit_on_next(Some(sig), run_id.clone());
        let deadline = tokio::time::sleep(GRACE);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut deadline => break,
                done = tasks.join_next_with_id() => match done {
                    Some(done) => {
                        let rec = finished_record(done, &mut running, &sink, &plan.suite.documents);
                        counts.add(&rec.outcome.verdict);
                        finished.insert(rec.id.clone());
                    }
                    None => break,
                },
            }
        }
        tasks.abort_all();
    } else if run_id.is_some() {
        // A signal during the cleanup at the end abandons it (and says so).
        signals.exit_on_next(None, run_id.clone());
    }
    let mut leftovers = 0;
    if let Some(p) = &provisioned {
        leftovers = clean_up(p, plan.budgets.max_pages).await;
    }
    let not_run: Vec<String> = plan
        .cases
        .iter()
        .map(|c| c.id().to_string())
        .filter(|id| !finished.contains(id))
        .collect();
    let summary = RunSummary {
        counts,
        requests: ctx.client.requests_sent(),
        started_at,
        elapsed: started.elapsed(),
        not_run,
        body_memory_peak: ctx.client.limits().memory.peak(),
        body_memory_budget: ctx.client.limits().memory.cap(),
    };
    match interrupted {
        Some(signal) => sink.emit(Event::RunInterrupted {
            signal,
            summary: summary.clone(),
        }),
        None => sink.emit(Event::RunFinished(summary.clone())),
    }
    if let Some(m) = mock {
        m.shutdown().await;
    }
    Ok(Executed {
        summary,
        interrupted,
        leftovers,
    })
}

/// One case: started, run with its requests attributed to it, judged by the policy, finished.
async fn run_one(
    ctx: &RunContext,
    policy: &Policy,
    sink: &EventSink,
    c: &LoadedCase,
    documents: &std::collections::BTreeMap<String, crate::model::Document>,
) -> CaseRecord {
    let scope = CaseScope {
        id: c.id().to_string(),
        requests: Arc::default(),
        priority: super::chain_estimate(&c.case),
    };
    sink.emit(Event::CaseStarted { id: scope.id.clone() });
    let raw = CURRENT_CASE.scope(scope.clone(), super::run_case(ctx, c)).await;
    let outcome = policy.apply(c.id(), raw);
    let rec = record(c, outcome, scope.requests.load(Ordering::Relaxed), documents);
    sink.emit(Event::CaseFinished(Arc::new(rec.clone())));
    rec
}

/// The record of a finished task; a task that panicked is an ERROR of its case, reported here.
fn finished_record(
    done: Result<(tokio::task::Id, CaseRecord), tokio::task::JoinError>,
    running: &mut std::collections::HashMap<tokio::task::Id, Arc<LoadedCase>>,
    sink: &EventSink,
    documents: &std::collections::BTreeMap<String, crate::model::Document>,
) -> CaseRecord {
    match done {
        Ok((id, rec)) => {
            running.remove(&id);
            rec
        }
        Err(e) => {
            let c = running.remove(&e.id());
            let why = if e.is_panic() {
                "the case's task panicked (an internal error of imgconform)"
            } else {
                "the case's task was cancelled"
            };
            let outcome = Outcome::error(Finding::new("request", why), Default::default());
            let rec = match c {
                Some(c) => record(&c, outcome, 0, documents),
                None => CaseRecord::placeholder("<unknown>", outcome),
            };
            debug_assert!(rec.outcome.verdict == Verdict::Error);
            sink.emit(Event::CaseFinished(Arc::new(rec.clone())));
            rec
        }
    }
}

/// The run's HTTP client: limits, politeness, both identities' tokens, token renewal.
fn build_client(plan: &Plan, redactor: &Redactor) -> Result<HttpClient, ExecError> {
    let limits = HttpLimits {
        timeout: plan.budgets.timeout,
        max_body: plan.budgets.max_body,
        memory: crate::exec::BodyBudget::new(plan.budgets.max_body_memory),
        tls: plan.tls.clone(),
    };
    let client = HttpClient::with_politeness(limits, plan.main.token.clone(), plan.budgets.politeness.clone())
        .map_err(ExecError::Client)?
        .with_other_token(plan.other.as_ref().and_then(|o| o.token.clone()));
    let Some((cfg, expires_at)) = plan.renewal.clone() else {
        return Ok(client);
    };
    let http = crate::connect::http_client(&plan.tls, plan.budgets.timeout)
        .map_err(|e| ExecError::Client(anyhow::anyhow!("{e}")))?;
    let renew: RenewFn = Box::new(move || {
        let (cfg, http) = (cfg.clone(), http.clone());
        Box::pin(async move {
            crate::connect::authenticate(&http, &cfg)
                .await
                .map(|s| (s.token, s.expires_at))
                .map_err(|e| e.0)
        })
    });
    let margin = chrono::Duration::minutes(5);
    Ok(client.with_renewal(Renewal::new(renew, expires_at, margin, redactor.clone())))
}

/// Creates the plan's fixtures, racing a signal: on one, the calls under way finish (each
/// within the request timeout) and nothing new starts.
async fn provision(
    client: &HttpClient,
    pp: &crate::provision::ProvisionPlan,
    endpoints: &std::collections::BTreeMap<String, url::Url>,
    identity: &super::IdentityContext,
    signals: &mut Signals,
) -> (crate::provision::Provisioned, Option<Signal>) {
    let projects = crate::provision::Projects {
        main: identity.main_project_id.clone(),
        other: identity.other_project_id.clone(),
        has_other: client.has_other_identity(),
    };
    crate::errln!(
        "imgconform: provisioning: creating {} fixture(s) of run {} (marker tag {})",
        pp.fixture_count(),
        pp.run_id,
        pp.run_id.marker()
    );
    let started = Instant::now();
    let sent = client.requests_sent();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let work = crate::provision::provision(client, pp, endpoints, &projects, stop.clone());
    tokio::pin!(work);
    let mut interrupted = None;
    let provisioned = tokio::select! {
        p = &mut work => p,
        sig = signals.next() => {
            crate::errln!("imgconform: {} received while provisioning: calls under way finish, then the fixtures are removed", sig.name());
            interrupted = Some(sig);
            stop.store(true, Ordering::SeqCst);
            work.await
        }
    };
    let ready = provisioned
        .fixtures
        .values()
        .filter(|s| matches!(s, crate::provision::FixtureState::Ready(_)))
        .count();
    crate::errln!(
        "imgconform: provisioning: {ready} of {} fixture(s) ready in {:.2} s ({} requests)",
        pp.fixture_count(),
        started.elapsed().as_secs_f64(),
        client.requests_sent() - sent
    );
    for ((profile, name), state) in &provisioned.fixtures {
        if let crate::provision::FixtureState::Unavailable { reason, .. } = state {
            crate::errln!("imgconform: provisioning: {profile}/{name}: {reason}");
        }
    }
    (provisioned, interrupted)
}

/// Removes the run's fixtures and says what happened; returns how many are left behind.
async fn clean_up(p: &crate::provision::Provisioned, max_pages: usize) -> usize {
    let report = crate::provision::cleanup(p, max_pages).await;
    crate::errln!(
        "imgconform: cleanup: removed {} fixture(s) of run {}",
        report.removed.len(),
        p.run_id
    );
    for (what, why) in &report.failed {
        crate::errln!("imgconform: cleanup: could not remove {what}: {why}");
    }
    if !report.ok() {
        crate::errln!(
            "imgconform: cleanup: fixtures of run {0} may be left: `imgconform cleanup --cloud NAME --run-id {0}` removes them",
            p.run_id
        );
    }
    report.failed.len()
}

/// SIGINT and SIGTERM as a stream of `Signal`s.
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                term: signal(SignalKind::terminate()).ok(),
                int: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Signals {}
        }
    }

    async fn next(&mut self) -> Signal {
        #[cfg(unix)]
        {
            let int = async {
                match &mut self.int {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            let term = async {
                match &mut self.term {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = int => Signal::Interrupt,
                _ = term => Signal::Terminate,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Signal::Interrupt
        }
    }

    /// After the first signal (`first`), the next one of either kind ends the process at once;
    /// without a first one (the cleanup at the end of a run), the next one does. A run with
    /// fixtures says which may be left behind.
    fn exit_on_next(mut self, first: Option<Signal>, run_id: Option<crate::provision::RunId>) {
        tokio::spawn(async move {
            let sig = self.next().await;
            let what = if first.is_some() { "second signal" } else { sig.name() };
            match &run_id {
                Some(id) => crate::errln!(
                    "imgconform: {what}: exiting now; fixtures of run {id} may be left (`imgconform cleanup --cloud NAME --run-id {id}` removes them)"
                ),
                None => crate::errln!("imgconform: {what}: exiting now"),
            }
            std::process::exit(first.unwrap_or(sig).exit_code() as i32);
        });
    }
}

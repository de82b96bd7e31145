//! What a run will do, as one value resolved and validated before the first case request.
//!
//! Two stages, as ripgrep's low and high arguments: [`Request`] checks what was typed (numbers,
//! names, files) without the network; [`Request::resolve`] then finds the target and the
//! identities (flags, `OS_*`, clouds.yaml, Keystone, or the embedded mock), the endpoints of
//! each profile, the selected cases, and everything else a run needs. The result, [`Plan`], is
//! printable (`run --plan`) and is all the executor reads.

mod baseline;
pub mod environment;
mod partition;
mod render;
mod selection;
mod target;

pub use baseline::{Baseline, BaselineEntry};
pub use partition::Partition;
pub use render::{PlanSummary, mode_line, render_banner, render_text, version, writes_line};
pub use selection::Selection;
pub use target::{
    EndpointSource, EndpointUrl, Identity, PlannedEndpoint, Target, adjust, mock_urls, target_configured,
};

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::{ColorChoice, ConsoleFormat, RunArgs};
use crate::connect::CloudConfig;
use crate::exec::{PolitenessConfig, TlsOptions};
use crate::loader::{LoadedCase, SchemaSet, Suite};
use crate::model::{EndpointKind, Profile};
use crate::redact::Secret;
use crate::source::Diagnostics;

/// Why no plan could be made; each maps to one exit code.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A flag, case, schema or configuration is wrong (exit 2).
    #[error("{0}")]
    BadInput(String),
    /// Input files have problems (exit 2), shown with their positions.
    #[error("{0}")]
    Files(Diagnostics),
    /// The selection is empty (exit 4).
    #[error("the filter selected no case (see `imgconform run --list`)")]
    NoCaseSelected,
}

/// Cases in flight per request slot: a case often waits on discovery or on an answer another
/// case asked for, and the request gate (highest chain first) keeps the slots busy.
pub const CASES_PER_REQUEST_SLOT: usize = 4;

/// The limits the run keeps to, whatever the target does.
#[derive(Clone, Debug)]
pub struct Budgets {
    pub timeout: Duration,
    pub max_body: usize,
    /// Bytes of bodies the whole process holds at once (`--max-body-memory`).
    pub max_body_memory: usize,
    pub max_pages: usize,
    /// Cases in flight at once.
    pub cases_in_flight: usize,
    /// The most images a discovered list may hold.
    pub max_catalogue: usize,
    /// How long walks are cut into windows (and the seed that places them).
    pub walks: crate::runner::WalkConfig,
    pub politeness: PolitenessConfig,
}

/// Where reports are written.
#[derive(Clone, Debug, Default)]
pub struct Reports {
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub requests_log: Option<PathBuf>,
}

/// How the console shows the run.
#[derive(Clone, Copy, Debug)]
pub struct ConsoleOptions {
    pub format: ConsoleFormat,
    pub color: bool,
}

/// The parts of the loaded suite that every case shares.
#[derive(Debug)]
pub struct SuiteParts {
    pub profiles: BTreeMap<String, Profile>,
    pub kinds: BTreeMap<String, EndpointKind>,
    pub schemas: SchemaSet,
    /// The seed documents' titles, for readable spec references.
    pub documents: BTreeMap<String, crate::model::Document>,
}

/// Everything a run does, resolved.
pub struct Plan {
    pub suite: Arc<SuiteParts>,
    /// The cases to run, in id order.
    pub cases: Vec<Arc<LoadedCase>>,
    /// Selected cases marked `ignore`: reported as SKIP, not run.
    pub ignored: Vec<Arc<LoadedCase>>,
    /// Cases the selection left out.
    pub filtered_out: usize,
    pub target: Target,
    pub endpoints: Vec<PlannedEndpoint>,
    /// The profiles that run, with their endpoint kind.
    pub profiles: Vec<String>,
    pub main: Identity,
    pub other: Option<Identity>,
    pub tls: TlsOptions,
    pub budgets: Budgets,
    pub snapshots: crate::snapshot::Config,
    pub baseline: Baseline,
    pub baseline_path: Option<PathBuf>,
    pub partition: Option<Partition>,
    pub reports: Reports,
    pub console: ConsoleOptions,
    /// Every secret the run knows (passwords, tokens), for the one redactor.
    pub secrets: Vec<Secret>,
    /// The Keystone settings a token is renewed with, when it came from Keystone.
    pub renewal: Option<(CloudConfig, Option<chrono::DateTime<chrono::Utc>>)>,
    /// The command line as typed, secrets redacted.
    pub command_line: String,
    /// Whether the pre-flight runs, and what it found once it has.
    pub preflight: PreflightRecord,
    /// The `OS_*` variables set, and whether the run used each (names only).
    pub environment: Vec<environment::EnvVar>,
    /// Provisioning mode (`--provision`): the fixtures to create; `None` when read-only.
    pub provision: Option<crate::provision::ProvisionPlan>,
}

/// The pre-flight's place in the run (see `exec::preflight`).
#[derive(Clone, Debug, serde::Serialize, PartialEq, Eq)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PreflightRecord {
    /// Against the embedded mock: its URLs and token are the tool's own, nothing to mistype.
    NotNeeded,
    /// `--no-preflight`: the target's answers are the cases' verdicts.
    Off,
    /// Still to run (the plan as `--plan` prints it).
    Pending,
    /// Every endpoint looked at answered as its kind should.
    Passed {
        endpoints: Vec<crate::exec::preflight::Passed>,
    },
}

impl PreflightRecord {
    /// In words, for the banner and `--plan`.
    pub fn words(&self) -> &'static str {
        match self {
            PreflightRecord::NotNeeded => "not needed (the embedded mock)",
            PreflightRecord::Off => "off (--no-preflight: the target's answers are case verdicts)",
            PreflightRecord::Pending => "before the first case",
            PreflightRecord::Passed { .. } => "passed",
        }
    }
}

/// What was typed, checked without the network: the first stage.
pub struct Request {
    pub args: RunArgs,
    pub suite: Suite,
    pub selection: Selection,
    pub baseline: Baseline,
    pub console: ConsoleOptions,
    pub snapshots: crate::snapshot::Config,
}

impl Request {
    /// Checks the flags and reads the suite and the baseline.
    pub fn new(args: RunArgs) -> Result<Request, PlanError> {
        check_numbers(&args)?;
        let suite = crate::loader::load(&crate::commands::load_options(&args.input)).map_err(PlanError::Files)?;
        for p in &args.profile {
            if !suite.profiles.contains_key(p) {
                let known: Vec<&str> = suite.profiles.keys().map(String::as_str).collect();
                return Err(PlanError::BadInput(format!(
                    "--profile: unknown profile `{p}` (known: {})",
                    known.join(", ")
                )));
            }
        }
        for e in &args.endpoint {
            if !suite.endpoints.contains_key(&e.kind) {
                let known: Vec<&str> = suite.endpoints.keys().map(String::as_str).collect();
                return Err(PlanError::BadInput(format!(
                    "{}: unknown endpoint kind `{}` (known: {})",
                    e.given_as,
                    e.kind,
                    known.join(", ")
                )));
            }
        }
        let baseline = match &args.baseline {
            None => Baseline::default(),
            Some(path) => {
                let ids: Vec<&str> = suite.cases.iter().map(|c| c.id()).collect();
                Baseline::load(path, &ids).map_err(|d| PlanError::Files(Diagnostics(d)))?
            }
        };
        let selection = Selection::from_args(&args);
        let format = if args.quiet && args.format == ConsoleFormat::Pretty {
            ConsoleFormat::Terse
        } else {
            args.format
        };
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                use std::io::IsTerminal;
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        let snapshots = target::snapshot_config(&args);
        Ok(Request {
            args,
            suite,
            selection,
            baseline,
            console: ConsoleOptions { format, color },
            snapshots,
        })
    }

    /// The cases `--list` shows: the selection, the profiles asked for, the partition (no
    /// target is resolved, so nothing is contacted).
    pub fn listed(&self) -> Vec<&LoadedCase> {
        self.suite
            .cases
            .iter()
            .filter(|c| self.args.profile.is_empty() || self.args.profile.contains(&c.case.profile.value))
            .filter(|c| self.args.partition.is_none_or(|p| p.contains(c.id())))
            .filter(|c| self.selection.selects(c))
            .collect()
    }

    /// The second stage: the target, identities and endpoints (Keystone is asked here), then
    /// the cases of the profiles that have an endpoint.
    pub fn resolve(self, rt: &tokio::runtime::Runtime) -> Result<Plan, PlanError> {
        let Request {
            args,
            suite,
            selection,
            baseline,
            console,
            snapshots,
        } = self;
        let resolved = target::resolve(&args, &suite, rt)?;
        let profiles = target::profiles_to_run(&args, &suite, &resolved)?;

        let mut cases = Vec::new();
        let mut ignored = Vec::new();
        let mut filtered_out = 0;
        for c in suite.cases {
            let in_run = profiles.contains(&c.case.profile.value)
                && args.partition.is_none_or(|p| p.contains(c.id()))
                && selection.selects(&c);
            if !in_run {
                filtered_out += 1;
            } else if selection.runs(&c) {
                cases.push(Arc::new(c));
            } else {
                ignored.push(Arc::new(c));
            }
        }
        if cases.is_empty() && ignored.is_empty() {
            return Err(PlanError::NoCaseSelected);
        }

        let budgets = Budgets {
            timeout: Duration::from_secs_f64(args.timeout),
            max_body: args.max_body,
            max_body_memory: args.max_body_memory,
            max_pages: args.max_pages,
            cases_in_flight: CASES_PER_REQUEST_SLOT * args.concurrency,
            max_catalogue: args.max_catalogue,
            walks: crate::runner::WalkConfig::new(args.window_pages, args.seed.unwrap_or_else(random_seed)),
            politeness: PolitenessConfig {
                concurrency: args.concurrency,
                rate: args.rate,
                max_requests: args.max_requests,
                retries: args.retries,
                ..PolitenessConfig::default()
            },
        };
        let provision = args.provision.then(|| provision_plan(&cases, &suite.fixtures));
        let mut secrets = resolved.secrets.clone();
        // Secrets typed on the command line are redacted from it even when the run does not
        // use them (the embedded mock needs no password).
        for s in [&args.password, &args.application_credential_secret, &args.token] {
            secrets.extend(s.clone().filter(|s| !s.is_empty()).map(Secret::new));
        }
        secrets.extend(resolved.main.token.clone());
        secrets.extend(resolved.other.as_ref().and_then(|o| o.token.clone()));
        let redactor = crate::redact::Redactor::new(secrets.clone());
        let command_line = redactor.redact(&command_line());
        let environment = environment::report(&args, &resolved.target, resolved.other.is_some(), std::env::vars());
        let preflight = if resolved.target.is_mock() {
            PreflightRecord::NotNeeded
        } else if args.no_preflight {
            PreflightRecord::Off
        } else {
            PreflightRecord::Pending
        };
        Ok(Plan {
            suite: Arc::new(SuiteParts {
                profiles: suite.profiles,
                kinds: suite.endpoints,
                schemas: suite.schemas,
                documents: suite.documents,
            }),
            cases,
            ignored,
            filtered_out,
            target: resolved.target,
            endpoints: resolved.endpoints,
            profiles,
            main: resolved.main,
            other: resolved.other,
            tls: resolved.tls,
            budgets,
            snapshots,
            baseline,
            baseline_path: args.baseline.clone(),
            partition: args.partition,
            reports: Reports {
                junit: args.junit.clone(),
                json: args.json.clone(),
                requests_log: args.requests_log.clone(),
            },
            console,
            secrets,
            renewal: resolved.renewal,
            command_line,
            preflight,
            environment,
            provision,
        })
    }
}

/// The fixtures the selected cases need, by profile, under a new run id: nothing a selection
/// does not use is created.
pub(crate) fn provision_plan(
    cases: &[Arc<LoadedCase>],
    sets: &BTreeMap<String, crate::model::FixtureSet>,
) -> crate::provision::ProvisionPlan {
    let mut needed: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
    for c in cases {
        for n in &c.case.needs {
            if let crate::model::Need::Fixtures(f) = &n.value {
                needed
                    .entry(c.case.profile.value.as_str())
                    .or_default()
                    .insert(f.as_str());
            }
        }
    }
    let sets = needed
        .into_iter()
        .filter_map(|(profile, names)| {
            let set = sets.get(profile)?;
            let mut set = set.clone();
            set.images.retain(|f| names.contains(f.value.name.as_str()));
            Some((profile.to_string(), set))
        })
        .collect();
    crate::provision::ProvisionPlan {
        run_id: crate::provision::RunId::new(),
        sets,
    }
}

/// A seed for a run that was given none: different from run to run (printed, to reproduce).
fn random_seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    t ^ ((std::process::id() as u64) << 32)
}

fn check_numbers(args: &RunArgs) -> Result<(), PlanError> {
    let bad = |m: &str| Err(PlanError::BadInput(m.to_string()));
    if !(args.timeout > 0.0 && args.timeout.is_finite() && args.timeout <= 86_400.0) {
        return bad("--timeout must be a positive number of seconds (at most a day)");
    }
    if args.max_pages == 0 || args.max_body == 0 || args.concurrency == 0 || args.max_catalogue == 0 {
        return bad(
            "--max-pages, --max-body, --max-catalogue and --concurrency must be at least 1, --window-pages at least 2",
        );
    }
    if args.max_body > args.max_body_memory {
        return Err(PlanError::BadInput(format!(
            "--max-body {} is larger than --max-body-memory {}: no body that size could ever be held",
            args.max_body, args.max_body_memory
        )));
    }
    if args.rate.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
        return bad("--rate must be a positive number of requests per second");
    }
    Ok(())
}

/// The process's command line, for reports (redacted by the caller).
fn command_line() -> String {
    std::env::args()
        .map(|a| {
            if a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,@".contains(c)) {
                a
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Plan {
    /// The endpoints the pre-flight looks at: those of the profiles that run, and any given by
    /// a flag (typed by the tester, so worth a look); catalogue endpoints no profile of this
    /// run talks to are left alone.
    pub fn preflight_targets(&self) -> Vec<crate::exec::preflight::Target> {
        let used: std::collections::BTreeSet<&str> = self
            .profiles
            .iter()
            .filter_map(|p| self.suite.profiles.get(p).map(|x| x.endpoint.as_str()))
            .collect();
        self.endpoints
            .iter()
            .filter(|e| used.contains(e.kind.as_str()) || matches!(e.source, EndpointSource::Flag(_)))
            .filter_map(|e| {
                let EndpointUrl::Fixed(url) = &e.url else { return None };
                Some(crate::exec::preflight::Target {
                    kind: self.suite.kinds.get(&e.kind)?.clone(),
                    url: url.clone(),
                    source: render::source_words(&e.source),
                })
            })
            .collect()
    }

    /// What the pre-flight's messages need to know about the credentials.
    pub fn preflight_credentials(&self) -> crate::exec::preflight::Credentials {
        crate::exec::preflight::Credentials {
            token: self.main.token.is_some(),
            from_keystone: self.renewal.is_some(),
            project_id: self.main.facts.as_ref().and_then(|f| f.project_id.clone()),
            other_token: self.other.as_ref().is_some_and(|o| o.token.is_some()),
        }
    }
}

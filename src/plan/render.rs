//! The plan in words and as data: what `run --plan` prints, what the run's first event carries,
//! and what the reports record about the run (target, endpoints, identities, versions).

use std::fmt::Write as _;

use serde::Serialize;

use super::{EndpointSource, EndpointUrl, Identity, Plan, Target};

#[derive(Clone, Debug, Serialize)]
pub struct EndpointSummary {
    pub kind: String,
    pub url: String,
    /// `--image-url`, `catalogue (image, public, RegionOne)`, `embedded mock`.
    pub source: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct IdentitySummary {
    /// `main` or `other`.
    pub role: &'static str,
    pub how: String,
    pub user: Option<String>,
    pub project: Option<String>,
    pub project_id: Option<String>,
    pub roles: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProfileSummary {
    pub name: String,
    /// The endpoint kind it talks to (`image`).
    pub endpoint: String,
    /// That endpoint's URL in this run.
    pub url: Option<String>,
    pub cases: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct BudgetSummary {
    pub timeout_secs: f64,
    pub max_body_bytes: usize,
    pub max_body_memory_bytes: usize,
    pub max_pages: usize,
    pub cases_in_flight: usize,
    pub requests_in_flight: usize,
    pub rate_per_sec: Option<f64>,
    pub max_requests: Option<usize>,
    pub retries: u32,
    pub window_pages: usize,
    pub seed: u64,
}

/// The plan as data (no secrets).
#[derive(Clone, Debug, Serialize)]
pub struct PlanSummary {
    pub tool: &'static str,
    pub version: String,
    pub command_line: String,
    /// `embedded mock`, `cloud mycloud (http://keystone:5000/v3)`, `endpoints given as URLs`.
    pub target: String,
    pub target_kind: &'static str,
    /// The embedded mock's base URL once it listens.
    pub mock_base: Option<String>,
    pub endpoints: Vec<EndpointSummary>,
    pub identities: Vec<IdentitySummary>,
    pub profiles: Vec<ProfileSummary>,
    pub cases: usize,
    pub ignored: usize,
    pub filtered_out: usize,
    pub case_ids: Vec<String>,
    pub partition: Option<String>,
    pub baseline: Option<String>,
    pub snapshots: String,
    pub budgets: BudgetSummary,
    pub junit: Option<String>,
    pub json: Option<String>,
    /// When the run started (RFC 3339, UTC); absent in `--plan`.
    pub started_at: Option<String>,
    /// The HTTP methods the selected cases send (read-only: never POST, and PUT/PATCH/DELETE
    /// only to fixed collection paths, checked when the cases load).
    pub methods: Vec<&'static str>,
    pub preflight: super::PreflightRecord,
    /// The `OS_*` variables set, and whether the run used each.
    pub environment: Vec<super::environment::EnvVar>,
    /// The command that starts the same mock on the same port, so the evidence's curl commands
    /// can be followed up after the run (embedded mock only).
    pub mock_command: Option<String>,
    /// `read-only` or `provisioning`.
    pub mode: &'static str,
    /// The provisioning run's id (its fixtures' marker is `imgconform-<run id>`).
    pub run_id: Option<String>,
    /// Fixtures a provisioning run creates.
    pub fixtures: usize,
}

/// The version and the commit the binary was built from: `0.1.0 (commit 1a2b3c4)`.
pub fn version() -> String {
    crate::cli::VERSION.to_string()
}

/// `--image-url`, `catalogue (image, public, RegionOne)`, `embedded mock`.
pub(super) fn source_words(source: &EndpointSource) -> String {
    match source {
        EndpointSource::Flag(f) => f.clone(),
        EndpointSource::Catalogue {
            service_type,
            interface,
            region,
        } => format!("catalogue ({service_type}, {interface}, {region})"),
        EndpointSource::Mock => "embedded mock".to_string(),
    }
}

fn identity(role: &'static str, i: &Identity) -> IdentitySummary {
    let f = i.facts.clone().unwrap_or_default();
    IdentitySummary {
        role,
        how: i.how.clone(),
        user: f.user_name.or(f.user_id),
        project: f.project_name.clone().or(f.project_id.clone()),
        project_id: f.project_id,
        roles: f.roles,
    }
}

impl Plan {
    /// The endpoint URL of `kind` once the mock (if any) listens at `mock_base`.
    pub fn endpoint_url(&self, e: &super::PlannedEndpoint, mock_base: Option<&str>) -> String {
        match &e.url {
            EndpointUrl::Fixed(u) => u.to_string(),
            EndpointUrl::Mock { path } => {
                let project = self
                    .main
                    .facts
                    .as_ref()
                    .and_then(|f| f.project_id.clone())
                    .unwrap_or_default();
                let path = path.replace("{project_id}", &project);
                match mock_base {
                    Some(base) => format!("{base}{path}"),
                    None => format!("http://127.0.0.1:<port>{path}"),
                }
            }
        }
    }

    /// The plan as data; `mock_base` is the mock's URL once it listens.
    pub fn summary(&self, mock_base: Option<&str>) -> PlanSummary {
        let target = match &self.target {
            Target::Mock { config } => {
                let quirks: Vec<&str> = config.quirks.iter().map(|q| q.name()).collect();
                format!(
                    "embedded mock ({}; quirks: {})",
                    crate::mock::describe_catalogue(config),
                    if quirks.is_empty() {
                        "none".to_string()
                    } else {
                        quirks.join(", ")
                    }
                )
            }
            Target::Cloud {
                name: Some(n),
                file,
                auth_url,
            } => match file {
                Some(f) => format!("cloud {n} from {} (Keystone {auth_url})", f.display()),
                None => format!("cloud {n} (Keystone {auth_url})"),
            },
            Target::Cloud {
                name: None, auth_url, ..
            } => format!("Keystone {auth_url} (OS_* variables and flags)"),
            Target::Urls => "endpoints given as URLs".to_string(),
        };
        let endpoints = self
            .endpoints
            .iter()
            .map(|e| EndpointSummary {
                kind: e.kind.clone(),
                url: self.endpoint_url(e, mock_base),
                source: source_words(&e.source),
            })
            .collect();
        let mut identities = vec![identity("main", &self.main)];
        identities.extend(self.other.as_ref().map(|o| identity("other", o)));
        let profiles = self
            .profiles
            .iter()
            .map(|p| ProfileSummary {
                name: p.clone(),
                endpoint: self
                    .suite
                    .profiles
                    .get(p)
                    .map(|x| x.endpoint.clone())
                    .unwrap_or_default(),
                url: self
                    .suite
                    .profiles
                    .get(p)
                    .and_then(|x| self.endpoints.iter().find(|e| e.kind == x.endpoint))
                    .map(|e| self.endpoint_url(e, mock_base)),
                cases: self.cases.iter().filter(|c| &c.case.profile.value == p).count(),
            })
            .collect();
        use crate::model::Method;
        let methods: Vec<&'static str> = [
            Method::Get,
            Method::Head,
            Method::Options,
            Method::Put,
            Method::Patch,
            Method::Delete,
        ]
        .into_iter()
        .filter(|m| self.cases.iter().any(|c| c.case.request.method == *m))
        .map(Method::as_str)
        .collect();
        let pol = &self.budgets.politeness;
        PlanSummary {
            tool: "imgconform",
            version: version(),
            command_line: self.command_line.clone(),
            target,
            mock_base: mock_base.map(str::to_string),
            target_kind: match self.target {
                Target::Mock { .. } => "mock",
                Target::Cloud { .. } => "cloud",
                Target::Urls => "urls",
            },
            endpoints,
            identities,
            profiles,
            cases: self.cases.len(),
            ignored: self.ignored.len(),
            filtered_out: self.filtered_out,
            case_ids: self.cases.iter().map(|c| c.id().to_string()).collect(),
            partition: self.partition.map(|p| format!("hash:{}/{}", p.shard, p.of)),
            baseline: self.baseline_path.as_ref().map(|p| p.display().to_string()),
            snapshots: format!("{:?}", self.snapshots.mode).to_lowercase(),
            budgets: BudgetSummary {
                timeout_secs: self.budgets.timeout.as_secs_f64(),
                max_body_bytes: self.budgets.max_body,
                max_body_memory_bytes: self.budgets.max_body_memory,
                max_pages: self.budgets.max_pages,
                cases_in_flight: self.budgets.cases_in_flight,
                requests_in_flight: pol.concurrency,
                rate_per_sec: pol.rate,
                max_requests: pol.max_requests,
                retries: pol.retries,
                window_pages: self.budgets.walks.window_pages,
                seed: self.budgets.walks.seed,
            },
            junit: self.reports.junit.as_ref().map(|p| p.display().to_string()),
            json: self.reports.json.as_ref().map(|p| p.display().to_string()),
            started_at: None,
            methods,
            preflight: self.preflight.clone(),
            environment: self.environment.clone(),
            mock_command: self.mock_command(mock_base),
            mode: if self.provision.is_some() {
                "provisioning"
            } else {
                "read-only"
            },
            run_id: self.provision.as_ref().map(|p| p.run_id.to_string()),
            fixtures: self.provision.as_ref().map_or(0, |p| p.fixture_count()),
        }
    }
}

impl Plan {
    /// `imgconform mock --listen 127.0.0.1:PORT --images N --quirk Q …`: the embedded mock of
    /// this run, started alone on the port the evidence's curl commands name.
    fn mock_command(&self, mock_base: Option<&str>) -> Option<String> {
        let Target::Mock { config } = &self.target else {
            return None;
        };
        let listen = mock_base?
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let mut cmd = format!("imgconform mock --listen {listen} --images {}", config.images);
        if config.token != crate::mock::DEFAULT_TOKEN {
            cmd.push_str(" --token \"$OS_TOKEN\"");
        }
        for q in &config.quirks {
            cmd.push_str(&format!(" --quirk {}", q.name()));
        }
        for v in &config.variants {
            cmd.push_str(&format!(" --variant {}", v.name()));
        }
        if !config.latency.is_zero() {
            cmd.push_str(&format!(" --latency-ms {}", config.latency.as_millis()));
        }
        Some(cmd)
    }
}

/// The banner at the start of `run`: what is tested, by whom, with which build. Every line
/// comes from the plan's data, so JUnit and JSON carry the same facts.
pub fn render_banner(p: &PlanSummary) -> String {
    let mut s = String::new();
    let methods = if p.methods.is_empty() {
        "none".to_string()
    } else {
        p.methods.join(", ")
    };
    let _ = writeln!(s, "imgconform {}: {}", p.version, writes_line(p, &methods));
    let target = match &p.mock_base {
        Some(base) => {
            let what = p
                .target
                .strip_prefix("embedded mock (")
                .and_then(|t| t.strip_suffix(')'));
            format!(
                "no target given: running against the embedded mock at {base} ({})",
                what.unwrap_or(&p.target)
            )
        }
        None => p.target.clone(),
    };
    let _ = writeln!(s, "target:     {target}");
    let width = p.profiles.iter().map(|x| x.name.len()).max().unwrap_or(0);
    for (n, pr) in p.profiles.iter().enumerate() {
        let source = p
            .endpoints
            .iter()
            .find(|e| e.kind == pr.endpoint)
            .map(|e| e.source.as_str())
            .unwrap_or("?");
        let _ = writeln!(
            s,
            "{}{:<width$}  {:>3} case(s)  {}  ({source})",
            if n == 0 { "profiles:   " } else { "            " },
            pr.name,
            pr.cases,
            pr.url.as_deref().unwrap_or("no endpoint"),
        );
    }
    for i in &p.identities {
        let who = match (&i.user, &i.project) {
            (Some(u), Some(pr)) if i.roles.is_empty() => format!("{u} in project {pr}"),
            (Some(u), Some(pr)) => format!("{u} in project {pr} (roles {})", i.roles.join(", ")),
            _ => "user and project not known (a bare token)".to_string(),
        };
        let label = if i.role == "main" { "identity:" } else { "other:" };
        let _ = writeln!(s, "{label:<12}{who}; {}", i.how);
    }
    if p.identities.len() < 2 {
        let _ = writeln!(
            s,
            "other:      none (cross-project cases SKIP; give --other-cloud NAME or OS_OTHER_*)"
        );
    }
    let _ = writeln!(
        s,
        "cases:      {} selected, {} ignored, {} left out by the selection{}",
        p.cases,
        p.ignored,
        p.filtered_out,
        p.partition
            .as_ref()
            .map(|x| format!(" (partition {x})"))
            .unwrap_or_default()
    );
    let preflight = match &p.preflight {
        super::PreflightRecord::Passed { endpoints } if !endpoints.is_empty() => {
            let each: Vec<String> = endpoints
                .iter()
                .map(|e| {
                    let notes = if e.notes.is_empty() {
                        String::new()
                    } else {
                        format!("; {}", e.notes.join("; "))
                    };
                    format!("{} {} in {} ms{notes}", e.kind, e.status, e.duration_ms)
                })
                .collect();
            format!("passed ({})", each.join(", "))
        }
        other => other.words().to_string(),
    };
    let _ = writeln!(s, "pre-flight: {preflight}");
    let _ = writeln!(s, "OS_* vars:  {}", super::environment::words(&p.environment));
    s
}

/// `run --plan`: the plan for a human.
pub fn render_text(p: &PlanSummary) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "imgconform {}", p.version);
    let _ = writeln!(s, "target:     {}", p.target);
    let _ = writeln!(s, "endpoints:");
    for e in &p.endpoints {
        let _ = writeln!(s, "  {:<10} {}   ({})", e.kind, e.url, e.source);
    }
    let _ = writeln!(s, "identities:");
    for i in &p.identities {
        let who = match (&i.user, &i.project) {
            (Some(u), Some(pr)) if i.roles.is_empty() => format!("{u} in project {pr}"),
            (Some(u), Some(pr)) => format!("{u} in project {pr} (roles {})", i.roles.join(", ")),
            _ => "unknown user and project".to_string(),
        };
        let _ = writeln!(s, "  {:<10} {who}; {}", i.role, i.how);
    }
    if p.identities.len() < 2 {
        let _ = writeln!(
            s,
            "  {:<10} none (cross-project cases SKIP; give --other-cloud NAME or OS_OTHER_*)",
            "other"
        );
    }
    let _ = writeln!(s, "profiles:");
    for pr in &p.profiles {
        let _ = writeln!(s, "  {:<10} {} case(s), endpoint {}", pr.name, pr.cases, pr.endpoint);
    }
    let _ = writeln!(
        s,
        "cases:      {} to run, {} ignored, {} left out by the selection{}",
        p.cases,
        p.ignored,
        p.filtered_out,
        p.partition
            .as_ref()
            .map(|x| format!(" (partition {x})"))
            .unwrap_or_default()
    );
    let _ = writeln!(s, "pre-flight: {}", p.preflight.words());
    let _ = writeln!(s, "OS_* vars:  {}", super::environment::words(&p.environment));
    let _ = writeln!(s, "mode:       {}", mode_line(p));
    let _ = writeln!(s, "baseline:   {}", p.baseline.as_deref().unwrap_or("none"));
    let _ = writeln!(s, "snapshots:  {}", p.snapshots);
    let b = &p.budgets;
    let _ = writeln!(
        s,
        "budgets:    timeout {} s, body ≤ {} bytes, bodies held ≤ {} bytes, walk ≤ {} pages (long ones in windows of {}, seed {}), {} case(s) and {} request(s) in flight, rate {}, requests {}, {} retries",
        b.timeout_secs,
        b.max_body_bytes,
        b.max_body_memory_bytes,
        b.max_pages,
        b.window_pages,
        b.seed,
        b.cases_in_flight,
        b.requests_in_flight,
        b.rate_per_sec.map_or("unlimited".to_string(), |r| format!("{r}/s")),
        b.max_requests.map_or("unlimited".to_string(), |r| format!("≤ {r}")),
        b.retries
    );
    let _ = writeln!(
        s,
        "reports:    junit {}, json {}",
        p.junit.as_deref().unwrap_or("none"),
        p.json.as_deref().unwrap_or("none")
    );
    s
}

/// The run's mode in words: what it may change on the target.
/// What the run sends that could change the target: the banner's first words and JUnit's
/// `imgconform.read_only` property.
pub fn writes_line(p: &PlanSummary, methods: &str) -> String {
    if p.run_id.is_some() {
        format!(
            "provisioning (the cases send {methods}; the fixtures are made with POST, PUT, PATCH and DELETE on /v2/images and deleted at the end)"
        )
    } else {
        format!("read-only (the cases send {methods}; never POST, PUT/PATCH/DELETE only to fixed collection paths)")
    }
}

pub fn mode_line(p: &PlanSummary) -> String {
    match &p.run_id {
        Some(id) => format!(
            "provisioning: run id {id}, {} fixture(s) created before the cases and deleted at the end (tag imgconform-{id})",
            p.fixtures
        ),
        None => "read-only: nothing is created, changed or deleted (--provision brings fixtures)".to_string(),
    }
}

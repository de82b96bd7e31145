//! `imgconform run`: load, plan, start the embedded mock if no target is given, run every
//! selected case as a libtest trial, report, and map the verdicts to the exit code.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libtest_mimic::{Completion, Failed, Trial};

use crate::cli::RunArgs;
use crate::connect::{self, CloudConfig};
use crate::exec::{Discovery, HttpClient, HttpLimits, PolitenessConfig, RenewFn, Renewal, TlsOptions};
use crate::exit_codes;
use crate::loader::{LoadedCase, Suite};
use crate::mock::{self, MockConfig};
use crate::plan::Baseline;
use crate::redact::{Redactor, Secret};
use crate::report::{self, CaseRecord};
use crate::runner::{self, RunContext};
use crate::snapshot;
use crate::verdict::Verdict;

/// Trials wait on the network, not the CPU: run more of them than there are cores.
const DEFAULT_TEST_THREADS: usize = 8;

pub fn run(mut args: RunArgs) -> u8 {
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        eprintln!("imgconform: --timeout must be a positive number of seconds");
        return exit_codes::BAD_INPUT;
    }
    if args.max_pages == 0 || args.max_body == 0 || args.concurrency == 0 {
        eprintln!("imgconform: --max-pages, --max-body and --concurrency must be at least 1");
        return exit_codes::BAD_INPUT;
    }
    if args.rate.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
        eprintln!("imgconform: --rate must be a positive number of requests per second");
        return exit_codes::BAD_INPUT;
    }
    let suite = match super::load_or_report(&args.input) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let profiles = match selected_profiles(&args, &suite) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("imgconform: {e}");
            return exit_codes::BAD_INPUT;
        }
    };
    let baseline = match &args.baseline {
        None => Baseline::default(),
        Some(path) => {
            let ids: Vec<&str> = suite.cases.iter().map(|c| c.id()).collect();
            match Baseline::load(path, &ids) {
                Ok(b) => b,
                Err(diags) => {
                    for d in diags {
                        eprintln!("{d}");
                    }
                    return exit_codes::BAD_INPUT;
                }
            }
        }
    };
    let baseline = Arc::new(baseline);
    let cases: Vec<Arc<LoadedCase>> = suite
        .cases
        .into_iter()
        .filter(|c| profiles.contains(&c.case.profile.value))
        .filter(|c| args.partition.is_none_or(|p| p.contains(c.id())))
        .map(Arc::new)
        .collect();
    let suite_rest = Suite {
        cases: Vec::new(),
        ..suite
    };

    // Decide the selection before anything starts, so "no case selected" costs nothing.
    let names: Vec<Trial> = cases.iter().map(|c| placeholder(c)).collect();
    let listed = names.iter().filter(|t| !args.harness.is_filtered_out(t)).count();
    if args.harness.list {
        let _listed_only = libtest_mimic::run(&args.harness, names);
        return exit_codes::SUCCESS;
    }
    if listed == 0 {
        eprintln!("imgconform: the filter selected no case (see `imgconform run --list`)");
        return exit_codes::NO_CASE_SELECTED;
    }
    if args.harness.test_threads.is_none() {
        args.harness.test_threads = Some(DEFAULT_TEST_THREADS);
    }
    let json_output = matches!(args.harness.format, Some(libtest_mimic::FormatSetting::Json));

    // Snapshots: checked against the embedded mock by default, off against a real target.
    // insta reads its settings from the environment once: set them before any thread starts.
    let cloud_requested = args.cloud.is_some() || std::env::var_os("OS_AUTH_URL").is_some_and(|v| !v.is_empty());
    let against_mock =
        args.image_url.is_none() && args.compute_url.is_none() && args.ims_url.is_none() && !cloud_requested;
    // The committed snapshots record the default catalogue; another size has other pages.
    let default_mock = against_mock && args.mock_images == mock::DEFAULT_IMAGES;
    let snapshot_mode = args.snapshots.unwrap_or(if default_mock {
        snapshot::Mode::Check
    } else {
        snapshot::Mode::Off
    });
    let snapshot_dir = args.snapshots_dir.clone().unwrap_or_else(snapshot::default_dir);
    let snapshot_dir = std::path::absolute(&snapshot_dir).unwrap_or(snapshot_dir);
    // An installed binary away from the source tree has no recorded snapshots: the default
    // check has nothing to compare with, so it is off (asking for it explicitly still FAILs).
    let snapshot_mode = if args.snapshots.is_none() && !snapshot_dir.is_dir() {
        eprintln!(
            "imgconform: no snapshots directory at {}; snapshot checks are off",
            snapshot_dir.display()
        );
        snapshot::Mode::Off
    } else {
        snapshot_mode
    };
    snapshot::configure_insta(snapshot_mode, &snapshot_dir);

    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };

    // A cloud: clouds.yaml (--cloud / OS_CLOUD), then OS_* variables, then flags.
    let cloud = match cloud_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("imgconform: {e}");
            return exit_codes::BAD_INPUT;
        }
    };
    if cloud.insecure {
        eprintln!("imgconform: warning: TLS certificates are not verified (--insecure)");
    }
    let tls = TlsOptions {
        cacert: cloud.cacert.clone(),
        cert: cloud.cert.clone(),
        key: cloud.key.clone(),
        insecure: cloud.insecure,
    };
    let mut secrets = cloud.secrets();
    let mut keystone_http = None;
    let session = if cloud.auth_url.is_some() {
        let http = match tls
            .apply(reqwest::Client::builder().timeout(Duration::from_secs_f64(args.timeout)))
            .and_then(|b| Ok(b.build()?))
        {
            Ok(h) => h,
            Err(e) => {
                eprintln!("imgconform: {e:#}");
                return exit_codes::BAD_INPUT;
            }
        };
        keystone_http = Some(http.clone());
        match rt.block_on(connect::authenticate(&http, &cloud)) {
            Ok(s) => Some(s),
            Err(e) => {
                // The message names Keystone's status and text; it never holds the password.
                eprintln!("imgconform: {}", Redactor::new(secrets.clone()).redact(&e.to_string()));
                return exit_codes::BAD_INPUT;
            }
        }
    } else {
        None
    };

    // The target: given URLs, the cloud's catalogue, or the embedded mock.
    let mut endpoints = BTreeMap::new();
    let mut running_mock = None;
    let given = [
        ("image", &args.image_url),
        ("compute", &args.compute_url),
        ("ims", &args.ims_url),
    ];
    let token = if let Some(session) = &session {
        endpoints.extend(session.endpoints.clone());
        for (kind, url) in given {
            if let Some(u) = url {
                endpoints.insert(kind.to_string(), u.clone());
            }
        }
        if !endpoints.contains_key("image") && !endpoints.contains_key("compute") && !endpoints.contains_key("ims") {
            eprintln!(
                "imgconform: the service catalogue has no image or compute endpoint (interface {}, region {}); it has: {}",
                cloud.interface.as_deref().unwrap_or("public"),
                cloud.region_name.as_deref().unwrap_or("any"),
                session.catalogue.join(", ")
            );
            return exit_codes::BAD_INPUT;
        }
        secrets.push(session.token.clone());
        Some(session.token.expose().to_string())
    } else if given.iter().any(|(_, u)| u.is_some()) {
        for (kind, url) in given {
            if let Some(u) = url {
                endpoints.insert(kind.to_string(), u.clone());
            }
        }
        args.token.clone()
    } else {
        let token = args.token.clone().unwrap_or_else(|| mock::DEFAULT_TOKEN.to_string());
        let config = MockConfig {
            images: args.mock_images,
            token: token.clone(),
            quirks: args.mock_quirk.iter().copied().collect(),
            latency: Duration::from_millis(args.mock_latency_ms),
            ..MockConfig::default()
        };
        let describe = mock::describe_catalogue(&config);
        let quirks: Vec<&str> = config.quirks.iter().map(|q| q.name()).collect();
        let started = rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            mock::spawn(config, listener).await
        });
        match started {
            Ok(m) => {
                eprintln!(
                    "imgconform: no target given; running against the embedded mock at {} ({describe}; quirks: {})",
                    m.base_url(),
                    if quirks.is_empty() {
                        "none".to_string()
                    } else {
                        quirks.join(", ")
                    }
                );
                for (kind, url) in [
                    ("image", m.image_url()),
                    ("compute", m.compute_url()),
                    ("ims", m.ims_url()),
                ] {
                    endpoints.insert(
                        kind.to_string(),
                        url::Url::parse(&url).expect("the mock's URLs are valid"),
                    );
                }
                running_mock = Some(m);
            }
            Err(e) => {
                eprintln!("imgconform: cannot start the embedded mock: {e:#}");
                return exit_codes::TOOL_FAILED;
            }
        }
        Some(token)
    };
    let token = token.map(Secret::new);
    let snapshots = Some(snapshot::Config {
        mode: snapshot_mode,
        dir: snapshot_dir,
        target_is_mock: running_mock.is_some(),
    });
    // The second identity: the mock's other project, or --other-cloud / OS_OTHER_*.
    let other_token = if running_mock.is_some() {
        token
            .as_ref()
            .map(|t| Secret::new(format!("{}{}", t.expose(), mock::ALT_TOKEN_SUFFIX)))
    } else {
        match other_identity(&args, &tls, &rt) {
            Ok(t) => t,
            Err(e) => {
                eprintln!(
                    "imgconform: second identity: {}",
                    Redactor::new(secrets.clone()).redact(&e.to_string())
                );
                return exit_codes::BAD_INPUT;
            }
        }
    };
    secrets.extend(token.clone());
    secrets.extend(other_token.clone());
    let redactor = Redactor::new(secrets);

    let limits = HttpLimits {
        timeout: Duration::from_secs_f64(args.timeout),
        max_body: args.max_body,
        tls,
    };
    let polite = PolitenessConfig {
        concurrency: args.concurrency,
        rate: args.rate,
        max_requests: args.max_requests,
        retries: args.retries,
        ..PolitenessConfig::default()
    };
    let client = match HttpClient::with_politeness(limits, token, polite) {
        Ok(c) => {
            let c = c.with_other_token(other_token);
            match (&session, &keystone_http) {
                (Some(session), Some(http)) => {
                    let (cfg, http) = (cloud.clone(), http.clone());
                    let renew: RenewFn = Box::new(move || {
                        let (cfg, http) = (cfg.clone(), http.clone());
                        Box::pin(async move {
                            connect::authenticate(&http, &cfg)
                                .await
                                .map(|s| (s.token, s.expires_at))
                                .map_err(|e| e.0)
                        })
                    });
                    let margin = chrono::Duration::minutes(5);
                    c.with_renewal(Renewal::new(renew, session.expires_at, margin, redactor.clone()))
                }
                _ => c,
            }
        }
        Err(e) => {
            eprintln!("imgconform: {e:#}");
            return exit_codes::TOOL_FAILED;
        }
    };
    let ctx = Arc::new(RunContext {
        client,
        endpoints,
        profiles: suite_rest.profiles,
        schemas: suite_rest.schemas,
        discovery: Discovery::default(),
        max_pages: args.max_pages,
        snapshots,
        redactor: redactor.clone(),
    });
    // With a cloud and no --profile, "every profile that has a URL" is known only now, from
    // the catalogue (and the explicit URLs): the others are not run.
    let cases: Vec<Arc<LoadedCase>> = if session.is_some() && args.profile.is_empty() {
        cases
            .into_iter()
            .filter(|c| {
                ctx.profiles
                    .get(&c.case.profile.value)
                    .is_some_and(|p| ctx.endpoints.contains_key(&p.endpoint))
            })
            .collect()
    } else {
        cases
    };
    let records: Arc<Mutex<Vec<CaseRecord>>> = Arc::default();
    let trials: Vec<Trial> = cases
        .iter()
        .map(|c| {
            trial(
                c.clone(),
                ctx.clone(),
                rt.handle().clone(),
                records.clone(),
                redactor.clone(),
                baseline.clone(),
            )
        })
        .collect();

    let conclusion = libtest_mimic::run(&args.harness, trials);
    let mut records = std::mem::take(&mut *records.lock().unwrap_or_else(|p| p.into_inner()));
    records.sort_by(|a, b| a.id.cmp(&b.id));
    // Cases ignored by the harness never ran: they appear in JUnit as skipped.
    for c in &cases {
        let t = placeholder(c);
        if args.harness.is_ignored(&t) && !args.harness.is_filtered_out(&t) {
            let reason = c.case.ignore.clone().unwrap_or_else(|| "ignored".into());
            records.push(record(c, crate::verdict::Outcome::skip(format!("ignored: {reason}"))));
        }
    }

    let mut code = if records.iter().any(|r| r.outcome.verdict.fails_run()) || conclusion.has_failed() {
        exit_codes::CASES_FAILED
    } else {
        exit_codes::SUCCESS
    };
    if let Some(path) = &args.junit
        && let Err(e) = report::write_junit(path, &records, &redactor)
    {
        eprintln!("imgconform: {e:#}");
        code = exit_codes::TOOL_FAILED;
    }
    if let Some(path) = &args.json
        && let Err(e) = report::write_json(path, &records, &redactor)
    {
        eprintln!("imgconform: {e:#}");
        code = exit_codes::TOOL_FAILED;
    }
    let printed = if json_output {
        report::print_summary(&mut std::io::stderr(), &records, &redactor)
    } else {
        let mut out = std::io::stdout().lock();
        report::print_summary(&mut out, &records, &redactor).and_then(|_| out.flush())
    };
    if printed.is_err() {
        code = code.max(exit_codes::CASES_FAILED);
    }
    if let Some(m) = running_mock {
        rt.block_on(m.shutdown());
    }
    code
}

/// The cloud's settings: the named cloud of clouds.yaml, under the `OS_*` environment, under
/// the flags (as openstackclient).
fn cloud_config(args: &RunArgs) -> Result<CloudConfig, connect::ConfigError> {
    let file = match &args.cloud {
        Some(name) => connect::load_cloud(name, std::env::var_os("OS_CLIENT_CONFIG_FILE").map(Into::into))?,
        None => CloudConfig::default(),
    };
    let env = CloudConfig::from_env("OS_", |k| std::env::var(k).ok());
    let flags = CloudConfig {
        token: args.token.clone().map(crate::redact::Secret::new),
        region_name: args.region.clone(),
        interface: args.interface.clone(),
        insecure: args.insecure,
        ..CloudConfig::default()
    };
    Ok(file.overlay(&env).overlay(&flags))
}

/// The token of the second identity, when one is configured.
fn other_identity(
    args: &RunArgs,
    tls: &TlsOptions,
    rt: &tokio::runtime::Runtime,
) -> Result<Option<Secret>, connect::ConfigError> {
    let file = match &args.other_cloud {
        Some(name) => connect::load_cloud(name, std::env::var_os("OS_CLIENT_CONFIG_FILE").map(Into::into))?,
        None => CloudConfig::default(),
    };
    let cfg = file.overlay(&CloudConfig::from_env("OS_OTHER_", |k| std::env::var(k).ok()));
    if cfg.auth_url.is_none() {
        return Ok(cfg.token);
    }
    let http = tls
        .apply(reqwest::Client::builder().timeout(Duration::from_secs_f64(args.timeout)))
        .and_then(|b| Ok(b.build()?))
        .map_err(|e| connect::ConfigError(format!("{e:#}")))?;
    Ok(Some(rt.block_on(connect::authenticate(&http, &cfg))?.token))
}

/// `--profile`, or every profile whose endpoint was given, or all of them against the mock.
fn selected_profiles(args: &RunArgs, suite: &Suite) -> Result<Vec<String>, String> {
    let known: Vec<&String> = suite.profiles.keys().collect();
    if !args.profile.is_empty() {
        for p in &args.profile {
            if !suite.profiles.contains_key(p) {
                let names: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
                return Err(format!(
                    "--profile: unknown profile `{p}` (known: {})",
                    names.join(", ")
                ));
            }
        }
        return Ok(args.profile.clone());
    }
    let given: Vec<&str> = [
        ("image", &args.image_url),
        ("compute", &args.compute_url),
        ("ims", &args.ims_url),
    ]
    .into_iter()
    .filter(|(_, u)| u.is_some())
    .map(|(k, _)| k)
    .collect();
    Ok(suite
        .profiles
        .values()
        .filter(|p| given.is_empty() || given.contains(&p.endpoint.as_str()))
        .map(|p| p.name.clone())
        .collect())
}

/// A trial with the case's name and ignore flag, for selection and listing only.
fn placeholder(c: &LoadedCase) -> Trial {
    Trial::test(c.id(), || Ok(())).with_ignored_flag(c.case.ignore.is_some())
}

fn record(c: &LoadedCase, outcome: crate::verdict::Outcome) -> CaseRecord {
    let case = &c.case;
    CaseRecord {
        id: case.id.value.clone(),
        title: case.title.clone(),
        profile: case.profile.value.clone(),
        level: case.level,
        requirements: case.requirements.iter().map(|r| r.value.clone()).collect(),
        spec: format!("{} § {}", case.spec.doc.value, case.spec.section),
        quote: case.spec.quote.clone(),
        note: case.note.clone(),
        source: format!("{}:{}:{}", c.file, c.pos.line, c.pos.column),
        outcome,
    }
}

fn trial(
    c: Arc<LoadedCase>,
    ctx: Arc<RunContext>,
    rt: tokio::runtime::Handle,
    records: Arc<Mutex<Vec<CaseRecord>>>,
    redactor: Redactor,
    baseline: Arc<Baseline>,
) -> Trial {
    let name = c.id().to_string();
    let ignored = c.case.ignore.is_some();
    Trial::ignorable_test(name, move || {
        let mut outcome = rt.block_on(runner::run_case(&ctx, &c.case));
        let today = chrono::Utc::now().date_naive();
        let (verdict, note) = baseline.apply(c.id(), outcome.verdict.clone(), today);
        outcome.verdict = verdict;
        if let Some(note) = note {
            outcome.findings.push(crate::verdict::Finding::new("baseline", note));
        }
        let rec = record(&c, outcome);
        let result = match &rec.outcome.verdict {
            Verdict::Pass | Verdict::Warn | Verdict::XFail => Ok(Completion::Completed),
            Verdict::Skip(reason) => Ok(Completion::ignored_with(redactor.redact(reason))),
            Verdict::Inconclusive(reason) => Ok(Completion::ignored_with(format!(
                "INCONCLUSIVE: {}",
                redactor.redact(reason)
            ))),
            Verdict::Fail | Verdict::Error | Verdict::XPass => {
                Err(Failed::from(report::render_outcome(&rec, &redactor)))
            }
        };
        records.lock().unwrap_or_else(|p| p.into_inner()).push(rec);
        result
    })
    .with_ignored_flag(ignored)
}

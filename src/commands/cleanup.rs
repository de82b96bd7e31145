//! `imgconform cleanup`: removes the fixtures a provisioning run left behind (it was killed
//! before its own cleanup, or that cleanup failed), listing each image it deletes.
//!
//! The target and identities are resolved exactly as `run` resolves them (clouds.yaml, `OS_*`,
//! Keystone), so the identity's project is known; only images carrying a run's marker tag and
//! owned by that project are touched (see `provision::leftovers`). `--dry-run` lists them.

use crate::cli::{CleanupArgs, Cli, Command};
use crate::exec::{HttpClient, HttpLimits};
use crate::exit_codes;
use crate::model::Auth;
use crate::plan::{Request, Target};
use crate::provision::{ImageApi, RunId, leftovers};

/// Pages read per list; the leftovers of any number of runs fit easily.
const MAX_PAGES: usize = 200;

pub fn cleanup(args: &CleanupArgs) -> u8 {
    let run_id = match args.run_id.as_deref().map(RunId::parse).transpose() {
        Ok(r) => r,
        Err(e) => {
            crate::errln!("imgconform: --run-id: {e}");
            return exit_codes::BAD_INPUT;
        }
    };
    let os_auth = std::env::var_os("OS_AUTH_URL").is_some_and(|v| !v.is_empty());
    if args.cloud.as_deref().is_none_or(str::is_empty) && args.endpoint.is_empty() && !os_auth {
        crate::errln!(
            "imgconform: cleanup needs the cloud whose fixtures to remove (--cloud NAME, OS_CLOUD, or OS_AUTH_URL and the other OS_* credentials)"
        );
        return exit_codes::BAD_INPUT;
    }
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    // The same resolution as `run` (image-v2 only: cleanup needs the image endpoint).
    let mut argv: Vec<String> = ["imgconform", "run", "--profile", "image-v2", "--timeout"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    argv.push(args.timeout.to_string());
    let pairs = [
        ("--cloud", args.cloud.clone()),
        ("--other-cloud", args.other_cloud.clone()),
        ("--region", args.region.clone()),
        ("--interface", args.interface.clone()),
    ];
    for (flag, value) in pairs {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            argv.extend([flag.to_string(), v]);
        }
    }
    for e in &args.endpoint {
        argv.extend(["--endpoint".to_string(), format!("{}={}", e.kind, e.url)]);
    }
    if args.insecure {
        argv.push("--insecure".into());
    }
    let run_args = match <Cli as clap::Parser>::try_parse_from(&argv) {
        Ok(Cli {
            command: Command::Run(a),
        }) => *a,
        Ok(_) => return exit_codes::TOOL_FAILED,
        Err(e) => {
            crate::errln!("imgconform: {e}");
            return exit_codes::BAD_INPUT;
        }
    };
    let plan = match Request::new(run_args).and_then(|r| r.resolve(&rt)) {
        Ok(p) => p,
        Err(e) => {
            crate::errln!("imgconform: {e}");
            return exit_codes::BAD_INPUT;
        }
    };
    if matches!(plan.target, Target::Mock { .. }) {
        crate::errln!("imgconform: cleanup needs a cloud; the embedded mock keeps nothing between runs");
        return exit_codes::BAD_INPUT;
    }
    let Some(endpoint) = plan.endpoints.iter().find(|e| e.kind == "image") else {
        crate::errln!("imgconform: the cloud has no image endpoint (give --endpoint image=URL)");
        return exit_codes::BAD_INPUT;
    };
    let endpoint = match url::Url::parse(&plan.endpoint_url(endpoint, None)) {
        Ok(u) => u,
        Err(e) => {
            crate::errln!("imgconform: the image endpoint: {e}");
            return exit_codes::BAD_INPUT;
        }
    };
    let limits = HttpLimits {
        timeout: plan.budgets.timeout,
        max_body: plan.budgets.max_body,
        tls: plan.tls.clone(),
        memory: crate::exec::BodyBudget::new(plan.budgets.max_body_memory),
    };
    let client = match HttpClient::new(limits, plan.main.token.clone()) {
        Ok(c) => c.with_other_token(plan.other.as_ref().and_then(|o| o.token.clone())),
        Err(e) => {
            crate::errln!("imgconform: {e:#}");
            return exit_codes::TOOL_FAILED;
        }
    };
    let mut identities = vec![(Auth::Token, "main", project_of(&plan.main))];
    if let Some(o) = &plan.other {
        identities.push((Auth::Other, "other", project_of(o)));
    }
    let redactor = crate::redact::Redactor::new(plan.secrets.clone());
    let mut failed = 0;
    let mut found_any = 0;
    let code = rt.block_on(async {
        for (auth, role, project) in identities {
            let Some(project) = project else {
                crate::errln!(
                    "imgconform: the {role} identity's project is unknown (a bare token): cleanup only deletes images it can tell are that project's; use a cloud with Keystone credentials"
                );
                return exit_codes::BAD_INPUT;
            };
            let api = ImageApi {
                client: client.clone(),
                endpoint: endpoint.clone(),
                auth,
                budgeted: false,
            };
            let found = match leftovers::find(&api, &project, run_id.as_ref(), MAX_PAGES).await {
                Ok(f) => f,
                Err(e) => {
                    crate::errln!("imgconform: cannot list the {role} identity's images: {}", redactor.redact(&e.to_string()));
                    failed += 1;
                    continue;
                }
            };
            found_any += found.len();
            for l in &found {
                let line = format!("{} {} ({}, tag {}, project {project})", l.id, l.name, role, l.marker);
                if args.dry_run {
                    super::emit(&format!("would delete {line}\n"));
                    continue;
                }
                match crate::provision::remove(&api, &l.id, l.protected, l.deactivated).await {
                    Ok(()) => super::emit(&format!("deleted {line}\n")),
                    Err(e) => {
                        failed += 1;
                        crate::errln!("imgconform: could not delete {line}: {}", redactor.redact(&e.to_string()));
                    }
                }
            }
        }
        exit_codes::SUCCESS
    });
    if code != exit_codes::SUCCESS {
        return code;
    }
    let scope = run_id.map_or("any run".to_string(), |r| format!("run {r}"));
    crate::errln!(
        "imgconform: {} fixture(s) of {scope} {}{}",
        found_any,
        if args.dry_run {
            "found (dry run: nothing deleted)"
        } else {
            "found"
        },
        if failed > 0 {
            format!(", {failed} could not be removed")
        } else {
            String::new()
        }
    );
    if failed > 0 {
        exit_codes::CASES_FAILED
    } else {
        exit_codes::SUCCESS
    }
}

fn project_of(i: &crate::plan::Identity) -> Option<String> {
    i.facts.as_ref().and_then(|f| f.project_id.clone())
}

//! Provisioning (`run --provision`): the run brings its own fixtures, and always takes them
//! away again.
//!
//! Read-only is the default because a provider may point the suite at production. When asked,
//! the provisioner creates the fixtures the selected cases need (`cases/<profile>/fixtures.yaml`)
//! before any case runs, concurrently within `--concurrency` and counted toward
//! `--max-requests`, each named and tagged with the run's id (`imgconform-<run id>-…`), and
//! records every image it created the moment the server gives its id. Cleanup deletes exactly
//! those — at the end, after a failure, and after SIGINT/SIGTERM (the executor calls it after the
//! grace period) — then looks once more for images carrying the run's own marker tag and owned by
//! the identity's project (a create whose answer was lost to a signal or a timeout). A run killed
//! outright leaves fixtures that `imgconform cleanup` finds by the same marker (`leftovers`).
//! Nothing without the marker, or owned by another project, is ever deleted.

mod glance;
pub mod leftovers;
mod run_id;

pub use glance::{ImageApi, PATCH_TYPE, Problem};
pub use run_id::{MARKER_PREFIX, RunId, is_run_marker};

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use url::Url;

use crate::exec::HttpClient;
use crate::model::{Auth, Fixture, FixtureSet, Hidden, Owner, ShareState};

/// What a provisioning run will create: the fixtures the selected cases need, by profile.
#[derive(Clone, Debug)]
pub struct ProvisionPlan {
    pub run_id: RunId,
    /// (profile, its set with only the needed fixtures)
    pub sets: Vec<(String, FixtureSet)>,
}

impl ProvisionPlan {
    pub fn fixture_count(&self) -> usize {
        self.sets.iter().map(|(_, s)| s.images.len()).sum()
    }
}

/// The state of one fixture after provisioning, as the cases that need it see it.
#[derive(Clone, Debug)]
pub enum FixtureState {
    /// Its known values (`{fixture.NAME.FIELD}`): what the run set, and the server's id.
    Ready(Value),
    /// It could not be made: the cases SKIP (`error: false`, the suite's or the policy's limit)
    /// or are ERRORs (`error: true`, the server did not do what the API says).
    Unavailable { reason: String, error: bool },
}

/// The identities' projects, as far as the run knows them.
#[derive(Clone, Debug, Default)]
pub struct Projects {
    pub main: Option<String>,
    pub other: Option<String>,
    /// Whether a second identity (a token for `auth: other`) exists.
    pub has_other: bool,
}

impl Projects {
    fn of(&self, auth: Auth) -> Option<&str> {
        match auth {
            Auth::Other => self.other.as_deref(),
            _ => self.main.as_deref(),
        }
    }
}

/// An image the run created, with what removing it takes.
#[derive(Clone)]
pub struct Created {
    pub id: String,
    pub name: String,
    pub api: Arc<ImageApi>,
    pub protected: bool,
    pub deactivated: bool,
    /// Already deleted on purpose (a `deleted: true` fixture).
    pub gone: bool,
}

/// What provisioning made, and what cleanup must remove.
pub struct Provisioned {
    pub run_id: RunId,
    /// `(profile, fixture)` → its state.
    pub fixtures: BTreeMap<(String, String), FixtureState>,
    created: Arc<Mutex<Vec<Created>>>,
    /// The endpoints and identities that created something (for the final sweep).
    apis: Vec<Arc<ImageApi>>,
    projects: Projects,
}

impl Provisioned {
    pub fn state(&self, profile: &str, fixture: &str) -> Option<&FixtureState> {
        self.fixtures.get(&(profile.to_string(), fixture.to_string()))
    }

    pub fn created(&self) -> Vec<Created> {
        self.created.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Creates every fixture of the plan, concurrently. `stop` set (a signal) means: start no new
/// call; what is under way finishes, within the request timeout.
pub async fn provision(
    client: &HttpClient,
    plan: &ProvisionPlan,
    endpoints: &BTreeMap<String, Url>,
    projects: &Projects,
    stop: Arc<AtomicBool>,
) -> Provisioned {
    let created: Arc<Mutex<Vec<Created>>> = Arc::default();
    let mut fixtures = BTreeMap::new();
    let mut apis: Vec<Arc<ImageApi>> = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    for (profile, set) in &plan.sets {
        let Some(endpoint) = endpoints.get(&set.endpoint) else {
            for f in &set.images {
                fixtures.insert(
                    (profile.clone(), f.value.name.clone()),
                    FixtureState::Unavailable {
                        reason: format!("no `{}` endpoint to create fixtures on", set.endpoint),
                        error: false,
                    },
                );
            }
            continue;
        };
        for auth in [Auth::Token, Auth::Other] {
            apis.push(Arc::new(ImageApi {
                client: client.clone(),
                endpoint: endpoint.clone(),
                auth,
                budgeted: true,
            }));
        }
        for f in &set.images {
            let job = Job {
                apis: (apis[apis.len() - 2].clone(), apis[apis.len() - 1].clone()),
                fixture: f.value.clone(),
                profile: profile.clone(),
                run_id: plan.run_id.clone(),
                projects: projects.clone(),
                created: created.clone(),
                stop: stop.clone(),
            };
            tasks.spawn(async move {
                let key = (job.profile.clone(), job.fixture.name.clone());
                (key, job.run().await)
            });
        }
    }
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((key, state)) => {
                fixtures.insert(key, state);
            }
            Err(e) => crate::errln!("imgconform: provisioning: a fixture's task failed: {e}"),
        }
    }
    Provisioned {
        run_id: plan.run_id.clone(),
        fixtures,
        created,
        apis,
        projects: projects.clone(),
    }
}

/// One fixture: the calls that bring it to its state, in Glance's order.
struct Job {
    /// (main identity, second identity) on the set's endpoint.
    apis: (Arc<ImageApi>, Arc<ImageApi>),
    fixture: Fixture,
    profile: String,
    run_id: RunId,
    projects: Projects,
    created: Arc<Mutex<Vec<Created>>>,
    stop: Arc<AtomicBool>,
}

impl Job {
    async fn run(self) -> FixtureState {
        let f = &self.fixture;
        let needs_other = f.owner == Owner::Other || f.share.is_some();
        if needs_other && !self.projects.has_other {
            return unavailable(false, "it needs the second identity (--other-cloud NAME or OS_OTHER_*)");
        }
        if f.share.is_some() && self.projects.other.is_none() {
            return unavailable(
                false,
                "sharing needs the second identity's project id (known from Keystone or the embedded mock)",
            );
        }
        match self.steps().await {
            Ok(v) => FixtureState::Ready(v),
            Err(Step::Stopped) => unavailable(false, "the run was interrupted before it was made"),
            Err(Step::Failed(p)) if p.budget => unavailable(
                false,
                &format!(
                    "the request budget (--max-requests) ran out while making it ({})",
                    p.request
                ),
            ),
            // A refusal by policy (Glance keeps publicize_image for admins; a deployment may
            // keep deactivation or sharing for them too) is the deployment's choice, not a
            // failure of the API.
            Err(Step::Failed(p)) if p.forbidden() => {
                unavailable(false, &format!("the identity may not make it (policy): {p}"))
            }
            // Any other refusal of what was sent (a server before Image API 2.5 knows no
            // community visibility, one before 2.7 no os_hidden): the target does not offer
            // the state the cases need, which is no failure of its list either.
            Err(Step::Failed(p)) if p.status.is_some_and(|s| (400..500).contains(&s)) => {
                unavailable(false, &format!("the target refused it: {p}"))
            }
            Err(Step::Failed(p)) => unavailable(true, &format!("it could not be made: {p}")),
        }
    }

    fn check(&self) -> Result<(), Step> {
        if self.stop.load(Ordering::SeqCst) {
            Err(Step::Stopped)
        } else {
            Ok(())
        }
    }

    async fn steps(&self) -> Result<Value, Step> {
        let f = &self.fixture;
        let (main, other) = &self.apis;
        let owner_api = if f.owner == Owner::Other { other } else { main };
        let marker = self.run_id.marker();
        let name = format!("{marker}-{}-{}", self.profile, f.name);
        let mut tags = vec![marker.clone()];
        tags.extend(f.tags.iter().map(|t| format!("{marker}-{t}")));
        let mut body = json!({
            "name": name,
            "container_format": f.container_format,
            "disk_format": f.disk_format,
            "visibility": f.visibility.as_str(),
            "tags": tags,
        });
        let obj = body.as_object_mut().expect("a JSON object");
        if let Some(d) = f.min_disk {
            obj.insert("min_disk".into(), json!(d));
        }
        if let Some(r) = f.min_ram {
            obj.insert("min_ram".into(), json!(r));
        }
        if f.protected {
            obj.insert("protected".into(), json!(true));
        }
        if f.hidden == Hidden::AtCreate {
            obj.insert("os_hidden".into(), json!(true));
        }
        for (k, v) in &f.properties {
            obj.insert(k.clone(), json!(v));
        }
        self.check()?;
        let image = owner_api.create(&body).await.map_err(Step::Failed)?;
        let id = image["id"].as_str().unwrap_or_default().to_string();
        let record = Created {
            id: id.clone(),
            name: name.clone(),
            api: owner_api.clone(),
            protected: f.protected,
            deactivated: false,
            gone: false,
        };
        self.created.lock().unwrap_or_else(|p| p.into_inner()).push(record);

        if let Some(data) = &f.data {
            self.check()?;
            owner_api.upload(&id, data.as_bytes()).await.map_err(Step::Failed)?;
        }
        if f.hidden == Hidden::Later {
            self.check()?;
            owner_api
                .replace(&id, &[("os_hidden", json!(true))])
                .await
                .map_err(Step::Failed)?;
        }
        if let Some(share) = f.share {
            let member = self.projects.other.clone().unwrap_or_default();
            self.check()?;
            main.add_member(&id, &member).await.map_err(Step::Failed)?;
            let status = match share {
                ShareState::Pending => None,
                ShareState::Accepted | ShareState::Removed => Some("accepted"),
                ShareState::Rejected => Some("rejected"),
            };
            if let Some(s) = status {
                self.check()?;
                other.member_status(&id, &member, s).await.map_err(Step::Failed)?;
            }
            if share == ShareState::Removed {
                self.check()?;
                main.remove_member(&id, &member).await.map_err(Step::Failed)?;
            }
        }
        if f.deactivated {
            self.check()?;
            owner_api.action(&id, "deactivate").await.map_err(Step::Failed)?;
            self.update(&id, |c| c.deactivated = true);
        }
        if f.deleted {
            self.check()?;
            owner_api.delete(&id).await.map_err(Step::Failed)?;
            self.update(&id, |c| c.gone = true);
        }

        // The known values are what the run set; of the server's answer only the id.
        let owner = self
            .projects
            .of(owner_api.auth)
            .map(str::to_string)
            .or_else(|| image["owner"].as_str().map(str::to_string));
        let mut known = json!({
            "id": id,
            "name": name,
            "owner": owner,
            "visibility": f.visibility.as_str(),
            "tags": tags,
            "run_tag": marker,
            "protected": f.protected,
            "os_hidden": f.hidden != Hidden::No,
            "container_format": f.container_format,
            "disk_format": f.disk_format,
        });
        let obj = known.as_object_mut().expect("a JSON object");
        for (n, t) in f.tags.iter().enumerate() {
            obj.insert(format!("tag{n}"), json!(format!("{marker}-{t}")));
        }
        if let Some(d) = f.min_disk {
            obj.insert("min_disk".into(), json!(d));
        }
        if let Some(r) = f.min_ram {
            obj.insert("min_ram".into(), json!(r));
        }
        if let (Some(data), Some(sum)) = (&f.data, &f.checksum) {
            obj.insert("checksum".into(), json!(sum.to_ascii_lowercase()));
            obj.insert("size".into(), json!(data.len()));
        }
        for (k, v) in &f.properties {
            obj.insert(k.clone(), json!(v));
        }
        Ok(known)
    }

    fn update(&self, id: &str, change: impl Fn(&mut Created)) {
        let mut created = self.created.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = created.iter_mut().find(|c| c.id == id) {
            change(c);
        }
    }
}

enum Step {
    Stopped,
    Failed(Problem),
}

fn unavailable(error: bool, reason: &str) -> FixtureState {
    FixtureState::Unavailable {
        reason: reason.to_string(),
        error,
    }
}

/// What cleanup did.
#[derive(Debug, Default)]
pub struct CleanupReport {
    /// `id (name)` of each image removed.
    pub removed: Vec<String>,
    /// Images that could not be removed, with why.
    pub failed: Vec<(String, String)>,
}

impl CleanupReport {
    pub fn ok(&self) -> bool {
        self.failed.is_empty()
    }
}

/// Removes what the run created, then sweeps for images carrying the run's marker tag owned by
/// the identity's project (a create whose answer never arrived). Never refused by the request
/// budget; bounded by the request timeout per call.
pub async fn cleanup(p: &Provisioned, max_pages: usize) -> CleanupReport {
    let mut report = CleanupReport::default();
    let created = p.created();
    let mut tasks = tokio::task::JoinSet::new();
    for c in created.iter().filter(|c| !c.gone).cloned() {
        tasks.spawn(async move {
            let api = unbudgeted(&c.api);
            let r = remove(&api, &c.id, c.protected, c.deactivated).await;
            (c, r)
        });
    }
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((c, Ok(()))) => report.removed.push(format!("{} ({})", c.id, c.name)),
            Ok((c, Err(e))) => report.failed.push((format!("{} ({})", c.id, c.name), e.to_string())),
            Err(e) => report.failed.push(("<task>".into(), e.to_string())),
        }
    }
    // The sweep: by the run's own marker, owned by the identity's project.
    let marker = p.run_id.marker();
    let known: std::collections::HashSet<String> = created.iter().map(|c| c.id.clone()).collect();
    let mut seen = std::collections::HashSet::new();
    for api in &p.apis {
        let Some(project) = p.projects.of(api.auth) else {
            continue;
        };
        if api.auth == Auth::Other && !p.projects.has_other {
            continue;
        }
        let api = unbudgeted(api);
        for query in [
            vec![("tag", marker.as_str())],
            vec![("tag", marker.as_str()), ("os_hidden", "true")],
        ] {
            let found = match api.list(&query, max_pages).await {
                Ok(f) => f,
                Err(e) => {
                    report
                        .failed
                        .push((format!("the sweep for tag {marker}"), e.to_string()));
                    continue;
                }
            };
            for image in leftovers::select(&found, project, |tags| tags.iter().any(|t| *t == marker)) {
                if known.contains(&image.id) || !seen.insert(image.id.clone()) {
                    continue;
                }
                match remove(&api, &image.id, image.protected, image.deactivated).await {
                    Ok(()) => report
                        .removed
                        .push(format!("{} ({}, found by its tag)", image.id, image.name)),
                    Err(e) => report
                        .failed
                        .push((format!("{} ({})", image.id, image.name), e.to_string())),
                }
            }
        }
    }
    report
}

fn unbudgeted(api: &ImageApi) -> ImageApi {
    ImageApi {
        budgeted: false,
        ..api.clone()
    }
}

/// How often a removal is tried when the server answers 5xx or not at all: deleting is
/// idempotent (a 404 afterwards counts as done), and a busy database (Glance on sqlite answers
/// 500 "database is locked" to concurrent writes) should not leave fixtures behind.
const REMOVE_ATTEMPTS: u32 = 4;

/// Deletes one image (see `remove_once`), again after a short pause when the server failed.
pub async fn remove(api: &ImageApi, id: &str, protected: bool, deactivated: bool) -> Result<(), Problem> {
    let mut attempt = 1;
    loop {
        match remove_once(api, id, protected, deactivated).await {
            Err(e) if attempt < REMOVE_ATTEMPTS && !e.budget && e.status.is_none_or(|s| s >= 500) => {
                tokio::time::sleep(std::time::Duration::from_millis(250 * u64::from(attempt))).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Deletes one image: unprotected first when protected; a deactivated image that cannot be
/// deleted as it is is reactivated and deleted again. Already gone counts as removed.
async fn remove_once(api: &ImageApi, id: &str, protected: bool, deactivated: bool) -> Result<(), Problem> {
    if protected {
        match api.replace(id, &[("protected", json!(false))]).await {
            Err(e) if e.status == Some(404) => return Ok(()),
            other => other?,
        }
    }
    match api.delete(id).await {
        Ok(_) => Ok(()),
        Err(e) if deactivated && e.status.is_some_and(|s| s < 500) => {
            api.action(id, "reactivate").await?;
            api.delete(id).await.map(drop)
        }
        Err(e) => Err(e),
    }
}

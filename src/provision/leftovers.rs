//! Finding fixtures a run left behind (it was killed, or its cleanup failed), for
//! `imgconform cleanup`: only images that carry a run's marker tag *exactly* and are owned by
//! the identity's own project. With a run id, only that run's marker counts; without one, any
//! well-formed marker (`imgconform-YYYYMMDDtHHMMSS-xxxxxx`) — never a tag that merely starts
//! with `imgconform-`, never another project's image.

use serde_json::Value;

use super::{ImageApi, Problem, RunId, is_run_marker};

/// An image cleanup would delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leftover {
    pub id: String,
    pub name: String,
    /// The marker tag that made it one.
    pub marker: String,
    pub protected: bool,
    pub deactivated: bool,
}

/// The images of `items` owned by `project` with a tag that `is_marker` accepts.
pub fn select(items: &[Value], project: &str, is_marker: impl Fn(&[&str]) -> bool) -> Vec<Leftover> {
    let mut out: Vec<Leftover> = Vec::new();
    for item in items {
        let (Some(id), Some(owner)) = (item["id"].as_str(), item["owner"].as_str()) else {
            continue;
        };
        if owner != project || out.iter().any(|l| l.id == id) {
            continue;
        }
        let tags: Vec<&str> = item["tags"]
            .as_array()
            .map(|t| t.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !is_marker(&tags) {
            continue;
        }
        let marker = tags
            .iter()
            .find(|t| is_run_marker(t))
            .map_or(String::new(), |t| t.to_string());
        out.push(Leftover {
            id: id.to_string(),
            name: item["name"].as_str().unwrap_or("").to_string(),
            marker,
            protected: item["protected"].as_bool() == Some(true),
            deactivated: item["status"].as_str() == Some("deactivated"),
        });
    }
    out
}

/// The leftovers visible to `api`'s identity (whose project is `project`): those of `run`, or of
/// any run. Hidden images are looked for too (the default list leaves them out).
pub async fn find(
    api: &ImageApi,
    project: &str,
    run: Option<&RunId>,
    max_pages: usize,
) -> Result<Vec<Leftover>, Problem> {
    let marker = run.map(RunId::marker);
    let (key, value) = match &marker {
        Some(m) => ("tag", m.as_str()),
        None => ("owner", project),
    };
    let mut items = api.list(&[(key, value)], max_pages).await?;
    items.extend(api.list(&[(key, value), ("os_hidden", "true")], max_pages).await?);
    Ok(select(&items, project, |tags| match &marker {
        Some(m) => tags.iter().any(|t| t == m),
        None => tags.iter().any(|t| is_run_marker(t)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_exact_markers_of_the_own_project() {
        let mine = "p-mine";
        let items = vec![
            json!({"id": "a", "owner": mine, "tags": ["imgconform-20261202t195618-a1b2c3"], "name": "x"}),
            json!({"id": "b", "owner": mine, "tags": ["imgconform-20261202t195618-a1b2c3-plain"]}),
            json!({"id": "c", "owner": "p-other", "tags": ["imgconform-20261202t195618-a1b2c3"]}),
            json!({"id": "d", "owner": mine, "tags": ["imgconform-prod"], "name": "imgconform-20261202t195618-a1b2c3-x"}),
            json!({"id": "e", "owner": mine, "tags": ["imgconform-20270101t000000-ffffff"], "protected": true}),
        ];
        let any: Vec<String> = select(&items, mine, |t| t.iter().any(|x| is_run_marker(x)))
            .into_iter()
            .map(|l| l.id)
            .collect();
        assert_eq!(any, ["a", "e"]);
        let one = RunId::parse("20270101t000000-ffffff").unwrap().marker();
        let only: Vec<Leftover> = select(&items, mine, |t| t.contains(&one.as_str()));
        assert_eq!(only.len(), 1);
        assert!(only[0].protected);
    }
}

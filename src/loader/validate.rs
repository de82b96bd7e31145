//! Load-time checks that types alone cannot express: ids, references between files, templates,
//! operator arities. Each problem is reported at the position of the offending node.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{LoadedCase, SchemaSet, SourceSet};
use crate::model::{
    Check, CheckEntry, Document, EndpointKind, Method, Op, Predicate, Profile, Requirement, Spanned, TenantInPath,
};
use crate::source::{DiagKind, Diagnostic, Diagnostics, Pos, yaml_len};
use crate::template;

/// Where problems of one case go: its file, and the key path of the case (`cases[3]`).
struct Ctx<'a> {
    file: &'a str,
    case_key: String,
    diags: &'a mut Diagnostics,
}

impl Ctx<'_> {
    /// A problem at the case itself (`key` relative to the case, `""` for the case).
    fn err(&mut self, kind: DiagKind, pos: Pos, key: &str, msg: impl Into<String>) {
        let d = Diagnostic::new(self.file, pos, msg).kind(kind).at_key(self.key(key));
        self.diags.push(d);
    }
    /// A problem at a node of the case, with carets under it.
    fn at<T>(&mut self, kind: DiagKind, node: &Spanned<T>, key: &str, msg: impl Into<String>) {
        let d = Diagnostic::new(self.file, Pos::from_yaml(&node.referenced), msg)
            .kind(kind)
            .len(yaml_len(&node.referenced))
            .at_key(self.key(key));
        self.diags.push(d);
    }
    fn key(&self, rel: &str) -> String {
        match rel {
            "" => self.case_key.clone(),
            r if r.starts_with('[') => format!("{}{r}", self.case_key),
            r => format!("{}.{r}", self.case_key),
        }
    }
}

/// Every profile names a known endpoint kind, and every kind's fields make sense.
pub fn endpoints(
    kinds: &BTreeMap<String, (EndpointKind, String, Pos)>,
    profiles: &BTreeMap<String, (Profile, String, Pos)>,
    diags: &mut Diagnostics,
) {
    let mut flags: HashMap<&str, &str> = HashMap::new();
    for (name, (k, file, pos)) in kinds {
        let bad_name = |s: &str| {
            s.is_empty()
                || !s
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        if bad_name(name) {
            diags.push(
                Diagnostic::new(
                    file,
                    *pos,
                    format!("endpoint kind `{name}`: a name is lower-case letters, digits and `-`"),
                )
                .at_key("endpoint.name"),
            );
        }
        if bad_name(&k.flag) || !k.flag.ends_with("-url") {
            diags.push(
                Diagnostic::new(
                    file,
                    *pos,
                    format!("endpoint kind `{name}`: `flag` must look like `{name}-url`"),
                )
                .at_key("endpoint.flag"),
            );
        } else if let Some(other) = flags.insert(&k.flag, name) {
            diags.push(
                Diagnostic::new(
                    file,
                    *pos,
                    format!("endpoint kinds `{other}` and `{name}` both use the flag --{}", k.flag),
                )
                .kind(DiagKind::Duplicate)
                .at_key("endpoint.flag"),
            );
        }
        if let Some(p) = &k.mock_path
            && !p.starts_with('/')
        {
            diags.push(
                Diagnostic::new(
                    file,
                    *pos,
                    format!("endpoint kind `{name}`: `mock_path` must start with `/`"),
                )
                .at_key("endpoint.mock_path"),
            );
        }
    }
    for (name, (p, file, pos)) in profiles {
        if !kinds.contains_key(&p.endpoint) {
            let known: Vec<&str> = kinds.keys().map(String::as_str).collect();
            diags.push(
                Diagnostic::new(
                    file,
                    *pos,
                    format!(
                        "profile `{name}` talks to the endpoint kind `{}`, which no endpoint.yaml defines (known: {})",
                        p.endpoint,
                        known.join(", ")
                    ),
                )
                .kind(DiagKind::Reference)
                .len(8)
                .at_key("profile.endpoint")
                .hint("define it in cases/<profile>/endpoint.yaml (see docs/case-format.md)"),
            );
        }
    }
}

/// Checks the inventory (unique ids, known profiles, documents of those profiles, `untestable`
/// only below MUST) and returns it by id.
pub fn requirements(
    entries: Vec<(Requirement, String, Pos)>,
    profiles: &BTreeMap<String, Profile>,
    diags: &mut Diagnostics,
) -> BTreeMap<String, Requirement> {
    let mut out: BTreeMap<String, Requirement> = BTreeMap::new();
    let mut at: HashMap<String, (String, Pos)> = HashMap::new();
    let mut index_in_file: HashMap<String, usize> = HashMap::new();
    for (r, file, pos) in entries {
        let n = index_in_file.entry(file.clone()).or_default();
        let key = format!("requirements[{n}]");
        *n += 1;
        let mut err = |kind: DiagKind, field: &str, m: String| {
            diags.push(
                Diagnostic::new(&file, pos, m)
                    .kind(kind)
                    .at_key(format!("{key}{field}")),
            )
        };
        if let Some((f, p)) = at.get(&r.id) {
            err(
                DiagKind::Duplicate,
                ".id",
                format!(
                    "duplicate requirement id `{}` (first defined at {f}:{}:{})",
                    r.id, p.line, p.column
                ),
            );
            continue;
        }
        if r.profiles.is_empty() {
            err(
                DiagKind::Rule,
                ".profiles",
                format!("requirement `{}` names no profile", r.id),
            );
        }
        for p in &r.profiles {
            match profiles.get(p) {
                None => err(
                    DiagKind::Reference,
                    ".profiles",
                    format!("requirement `{}`: unknown profile `{p}`", r.id),
                ),
                Some(prof) if !prof.docs.contains(&r.doc) => err(
                    DiagKind::Reference,
                    ".doc",
                    format!("requirement `{}`: `{}` is not a document of profile `{p}`", r.id, r.doc),
                ),
                Some(_) => {}
            }
        }
        if r.untestable.is_some() && r.level == crate::model::Level::Must {
            err(
                DiagKind::Rule,
                ".untestable",
                format!(
                    "requirement `{}` is a MUST: it cannot be `untestable`, it needs a case",
                    r.id
                ),
            );
        }
        at.insert(r.id.clone(), (file.clone(), pos));
        out.insert(r.id.clone(), r);
    }
    out
}

/// The position of the first `needle` in a file's text at or after line `from` (1-based), with
/// its length: for nodes the model keeps without a position (a profile's `docs`, a filter's
/// `param`), in files small enough that the first match is the node.
fn find_in(files: &SourceSet, display: &str, needle: &str, from: u32) -> Option<(Pos, u32)> {
    let text = &files.values().find(|f| f.display == display)?.text;
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1) as usize)
        .find_map(|(n, l)| {
            l.find(needle).map(|col| {
                let col = l[..col].chars().count() as u32;
                (Pos::new(n as u32 + 1, col + 1), needle.chars().count() as u32)
            })
        })
}

/// Checks the inventory's document list (one entry per file, with a short name and a title;
/// every document a profile names is listed) and returns it by file name.
pub fn documents(
    entries: Vec<(Document, String, Pos)>,
    profiles: &BTreeMap<String, (Profile, String, Pos)>,
    files: &SourceSet,
    diags: &mut Diagnostics,
) -> BTreeMap<String, Document> {
    let mut out: BTreeMap<String, Document> = BTreeMap::new();
    let mut at: HashMap<String, (String, Pos)> = HashMap::new();
    let mut index_in_file: HashMap<String, usize> = HashMap::new();
    for (d, file, pos) in entries {
        let n = index_in_file.entry(file.clone()).or_default();
        let key = format!("documents[{n}]");
        *n += 1;
        if let Some((f, p)) = at.get(&d.file) {
            diags.push(
                Diagnostic::new(
                    &file,
                    pos,
                    format!(
                        "document `{}` is listed twice (first at {f}:{}:{})",
                        d.file, p.line, p.column
                    ),
                )
                .kind(DiagKind::Duplicate)
                .at_key(format!("{key}.file")),
            );
            continue;
        }
        for (field, value) in [("file", &d.file), ("short", &d.short), ("title", &d.title)] {
            if value.trim().is_empty() {
                diags.push(
                    Diagnostic::new(
                        &file,
                        pos,
                        format!("document `{}`: `{field}` must not be empty", d.file),
                    )
                    .at_key(format!("{key}.{field}")),
                );
            }
        }
        at.insert(d.file.clone(), (file.clone(), pos));
        out.insert(d.file.clone(), d);
    }
    for (name, (p, file, pos)) in profiles {
        for doc in &p.docs {
            if !out.contains_key(doc) {
                let (pos, len) = find_in(files, file, doc, 1).unwrap_or((*pos, 1));
                diags.push(
                    Diagnostic::new(
                        file,
                        pos,
                        format!("profile `{name}` names the document `{doc}`, which the inventory does not list"),
                    )
                    .kind(DiagKind::Reference)
                    .len(len)
                    .at_key("profile.docs")
                    .hint("give it a short name and a title in cases/requirements/documents.yaml"),
                );
            }
        }
    }
    out
}

/// Checks each profile's `filters` list: one entry per parameter, citing one of the profile's
/// documents, with a section and a quote.
pub fn filters(profiles: &BTreeMap<String, (Profile, String, Pos)>, files: &SourceSet, diags: &mut Diagnostics) {
    for (name, (p, file, pos)) in profiles {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut from = 1;
        for (n, f) in p.filters.iter().enumerate() {
            let key = format!("profile.filters[{n}]");
            let (at, len) = find_in(files, file, &format!("param: {}", f.param), from)
                .or_else(|| find_in(files, file, &f.param, from))
                .unwrap_or((*pos, 1));
            from = at.line;
            let mut err = |kind: DiagKind, field: &str, msg: String| {
                diags.push(
                    Diagnostic::new(file, at, msg)
                        .kind(kind)
                        .len(len)
                        .at_key(format!("{key}{field}")),
                );
            };
            if f.param.trim().is_empty() {
                err(
                    DiagKind::Rule,
                    ".param",
                    format!("profile `{name}`: a filter needs a `param`"),
                );
            } else if !seen.insert(&f.param) {
                err(
                    DiagKind::Duplicate,
                    ".param",
                    format!("profile `{name}` lists the filter `{}` twice", f.param),
                );
            }
            if !p.docs.contains(&f.doc) {
                err(
                    DiagKind::Reference,
                    ".doc",
                    format!(
                        "filter `{}`: `{}` is not a document of profile `{name}` (its documents: {})",
                        f.param,
                        f.doc,
                        p.docs.join(", ")
                    ),
                );
            }
            if f.section.trim().is_empty() || f.quote.trim().is_empty() {
                err(
                    DiagKind::Rule,
                    "",
                    format!("filter `{}`: `section` and `quote` must not be empty", f.param),
                );
            }
        }
    }
}

/// Checks each profile's `json_content_types`: at least one type, and a MUST cites one of the
/// profile's documents with a section and a quote (a lower level says why in a `note`).
pub fn content_types(profiles: &BTreeMap<String, (Profile, String, Pos)>, files: &SourceSet, diags: &mut Diagnostics) {
    for (name, (p, file, pos)) in profiles {
        let Some(ct) = &p.json_content_types else { continue };
        let (at, len) = find_in(files, file, "json_content_types", 1).unwrap_or((*pos, 1));
        let mut err = |kind: DiagKind, field: &str, msg: String| {
            diags.push(
                Diagnostic::new(file, at, msg)
                    .kind(kind)
                    .len(len)
                    .at_key(format!("profile.json_content_types{field}")),
            );
        };
        if ct.types.iter().all(|t| t.trim().is_empty()) {
            err(
                DiagKind::Rule,
                ".types",
                format!("profile `{name}`: `json_content_types.types` names no media type"),
            );
        }
        for t in &ct.types {
            if t.contains(';') || !t.contains('/') {
                err(
                    DiagKind::Rule,
                    ".types",
                    format!("profile `{name}`: `{t}` is not a media type like application/json (no parameters)"),
                );
            }
        }
        let cited =
            ct.doc.is_some() && ct.section.is_some() && ct.quote.as_deref().is_some_and(|q| !q.trim().is_empty());
        if ct.level == crate::model::Level::Must && !cited {
            err(
                DiagKind::Rule,
                "",
                format!(
                    "profile `{name}`: a MUST media type needs `doc`, `section` and `quote` of the seed that shows it"
                ),
            );
        }
        if !cited && ct.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            err(
                DiagKind::Rule,
                ".note",
                format!("profile `{name}`: without a seed to cite, `json_content_types` needs a `note` saying why"),
            );
        }
        if let Some(doc) = &ct.doc
            && !p.docs.contains(doc)
        {
            err(
                DiagKind::Reference,
                ".doc",
                format!(
                    "`{doc}` is not a document of profile `{name}` (its documents: {})",
                    p.docs.join(", ")
                ),
            );
        }
    }
}

pub fn suite(
    cases: &[LoadedCase],
    profiles: &BTreeMap<String, Profile>,
    kinds: &BTreeMap<String, EndpointKind>,
    schemas: &SchemaSet,
    requirements: &BTreeMap<String, Requirement>,
    diags: &mut Diagnostics,
) {
    let mut seen: HashMap<&str, (&str, Pos)> = HashMap::new();
    for lc in cases {
        let mut cx = Ctx {
            file: &lc.file,
            case_key: lc.key(),
            diags,
        };
        let c = &lc.case;
        let id = c.id.value.as_str();
        let id_pos = Pos::from_yaml(&c.id.referenced);
        if let Some((file, pos)) = seen.get(id) {
            cx.at(
                DiagKind::Duplicate,
                &c.id,
                "id",
                format!(
                    "duplicate case id `{id}` (first defined at {file}:{}:{})",
                    pos.line, pos.column
                ),
            );
        } else {
            seen.insert(id, (&lc.file, id_pos));
        }
        check_id(&mut cx, c);
        if c.requirements.is_empty() {
            cx.at(
                DiagKind::Rule,
                &c.id,
                "requirements",
                "a case must name the requirement ids it checks (`requirements: [...]`)",
            );
        }
        for (n, r) in c.requirements.iter().enumerate() {
            let key = format!("requirements[{n}]");
            match requirements.get(&r.value) {
                None => cx.at(
                    DiagKind::Reference,
                    r,
                    &key,
                    format!("unknown requirement `{}` (see cases/requirements/)", r.value),
                ),
                Some(req) if !req.profiles.contains(&c.profile.value) => cx.at(
                    DiagKind::Reference,
                    r,
                    &key,
                    format!(
                        "requirement `{}` applies to {}, not to `{}`",
                        r.value,
                        req.profiles.join(", "),
                        c.profile.value
                    ),
                ),
                Some(_) => {}
            }
        }
        let profile = profiles.get(&c.profile.value);
        match profile {
            None => {
                let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
                cx.at(
                    DiagKind::Reference,
                    &c.profile,
                    "profile",
                    format!("unknown profile `{}` (known: {})", c.profile.value, known.join(", ")),
                );
            }
            Some(p) => {
                if !p.docs.contains(&c.spec.doc.value) {
                    cx.at(
                        DiagKind::Reference,
                        &c.spec.doc,
                        "spec.doc",
                        format!(
                            "`{}` is not a document of profile `{}` (its documents: {})",
                            c.spec.doc.value,
                            p.name,
                            p.docs.join(", ")
                        ),
                    );
                }
            }
        }
        if c.spec.quote.trim().is_empty() || c.spec.section.trim().is_empty() {
            cx.err(
                DiagKind::Rule,
                lc.pos,
                "spec",
                "`spec.section` and `spec.quote` must not be empty",
            );
        }

        // `tenant_id` is there only when the profile's endpoint carries the tenant.
        let with_tenant = profile
            .and_then(|p| kinds.get(&p.endpoint))
            .is_some_and(|k| k.tenant == TenantInPath::LastSegment);
        // A fixture the case needs is bound as `fixture.NAME` (its fields are checked in
        // `super::fixtures::case_refs`).
        let fixture_vars: Vec<String> = c
            .needs
            .iter()
            .filter_map(|n| match &n.value {
                crate::model::Need::Fixtures(f) => Some(template::fixture_var(f)),
                _ => None,
            })
            .collect();
        let mut vars: BTreeSet<&str> = template::BUILTINS
            .iter()
            .copied()
            .filter(|v| *v != "tenant_id" || with_tenant)
            .chain(fixture_vars.iter().map(String::as_str))
            .collect();
        for (name, b) in &c.bind {
            let key = format!("bind.{name}");
            if template::BUILTINS.contains(&name.as_str()) || name == template::ITEM {
                cx.at(DiagKind::Rule, b, &key, format!("`{name}` is a reserved variable name"));
            }
            check_pointer(&mut cx, &b.value.from, &format!("{key}.from"), true);
            for (n, p) in b.value.filter.iter().enumerate() {
                check_predicate(&mut cx, p, &format!("{key}.where[{n}]"), &vars, false);
            }
            for (n, p) in b.value.value_where.iter().enumerate() {
                check_predicate(&mut cx, p, &format!("{key}.value_where[{n}]"), &vars, false);
            }
            vars.insert(name);
        }

        check_template(&mut cx, &c.request.path, "request.path", &vars);
        if !c.request.path.value.starts_with('/') {
            cx.at(
                DiagKind::Rule,
                &c.request.path,
                "request.path",
                "`request.path` must start with `/` (it is relative to the profile's endpoint)",
            );
        }
        for (k, v) in &c.request.query.0 {
            let key = format!("request.query.{k}");
            match template::value_references(&v.value) {
                Ok(refs) => unknown_refs(&mut cx, v, &key, &refs, &vars),
                Err(e) => cx.at(DiagKind::Syntax, v, &key, format!("query parameter `{k}`: {e}")),
            }
        }
        for (k, v) in &c.request.headers {
            let key = format!("request.headers.{k}");
            if k.eq_ignore_ascii_case("x-auth-token") || k.eq_ignore_ascii_case("authorization") {
                cx.at(
                    DiagKind::Rule,
                    v,
                    &key,
                    "credentials are chosen with `request.auth` (token | none | invalid), never written in a case",
                );
            }
            check_template(&mut cx, v, &key, &vars);
        }
        if let Some(name) = &c.snapshot
            && (name.value.is_empty()
                || !name
                    .value
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'))
        {
            cx.at(
                DiagKind::Rule,
                name,
                "snapshot",
                "a snapshot name is lower-case letters, digits and `-`",
            );
        }
        // Read-only by default: a method that could change state is only allowed on a fixed
        // collection path (no template can aim it at a discovered image).
        if matches!(c.request.method, Method::Put | Method::Patch | Method::Delete)
            && (c.request.path.value.contains('{') || c.walk.is_some() || !c.bind.is_empty())
        {
            cx.at(
                DiagKind::Rule,
                &c.request.path,
                "request.method",
                format!(
                    "{} is only allowed on a fixed collection path (read-only suite: it must not be able to reach an image)",
                    c.request.method.as_str()
                ),
            );
        }
        if c.walk.is_some() && c.request.method != Method::Get {
            cx.err(DiagKind::Rule, lc.pos, "walk", "a `walk` must use method GET");
        }

        if c.expect.is_empty() {
            cx.err(
                DiagKind::Rule,
                lc.pos,
                "expect",
                "`expect` needs at least one alternative",
            );
        }
        let mut statuses = BTreeSet::new();
        for (j, alt) in c.expect.iter().enumerate() {
            let a = &alt.value;
            let key = format!("expect[{j}]");
            if a.status.is_empty() {
                cx.at(
                    DiagKind::Rule,
                    alt,
                    &format!("{key}.status"),
                    "`status` needs at least one code",
                );
            }
            for (n, s) in a.status.iter().enumerate() {
                let skey = format!("{key}.status[{n}]");
                if !(100..=599).contains(s) {
                    cx.at(DiagKind::Rule, alt, &skey, format!("{s} is not an HTTP status code"));
                } else if !statuses.insert(*s) {
                    cx.at(
                        DiagKind::Duplicate,
                        alt,
                        &skey,
                        format!("status {s} appears in two alternatives"),
                    );
                }
            }
            if let Some(s) = &a.schema
                && schemas.get(&s.value).is_none()
            {
                let skey = format!("{key}.schema");
                if let Some(cause) = schemas.broken(&s.value) {
                    let d = Diagnostic::new(
                        cx.file,
                        Pos::from_yaml(&s.referenced),
                        format!("unknown schema `{}`", s.value),
                    )
                    .kind(DiagKind::Reference)
                    .len(yaml_len(&s.referenced))
                    .at_key(cx.key(&skey))
                    .consequence_of(cause);
                    cx.diags.push(d);
                } else {
                    let known: Vec<&str> = schemas.names().collect();
                    cx.at(
                        DiagKind::Reference,
                        s,
                        &skey,
                        format!("unknown schema `{}` (known: {})", s.value, known.join(", ")),
                    );
                }
            }
            for (n, check) in a.checks.iter().enumerate() {
                check_check(&mut cx, check, &format!("{key}.checks[{n}]"), &vars, profiles);
            }
        }
    }
}

fn check_id(cx: &mut Ctx, c: &crate::model::Case) {
    let id = &c.id.value;
    let segments: Vec<&str> = id.split('/').collect();
    let well_formed = segments.len() >= 3
        && segments.iter().all(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "-_.".contains(ch))
        });
    if !well_formed {
        cx.at(
            DiagKind::Rule,
            &c.id,
            "id",
            format!("case id `{id}` must look like `profile/group/name` (lower-case letters, digits, `-`, `_`, `.`)"),
        );
    } else if segments[0] != c.profile.value {
        cx.at(
            DiagKind::Rule,
            &c.id,
            "id",
            format!("case id `{id}` must start with its profile `{}/`", c.profile.value),
        );
    }
}

fn check_pointer(cx: &mut Ctx, p: &Spanned<String>, key: &str, allow_wildcard: bool) {
    if !p.value.is_empty() && !p.value.starts_with('/') {
        cx.at(
            DiagKind::Syntax,
            p,
            key,
            format!(
                "`{}` is not a JSON pointer (it must be empty or start with `/`)",
                p.value
            ),
        );
    }
    if !allow_wildcard && p.value.split('/').any(|s| s == "*") {
        cx.at(DiagKind::Rule, p, key, "`*` is only allowed in a binding's `from`");
    }
}

fn check_template(cx: &mut Ctx, node: &Spanned<String>, key: &str, vars: &BTreeSet<&str>) {
    match template::references(&node.value) {
        Ok(refs) => unknown_refs(cx, node, key, &refs, vars),
        Err(e) => cx.at(DiagKind::Syntax, node, key, e),
    }
}

fn unknown_refs<T>(cx: &mut Ctx, node: &Spanned<T>, key: &str, refs: &[template::Ref], vars: &BTreeSet<&str>) {
    for r in refs {
        if !vars.contains(r.var.as_str()) {
            if let Some(name) = r.var.strip_prefix(template::FIXTURE_PREFIX) {
                cx.at(
                    DiagKind::Reference,
                    node,
                    key,
                    format!("`{{{}}}` reads the fixture `{name}`, which the case does not need (add `needs: [fixtures: {name}]`)", r.var),
                );
                continue;
            }
            let known: Vec<&str> = vars.iter().copied().collect();
            cx.at(
                DiagKind::Reference,
                node,
                key,
                format!("unknown variable `{{{}}}` (bound here: {})", r.var, known.join(", ")),
            );
        }
    }
}

fn check_predicate(cx: &mut Ctx, p: &Predicate, key: &str, vars: &BTreeSet<&str>, item_scope: bool) {
    check_pointer(cx, &p.path, &format!("{key}.path"), false);
    let vkey = format!("{key}.value");
    match (&p.value, p.op.is_unary()) {
        (Some(v), true) => cx.at(
            DiagKind::Rule,
            v,
            &vkey,
            format!("operator `{}` takes no `value`", p.op.as_str()),
        ),
        (None, false) => cx.at(
            DiagKind::Rule,
            &p.path,
            &format!("{key}.op"),
            format!("operator `{}` needs a `value`", p.op.as_str()),
        ),
        (Some(v), false) => {
            if p.op == Op::In && !v.value.is_array() && !v.value.is_string() {
                cx.at(
                    DiagKind::Rule,
                    v,
                    &vkey,
                    "operator `in` needs a list (or a template that yields one)",
                );
            }
            let mut scope = vars.clone();
            if item_scope {
                scope.insert(template::ITEM);
            }
            match template::value_references(&v.value) {
                Ok(refs) => unknown_refs(cx, v, &vkey, &refs, &scope),
                Err(e) => cx.at(DiagKind::Syntax, v, &vkey, e),
            }
        }
        (None, true) => {}
    }
}

fn check_other_profile(cx: &mut Ctx, p: &Option<Spanned<String>>, key: &str, profiles: &BTreeMap<String, Profile>) {
    if let Some(p) = p
        && !profiles.contains_key(&p.value)
    {
        let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
        cx.at(
            DiagKind::Reference,
            p,
            key,
            format!("unknown profile `{}` (known: {})", p.value, known.join(", ")),
        );
    }
}

fn check_path(cx: &mut Ctx, p: &Spanned<String>, key: &str) {
    if !p.value.starts_with('/') {
        cx.at(
            DiagKind::Rule,
            p,
            key,
            format!(
                "`{}` must start with `/` (it is relative to the profile's endpoint)",
                p.value
            ),
        );
    }
}

fn check_check(
    cx: &mut Ctx,
    entry: &Spanned<CheckEntry>,
    key: &str,
    vars: &BTreeSet<&str>,
    profiles: &BTreeMap<String, Profile>,
) {
    let key = format!("{key}.{}", entry.value.check.name());
    let check = entry;
    match &check.value.check {
        Check::Body(p) => check_predicate(cx, p, &key, vars, false),
        Check::Header(p) => {
            // A header name, not a pointer.
            if p.path.value.is_empty() || p.path.value.starts_with('/') {
                cx.at(
                    DiagKind::Rule,
                    &p.path,
                    &format!("{key}.path"),
                    "`header` checks name the header in `path` (e.g. `content-type`)",
                );
            }
            if matches!(p.op, Op::IsNull | Op::NotNull) {
                cx.at(
                    DiagKind::Rule,
                    &p.path,
                    &format!("{key}.op"),
                    "headers are never null: use `exists` or `absent`",
                );
            }
        }
        Check::EveryItem(p) => check_predicate(cx, p, &key, vars, true),
        Check::SortedBy(s) => {
            if s.keys.is_empty() {
                cx.at(
                    DiagKind::Rule,
                    check,
                    &format!("{key}.keys"),
                    "`sorted_by` needs at least one key",
                );
            }
            for (n, k) in s.keys.iter().enumerate() {
                check_pointer(cx, &k.path, &format!("{key}.keys[{n}].path"), false);
            }
        }
        Check::IdsUnique => {}
        Check::HasIds(ids) | Check::LacksIds(ids) => {
            if ids.is_empty() {
                cx.at(
                    DiagKind::Rule,
                    check,
                    &key,
                    format!("`{}` needs at least one id", check.value.check.name()),
                );
            }
            for (n, id) in ids.iter().enumerate() {
                check_template(cx, id, &format!("{key}[{n}]"), vars);
            }
        }
        Check::Count(c) => {
            if !matches!(c.op, Op::Equals | Op::Lt | Op::Lte | Op::Gt | Op::Gte) {
                cx.at(
                    DiagKind::Rule,
                    check,
                    &format!("{key}.op"),
                    "`count` takes `equals`, `lt`, `lte`, `gt` or `gte`",
                );
            }
            let vkey = format!("{key}.value");
            match template::value_references(&c.value.value) {
                Ok(refs) => unknown_refs(cx, &c.value, &vkey, &refs, vars),
                Err(e) => cx.at(DiagKind::Syntax, &c.value, &vkey, e),
            }
            if !c.value.value.is_number() && !c.value.value.is_string() {
                cx.at(
                    DiagKind::Rule,
                    &c.value,
                    &vkey,
                    "`count.value` must be a number or a template",
                );
            }
        }
        Check::MatchesCatalogue(o) | Check::DisjointFromCatalogue(o) => {
            for (n, p) in o.filter.iter().enumerate() {
                check_predicate(cx, p, &format!("{key}.where[{n}]"), vars, false);
            }
            for (n, p) in o.allow_extra.iter().enumerate() {
                check_predicate(cx, p, &format!("{key}.allow_extra[{n}]"), vars, false);
            }
            if matches!(check.value.check, Check::DisjointFromCatalogue(_)) && (!o.allow_extra.is_empty() || o.prefix) {
                cx.at(
                    DiagKind::Rule,
                    check,
                    &key,
                    "`disjoint_from_catalogue` takes `where` only (`allow_extra` and `prefix` are for `matches_catalogue`)",
                );
            }
        }
        Check::LinkKeepsQuery(l) | Check::LinkSamePage(l) => check_pointer(cx, &l.path, &format!("{key}.path"), false),
        Check::SameIdsAs(c) => {
            check_other_profile(cx, &c.profile, &format!("{key}.profile"), profiles);
            check_path(cx, &c.path, &format!("{key}.path"));
        }
        Check::AgreesWith(c) => {
            check_other_profile(cx, &c.profile, &format!("{key}.profile"), profiles);
            check_path(cx, &c.path, &format!("{key}.path"));
            if c.fields.is_empty() {
                cx.at(
                    DiagKind::Rule,
                    check,
                    &format!("{key}.fields"),
                    "`agrees_with` needs at least one field pair",
                );
            }
            for (n, f) in c.fields.iter().enumerate() {
                check_pointer(cx, &f.here, &format!("{key}.fields[{n}].here"), false);
                check_pointer(cx, &f.there, &format!("{key}.fields[{n}].there"), false);
            }
        }
    }
}

/// White space normalized: every run of white space is one space, none at the ends.
fn normalize_space(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `quote` is found in `text`, white space normalized on both sides; an ellipsis
/// (`...` or `…`) in the quote stands for omitted text, so the pieces around it must appear in
/// this order. A quote that is only an ellipsis is found nowhere.
pub fn quote_found(quote: &str, text: &str) -> bool {
    let quote = normalize_space(&quote.replace('…', "..."));
    let text = normalize_space(text);
    let pieces: Vec<&str> = quote.split("...").map(str::trim).filter(|p| !p.is_empty()).collect();
    if pieces.is_empty() {
        return false;
    }
    let mut from = 0;
    for piece in pieces {
        match text[from..].find(piece) {
            Some(at) => from += at + piece.len(),
            None => return false,
        }
    }
    true
}

/// Which node of a case a [`RequirementProblem`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemAt {
    /// The case's `requirements` (a level no requirement backs).
    Requirements,
    /// `spec.quote`.
    Quote,
    /// `expect` (no check could fail).
    Expect,
}

/// A case the requirement inventory does not back; such a case is a load error and does not
/// count toward coverage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementProblem {
    pub at: ProblemAt,
    pub message: String,
    pub hint: String,
}

/// The strongest level a case is judged at, and where it is written: the case's `level`, an
/// alternative's `level` or `schema_level`, or a check's `level`.
fn strongest_level(c: &crate::model::Case) -> (crate::model::Level, String) {
    let mut best = (c.level, "its `level`".to_string());
    for (j, alt) in c.expect.iter().enumerate() {
        let a = &alt.value;
        for (l, what) in [(a.level, "level"), (a.schema_level, "schema_level")] {
            if let Some(l) = l
                && l < best.0
            {
                best = (l, format!("`expect[{j}].{what}`"));
            }
        }
        for (n, e) in a.checks.iter().enumerate() {
            if let Some(l) = e.value.level
                && l < best.0
            {
                best = (l, format!("`expect[{j}].checks[{n}].level`"));
            }
        }
    }
    best
}

/// What the inventory says against a case (see docs/case-format.md, "Cases and their
/// requirements"):
///
/// - a case is never judged at a stronger level than the strongest requirement it cites (a
///   MUST case citing only SHOULD requirements);
/// - `spec.quote` is in the text of one of the requirements it cites (white space normalized,
///   `...` for omitted text);
/// - it has a check that could fail: a walk, a snapshot, an alternative with a `schema` or a
///   check, or else statuses that do not accept both a success (2xx) and an error (4xx/5xx).
///
/// Requirements the inventory does not know are reported elsewhere and ignored here.
pub fn requirement_problems(
    c: &crate::model::Case,
    requirements: &BTreeMap<String, Requirement>,
) -> Vec<RequirementProblem> {
    let mut out = Vec::new();
    let cited: Vec<&Requirement> = c
        .requirements
        .iter()
        .filter_map(|r| requirements.get(&r.value))
        .collect();
    let all_known = !cited.is_empty() && cited.len() == c.requirements.len();
    if all_known {
        let (level, from) = strongest_level(c);
        let backing = cited.iter().map(|r| r.level).min().unwrap_or(level);
        if level < backing {
            let ids: Vec<&str> = cited.iter().map(|r| r.id.as_str()).collect();
            out.push(RequirementProblem {
                at: ProblemAt::Requirements,
                message: format!(
                    "the case is judged at {} ({from}) but cites only {} requirements ({})",
                    level.as_str(),
                    backing.as_str(),
                    ids.join(", ")
                ),
                hint: format!(
                    "judge it at {} at most, or cite the {} requirement it checks",
                    backing.as_str(),
                    level.as_str()
                ),
            });
        }
        if !c.spec.quote.trim().is_empty() && !cited.iter().any(|r| quote_found(&c.spec.quote, &r.quote)) {
            let ids: Vec<&str> = cited.iter().map(|r| r.id.as_str()).collect();
            out.push(RequirementProblem {
                at: ProblemAt::Quote,
                message: format!(
                    "`spec.quote` is not in the text of the requirement(s) it cites ({})",
                    ids.join(", ")
                ),
                hint: "quote the requirement's own words (white space is normalized; `...` stands for omitted text), or cite the requirement that says it".into(),
            });
        }
    }
    let judged_body = c
        .expect
        .iter()
        .any(|a| a.value.schema.is_some() || !a.value.checks.is_empty());
    let statuses: Vec<u16> = c.expect.iter().flat_map(|a| a.value.status.iter().copied()).collect();
    let success = statuses.iter().find(|s| (200..300).contains(*s));
    let error = statuses.iter().find(|s| (400..600).contains(*s));
    if !judged_body
        && c.walk.is_none()
        && c.snapshot.is_none()
        && let (Some(ok), Some(err)) = (success, error)
    {
        out.push(RequirementProblem {
            at: ProblemAt::Expect,
            message: format!(
                "no check could fail: every alternative accepts any body, and both a success ({ok}) and an error ({err}) are accepted"
            ),
            hint: "judge the body of an answer (a `schema` or `checks`), or accept only the statuses that mean the requirement is met".into(),
        });
    }
    out
}

/// Where `quote:` is written for a case's spec: the first `quote:` at or after its `doc`
/// (through an alias, that is the anchored definition), with the length of its value.
fn quote_position(files: &SourceSet, display: &str, doc: Pos) -> Option<(Pos, u32)> {
    let text = &files.values().find(|f| f.display == display)?.text;
    for (n, line) in text.lines().enumerate().skip(doc.line as usize - 1) {
        let start = if n + 1 == doc.line as usize {
            line.char_indices()
                .nth(doc.column as usize - 1)
                .map_or(line.len(), |(i, _)| i)
        } else {
            0
        };
        let Some(at) = line[start..].find("quote:") else {
            continue;
        };
        let value_start = start + at + "quote:".len();
        let rest = &line[value_start..];
        let skipped = rest.len() - rest.trim_start().len();
        let value = rest.trim_start();
        let len = match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].find(q).map_or(value.len(), |e| e + 2),
            _ => value.find(['}', '#']).unwrap_or(value.len()),
        };
        let col = line[..value_start + skipped].chars().count() as u32 + 1;
        let len = value[..len.min(value.len())].trim_end().chars().count() as u32;
        return Some((Pos::new(n as u32 + 1, col), len));
    }
    None
}

/// Reports [`requirement_problems`] of every case at the node it is about.
pub fn requirement_rules(
    cases: &[LoadedCase],
    requirements: &BTreeMap<String, Requirement>,
    files: &SourceSet,
    diags: &mut Diagnostics,
) {
    for lc in cases {
        let c = &lc.case;
        for p in requirement_problems(c, requirements) {
            let (pos, len, key) = match p.at {
                ProblemAt::Requirements => match c.requirements.first() {
                    Some(r) => (Pos::from_yaml(&r.referenced), yaml_len(&r.referenced), "requirements"),
                    None => (lc.pos, 1, "requirements"),
                },
                ProblemAt::Quote => {
                    // Through an alias, the quote is where the spec is defined.
                    let doc = Pos::from_yaml(&c.spec.doc.defined);
                    let (pos, len) = quote_position(files, &lc.file, doc).unwrap_or((doc, 1));
                    (pos, len, "spec.quote")
                }
                ProblemAt::Expect => match c.expect.first() {
                    Some(a) => (Pos::from_yaml(&a.referenced), yaml_len(&a.referenced), "expect"),
                    None => (lc.pos, 1, "expect"),
                },
            };
            diags.push(
                Diagnostic::new(&lc.file, pos, p.message)
                    .kind(DiagKind::Rule)
                    .len(len)
                    .at_key(format!("{}.{key}", lc.key()))
                    .hint(p.hint),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::quote_found;

    #[test]
    fn quotes_are_found_with_normalized_space_and_ellipses() {
        let text = "The limit parameter is used to request\n  a specific page size.   Expect a response";
        assert!(quote_found(
            "The limit parameter is used to request a specific page size.",
            text
        ));
        assert!(quote_found("The limit parameter ... page size. Expect", text));
        assert!(quote_found("limit parameter … a specific", text));
        assert!(
            !quote_found("page size ... The limit parameter", text),
            "pieces in order"
        );
        assert!(!quote_found("the limit parameter", text), "case-sensitive");
        assert!(!quote_found("...", text));
        assert!(quote_found("'...' doesn't", "project_id '...' doesn't match"));
    }
}

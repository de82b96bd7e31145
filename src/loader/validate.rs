//! Load-time checks that types alone cannot express: ids, references between files, templates,
//! operator arities. Each problem is reported at the position of the offending node.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{LoadedCase, SchemaSet};
use crate::model::{Check, Method, Op, Predicate, Profile, Requirement, Spanned};
use crate::source::{Diagnostic, Diagnostics, Pos};
use crate::template;

struct Ctx<'a> {
    file: &'a str,
    diags: &'a mut Diagnostics,
}

impl Ctx<'_> {
    fn err(&mut self, pos: Pos, msg: impl Into<String>) {
        self.diags.push(Diagnostic::new(self.file, pos, msg));
    }
    fn at<T>(&mut self, node: &Spanned<T>, msg: impl Into<String>) {
        self.err(Pos::from_yaml(&node.referenced), msg);
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
    for (r, file, pos) in entries {
        let mut err = |m: String| diags.push(Diagnostic::new(&file, pos, m));
        if let Some((f, p)) = at.get(&r.id) {
            err(format!(
                "duplicate requirement id `{}` (first defined at {f}:{}:{})",
                r.id, p.line, p.column
            ));
            continue;
        }
        if r.profiles.is_empty() {
            err(format!("requirement `{}` names no profile", r.id));
        }
        for p in &r.profiles {
            match profiles.get(p) {
                None => err(format!("requirement `{}`: unknown profile `{p}`", r.id)),
                Some(prof) if !prof.docs.contains(&r.doc) => err(format!(
                    "requirement `{}`: `{}` is not a document of profile `{p}`",
                    r.id, r.doc
                )),
                Some(_) => {}
            }
        }
        if r.untestable.is_some() && r.level == crate::model::Level::Must {
            err(format!(
                "requirement `{}` is a MUST: it cannot be `untestable`, it needs a case",
                r.id
            ));
        }
        at.insert(r.id.clone(), (file.clone(), pos));
        out.insert(r.id.clone(), r);
    }
    out
}

pub fn suite(
    cases: &[LoadedCase],
    profiles: &BTreeMap<String, Profile>,
    schemas: &SchemaSet,
    requirements: &BTreeMap<String, Requirement>,
    diags: &mut Diagnostics,
) {
    let mut seen: HashMap<&str, (&str, Pos)> = HashMap::new();
    for lc in cases {
        let mut cx = Ctx { file: &lc.file, diags };
        let c = &lc.case;
        let id = c.id.value.as_str();
        let id_pos = Pos::from_yaml(&c.id.referenced);
        if let Some((file, pos)) = seen.get(id) {
            cx.err(
                id_pos,
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
                &c.id,
                "a case must name the requirement ids it checks (`requirements: [...]`)",
            );
        }
        for r in &c.requirements {
            match requirements.get(&r.value) {
                None => cx.at(
                    r,
                    format!("unknown requirement `{}` (see cases/requirements/)", r.value),
                ),
                Some(req) if !req.profiles.contains(&c.profile.value) => cx.at(
                    r,
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
                    &c.profile,
                    format!("unknown profile `{}` (known: {})", c.profile.value, known.join(", ")),
                );
            }
            Some(p) => {
                if !p.docs.contains(&c.spec.doc.value) {
                    cx.at(
                        &c.spec.doc,
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
            cx.err(lc.pos, "`spec.section` and `spec.quote` must not be empty");
        }

        // `tenant_id` is there only when the profile's endpoint carries the tenant.
        let with_tenant = profile.is_some_and(|p| p.tenant_from_endpoint);
        let mut vars: BTreeSet<&str> = template::BUILTINS
            .iter()
            .copied()
            .filter(|v| *v != "tenant_id" || with_tenant)
            .collect();
        for (name, b) in &c.bind {
            if template::BUILTINS.contains(&name.as_str()) || name == template::ITEM {
                cx.at(b, format!("`{name}` is a reserved variable name"));
            }
            check_pointer(&mut cx, &b.value.from, true);
            for p in b.value.filter.iter().chain(&b.value.value_where) {
                check_predicate(&mut cx, p, &vars, false);
            }
            vars.insert(name);
        }

        check_template(&mut cx, &c.request.path, &c.request.path.value, &vars);
        if !c.request.path.value.starts_with('/') {
            cx.at(
                &c.request.path,
                "`request.path` must start with `/` (it is relative to the profile's endpoint)",
            );
        }
        for (k, v) in &c.request.query.0 {
            match template::value_references(&v.value) {
                Ok(refs) => unknown_refs(&mut cx, v, &refs, &vars),
                Err(e) => cx.at(v, format!("query parameter `{k}`: {e}")),
            }
        }
        for (k, v) in &c.request.headers {
            if k.eq_ignore_ascii_case("x-auth-token") || k.eq_ignore_ascii_case("authorization") {
                cx.at(
                    v,
                    "credentials are chosen with `request.auth` (token | none | invalid), never written in a case",
                );
            }
            check_template(&mut cx, v, &v.value, &vars);
        }
        if let Some(name) = &c.snapshot
            && (name.value.is_empty()
                || !name
                    .value
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'))
        {
            cx.at(name, "a snapshot name is lower-case letters, digits and `-`");
        }
        // Read-only by default: a method that could change state is only allowed on a fixed
        // collection path (no template can aim it at a discovered image).
        if matches!(c.request.method, Method::Put | Method::Patch | Method::Delete)
            && (c.request.path.value.contains('{') || c.walk.is_some() || !c.bind.is_empty())
        {
            cx.at(
                &c.request.path,
                format!(
                    "{} is only allowed on a fixed collection path (read-only suite: it must not be able to reach an image)",
                    c.request.method.as_str()
                ),
            );
        }
        if c.walk.is_some() && c.request.method != Method::Get {
            cx.err(lc.pos, "a `walk` must use method GET");
        }

        if c.expect.is_empty() {
            cx.err(lc.pos, "`expect` needs at least one alternative");
        }
        let mut statuses = BTreeSet::new();
        for alt in &c.expect {
            let a = &alt.value;
            if a.status.is_empty() {
                cx.at(alt, "`status` needs at least one code");
            }
            for s in &a.status {
                if !(100..=599).contains(s) {
                    cx.at(alt, format!("{s} is not an HTTP status code"));
                } else if !statuses.insert(*s) {
                    cx.at(alt, format!("status {s} appears in two alternatives"));
                }
            }
            if let Some(s) = &a.schema
                && schemas.get(&s.value).is_none()
            {
                let known: Vec<&str> = schemas.names().collect();
                cx.at(s, format!("unknown schema `{}` (known: {})", s.value, known.join(", ")));
            }
            for check in &a.checks {
                check_check(&mut cx, check, &vars, profiles);
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
            &c.id,
            format!("case id `{id}` must look like `profile/group/name` (lower-case letters, digits, `-`, `_`, `.`)"),
        );
    } else if segments[0] != c.profile.value {
        cx.at(
            &c.id,
            format!("case id `{id}` must start with its profile `{}/`", c.profile.value),
        );
    }
}

fn check_pointer(cx: &mut Ctx, p: &Spanned<String>, allow_wildcard: bool) {
    if !p.value.is_empty() && !p.value.starts_with('/') {
        cx.at(
            p,
            format!(
                "`{}` is not a JSON pointer (it must be empty or start with `/`)",
                p.value
            ),
        );
    }
    if !allow_wildcard && p.value.split('/').any(|s| s == "*") {
        cx.at(p, "`*` is only allowed in a binding's `from`");
    }
}

fn check_template(cx: &mut Ctx, node: &Spanned<String>, text: &str, vars: &BTreeSet<&str>) {
    match template::references(text) {
        Ok(refs) => unknown_refs(cx, node, &refs, vars),
        Err(e) => cx.at(node, e),
    }
}

fn unknown_refs<T>(cx: &mut Ctx, node: &Spanned<T>, refs: &[template::Ref], vars: &BTreeSet<&str>) {
    for r in refs {
        if !vars.contains(r.var.as_str()) {
            let known: Vec<&str> = vars.iter().copied().collect();
            cx.at(
                node,
                format!("unknown variable `{{{}}}` (bound here: {})", r.var, known.join(", ")),
            );
        }
    }
}

fn check_predicate(cx: &mut Ctx, p: &Predicate, vars: &BTreeSet<&str>, item_scope: bool) {
    check_pointer(cx, &p.path, false);
    match (&p.value, p.op.is_unary()) {
        (Some(v), true) => cx.at(v, format!("operator `{}` takes no `value`", p.op.as_str())),
        (None, false) => cx.at(&p.path, format!("operator `{}` needs a `value`", p.op.as_str())),
        (Some(v), false) => {
            if p.op == Op::In && !v.value.is_array() && !v.value.is_string() {
                cx.at(v, "operator `in` needs a list (or a template that yields one)");
            }
            let mut scope = vars.clone();
            if item_scope {
                scope.insert(template::ITEM);
            }
            match template::value_references(&v.value) {
                Ok(refs) => unknown_refs(cx, v, &refs, &scope),
                Err(e) => cx.at(v, e),
            }
        }
        (None, true) => {}
    }
}

fn check_other_profile(cx: &mut Ctx, p: &Option<Spanned<String>>, profiles: &BTreeMap<String, Profile>) {
    if let Some(p) = p
        && !profiles.contains_key(&p.value)
    {
        let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
        cx.at(
            p,
            format!("unknown profile `{}` (known: {})", p.value, known.join(", ")),
        );
    }
}

fn check_path(cx: &mut Ctx, p: &Spanned<String>) {
    if !p.value.starts_with('/') {
        cx.at(
            p,
            format!(
                "`{}` must start with `/` (it is relative to the profile's endpoint)",
                p.value
            ),
        );
    }
}

fn check_check(cx: &mut Ctx, check: &Spanned<Check>, vars: &BTreeSet<&str>, profiles: &BTreeMap<String, Profile>) {
    match &check.value {
        Check::Body(p) => check_predicate(cx, p, vars, false),
        Check::Header(p) => {
            // A header name, not a pointer.
            if p.path.value.is_empty() || p.path.value.starts_with('/') {
                cx.at(
                    &p.path,
                    "`header` checks name the header in `path` (e.g. `content-type`)",
                );
            }
            if matches!(p.op, Op::IsNull | Op::NotNull) {
                cx.at(&p.path, "headers are never null: use `exists` or `absent`");
            }
        }
        Check::EveryItem(p) => check_predicate(cx, p, vars, true),
        Check::SortedBy(s) => {
            if s.keys.is_empty() {
                cx.at(check, "`sorted_by` needs at least one key");
            }
            for k in &s.keys {
                check_pointer(cx, &k.path, false);
            }
        }
        Check::IdsUnique => {}
        Check::Count(c) => {
            if !matches!(c.op, Op::Equals | Op::Lt | Op::Lte | Op::Gt | Op::Gte) {
                cx.at(check, "`count` takes `equals`, `lt`, `lte`, `gt` or `gte`");
            }
            match template::value_references(&c.value.value) {
                Ok(refs) => unknown_refs(cx, &c.value, &refs, vars),
                Err(e) => cx.at(&c.value, e),
            }
            if !c.value.value.is_number() && !c.value.value.is_string() {
                cx.at(&c.value, "`count.value` must be a number or a template");
            }
        }
        Check::MatchesCatalogue(o) | Check::DisjointFromCatalogue(o) => {
            for p in &o.filter {
                check_predicate(cx, p, vars, false);
            }
        }
        Check::LinkKeepsQuery(l) | Check::LinkSamePage(l) => check_pointer(cx, &l.path, false),
        Check::SameIdsAs(c) => {
            check_other_profile(cx, &c.profile, profiles);
            check_path(cx, &c.path);
        }
        Check::AgreesWith(c) => {
            check_other_profile(cx, &c.profile, profiles);
            check_path(cx, &c.path);
            if c.fields.is_empty() {
                cx.at(check, "`agrees_with` needs at least one field pair");
            }
            for f in &c.fields {
                check_pointer(cx, &f.here, false);
                check_pointer(cx, &f.there, false);
            }
        }
    }
}

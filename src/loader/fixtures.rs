//! Fixture sets (`cases/<profile>/fixtures.yaml`): parsed, checked for states the Image API
//! cannot reach (a share of a private image, a deactivated image without data, data whose
//! checksum is not the one written), and tied to the cases that need them.

use std::collections::BTreeMap;

use md5::Digest;

use super::{LoadedCase, SourceSet};
use crate::model::{EndpointKind, FixtureFile, FixtureSet, Need, Owner, Profile, Visibility};
use crate::source::{DiagKind, Diagnostic, Diagnostics, Pos, yaml_len};
use crate::template;

/// Glance's own image fields: a custom property may not take one of these names.
const CORE_FIELDS: &[&str] = &[
    "id",
    "name",
    "status",
    "visibility",
    "protected",
    "os_hidden",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "owner",
    "size",
    "virtual_size",
    "container_format",
    "disk_format",
    "created_at",
    "updated_at",
    "tags",
    "direct_url",
    "min_ram",
    "min_disk",
    "self",
    "file",
    "schema",
    "locations",
    "stores",
];

fn lower_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// The fixture sets by profile, each checked on its own.
pub fn parse(
    files: &SourceSet,
    profiles: &BTreeMap<String, Profile>,
    kinds: &BTreeMap<String, EndpointKind>,
    diags: &mut Diagnostics,
) -> BTreeMap<String, FixtureSet> {
    let mut out = BTreeMap::new();
    for file in files.values().filter(|f| super::parse::is_fixture_file(&f.rel)) {
        let ff = match super::parse_file::<FixtureFile>(file) {
            Ok(ff) => ff,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let pos = Pos::from_yaml(&ff.fixtures.referenced);
        let dir = file.rel.rsplit_once('/').map_or("", |(d, _)| d);
        let err = |diags: &mut Diagnostics, pos: Pos, key: &str, msg: String| {
            diags.push(
                Diagnostic::new(&file.display, pos, msg)
                    .kind(DiagKind::Rule)
                    .at_key(key),
            );
        };
        if !profiles.contains_key(dir) {
            diags.push(
                Diagnostic::new(
                    &file.display,
                    pos,
                    format!("a fixture set lives beside a profile (cases/<profile>/fixtures.yaml); `{dir}` is none"),
                )
                .kind(DiagKind::Reference)
                .at_key("fixtures"),
            );
            continue;
        }
        let set = ff.fixtures.value;
        if !kinds.contains_key(&set.endpoint) {
            let known: Vec<&str> = kinds.keys().map(String::as_str).collect();
            diags.push(
                Diagnostic::new(
                    &file.display,
                    pos,
                    format!("unknown endpoint kind `{}` (known: {})", set.endpoint, known.join(", ")),
                )
                .kind(DiagKind::Reference)
                .at_key("fixtures.endpoint"),
            );
        }
        let mut seen: BTreeMap<&str, Pos> = BTreeMap::new();
        for (n, f) in set.images.iter().enumerate() {
            let at = Pos::from_yaml(&f.referenced);
            let key = format!("fixtures.images[{n}]");
            let fx = &f.value;
            if !lower_name(&fx.name) {
                err(
                    diags,
                    at,
                    &format!("{key}.name"),
                    format!(
                        "fixture name `{}`: lower-case letters, digits, `-` and `_` (at most 40)",
                        fx.name
                    ),
                );
            }
            if let Some(first) = seen.insert(&fx.name, at) {
                diags.push(
                    Diagnostic::new(
                        &file.display,
                        at,
                        format!("fixture `{}` is defined twice (first at line {})", fx.name, first.line),
                    )
                    .kind(DiagKind::Duplicate)
                    .at_key(format!("{key}.name")),
                );
            }
            for (t, tag) in fx.tags.iter().enumerate() {
                if !lower_name(tag) {
                    err(
                        diags,
                        at,
                        &format!("{key}.tags[{t}]"),
                        format!(
                            "tag `{tag}`: lower-case letters, digits, `-` and `_` (it is sent as imgconform-<run id>-{tag})"
                        ),
                    );
                }
            }
            for p in fx.properties.keys() {
                if CORE_FIELDS.contains(&p.as_str()) || !lower_name(p) || p.contains('-') {
                    err(
                        diags,
                        at,
                        &format!("{key}.properties.{p}"),
                        format!(
                            "custom property `{p}`: lower-case letters, digits and `_`, not one of the Image API's own fields"
                        ),
                    );
                }
            }
            match (&fx.data, &fx.checksum) {
                (Some(data), Some(sum)) => {
                    let actual = hex(&md5::Md5::digest(data.as_bytes()));
                    if !sum.eq_ignore_ascii_case(&actual) {
                        err(
                            diags,
                            at,
                            &format!("{key}.checksum"),
                            format!("`checksum` {sum} is not the MD5 of `data` ({actual})"),
                        );
                    }
                }
                (Some(_), None) => err(
                    diags,
                    at,
                    &format!("{key}.checksum"),
                    "`data` needs its `checksum` (MD5, hex): the server's must equal it".into(),
                ),
                (None, Some(_)) => err(diags, at, &format!("{key}.data"), "`checksum` without `data`".into()),
                (None, None) => {}
            }
            if fx.deactivated && fx.data.is_none() {
                err(
                    diags,
                    at,
                    &format!("{key}.deactivated"),
                    "only an active image can be deactivated: give it `data`".into(),
                );
            }
            if fx.share.is_some() && (fx.visibility != Visibility::Shared || fx.owner != Owner::Main) {
                err(
                    diags,
                    at,
                    &format!("{key}.share"),
                    "a share needs `visibility: shared` and `owner: main` (the second identity is the member)".into(),
                );
            }
            if fx.deleted && (fx.protected || fx.share.is_some() || fx.deactivated) {
                err(
                    diags,
                    at,
                    &format!("{key}.deleted"),
                    "a deleted fixture is created and deleted, nothing else (no protected, share or deactivated)"
                        .into(),
                );
            }
        }
        out.insert(dir.to_string(), set);
    }
    out
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Each `needs: [fixtures: NAME]` names a fixture of the case's profile, and each
/// `{fixture.NAME.FIELD}` a field that fixture has.
pub fn cases(cases: &[LoadedCase], sets: &BTreeMap<String, FixtureSet>, diags: &mut Diagnostics) {
    for lc in cases {
        let c = &lc.case;
        let set = sets.get(&c.profile.value);
        for (n, need) in c.needs.iter().enumerate() {
            let Need::Fixtures(name) = &need.value else { continue };
            let known = set.is_some_and(|s| s.images.iter().any(|f| f.value.name == *name));
            if !known {
                let names: Vec<&str> =
                    set.map_or(Vec::new(), |s| s.images.iter().map(|f| f.value.name.as_str()).collect());
                diags.push(
                    Diagnostic::new(
                        &lc.file,
                        Pos::from_yaml(&need.referenced),
                        format!(
                            "unknown fixture `{name}` (cases/{}/fixtures.yaml defines: {})",
                            c.profile.value,
                            if names.is_empty() {
                                "none".to_string()
                            } else {
                                names.join(", ")
                            }
                        ),
                    )
                    .kind(DiagKind::Reference)
                    .len(yaml_len(&need.referenced))
                    .at_key(format!("{}.needs[{n}]", lc.key())),
                );
            }
        }
        let Some(set) = set else { continue };
        for r in template::case_refs(c) {
            let Some(name) = r.var.strip_prefix(template::FIXTURE_PREFIX) else {
                continue;
            };
            let Some(f) = set.images.iter().find(|f| f.value.name == name) else {
                continue;
            };
            let field = r.pointer.as_deref().unwrap_or("").trim_start_matches('/');
            let fields = f.value.fields();
            if !fields.iter().any(|k| k == field) {
                diags.push(
                    Diagnostic::new(
                        &lc.file,
                        lc.pos,
                        format!(
                            "`{{fixture.{name}.{field}}}`: the fixture has no field `{field}` (it has: {})",
                            fields.join(", ")
                        ),
                    )
                    .kind(DiagKind::Reference)
                    .at_key(lc.key()),
                );
            }
        }
    }
}

//! Which fields of a profile's items the cases read: the projection a discovered catalogue
//! keeps, so that a large catalogue costs only what the cases look at.
//!
//! A field is read when a pointer into the catalogue's items names it: a binding's `from` and
//! `where`, an oracle's `where` and `allow_extra`, the other side of an `agrees_with`, and the
//! pointers a template reads inside a bound whole item (`{image./status}`). A whole item used
//! as a value keeps every field.

use std::collections::{BTreeMap, BTreeSet};

use crate::exec::Projection;
use crate::loader::LoadedCase;
use crate::model::{Check, Profile};

use crate::exec::catalogue::head;

/// Fields read per profile (`None`: every field).
pub fn projections<'a>(
    profiles: &BTreeMap<String, Profile>,
    cases: impl IntoIterator<Item = &'a LoadedCase>,
) -> BTreeMap<String, Projection> {
    let mut keep: BTreeMap<String, Option<BTreeSet<String>>> = profiles
        .values()
        .map(|p| (p.name.clone(), Some(head(&p.id).into_iter().collect())))
        .collect();
    let mut add = |profile: &str, pointer: &str| {
        if let Some(Some(set)) = keep.get_mut(profile) {
            match head(pointer) {
                Some(h) => {
                    set.insert(h);
                }
                None if pointer.is_empty() => {
                    keep.insert(profile.to_string(), None);
                }
                None => {}
            }
        }
    };
    for lc in cases {
        let case = &lc.case;
        let p = case.profile.value.as_str();
        let refs = crate::template::case_refs(case);
        for (name, b) in &case.bind {
            for pred in &b.value.filter {
                add(p, &pred.path.value);
            }
            if b.value.from.value.is_empty() {
                // A whole item: the fields its templates read, or all of them.
                let uses: Vec<&crate::template::Ref> = refs.iter().filter(|r| &r.var == name).collect();
                for r in &uses {
                    match &r.pointer {
                        Some(ptr) if !ptr.is_empty() => add(p, ptr),
                        _ => add(p, ""),
                    }
                }
            } else {
                add(p, &b.value.from.value);
            }
        }
        for alt in &case.expect {
            for entry in &alt.value.checks {
                match &entry.value.check {
                    Check::MatchesCatalogue(o) | Check::DisjointFromCatalogue(o) => {
                        for pred in o.filter.iter().chain(&o.allow_extra) {
                            add(p, &pred.path.value);
                        }
                    }
                    Check::AgreesWith(a) => {
                        let other = a.profile.as_ref().map_or(p, |x| x.value.as_str());
                        for f in &a.fields {
                            add(other, &f.there.value);
                        }
                    }
                    Check::Body(_)
                    | Check::Header(_)
                    | Check::EveryItem(_)
                    | Check::SortedBy(_)
                    | Check::IdsUnique
                    | Check::HasIds(_)
                    | Check::LacksIds(_)
                    | Check::Count(_)
                    | Check::LinkKeepsQuery(_)
                    | Check::LinkSamePage(_)
                    | Check::SameIdsAs(_) => {}
                }
            }
        }
    }
    keep.into_iter().map(|(k, v)| (k, Projection(v))).collect()
}

/// The top-level fields of a walk's items that a case's checks read: the id, `every_item` and
/// `sorted_by` paths, an oracle's `where` and `allow_extra`, the near side of `agrees_with`.
/// A pointer that names no single field (the whole item, a wildcard) keeps everything.
pub fn walk_projection(case: &crate::model::Case, profile: &Profile) -> Projection {
    let mut pointers: Vec<&str> = Vec::new();
    for alt in &case.expect {
        for entry in &alt.value.checks {
            match &entry.value.check {
                Check::EveryItem(p) => pointers.push(&p.path.value),
                Check::SortedBy(s) => pointers.extend(s.keys.iter().map(|k| k.path.value.as_str())),
                Check::MatchesCatalogue(o) | Check::DisjointFromCatalogue(o) => {
                    pointers.extend(o.filter.iter().chain(&o.allow_extra).map(|p| p.path.value.as_str()))
                }
                Check::AgreesWith(a) => pointers.extend(a.fields.iter().map(|f| f.here.value.as_str())),
                Check::Body(_)
                | Check::Header(_)
                | Check::IdsUnique
                | Check::HasIds(_)
                | Check::LacksIds(_)
                | Check::Count(_)
                | Check::LinkKeepsQuery(_)
                | Check::LinkSamePage(_)
                | Check::SameIdsAs(_) => {}
            }
        }
    }
    let mut projection = Projection::of_pointers(pointers);
    if let Projection(Some(keep)) = &mut projection {
        keep.extend(head(&profile.id));
    }
    projection
}

//! Compact string storage for a large catalogue: interned strings ([`Sym`]) and interned,
//! immutable sets of `key: value` pairs ([`Fields`]) for custom properties and IMS fields.
//!
//! Why: a generated catalogue repeats the same few values (distro names, `os_version` 1..12,
//! IMS platform fields) and even the same whole property sets, hundreds of thousands of times.
//! As one `BTreeMap<String, String>` per image they cost about 2.5 KiB an image (267 MiB at
//! 100 000 images); shared, an image holds two pointers. A write (PATCH) builds a new set and
//! leaves the shared one alone (copy on write), so sharing is never visible.

use std::collections::HashSet;
use std::sync::Arc;

/// An interned string: cloning it is a reference count, equal values share one allocation.
pub type Sym = Arc<str>;

/// `key: value` pairs sorted by key (the order a `BTreeMap<String, String>` iterates in, so
/// bodies keep their byte order), each key once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fields(Arc<[(Sym, Sym)]>);

impl Default for Fields {
    fn default() -> Self {
        Fields(Arc::from(Vec::new()))
    }
}

impl Fields {
    /// A set of its own, not shared with the generated ones (what a write builds).
    pub fn new<K: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> Fields {
        Interner::default().fields(pairs)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| (**k).cmp(key))
            .ok()
            .map(|i| &*self.0[i].1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }

    /// The pairs as a JSON object, in key order.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
                .collect(),
        )
    }
}

/// Hands out one shared copy of every string and every field set it has seen.
#[derive(Default)]
pub struct Interner {
    strings: HashSet<Sym>,
    sets: HashSet<Fields>,
}

impl Interner {
    pub fn sym(&mut self, s: &str) -> Sym {
        if let Some(found) = self.strings.get(s) {
            return found.clone();
        }
        let sym: Sym = Arc::from(s);
        self.strings.insert(sym.clone());
        sym
    }

    /// A shared field set with these pairs (a later duplicate key replaces an earlier one).
    pub fn fields<K: AsRef<str>, V: AsRef<str>>(&mut self, pairs: impl IntoIterator<Item = (K, V)>) -> Fields {
        let mut v: Vec<(Sym, Sym)> = Vec::new();
        for (k, val) in pairs {
            let (k, val) = (self.sym(k.as_ref()), self.sym(val.as_ref()));
            match v.binary_search_by(|(x, _)| x.cmp(&k)) {
                Ok(i) => v[i].1 = val,
                Err(i) => v.insert(i, (k, val)),
            }
        }
        let set = Fields(Arc::from(v));
        if let Some(found) = self.sets.get(&set) {
            return found.clone();
        }
        self.sets.insert(set.clone());
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_sorted_shared_and_looked_up_by_key() {
        let mut i = Interner::default();
        let a = i.fields([("b", "2"), ("a", "1"), ("b", "3")]);
        assert_eq!(a.iter().collect::<Vec<_>>(), [("a", "1"), ("b", "3")]);
        assert_eq!((a.get("a"), a.get("b"), a.get("c")), (Some("1"), Some("3"), None));
        let b = i.fields([("a", "1"), ("b", "3")]);
        assert!(Arc::ptr_eq(&a.0, &b.0), "equal sets share one allocation");
        assert!(Arc::ptr_eq(&i.sym("x"), &i.sym("x")));
        assert_eq!(a.to_json(), serde_json::json!({"a": "1", "b": "3"}));
        assert!(Fields::default().iter().next().is_none() && Fields::default().get("a").is_none());
    }
}

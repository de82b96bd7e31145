//! A discovered list, kept compactly: a public cloud's catalogue has tens of thousands of images,
//! and the run keeps one per API family for its whole length.
//!
//! Only the fields the loaded cases read are kept (a [`Projection`], computed from the cases'
//! pointers before the run), as columns of small indexes into one dictionary of values: a
//! status, a visibility or an owner is stored once however many images share it, and other
//! values are packed into one byte arena. Ids are interned, so the three families' catalogues
//! of the same images share their id strings. An item is materialized as JSON only when a
//! check looks at it, and then only with the kept fields.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

/// The top-level field a pointer starts with (`/metadata/image_type` → `metadata`); `None`
/// for the whole item or a wildcard.
pub fn head(pointer: &str) -> Option<String> {
    let seg = pointer.strip_prefix('/')?.split('/').next()?;
    (!seg.is_empty() && seg != "*").then(|| seg.replace("~1", "/").replace("~0", "~"))
}

/// Which top-level fields of an item to keep: `None` keeps them all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Projection(pub Option<BTreeSet<String>>);

impl Projection {
    /// Ids only (a reference list for a walk's completeness).
    pub fn ids_only() -> Self {
        Projection(Some(BTreeSet::new()))
    }
    pub fn all() -> Self {
        Projection(None)
    }
    /// The fields `pointers` read (all of them if one reads the whole item or starts with a
    /// wildcard).
    pub fn of_pointers<'p>(pointers: impl IntoIterator<Item = &'p str>) -> Self {
        let mut keep = BTreeSet::new();
        for p in pointers {
            match head(p) {
                Some(h) => {
                    keep.insert(h);
                }
                None => return Projection::all(),
            }
        }
        Projection(Some(keep))
    }
    fn keeps(&self, key: &str) -> bool {
        self.0.as_ref().is_none_or(|k| k.contains(key))
    }
    pub fn keeps_nothing(&self) -> bool {
        self.0.as_ref().is_some_and(BTreeSet::is_empty)
    }
}

/// Interns id strings for a run (all catalogues of a run share one).
#[derive(Debug, Default)]
pub struct Interner {
    set: Mutex<HashSet<Arc<str>>>,
}

impl Interner {
    pub fn intern(&self, s: &str) -> Arc<str> {
        let mut set = self.set.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(a) = set.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        set.insert(a.clone());
        a
    }
}

/// A stored value: scalars inline, strings and nested JSON in the arena.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str { at: u32, len: u32 },
    Json { at: u32, len: u32 },
}

/// A cell that holds no value: the key is absent from the item.
const ABSENT: u32 = u32::MAX;

/// Values a column deduplicates before it stops trying (a column of unique names is not worth
/// a map).
const DEDUPE_LIMIT: usize = 256;

#[derive(Clone, Debug, Default)]
struct Rows {
    keys: Vec<String>,
    /// Row-major: `cells[row * keys.len() + k]` is an index into `dict`, or `ABSENT`.
    cells: Vec<u32>,
    dict: Vec<Cell>,
    arena: Vec<u8>,
    /// Items that are not JSON objects (a broken server's), kept whole by row.
    odd: HashMap<usize, Value>,
}

impl Rows {
    fn value(&self, index: u32) -> Option<Value> {
        if index == ABSENT {
            return None;
        }
        Some(match self.dict[index as usize] {
            Cell::Null => Value::Null,
            Cell::Bool(b) => Value::Bool(b),
            Cell::Int(i) => Value::from(i),
            Cell::UInt(u) => Value::from(u),
            Cell::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
            Cell::Str { at, len } => {
                Value::String(String::from_utf8_lossy(&self.arena[at as usize..(at + len) as usize]).into_owned())
            }
            Cell::Json { at, len } => {
                serde_json::from_slice(&self.arena[at as usize..(at + len) as usize]).unwrap_or(Value::Null)
            }
        })
    }
}

/// The result of walking an unpaged list to its end, or the kept items of one page of a walk.
#[derive(Clone, Debug)]
pub struct Catalogue {
    /// The ids of the items, in order.
    pub ids: Vec<Arc<str>>,
    /// The URL of the list's first page, for messages.
    pub url: String,
    rows: Rows,
    kept: bool,
}

impl Catalogue {
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
    /// Whether items (not only ids) were kept.
    pub fn has_items(&self) -> bool {
        self.kept
    }
    /// A list known by its ids only (a reference taken from a walk of the same list).
    pub fn of_ids(ids: Vec<Arc<str>>, url: String) -> Self {
        Catalogue {
            ids,
            url,
            rows: Rows::default(),
            kept: false,
        }
    }
    /// No items (a page whose items went to a consumer).
    pub fn empty() -> Self {
        Catalogue {
            ids: Vec::new(),
            url: String::new(),
            rows: Rows::default(),
            kept: false,
        }
    }
    /// About what the catalogue holds on the heap (ids counted as pointers: they are shared).
    pub fn heap_bytes(&self) -> usize {
        self.ids.len() * std::mem::size_of::<Arc<str>>()
            + self.rows.cells.len() * 4
            + self.rows.dict.len() * std::mem::size_of::<Cell>()
            + self.rows.arena.len()
    }
    /// Item `row` with the kept fields.
    pub fn item(&self, row: usize) -> Value {
        self.item_of(row, 0..self.rows.keys.len())
    }
    /// Every item, materialized one at a time.
    pub fn items(&self) -> impl Iterator<Item = Value> + '_ {
        (0..self.ids.len()).map(|r| self.item(r))
    }
    /// Every item with only the fields of `keep`, materialized one at a time: a predicate
    /// over 100 000 items reads one field of each, and building whole items was most of a
    /// run's time.
    pub fn items_keeping<'s>(&'s self, keep: &Projection) -> impl Iterator<Item = Value> + 's {
        let keys: Option<Vec<usize>> = keep.0.as_ref().map(|k| {
            (0..self.rows.keys.len())
                .filter(|&i| k.contains(&self.rows.keys[i]))
                .collect()
        });
        (0..self.ids.len()).map(move |row| match &keys {
            None => self.item(row),
            Some(keys) => self.item_of(row, keys.iter().copied()),
        })
    }
    /// Item `row` with the fields at key indexes `keys` only.
    fn item_of(&self, row: usize, keys: impl Iterator<Item = usize>) -> Value {
        if let Some(v) = self.rows.odd.get(&row) {
            return v.clone();
        }
        let n = self.rows.keys.len();
        let mut m = Map::new();
        for k in keys {
            if let Some(v) = self.rows.value(self.rows.cells[row * n + k]) {
                m.insert(self.rows.keys[k].clone(), v);
            }
        }
        Value::Object(m)
    }
    /// The ids as plain strings (for messages and comparisons with a response's ids).
    pub fn id_strings(&self) -> Vec<String> {
        self.ids.iter().map(|s| s.to_string()).collect()
    }
    /// Whether both lists hold the same items (ids and kept fields), in the same order.
    pub fn same_as(&self, other: &Catalogue) -> bool {
        self.ids == other.ids && (0..self.ids.len()).all(|r| self.item(r) == other.item(r))
    }
}

/// Builds a catalogue page by page, so a large list is never held as JSON all at once.
pub struct Builder<'a> {
    projection: Projection,
    id_pointer: String,
    interner: Option<&'a Interner>,
    /// The id stored for an item without one.
    missing_id: &'static str,
    ids: Vec<Arc<str>>,
    rows: Rows,
    /// Each key's index in `rows.keys`.
    key_at: HashMap<String, usize>,
    /// Per key, the values stored so far (strings by their text, others by their JSON), up
    /// to `DEDUPE_LIMIT` of each.
    strings: Vec<HashMap<String, u32>>,
    others: Vec<HashMap<String, u32>>,
}

impl<'a> Builder<'a> {
    pub fn new(projection: Projection, id_pointer: &str, interner: &'a Interner) -> Self {
        Builder::with(projection, id_pointer, Some(interner), "")
    }

    /// A builder whose ids are interned in `interner` when given, and `missing_id` for an item
    /// without one (a walk's pages say `<no id>`).
    pub fn with(
        projection: Projection,
        id_pointer: &str,
        interner: Option<&'a Interner>,
        missing_id: &'static str,
    ) -> Self {
        Builder {
            projection,
            id_pointer: id_pointer.to_string(),
            interner,
            missing_id,
            ids: Vec::new(),
            rows: Rows::default(),
            key_at: HashMap::new(),
            strings: Vec::new(),
            others: Vec::new(),
        }
    }

    fn key_index(&mut self, key: &str) -> usize {
        if let Some(&i) = self.key_at.get(key) {
            return i;
        }
        // A new key: every row so far lacks it.
        let old = self.rows.keys.len();
        let rows = self.ids.len();
        let mut cells = Vec::with_capacity((old + 1) * rows);
        for r in 0..rows {
            cells.extend_from_slice(&self.rows.cells[r * old..(r + 1) * old]);
            cells.push(ABSENT);
        }
        self.rows.cells = cells;
        self.rows.keys.push(key.to_string());
        self.key_at.insert(key.to_string(), old);
        self.strings.push(HashMap::new());
        self.others.push(HashMap::new());
        old
    }

    fn store(&mut self, k: usize, v: &Value) -> u32 {
        // Strings are looked up by their text without a copy; other values by their JSON.
        let other_text = match v {
            Value::String(s) => {
                if let Some(&i) = self.strings[k].get(s.as_str()) {
                    return i;
                }
                None
            }
            other => {
                let text = other.to_string();
                if let Some(&i) = self.others[k].get(&text) {
                    return i;
                }
                Some(text)
            }
        };
        let cell = match v {
            Value::Null => Cell::Null,
            Value::Bool(b) => Cell::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => Cell::Int(i),
                (None, Some(u), _) => Cell::UInt(u),
                (_, _, Some(f)) => Cell::Float(f),
                _ => Cell::Null,
            },
            Value::String(s) => {
                let at = self.rows.arena.len() as u32;
                self.rows.arena.extend_from_slice(s.as_bytes());
                Cell::Str {
                    at,
                    len: s.len() as u32,
                }
            }
            _ => {
                let bytes = other_text.clone().unwrap_or_default().into_bytes();
                let at = self.rows.arena.len() as u32;
                self.rows.arena.extend_from_slice(&bytes);
                Cell::Json {
                    at,
                    len: bytes.len() as u32,
                }
            }
        };
        let index = self.rows.dict.len() as u32;
        self.rows.dict.push(cell);
        match (v, other_text) {
            (Value::String(s), _) if self.strings[k].len() < DEDUPE_LIMIT => {
                self.strings[k].insert(s.clone(), index);
            }
            (_, Some(text)) if self.others[k].len() < DEDUPE_LIMIT => {
                self.others[k].insert(text, index);
            }
            _ => {}
        }
        index
    }

    /// Adds one item.
    pub fn push(&mut self, item: &Value) {
        let id = crate::exec::walker_id(item, &self.id_pointer).unwrap_or_else(|| self.missing_id.to_string());
        let n = self.rows.keys.len();
        let start = self.rows.cells.len();
        self.rows.cells.resize(start + n, ABSENT);
        self.ids.push(match self.interner {
            Some(i) => i.intern(&id),
            None => Arc::from(id.as_str()),
        });
        if self.projection.keeps_nothing() {
            return;
        }
        if !item.is_object() {
            self.rows.odd.insert(self.ids.len() - 1, item.clone());
            return;
        }
        if let Value::Object(m) = item {
            for (key, v) in m {
                if !self.projection.keeps(key) {
                    continue;
                }
                let k = self.key_index(key);
                let index = self.store(k, v);
                let n = self.rows.keys.len();
                let row = self.ids.len() - 1;
                self.rows.cells[row * n + k] = index;
            }
        }
    }

    pub fn finish(mut self, url: String) -> Catalogue {
        // Grown by doubling while the list was read: what is kept for the run is its size.
        self.ids.shrink_to_fit();
        self.rows.cells.shrink_to_fit();
        self.rows.dict.shrink_to_fit();
        self.rows.arena.shrink_to_fit();
        Catalogue {
            kept: !self.projection.keeps_nothing(),
            ids: self.ids,
            url,
            rows: self.rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_only_the_projected_fields_and_gives_them_back() {
        let interner = Interner::default();
        let keep: BTreeSet<String> = ["status", "tags", "size", "extra"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut b = Builder::new(Projection(Some(keep)), "/id", &interner);
        b.push(&json!({"id": "a", "status": "active", "name": "x", "tags": ["t"], "size": 5}));
        b.push(&json!({"id": "b", "status": "active", "size": null, "extra": 1.5}));
        let c = b.finish("u".into());
        assert_eq!(c.id_strings(), ["a", "b"]);
        assert_eq!(c.item(0), json!({"status": "active", "tags": ["t"], "size": 5}));
        assert_eq!(c.item(1), json!({"status": "active", "size": null, "extra": 1.5}));
        // The shared status is stored once.
        assert_eq!(c.rows.dict.iter().filter(|d| matches!(d, Cell::Str { .. })).count(), 1);
        let mut again = Builder::new(Projection::ids_only(), "/id", &interner);
        again.push(&json!({"id": "a"}));
        let ids = again.finish("u".into());
        assert!(
            Arc::ptr_eq(&ids.ids[0], &c.ids[0]),
            "ids are interned across catalogues"
        );
        assert!(!ids.has_items());
    }

    #[test]
    fn a_page_kept_compactly_gives_back_what_it_was_given() {
        let items = [
            json!({"id": "a", "status": "active", "tags": ["x"], "size": 1}),
            json!("not an object"),
            json!({"id": 7, "name": "seven"}),
            json!({"name": "no id"}),
        ];
        let mut b = Builder::with(Projection::all(), "/id", None, "<no id>");
        for i in &items {
            b.push(i);
        }
        let page = b.finish(String::new());
        assert_eq!(page.id_strings(), ["a", "<no id>", "7", "<no id>"]);
        let back: Vec<Value> = page.items().collect();
        assert_eq!(back, items, "every field and the odd item come back");
        let only = Projection::of_pointers(["/status", "/tags/0"]);
        let kept: Vec<Value> = page.items_keeping(&only).collect();
        assert_eq!(kept[0], json!({"status": "active", "tags": ["x"]}));
        assert_eq!(kept[1], json!("not an object"));
        assert_eq!(kept[2], json!({}));
        assert_eq!(Projection::of_pointers(["/status", ""]), Projection::all());
        assert_eq!(Projection::of_pointers(["/*/x"]), Projection::all());
        assert!(page.heap_bytes() > 0);
    }
}

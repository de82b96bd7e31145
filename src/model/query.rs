//! A request's query parameters, in the order written, each with its position.
//!
//! A YAML map reads naturally (`query: {limit: 2, tag: [a, b]}`) but serde maps lose order and
//! positions, so this type implements its own visitor. A list value repeats the parameter.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

use super::Spanned;

#[derive(Debug, Default)]
pub struct QueryMap(pub Vec<(String, Spanned<serde_json::Value>)>);

impl<'de> Deserialize<'de> for QueryMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = QueryMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of query parameters (scalar or list values)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<QueryMap, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Spanned<serde_json::Value>>()? {
                    match &v.value {
                        serde_json::Value::Object(_) => {
                            return Err(serde::de::Error::custom(format!(
                                "query parameter `{k}`: expected a scalar or a list of scalars, found a map"
                            )));
                        }
                        serde_json::Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
                            return Err(serde::de::Error::custom(format!(
                                "query parameter `{k}`: list items must be scalars"
                            )));
                        }
                        _ => {}
                    }
                    out.push((k, v));
                }
                Ok(QueryMap(out))
            }
        }
        d.deserialize_map(V)
    }
}

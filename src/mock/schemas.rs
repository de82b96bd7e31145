//! `GET /v2/schemas/{image,images,member,members}`: Glance 33's schema documents (its
//! `get_base_properties`, a permissive image schema whose extra properties are strings, and
//! the collection wrappers), so that a client validating against them accepts every field the
//! mock serves, with the same types.

use serde_json::{Value, json};

fn image() -> Value {
    json!({
        "name": "image",
        "properties": {
            "id": {"type": "string", "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"},
            "name": {"type": ["null", "string"], "maxLength": 255},
            "status": {"type": "string", "readOnly": true, "enum": ["queued", "saving", "active", "killed", "deleted", "uploading", "importing", "pending_delete", "deactivated"]},
            "visibility": {"type": "string", "enum": ["community", "public", "private", "shared"]},
            "protected": {"type": "boolean"},
            "os_hidden": {"type": "boolean"},
            "checksum": {"type": ["null", "string"], "readOnly": true, "maxLength": 32},
            "os_hash_algo": {"type": ["null", "string"], "readOnly": true, "maxLength": 64},
            "os_hash_value": {"type": ["null", "string"], "readOnly": true, "maxLength": 128},
            "owner": {"type": ["null", "string"], "maxLength": 255},
            "size": {"type": ["null", "integer"], "readOnly": true},
            "virtual_size": {"type": ["null", "integer"], "readOnly": true},
            "container_format": {"type": ["null", "string"], "enum": [null, "ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]},
            "disk_format": {"type": ["null", "string"], "enum": [null, "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"]},
            "created_at": {"type": "string", "readOnly": true},
            "updated_at": {"type": "string", "readOnly": true},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 255}},
            "direct_url": {"type": "string", "readOnly": true},
            "min_ram": {"type": "integer"},
            "min_disk": {"type": "integer"},
            "self": {"type": "string", "readOnly": true},
            "file": {"type": "string", "readOnly": true},
            "stores": {"type": "string", "readOnly": true},
            "schema": {"type": "string", "readOnly": true},
            "locations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "url": {"type": "string", "maxLength": 255},
                        "metadata": {"type": "object"}
                    },
                    "required": ["url", "metadata"]
                }
            }
        },
        "additionalProperties": {"type": "string"},
        "links": [
            {"rel": "self", "href": "{self}"},
            {"rel": "enclosure", "href": "{file}"},
            {"rel": "describedby", "href": "{schema}"}
        ]
    })
}

fn member() -> Value {
    json!({
        "name": "member",
        "properties": {
            "member_id": {"type": "string"},
            "image_id": {"type": "string", "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"},
            "created_at": {"type": "string"},
            "updated_at": {"type": "string"},
            "status": {"type": "string", "enum": ["pending", "accepted", "rejected"]},
            "schema": {"type": "string", "readOnly": true}
        },
        "additionalProperties": false
    })
}

fn collection(name: &str, item: Value) -> Value {
    json!({
        "name": name,
        "properties": {
            name: {"type": "array", "items": item},
            "first": {"type": "string"},
            "next": {"type": "string"},
            "schema": {"type": "string"}
        },
        "links": [
            {"rel": "first", "href": "{first}"},
            {"rel": "next", "href": "{next}"},
            {"rel": "describedby", "href": "{schema}"}
        ]
    })
}

/// The schema document of that name, if Glance has one.
pub fn document(name: &str) -> Option<Value> {
    Some(match name {
        "image" => image(),
        "images" => collection("images", image()),
        "member" => member(),
        "members" => collection("members", member()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::images::catalogue;
    use super::*;

    /// Every field served has a declared type that admits its value (or is a string, which
    /// the permissive schema admits), and every declared enum holds the served value.
    #[test]
    fn the_image_schema_admits_every_served_field() {
        let schema = image();
        let props = &schema["properties"];
        for img in catalogue(40) {
            for (k, v) in img.to_json().as_object().expect("an object") {
                let Some(p) = props.get(k) else {
                    assert!(v.is_string(), "{k}: an extra property must be a string");
                    continue;
                };
                let types: Vec<&str> = match &p["type"] {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                    _ => panic!("{k}: no type"),
                };
                let ok = match v {
                    Value::Null => types.contains(&"null"),
                    Value::Bool(_) => types.contains(&"boolean"),
                    Value::Number(n) => types.contains(&"integer") && n.is_u64(),
                    Value::String(_) => types.contains(&"string"),
                    Value::Array(_) => types.contains(&"array"),
                    Value::Object(_) => types.contains(&"object"),
                };
                assert!(ok, "{k}: {v} is not {types:?}");
                if let Some(allowed) = p["enum"].as_array() {
                    assert!(allowed.contains(v), "{k}: {v} not in the enum");
                }
            }
        }
        assert_eq!(
            document("images").expect("images")["properties"]["images"]["items"],
            schema
        );
        assert!(document("nope").is_none());
    }
}

//! The run id every fixture carries: `imgconform-<run id>` is the run's marker tag, and names
//! and tags start with it. Its shape is fixed (`YYYYMMDDtHHMMSS-xxxxxx`, UTC time and six hex
//! digits) so that cleanup without a run id can tell a fixture's marker from a tag that only
//! looks alike.

/// What every marker tag starts with.
pub const MARKER_PREFIX: &str = "imgconform-";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunId(String);

impl RunId {
    /// A new id: the time now and six hex digits that differ between runs started in the same
    /// second.
    pub fn new() -> RunId {
        let now = chrono::Utc::now();
        let nanos = now.timestamp_subsec_nanos() as u64;
        let mix = (nanos ^ ((std::process::id() as u64) << 20) ^ (now.timestamp() as u64).rotate_left(17))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        RunId(format!(
            "{}-{:06x}",
            now.format("%Y%m%dt%H%M%S"),
            (mix >> 40) & 0xff_ffff
        ))
    }

    /// Parses a run id as given to `cleanup --run-id` (with or without the prefix).
    pub fn parse(s: &str) -> Result<RunId, String> {
        let s = s.trim();
        let s = s.strip_prefix(MARKER_PREFIX).unwrap_or(s);
        if well_formed(s) {
            Ok(RunId(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not a run id (expected YYYYMMDDtHHMMSS-xxxxxx, as the run printed it)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The run's marker tag, `imgconform-<run id>`.
    pub fn marker(&self) -> String {
        format!("{MARKER_PREFIX}{}", self.0)
    }
}

impl Default for RunId {
    fn default() -> Self {
        RunId::new()
    }
}

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn well_formed(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 22
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b't'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'-'
        && b[16..].iter().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
}

/// Whether `tag` is exactly some run's marker (`imgconform-<well-formed run id>`), not a tag
/// that merely starts with the prefix.
pub fn is_run_marker(tag: &str) -> bool {
    tag.strip_prefix(MARKER_PREFIX).is_some_and(well_formed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_markers_and_parse_back() {
        let id = RunId::new();
        assert!(is_run_marker(&id.marker()), "{id}");
        assert_eq!(RunId::parse(&id.marker()).unwrap(), id);
        assert_eq!(RunId::parse(id.as_str()).unwrap(), id);
    }

    #[test]
    fn look_alikes_are_not_markers() {
        assert!(is_run_marker("imgconform-20261202t195618-a1b2c3"));
        for t in [
            "imgconform-20261202t195618-a1b2c3-plain",
            "imgconform-20261202t195618-A1B2C3",
            "imgconform-2026120t195618-a1b2c3",
            "imgconform-prod",
            "xximgconform-20261202t195618-a1b2c3",
            "imgconform-",
        ] {
            assert!(!is_run_marker(t), "{t}");
        }
        assert!(RunId::parse("imgconform-prod").is_err());
    }
}

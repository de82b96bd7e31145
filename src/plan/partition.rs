//! Sharding a run over CI jobs: `hash:N/M`.

use std::str::FromStr;

/// `hash:N/M`: shard N (from 1) of M. A case's shard is a stable hash of its id, so the split
/// does not move when cases are added elsewhere (as cargo-nextest's hash partitioning).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    pub shard: u64,
    pub of: u64,
}

impl FromStr for Partition {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let spec = s.strip_prefix("hash:").unwrap_or(s);
        let (n, m) = spec.split_once('/').ok_or_else(|| format!("`{s}` is not hash:N/M"))?;
        let shard: u64 = n.trim().parse().map_err(|_| format!("`{n}` is not a shard number"))?;
        let of: u64 = m
            .trim()
            .parse()
            .map_err(|_| format!("`{m}` is not a number of shards"))?;
        if of == 0 || shard == 0 || shard > of {
            return Err(format!("shard {shard} of {of}: shards count from 1 to M"));
        }
        Ok(Partition { shard, of })
    }
}

impl Partition {
    /// FNV-1a: stable across runs, platforms and Rust versions (unlike `DefaultHasher`).
    fn hash(id: &str) -> u64 {
        id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
        })
    }
    pub fn contains(&self, id: &str) -> bool {
        Self::hash(id) % self.of == self.shard - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_cover_every_id_exactly_once() {
        let ids: Vec<String> = (0..200).map(|i| format!("image-v2/x/case-{i}")).collect();
        let parts: Vec<Partition> = (1..=3).map(|n| format!("hash:{n}/3").parse().unwrap()).collect();
        for id in &ids {
            assert_eq!(parts.iter().filter(|p| p.contains(id)).count(), 1, "{id}");
        }
        assert!("hash:0/3".parse::<Partition>().is_err());
        assert!("hash:4/3".parse::<Partition>().is_err());
        assert!("3".parse::<Partition>().is_err());
        assert_eq!("2/5".parse::<Partition>().unwrap(), Partition { shard: 2, of: 5 });
    }
}

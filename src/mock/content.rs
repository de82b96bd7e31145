//! The bytes behind `GET /v2/images/{id}/file`: a deterministic stream per image, so that the
//! `size`, `checksum` (md5) and `os_hash_value` (sha512) a list shows are the length and digests
//! of what a client downloads, and `image save` can verify them.
//!
//! Byte `p` of an image is byte `p % 8` of word `p / 8` of a counter-mode splitmix64 keyed by the
//! image's seed: any range can be produced without the ones before it, nothing is kept in
//! memory, and a large image is streamed in chunks.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Bytes;
use md5::{Digest, Md5};
use sha2::Sha512;

/// What one image's bytes are: a seed and a length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Content {
    pub seed: u64,
    pub len: u64,
}

/// The md5 and sha512 of an image's bytes (Glance's `checksum` and `os_hash_value` with
/// `os_hash_algo` sha512), kept as bytes (80 bytes in place, not two hex strings on the heap)
/// and shown as lower-case hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digests {
    pub md5: [u8; 16],
    pub sha512: [u8; 64],
}

impl Digests {
    pub fn md5_hex(&self) -> String {
        hex(&self.md5)
    }

    pub fn sha512_hex(&self) -> String {
        hex(&self.sha512)
    }

    /// Digests written down as lower-case hex (what a list shows); `None` if they are not.
    pub fn from_hex(md5: &str, sha512: &str) -> Option<Digests> {
        Some(Digests {
            md5: unhex(md5)?,
            sha512: unhex(sha512)?,
        })
    }
}

/// Lower-case hex of exactly `N` bytes (upper case is another string, as Glance compares).
pub fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let b = s.as_bytes();
    if b.len() != 2 * N {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = nibble(b[2 * i])? << 4 | nibble(b[2 * i + 1])?;
    }
    Some(out)
}

/// Chunk size of the stream and of the digest computation.
const CHUNK: usize = 64 * 1024;

fn word(seed: u64, k: u64) -> u64 {
    let mut z = seed.wrapping_add(k.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Content {
    /// Fills `buf` with the bytes at `offset..offset + buf.len()` (the caller keeps it in range).
    pub fn fill(&self, offset: u64, buf: &mut [u8]) {
        let mut p = offset;
        let mut i = 0;
        while i < buf.len() {
            let bytes = word(self.seed, p / 8).to_le_bytes();
            let from = (p % 8) as usize;
            let n = (8 - from).min(buf.len() - i);
            buf[i..i + n].copy_from_slice(&bytes[from..from + n]);
            i += n;
            p += n as u64;
        }
    }

    /// Hashes the whole stream, chunk by chunk.
    pub fn digests(&self) -> Digests {
        let mut md5 = Md5::new();
        let mut sha = Sha512::new();
        let mut buf = vec![0u8; CHUNK];
        let mut offset = 0;
        while offset < self.len {
            let n = (self.len - offset).min(CHUNK as u64) as usize;
            self.fill(offset, &mut buf[..n]);
            md5.update(&buf[..n]);
            sha.update(&buf[..n]);
            offset += n as u64;
        }
        Digests {
            md5: md5.finalize().into(),
            sha512: sha.finalize().into(),
        }
    }

    /// The bytes `start..end` as an HTTP body that produces one chunk at a time.
    pub fn body(&self, start: u64, end: u64) -> axum::body::Body {
        axum::body::Body::new(Stream {
            content: *self,
            offset: start,
            end: end.min(self.len),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// A body that generates the next chunk when polled: constant memory for any size.
struct Stream {
    content: Content,
    offset: u64,
    end: u64,
}

impl http_body::Body for Stream {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let left = self.end.saturating_sub(self.offset);
        if left == 0 {
            return Poll::Ready(None);
        }
        let n = left.min(CHUNK as u64) as usize;
        let mut buf = vec![0u8; n];
        self.content.fill(self.offset, &mut buf);
        self.offset += n as u64;
        Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from(buf)))))
    }

    fn is_end_stream(&self) -> bool {
        self.offset >= self.end
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.end.saturating_sub(self.offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_range_is_the_same_bytes_as_the_whole() {
        let c = Content { seed: 7, len: 100 };
        let mut whole = vec![0u8; 100];
        c.fill(0, &mut whole);
        for (from, to) in [(0, 1), (3, 17), (8, 16), (13, 100), (99, 100)] {
            let mut part = vec![0u8; to - from];
            c.fill(from as u64, &mut part);
            assert_eq!(part, whole[from..to], "{from}..{to}");
        }
        let other = Content { seed: 8, len: 100 };
        let mut b = vec![0u8; 100];
        other.fill(0, &mut b);
        assert_ne!(b, whole, "another seed, other bytes");
    }

    #[test]
    fn digests_are_those_of_the_bytes() {
        let empty = Content { seed: 1, len: 0 }.digests();
        assert_eq!(empty.md5_hex(), "d41d8cd98f00b204e9800998ecf8427e");
        assert!(empty.sha512_hex().starts_with("cf83e1357eefb8bd"));
        assert_eq!(Digests::from_hex(&empty.md5_hex(), &empty.sha512_hex()), Some(empty));
        assert_eq!(unhex::<2>("0aff"), Some([10, 255]));
        assert_eq!(unhex::<2>("0AFF"), None, "upper case is another value");
        assert_eq!(unhex::<2>("0af"), None);
        // Across a chunk boundary: the chunked digest equals the one-shot digest.
        let c = Content {
            seed: 42,
            len: CHUNK as u64 + 5,
        };
        let mut all = vec![0u8; c.len as usize];
        c.fill(0, &mut all);
        assert_eq!(c.digests().md5_hex(), hex(&Md5::digest(&all)));
        assert_eq!(c.digests().sha512_hex(), hex(&Sha512::digest(&all)));
    }
}

//! Latency of the mock at 100 000 images (issue 11: p99 of a filtered, sorted page ≤ 5 ms on
//! loopback), and what that catalogue costs to start and to hold.
//!
//!     cargo bench --bench mock_latency
//!
//! Starts `imgconform mock --images N` (N = `MOCK_BENCH_IMAGES`, default 100 000) as its own
//! process on an ephemeral loopback port, waits until it answers, then sends
//! `MOCK_BENCH_REQUESTS` (default 3000) sequential requests over one kept-alive connection:
//! filtered, sorted and marker pages of all three families (image-v2, ims, compute-v2),
//! including multi-key sorts and filters answered from posting lists. Every answer must be a
//! 200 with a JSON list, or the bench fails. It prints one line per figure as `name=value`
//! (`mock_p99_ms=1.23`) for scripts/bench.sh to grep, and a table per family.
//!
//! Timing is wall clock per request as the client sees it (send to last body byte), so it
//! includes the loopback and the client's own parsing; nothing here is asserted in a test.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "imgconform-mock-token";
const TENANT: &str = "5d2f7c0a9b8e4c1d8a7f6e5d4c3b2a10";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Kills the mock however the bench ends.
struct Mock(Child);

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A minimal HTTP/1.1 client on one kept-alive connection: the mock answers with a
/// Content-Length, and a client of our own adds nothing to what is measured.
struct Conn {
    addr: String,
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn open(addr: &str) -> std::io::Result<Conn> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Conn {
            addr: addr.to_string(),
            reader: BufReader::new(s),
        })
    }

    fn get(&mut self, path: &str, token: &str) -> std::io::Result<(u16, Vec<u8>)> {
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nX-Auth-Token: {token}\r\nAccept: application/json\r\n\r\n",
            self.addr
        );
        self.reader.get_mut().write_all(req.as_bytes())?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut len = None;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                len = v.trim().parse::<usize>().ok();
            }
        }
        let len = len.ok_or_else(|| std::io::Error::other(format!("{path}: no Content-Length")))?;
        let mut body = vec![0u8; len];
        self.reader.read_exact(&mut body)?;
        Ok((status, body))
    }
}

fn rss_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A deterministic pick (the same requests every run).
struct Lcg(u64);

impl Lcg {
    fn pick<'a>(&mut self, v: &'a [String]) -> &'a str {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        &v[(self.0 >> 33) as usize % v.len()]
    }
}

fn ids(body: &[u8], key: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(body).expect("a JSON list");
    v[key]
        .as_array()
        .expect("a list of images")
        .iter()
        .filter_map(|i| i["id"].as_str().map(String::from))
        .collect()
}

fn main() {
    let images = env_usize("MOCK_BENCH_IMAGES", 100_000);
    let requests = env_usize("MOCK_BENCH_REQUESTS", 3000);
    let bin = env!("CARGO_BIN_EXE_imgconform");
    let started = Instant::now();
    let child = Command::new(bin)
        .args(["mock", "--listen", "127.0.0.1:0", "--images", &images.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the mock");
    let mut mock = Mock(child);
    let pid = mock.0.id();
    // The banner's second line names the address: `  image-v2 endpoint: http://ADDR/image ...`.
    let mut out = BufReader::new(mock.0.stdout.take().expect("the mock's stdout"));
    let mut addr = None;
    let mut line = String::new();
    while addr.is_none() && out.read_line(&mut line).is_ok_and(|n| n > 0) {
        addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .map(String::from);
        line.clear();
    }
    let addr = addr.expect("the mock printed its address");
    // Keep draining the banner so the mock never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = out.read_to_end(&mut sink);
    });
    let mut conn = loop {
        if let Ok(mut c) = Conn::open(&addr)
            && c.get("/image/v2/images?limit=1", TOKEN).is_ok_and(|(s, _)| s == 200)
        {
            break c;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the mock did not answer in 300 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let startup = started.elapsed().as_secs_f64();
    let rss_after_start = rss_hwm_kib(pid).unwrap_or(0);

    // Markers: ids from the default, name and oldest-first orders; for compute, active images
    // (a compute marker must be in the filtered list).
    let (_, body) = conn.get("/image/v2/images?limit=1000", TOKEN).expect("a page");
    let mut markers = ids(&body, "images");
    let (_, body) = conn
        .get("/image/v2/images?limit=1000&sort_key=name&sort_dir=asc", TOKEN)
        .expect("a page");
    markers.extend(ids(&body, "images"));
    let (_, body) = conn
        .get("/image/v2/images?limit=1000&sort_key=created_at&sort_dir=asc", TOKEN)
        .expect("a page");
    markers.extend(ids(&body, "images"));
    let (_, body) = conn
        .get(
            &format!("/compute/v2/{TENANT}/images/detail?status=ACTIVE&limit=1000"),
            TOKEN,
        )
        .expect("a page");
    let compute_markers = ids(&body, "images");

    type Template = (&'static str, fn(&str) -> String);
    let templates: &[Template] = &[
        ("image-v2", |_| "/image/v2/images".into()),
        ("image-v2", |m| format!("/image/v2/images?limit=25&marker={m}")),
        ("image-v2", |m| {
            format!("/image/v2/images?sort_key=name&sort_dir=asc&limit=25&marker={m}")
        }),
        ("image-v2", |m| {
            format!("/image/v2/images?status=active&sort_key=size&sort_dir=desc&limit=20&marker={m}")
        }),
        ("image-v2", |_| {
            "/image/v2/images?visibility=public&sort=name:asc&limit=50".into()
        }),
        ("image-v2", |m| {
            format!("/image/v2/images?tag=gold&sort_key=updated_at&sort_dir=asc&marker={m}")
        }),
        ("image-v2", |_| {
            "/image/v2/images?os_distro=ubuntu&sort=name:desc".into()
        }),
        ("image-v2", |_| {
            "/image/v2/images?name=in:image-05000,image-50000,fedora-40".into()
        }),
        ("image-v2", |m| {
            format!("/image/v2/images?sort=status:asc,name:desc&limit=20&marker={m}")
        }),
        ("image-v2", |m| {
            format!("/image/v2/images?sort=disk_format:desc,size:asc&limit=10&marker={m}")
        }),
        ("image-v2", |_| {
            "/image/v2/images?created_at=gt:2027-01-01T00:00:00Z&sort_key=created_at&sort_dir=asc&limit=25".into()
        }),
        ("image-v2", |_| {
            "/image/v2/images?member_status=all&visibility=shared&limit=25".into()
        }),
        ("image-v2", |_| {
            "/image/v2/images?size_min=1000&size_max=1100&limit=25&sort_key=size".into()
        }),
        ("image-v2", |_| "/image/v2/images?os_hidden=true".into()),
        ("ims", |_| "/ims/v2/images".into()),
        ("ims", |_| "/ims/v2/images?__platform=Ubuntu&limit=10".into()),
        ("ims", |m| {
            format!("/ims/v2/images?__os_bit=32&sort_key=name&sort_dir=asc&limit=25&marker={m}")
        }),
        ("ims", |_| "/ims/v2/images?tag=os=linux".into()),
        ("ims", |m| format!("/ims/v2/images?limit=100&marker={m}")),
    ];
    let compute_templates: &[Template] = &[
        ("compute-v2", |_| format!("/compute/v2/{TENANT}/images?limit=25")),
        ("compute-v2", |m| {
            format!("/compute/v2/{TENANT}/images/detail?limit=25&marker={m}")
        }),
        ("compute-v2", |m| {
            format!("/compute/v2/{TENANT}/images/detail?status=ACTIVE&limit=10&marker={m}")
        }),
        ("compute-v2", |_| {
            format!("/compute/v2/{TENANT}/images?name=ubuntu-22.04")
        }),
        ("compute-v2", |_| {
            format!("/compute/v2/{TENANT}/images/detail?type=snapshot&limit=25")
        }),
        ("compute-v2", |_| {
            format!("/compute/v2/{TENANT}/images?changes-since=2026-06-01T00:00:00Z&limit=25")
        }),
    ];

    let mut rng = Lcg(0x5eed);
    let mut times: Vec<(&str, f64)> = Vec::with_capacity(requests);
    let mut by_shape: Vec<Vec<f64>> = vec![Vec::new(); templates.len() + compute_templates.len()];
    let mut slowest = (0.0, String::new());
    let all = templates.len() + compute_templates.len();
    for n in 0..requests {
        let k = n % all;
        let (family, path) = if k < templates.len() {
            let (f, t) = templates[k];
            (f, t(rng.pick(&markers)))
        } else {
            let (f, t) = compute_templates[k - templates.len()];
            (f, t(rng.pick(&compute_markers)))
        };
        let t0 = Instant::now();
        let (status, body) = conn.get(&path, TOKEN).expect("an answer");
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
        assert!(body.starts_with(b"{\"images\":["), "{path}: not a list");
        if ms > slowest.0 {
            slowest = (ms, path);
        }
        times.push((family, ms));
        by_shape[k].push(ms);
    }
    let rss = rss_hwm_kib(pid).unwrap_or(0);

    println!(
        "mock at {images} images: {requests} sequential requests over one connection, {} request shapes, {} cores",
        all,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<12} {:>7} {:>9} {:>9} {:>9}",
        "family", "n", "p50 ms", "p99 ms", "max ms"
    );
    for family in ["image-v2", "ims", "compute-v2", "all"] {
        let mut v: Vec<f64> = times
            .iter()
            .filter(|(f, _)| family == "all" || *f == family)
            .map(|(_, t)| *t)
            .collect();
        v.sort_by(f64::total_cmp);
        println!(
            "{family:<12} {:>7} {:>9.3} {:>9.3} {:>9.3}",
            v.len(),
            percentile(&v, 0.5),
            percentile(&v, 0.99),
            v.last().copied().unwrap_or(0.0)
        );
        let key = if family == "all" {
            String::new()
        } else {
            format!("_{}", family.replace('-', "_"))
        };
        println!("mock_p50_ms{key}={:.3}", percentile(&v, 0.5));
        println!("mock_p99_ms{key}={:.3}", percentile(&v, 0.99));
        println!("mock_max_ms{key}={:.3}", v.last().copied().unwrap_or(0.0));
    }
    println!("slowest: {:.3} ms {}", slowest.0, slowest.1);
    // The request shapes with the highest p99 (MARKER: an id picked per request).
    let mut shapes: Vec<(f64, f64, String)> = by_shape
        .iter_mut()
        .enumerate()
        .map(|(k, v)| {
            v.sort_by(f64::total_cmp);
            let shape = if k < templates.len() {
                (templates[k].1)("MARKER")
            } else {
                (compute_templates[k - templates.len()].1)("MARKER")
            };
            (percentile(v, 0.99), percentile(v, 0.5), shape)
        })
        .collect();
    shapes.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("{:>9} {:>9}  request shape (highest p99 first)", "p99 ms", "p50 ms");
    for (p99, p50, shape) in shapes.iter().take(8) {
        println!("{p99:>9.3} {p50:>9.3}  {shape}");
    }
    println!("mock_images={images}");
    println!("mock_startup_s={startup:.2}");
    println!("mock_rss_after_start_mib={:.1}", rss_after_start as f64 / 1024.0);
    println!("mock_rss_mib={:.1}", rss as f64 / 1024.0);
}

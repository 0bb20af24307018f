//! Micro-benchmarks of the secret matcher on fixed in-memory buffers.
//!
//! `cargo bench --bench matcher` (add `-- --quick` for a fast pass). The
//! buffers are generated deterministically, so numbers compare across runs:
//!
//! - `sparse`: C-like source with few keyword hits (the common case);
//! - `dense`: configuration-like text where nearly every line holds a
//!   keyword (`password`, `token`, `auth`, ...), and some real-looking secrets;
//! - `startup`: building the scanner from the built-in rules;
//! - `find_in`: one short line, as the Dockerfile and image scanners use it.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use stowaway::secrets::{ScanScratch, Scanner};

const SIZE: usize = 4 << 20;

/// A small deterministic generator (xorshift), so no dependency is needed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
    fn alnum(&mut self, n: usize) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| A[(self.next() % A.len() as u64) as usize] as char)
            .collect()
    }
}

fn sparse() -> Vec<u8> {
    let mut r = Rng(0x9e3779b97f4a7c15);
    let idents = [
        "dev", "priv", "netdev", "queue", "ring", "desc", "index", "count", "flags", "status",
        "buffer", "length", "offset", "config", "mutex", "irq", "dma_addr", "hw", "stats",
    ];
    let mut out = String::new();
    while out.len() < SIZE {
        let line = match r.next() % 6 {
            0 => format!(
                "static int {}_{}(struct {} *{})\n{{\n",
                r.pick(&idents),
                r.pick(&idents),
                r.pick(&idents),
                r.pick(&idents)
            ),
            1 => format!(
                "\t{}->{} = {}[{}] & 0x{:x};\n",
                r.pick(&idents),
                r.pick(&idents),
                r.pick(&idents),
                r.next() % 64,
                r.next() % 65536
            ),
            2 => format!(
                "\tif (!{}->{})\n\t\treturn -EINVAL;\n",
                r.pick(&idents),
                r.pick(&idents)
            ),
            3 => "/* Copy the descriptor into the ring and kick the hardware. */\n".to_string(),
            4 => format!("\tspin_lock(&{}->{});\n", r.pick(&idents), r.pick(&idents)),
            _ => "}\n\n".to_string(),
        };
        out.push_str(&line);
    }
    out.into_bytes()
}

fn dense() -> Vec<u8> {
    let mut r = Rng(0x2545f4914f6cdd1d);
    let keys = [
        "password",
        "db_password",
        "api_key",
        "auth_token",
        "secret",
        "access_key",
        "token",
        "passwd",
        "client_secret",
        "private_key",
    ];
    let mut out = String::new();
    let mut n = 0u64;
    while out.len() < SIZE {
        n += 1;
        let line = match r.next() % 8 {
            0 => format!("{} = \"{}\"\n", r.pick(&keys), r.alnum(24)),
            1 => format!("{}: ${{{}}}\n", r.pick(&keys), r.pick(&keys).to_uppercase()),
            2 => format!("export GITHUB_TOKEN=ghp_{}\n", r.alnum(36)),
            3 => format!("aws_access_key_id = AKIA{}\n", r.alnum(16).to_uppercase()),
            4 => format!("Authorization: Bearer {}\n", r.alnum(40)),
            5 => format!(
                "# the {} is read from the vault at start-up\n",
                r.pick(&keys)
            ),
            6 => format!("url = \"https://user:{}@example.com/db\"\n", r.alnum(12)),
            _ => format!("timeout = {}\n", n % 120),
        };
        out.push_str(&line);
    }
    out.into_bytes()
}

fn bench_scan(c: &mut Criterion) {
    let scanner = Scanner::builtin().expect("built-in rules");
    let mut g = c.benchmark_group("scan");
    g.sample_size(20);
    for (name, buf) in [("sparse", sparse()), ("dense", dense())] {
        g.throughput(Throughput::Bytes(buf.len() as u64));
        let mut scratch = ScanScratch::default();
        let mut out = Vec::new();
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                scanner
                    .scan_reader(black_box(&buf[..]), &mut scratch, true, &mut out)
                    .unwrap();
                out.len()
            })
        });
    }
    g.finish();
}

fn bench_small(c: &mut Criterion) {
    c.bench_function("startup", |b| {
        b.iter(|| Scanner::builtin().expect("built-in rules"))
    });
    let scanner = Scanner::builtin().expect("built-in rules");
    let line = b"ENV GITHUB_TOKEN=ghp_1A2b3C4d5E6f7G8h9I0jK1l2M3n4O5p6Q7r8 HOME=/root";
    c.bench_function("find_in", |b| b.iter(|| scanner.find_in(black_box(line))));
}

criterion_group!(benches, bench_scan, bench_small);
criterion_main!(benches);

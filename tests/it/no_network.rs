//! Stowaway reads what it is pointed at and talks to nobody: no crate that
//! can open a network connection (HTTP clients, TLS stacks, async runtimes,
//! socket or DNS libraries) may be in its normal dependency tree. Test and
//! benchmark dependencies (`-e normal` leaves them out) may do as they like.

use std::collections::BTreeSet;
use std::process::Command;

/// Crates whose presence would mean the binary can reach the network.
const FORBIDDEN: &[&str] = &[
    // HTTP clients and servers
    "reqwest",
    "hyper",
    "hyper-util",
    "ureq",
    "curl",
    "curl-sys",
    "isahc",
    "attohttpc",
    "surf",
    "h2",
    "h3",
    "http-body",
    "tungstenite",
    "tokio-tungstenite",
    "awc",
    "actix-web",
    // TLS stacks
    "openssl",
    "openssl-sys",
    "native-tls",
    "rustls",
    "tokio-rustls",
    "webpki",
    "rustls-webpki",
    "schannel",
    "security-framework",
    // async runtimes and sockets
    "tokio",
    "async-std",
    "smol",
    "mio",
    "socket2",
    // DNS
    "trust-dns-resolver",
    "hickory-resolver",
    // git and ssh with transport built in (Stowaway uses the git CLI)
    "git2",
    "libgit2-sys",
    "ssh2",
    "libssh2-sys",
    "gix-transport",
];

/// Crate names from `cargo tree --prefix none` output (`name vX (path)`;
/// repeated subtrees end with `(*)`).
fn crate_names(tree: &str) -> BTreeSet<String> {
    tree.lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

fn forbidden_in(names: &BTreeSet<String>) -> Vec<&'static str> {
    FORBIDDEN
        .iter()
        .copied()
        .filter(|f| names.contains(*f))
        .collect()
}

fn cargo_tree(edges: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "-e", edges, "--prefix", "none", "--offline"])
        .args(["--target", "all"])
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate_names(&String::from_utf8_lossy(&out.stdout))
}

#[test]
fn no_networking_crate_in_the_dependency_tree() {
    // Every platform's dependencies, not only this machine's.
    let names = cargo_tree("normal");
    // The tree really was read: the crate itself and its matcher are there.
    for expected in ["stowaway", "regex", "aho-corasick", "tar", "flate2"] {
        assert!(
            names.contains(expected),
            "`{expected}` missing from cargo tree output; parsed: {names:?}"
        );
    }
    let bad = forbidden_in(&names);
    assert!(
        bad.is_empty(),
        "networking crates in the dependency tree: {bad:?}\n\
         (run `cargo tree -e normal -i CRATE` to see who pulls them in)"
    );
}

#[test]
fn build_scripts_pull_in_no_networking_crate_either() {
    let names = cargo_tree("normal,build");
    let bad = forbidden_in(&names);
    assert!(
        bad.is_empty(),
        "networking crates in build dependencies: {bad:?}"
    );
}

#[test]
fn the_check_recognises_a_networking_crate() {
    // Guards the parser above: a tree that has one must be caught.
    let tree = "stowaway v0.1.0 (/x)\nregex v1.11.0\nreqwest v0.12.0\ntokio v1.0.0 (*)\n";
    assert_eq!(forbidden_in(&crate_names(tree)), vec!["reqwest", "tokio"]);
}

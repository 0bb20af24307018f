//! Stowaway finds what should not ship: secrets in a repository or a container
//! image, and unsafe Dockerfiles.
//!
//! The crate is laid out the way the data flows:
//! - [`source`] turns what the user named (a tree, staged files, a git range,
//!   an image archive) into items: a display path, an origin, a reader;
//! - [`scan`] is the one pipeline every item goes through: caps, decoding,
//!   the secret scan, the Dockerfile lint, duplicate removal, the git
//!   added-line filter;
//! - [`secrets`] matches the rule set over those bytes;
//! - [`dockerfile`] parses and lints Dockerfiles;
//! - [`image`] audits what [`source::image`] read from an image archive:
//!   the image rules, the config's secrets, the deletion verdicts;
//! - [`config`] decides what the user has allowed or baselined;
//! - [`registry`] is the one list of rules (secret, Dockerfile, image) that
//!   `rules`, `explain`, SARIF and config validation read;
//! - [`report`] owns the one finding model and prints it as text, JSON or SARIF;
//! - [`cli`] wires them to the command line and picks the exit code.

pub mod cli;
pub mod config;
pub mod dockerfile;
pub mod image;
pub mod registry;
pub mod report;
pub mod scan;
pub mod secrets;
pub mod source;

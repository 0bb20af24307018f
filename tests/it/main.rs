//! The integration suite, one test binary: each module tests one part of
//! the product end to end (the binary, or the library's public API), and
//! `common` holds what they share (fake tokens built at run time, the git
//! helper, the image test rules).
//!
//! Run one part with a filter: `cargo test --release --test it -- git_source::`.
#![allow(dead_code)]

mod common;

mod action;
mod archives;
mod bad_input;
mod bad_input_archives;
mod bad_input_image;
mod baseline;
mod cli_scan;
mod closed_stdout;
mod credfiles;
mod dockerfile_context;
mod dockerfile_corpus;
mod dockerfile_parser;
mod dockerfile_rules;
mod git_history;
mod git_range;
mod git_source;
mod image_fixtures;
mod image_hostile;
mod line_start;
mod no_network;
mod precision;
mod precommit;
mod props;
mod redaction;
mod registry;
mod rules;
mod sarif_limits;
mod snapshots;
mod wheel;

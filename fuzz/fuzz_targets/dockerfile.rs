//! The Dockerfile parser and the whole linter (every rule, with the secret
//! engine for ENV/ARG/RUN values) on arbitrary text. Neither may panic, and
//! every span the linter reports must lie inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use stowaway::dockerfile::{lint, parser, LintOptions};
use stowaway::secrets::Scanner;

fn scanner() -> &'static Scanner {
    static S: OnceLock<Scanner> = OnceLock::new();
    S.get_or_init(|| Scanner::builtin().expect("built-in rules load"))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let df = parser::parse(&text);
    // Lines are counted from 1; nothing can sit past the end of the file.
    let lines = text.split('\n').count() as u32 + 1;
    for i in &df.instructions {
        assert!(i.span.line >= 1 && i.span.line <= lines, "{:?}", i.span);
    }
    for target in [None, Some("builder".to_string())] {
        let opts = LintOptions {
            secrets: Some(scanner()),
            target,
            context_dir: None,
        };
        for f in lint("Dockerfile", data, &opts) {
            assert!(f.span.line <= lines, "{} at {:?}", f.rule_id, f.span);
        }
    }
});

//! The config file and rule file loaders on arbitrary text. A loader may
//! reject its input but never panic; a rule it accepts must then scan any
//! text (here: the file itself) without panicking or looping.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stowaway::config::Config;
use stowaway::secrets::{load_rule_file, ScanScratch, Scanner};

fn exercise(rules: Vec<stowaway::secrets::Rule>, text: &[u8]) {
    if rules.is_empty() {
        return;
    }
    // Duplicate ids are a clean error, not a crash.
    let Ok(scanner) = Scanner::new(rules) else {
        return;
    };
    let mut out = Vec::new();
    let mut scratch = ScanScratch::default();
    let _ = scanner.scan_reader(text, &mut scratch, false, &mut out);
    let _ = scanner.find_in(text);
    for m in &out {
        let _ = scanner.finding(m, "fuzz".into());
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse("fuzz.toml", text) {
        Ok(cfg) => exercise(cfg.custom_rules, data),
        Err(e) => {
            // Errors always name the file.
            assert!(e.to_string().starts_with("fuzz.toml"), "{e}");
        }
    }
    match load_rule_file("rules.toml", text) {
        Ok(rules) => exercise(rules, data),
        Err(e) => assert!(e.to_string().starts_with("rules.toml"), "{e}"),
    }
});

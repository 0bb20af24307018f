//! Compiles the built-in rule set into the binary, so start-up parses no
//! TOML and builds no automaton:
//!
//! - every `patterns/*.toml` rule becomes a `RuleSpec` constant whose text
//!   borrows from the binary (`secrets::builtin::RULES`);
//! - the keyword automaton over their keywords is built here, with the
//!   engine's own code (`src/secrets/keywords.rs`), and written out as
//!   static tables (`secrets::builtin::keyword_dfa`).
//!
//! Only the schema is checked here (unknown fields, types, severities); the
//! rest of a rule's checks, its regex included, run in the unit tests
//! (`every_builtin_rule_compiles_eagerly`), which also compare this table
//! with the TOML parsed at run time.
use serde::Deserialize;
use std::fmt::Write as _;
use std::{env, fs, path::Path};

#[allow(dead_code)]
#[path = "src/secrets/keywords.rs"]
mod keywords;

/// The TOML schema of `src/secrets/rule.rs`'s `RuleSpec`; a field added
/// there and not here fails `builtin_table_matches_the_rule_files`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    id: String,
    name: String,
    description: String,
    severity: String,
    #[serde(default)]
    tags: Vec<String>,
    keywords: Vec<String>,
    #[serde(default)]
    ignore_case: bool,
    regex: String,
    entropy: Option<f64>,
    validator: Option<String>,
    grammar: Option<String>,
    #[serde(default)]
    multiline: bool,
    #[serde(default)]
    priority: i32,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    negative_examples: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    rule: Vec<Spec>,
}

fn main() {
    println!("cargo:rerun-if-changed=patterns");
    println!("cargo:rerun-if-changed=src/secrets/keywords.rs");
    let mut files: Vec<_> = fs::read_dir("patterns")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut rules = String::from("/// (file, rule) of every built-in rule, in file order.\npub(crate) static RULES: &[(&str, RuleSpec)] = &[\n");
    let mut texts = String::from("/// (file name, contents) of every built-in rule file, for the test that\n/// compares them with [`RULES`].\n#[cfg(test)]\npub(crate) static RULE_FILES: &[(&str, &str)] = &[\n");
    let mut keywords: Vec<Vec<u8>> = Vec::new();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let text = fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let parsed: File = toml::from_str(&text).unwrap_or_else(|e| panic!("patterns/{name}: {e}"));
        for spec in &parsed.rule {
            rules.push_str(&rule_const(&format!("patterns/{name}"), spec));
            for k in &spec.keywords {
                let folded = k.to_ascii_lowercase().into_bytes();
                if !keywords.contains(&folded) {
                    keywords.push(folded);
                }
            }
        }
        // Relative to the manifest directory at compile time, not an absolute
        // path baked in here: cargo reuses this script's output for the same
        // package built from another directory (pre-commit's and maturin's
        // copies of the tree share a target directory with the suite).
        let _ = writeln!(
            texts,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/patterns/\", {name:?}))),"
        );
    }
    rules.push_str("];\n\n");
    texts.push_str("];\n\n");
    let mut out = rules;
    out.push_str(&texts);
    out.push_str(&dfa_tables(&keywords));
    let dest = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("builtin_rules.rs");
    fs::write(dest, out).expect("write builtin_rules.rs");
}

fn text(s: &str) -> String {
    format!("Cow::Borrowed({s:?})")
}

fn opt(s: &Option<String>) -> String {
    s.as_deref()
        .map_or("None".into(), |s| format!("Some({})", text(s)))
}

fn list(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| text(s)).collect();
    format!("List(Cow::Borrowed(&[{}]))", items.join(", "))
}

fn rule_const(file: &str, s: &Spec) -> String {
    let severity = match s.severity.as_str() {
        "info" => "Info",
        "low" => "Low",
        "medium" => "Medium",
        "high" => "High",
        "critical" => "Critical",
        other => panic!("{file}: rule `{}`: unknown severity `{other}`", s.id),
    };
    let entropy = match s.entropy {
        None => "None".to_string(),
        Some(e) if e.is_finite() => format!("Some({e:?})"),
        Some(e) => panic!("{file}: rule `{}`: entropy {e} is not a number", s.id),
    };
    format!(
        "    ({file:?}, RuleSpec {{ id: {}, name: {}, description: {}, severity: Severity::{severity}, \
         tags: {}, keywords: {}, ignore_case: {}, regex: {}, entropy: {entropy}, validator: {}, \
         grammar: {}, multiline: {}, priority: {}, allow: {}, references: {}, examples: {}, \
         negative_examples: {} }}),\n",
        text(&s.id),
        text(&s.name),
        text(&s.description),
        list(&s.tags),
        list(&s.keywords),
        s.ignore_case,
        text(&s.regex),
        opt(&s.validator),
        opt(&s.grammar),
        s.multiline,
        s.priority,
        list(&s.allow),
        list(&s.references),
        list(&s.examples),
        list(&s.negative_examples),
    )
}

/// The folded keywords (their index is the automaton's pattern id) and the
/// automaton's tables as statics, with the function that assembles them.
fn dfa_tables(keywords: &[Vec<u8>]) -> String {
    let dfa = keywords::KeywordDfa::new(keywords);
    let mut s = String::from("/// The built-in rules' keywords, ASCII lower case; the index is the\n/// keyword's id in [`keyword_dfa`].\npub(crate) static KEYWORDS: &[&[u8]] = &[\n");
    for k in keywords {
        let bytes: Vec<String> = k.iter().map(|b| b.to_string()).collect();
        let _ = writeln!(s, "    &[{}],", bytes.join(", "));
    }
    s.push_str("];\n\n");
    let nums = |s: &mut String, name: &str, ty: &str, v: &[u32]| {
        let _ = write!(s, "static {name}: [{ty}; {}] = [", v.len());
        for (i, x) in v.iter().enumerate() {
            if i % 24 == 0 {
                s.push_str("\n   ");
            }
            let _ = write!(s, " {x},");
        }
        s.push_str("\n];\n\n");
    };
    nums(&mut s, "TRANS", "u32", dfa.trans());
    nums(&mut s, "OUT", "u32", &dfa.out);
    nums(&mut s, "LENS", "u32", &dfa.lens);
    let _ = write!(
        s,
        "static OUT_RANGE: [(u32, u32); {}] = [",
        dfa.out_range.len()
    );
    for (i, (a, b)) in dfa.out_range.iter().enumerate() {
        if i % 12 == 0 {
            s.push_str("\n   ");
        }
        let _ = write!(s, " ({a}, {b}),");
    }
    s.push_str("\n];\n\n");
    let classes: Vec<String> = dfa.classes().iter().map(|c| c.to_string()).collect();
    let _ = write!(
        s,
        "/// The automaton over [`KEYWORDS`], as `KeywordDfa::new` builds it.\n\
         pub(crate) fn keyword_dfa() -> KeywordDfa {{\n    KeywordDfa::from_tables(\n        \
         [{}],\n        Cow::Borrowed(&TRANS),\n        {},\n        {},\n        \
         Cow::Borrowed(&OUT_RANGE),\n        Cow::Borrowed(&OUT),\n        \
         Cow::Borrowed(&LENS),\n        {},\n    )\n}}\n",
        classes.join(", "),
        dfa.stride,
        dfa.match_from,
        dfa.max_len
    );
    s
}

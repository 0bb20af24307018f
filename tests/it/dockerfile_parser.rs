//! Parser cases, on fixtures in tests/fixtures/dockerfile/parser/.

use std::path::Path;
use stowaway::dockerfile::parser::{parse, Command, Dockerfile, Form, Instruction};

fn fixture(name: &str) -> Dockerfile {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dockerfile/parser")
        .join(name);
    let bytes = std::fs::read(&p).unwrap();
    parse(&String::from_utf8(bytes).unwrap())
}

fn kw(df: &Dockerfile) -> Vec<&str> {
    df.instructions.iter().map(|i| i.keyword.as_str()).collect()
}

fn run_text(i: &Instruction) -> String {
    match &i.command {
        Command::Run(f) => f.text(),
        other => panic!("not a RUN: {other:?}"),
    }
}

#[test]
fn bom_is_dropped_and_directive_read() {
    let df = fixture("bom.Dockerfile");
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(df.directive("syntax").unwrap().value, "docker/dockerfile:1");
    assert_eq!(kw(&df), ["FROM", "USER"]);
    assert_eq!(df.instructions[0].keyword_span.line, 2);
    assert_eq!(df.instructions[0].keyword_span.column, 1);
}

#[test]
fn escape_backtick() {
    let df = fixture("escape-backtick.Dockerfile");
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(df.escape, '`');
    assert_eq!(df.directives.len(), 2);
    assert_eq!(kw(&df), ["FROM", "RUN", "WORKDIR"]);
    assert_eq!(
        run_text(&df.instructions[1]),
        "powershell -Command     Write-Host C:\\path\\to\\thing"
    );
    assert_eq!(df.instructions[1].span.end_line, 5);
    match &df.instructions[2].command {
        Command::Workdir(w) => assert_eq!(w.value, "C:\\app"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn directives_only_in_the_leading_block() {
    let df = fixture("directives-late.Dockerfile");
    assert!(df.directives.is_empty());
    assert_eq!(df.escape, '\\');
    assert_eq!(df.comments.len(), 2);
    assert_eq!(run_text(&df.instructions[1]), "echo a     b");
}

#[test]
fn continuation_with_comments_and_empty_lines() {
    let df = fixture("continuation.Dockerfile");
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(kw(&df), ["FROM", "RUN", "RUN", "USER"]);
    let run = &df.instructions[1];
    assert_eq!(
        run_text(run),
        "apt-get update     && apt-get install -y         curl         git"
    );
    assert_eq!((run.span.line, run.span.end_line), (2, 8));
    assert_eq!(df.empty_continuations.len(), 1);
    assert_eq!(df.empty_continuations[0].span.line, 7);
    assert_eq!(df.empty_continuations[0].instruction_line, 2);
    // An escaped backslash at the end of a line does not continue it.
    assert_eq!(run_text(&df.instructions[2]), "echo not \\\\");
    assert_eq!(df.comments.len(), 2);
}

#[test]
fn heredocs() {
    let df = fixture("heredocs.Dockerfile");
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(
        kw(&df),
        ["FROM", "RUN", "RUN", "COPY", "RUN", "RUN", "RUN", "USER"]
    );
    let i = &df.instructions;
    assert_eq!(i[1].heredocs.len(), 1);
    assert_eq!(i[1].heredocs[0].name, "EOF");
    assert_eq!(i[1].heredocs[0].content, "set -e\necho hello");
    assert_eq!(i[1].heredocs[0].content_line, 4);
    assert_eq!((i[1].span.line, i[1].span.end_line), (3, 6));
    let h = &i[2].heredocs[0];
    assert!(h.chomp && !h.expand);
    assert_eq!(h.name, "END");
    assert_eq!(h.content, "\techo tab-stripped $HOME");
    let c = &i[3].heredocs;
    assert_eq!(c.len(), 2);
    assert_eq!(
        (c[0].name.as_str(), c[0].content.as_str()),
        ("one.txt", "first")
    );
    assert_eq!(
        (c[1].name.as_str(), c[1].content.as_str()),
        ("two.txt", "second")
    );
    match &i[3].command {
        Command::Copy(a) => {
            assert_eq!(a.sources.len(), 2);
            assert_eq!(a.dest.as_ref().unwrap().value, "/dest/");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(i[4].heredocs[0].fd, Some(3));
    assert!(!i[4].heredocs[0].expand);
    assert_eq!(i[5].keyword, "RUN");
    assert_eq!(i[5].heredocs[0].content, "key=value");
    // Exec form never has heredocs.
    assert!(i[6].heredocs.is_empty());
    assert!(matches!(&i[6].command, Command::Run(Form::Exec(w)) if w.len() == 3));
}

#[test]
fn instruction_forms_flags_and_stages() {
    let df = fixture("forms.Dockerfile");
    assert!(df.errors.is_empty(), "{:#?}", df.errors);
    let i = &df.instructions;
    match &i[2].command {
        Command::From { image, alias } => {
            assert_eq!(image.value, "${BASE}:${TAG}");
            assert_eq!(alias.as_ref().unwrap().value, "Build");
            assert_eq!((image.span.line, image.span.column), (3, 6));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(i[3].keyword, "RUN");
    assert_eq!(
        i[3].flag_values("mount").collect::<Vec<_>>(),
        ["type=cache,target=/root/.cache"]
    );
    assert_eq!(run_text(&i[3]), "echo hi");
    let copy = &i[4];
    assert_eq!(copy.flag("chmod").unwrap().value.as_deref(), Some("0755"));
    assert_eq!(copy.flag("link").unwrap().value, None);
    let f = copy.flag("chown").unwrap();
    assert_eq!((f.span.line, f.span.column, f.span.end_column), (5, 26, 43));
    assert_eq!(
        i[5].flag("checksum").unwrap().value.as_deref(),
        Some("sha256:abc")
    );
    assert_eq!(
        i[6].flag("platform").unwrap().value.as_deref(),
        Some("$BUILDPLATFORM")
    );
    assert_eq!(i[7].flag("from").unwrap().value.as_deref(), Some("Build"));
    assert!(
        matches!(&i[8].command, Command::Cmd(Form::Exec(w)) if w.len() == 3 && w[2].value == "daemon off;")
    );
    // Malformed JSON falls back to shell form.
    assert!(matches!(&i[9].command, Command::Cmd(Form::Shell(w)) if w.raw == "[nginx, -g]"));
    assert!(matches!(
        &i[10].command,
        Command::Entrypoint(Form::Shell(_))
    ));
    match &i[11].command {
        Command::Env(kv) => {
            let pairs: Vec<_> = kv
                .iter()
                .map(|k| {
                    (
                        k.key.value.as_str(),
                        k.value.as_ref().unwrap().value.as_str(),
                    )
                })
                .collect();
            assert_eq!(pairs, [("X", ""), ("Y", "two words"), ("Z", "3")]);
        }
        other => panic!("{other:?}"),
    }
    match &i[12].command {
        Command::Env(kv) => assert_eq!(kv[0].value.as_ref().unwrap().value, "value with spaces"),
        other => panic!("{other:?}"),
    }
    match &i[13].command {
        Command::Label(kv) => assert_eq!(kv[1].key.value, "c d"),
        other => panic!("{other:?}"),
    }
    match &i[14].command {
        Command::Onbuild(inner) => {
            assert_eq!(inner.keyword, "RUN");
            assert_eq!(inner.keyword_span.column, 9);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        i[15].flag("interval").unwrap().value.as_deref(),
        Some("30s")
    );
    assert!(
        matches!(&i[15].command, Command::Healthcheck(Some(Form::Shell(w))) if w.raw.starts_with("curl -f"))
    );
    assert!(matches!(&i[16].command, Command::Healthcheck(None)));
    assert!(matches!(&i[17].command, Command::Maintainer(_)));
    assert!(matches!(&i[18].command, Command::Expose(p) if p.len() == 2));
}

#[test]
fn errors_are_located_and_parsing_goes_on() {
    let df = fixture("errors.Dockerfile");
    let errs: Vec<_> = df
        .errors
        .iter()
        .map(|e| (e.span.line, e.span.column, e.message.as_str()))
        .collect();
    assert_eq!(
        errs,
        [
            (2, 6, "missing a value on flag: from"),
            (3, 5, "unknown flag: bogus"),
            (4, 1, "unknown instruction: FROOM"),
            (5, 6, "FROM requires either one or three arguments"),
            (7, 6, "unterminated heredoc `EOF`"),
        ]
    );
    assert_eq!(
        kw(&df),
        ["FROM", "COPY", "RUN", "FROOM", "FROM", "RUN", "COPY"]
    );
    assert_eq!(run_text(&df.instructions[5]), "echo still parsed");
}

#[test]
fn variable_expansion() {
    use stowaway::dockerfile::parser::expand;
    let look = |n: &str| match n {
        "A" => Some("x".to_string()),
        "E" => Some(String::new()),
        _ => None,
    };
    assert_eq!(
        expand("$A-${A}-${B:-d}-${E:-d}-${E-d}-${A:+y}-${B:+y}-$B", &look),
        "x-x-d-d--y--"
    );
}

fn heredoc_names(text: &str) -> Vec<String> {
    let df = parse(text);
    df.instructions
        .iter()
        .flat_map(|i| i.heredocs.iter().map(|h| h.name.clone()))
        .collect()
}

#[test]
fn heredoc_words_as_buildkit_lexes_them() {
    // whitespace after `<<` stays in the word; `<< -EOF` names `-EOF`
    for (text, name) in [
        ("FROM a\nRUN << EOF\necho x\nEOF\n", "EOF"),
        ("FROM a\nRUN <<  EOF  > foo\necho x\nEOF\n", "EOF"),
        ("FROM a\nRUN << -EOF\necho x\n-EOF\n", "-EOF"),
        ("FROM a\nRUN <<'one two'\necho x\none two\n", "one two"),
    ] {
        let df = parse(text);
        assert!(df.errors.is_empty(), "{text:?}: {:?}", df.errors);
        assert_eq!(heredoc_names(text), [name], "{text:?}");
    }
    // `<<-` followed by whitespace is no heredoc: the body lines are instructions
    let df = parse("FROM a\nRUN <<- EOF\necho x\nEOF\n");
    assert_eq!(
        df.errors.iter().map(|e| e.span.line).collect::<Vec<_>>(),
        [3, 4]
    );
}

#[test]
fn unterminated_quote_in_heredoc_word_is_rejected() {
    for word in ["<<'EOF", "<<\"EOF", "<<EOF'", "<<EOF\""] {
        let text = format!("FROM a\nRUN {word}\necho probe\nEOF\n");
        let df = parse(&text);
        assert!(heredoc_names(&text).is_empty(), "{word}");
        assert!(!df.errors.is_empty(), "{word}");
        assert_eq!(df.errors[0].span.line, 3, "{word}");
    }
}

#[test]
fn line_longer_than_buildkit_allows() {
    let long = format!("FROM a\nLABEL x={}\n", "a".repeat(65_600));
    let df = parse(&long);
    assert_eq!(df.errors.len(), 1, "{:?}", df.errors);
    assert_eq!(df.errors[0].span.line, 2);
    assert!(df.errors[0].message.contains("65535"));
    let fits = format!("FROM a\nLABEL x={}\n", "a".repeat(65_000));
    assert!(parse(&fits).errors.is_empty());
}

#[test]
fn onbuild_checks_only_the_trigger_keyword() {
    for ok in [
        "FROM a\nONBUILD SHELL anything\n",
        "FROM a\nONBUILD COPY --bogus a b\n",
        "FROM a\nONBUILD HEALTHCHECK\n",
    ] {
        let df = parse(ok);
        assert!(df.errors.is_empty(), "{ok:?}: {:?}", df.errors);
    }
    for bad in [
        "FROM a\nONBUILD FROM b\n",
        "FROM a\nONBUILD MAINTAINER me\n",
        "FROM a\nONBUILD ONBUILD RUN x\n",
    ] {
        let df = parse(bad);
        assert_eq!(df.errors.len(), 1, "{bad:?}: {:?}", df.errors);
        assert_eq!(df.errors[0].span.line, 2);
    }
}

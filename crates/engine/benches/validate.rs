//! Corpus benchmark: how fast the engine reads and validates real runbooks.
//!
//! Every `.json`, `.yaml` and `.yml` file under `runbooks/` and
//! `not-automation/` of the shared corpus (`../../../shared/corpus`, relative
//! to this crate) is read into memory once, before anything is measured. One
//! criterion group, `corpus`, then measures one pass over the whole corpus:
//!
//! - `parse`: [`source::parse`] with the detected format and default limits,
//!   the bare parse into a value tree;
//! - `validate`: [`validate_text`], the whole pipeline (parse, lower, every
//!   rule, and source positions for the documents that have findings).
//!
//! Throughput is the corpus size in bytes. After criterion (under
//! `cargo bench`, not `--test`, `--list` or `--profile-time`), a summary
//! times best-of-11 passes with a plain timer and prints documents per
//! second, the validate/parse time ratio and validate's time by phase
//! (parse, lower, rules, locate): the numbers `docs/benchmarks.md` records.
//! When the corpus is absent the benchmark prints a `SKIPPED:` line and
//! measures nothing.
//!
//! ```sh
//! cargo bench -p ssm-runbook-engine --bench validate
//! ```

use criterion::{Criterion, Throughput};
use ssm_runbook_engine::document::{Document, lower, lower_owned};
use ssm_runbook_engine::limits::Limits;
use ssm_runbook_engine::path::Path as DocPath;
use ssm_runbook_engine::source::{self, Format, Locator};
use ssm_runbook_engine::validate::{validate_document, validate_text};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The corpus, read once.
struct Corpus {
    texts: Vec<String>,
    bytes: u64,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

/// Read every corpus document into memory, or explain why not.
fn load() -> Result<Corpus, String> {
    let root = corpus_dir();
    if !root.is_dir() {
        return Err(format!("{} is absent", root.display()));
    }
    let mut paths = Vec::new();
    for sub in ["runbooks", "not-automation"] {
        let mut stack = vec![root.join(sub)];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir)
                .map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
            for entry in entries {
                let path = entry.map_err(|e| e.to_string())?.path();
                if path.is_dir() {
                    stack.push(path);
                } else if matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("json" | "yaml" | "yml")
                ) {
                    paths.push(path);
                }
            }
        }
    }
    paths.sort();
    let mut texts = Vec::with_capacity(paths.len());
    for path in &paths {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        match String::from_utf8(bytes) {
            Ok(text) => texts.push(text),
            Err(_) => eprintln!("note: {} is not UTF-8; left out", path.display()),
        }
    }
    if texts.is_empty() {
        return Err(format!("{} holds no documents", root.display()));
    }
    let bytes = texts.iter().map(|t| t.len() as u64).sum();
    Ok(Corpus { texts, bytes })
}

fn parse_all(corpus: &Corpus, limits: &Limits) {
    for text in &corpus.texts {
        let parsed = source::parse(black_box(text), Format::detect(text), limits);
        black_box(parsed.is_ok());
    }
}

fn validate_all(corpus: &Corpus) {
    for text in &corpus.texts {
        let report = validate_text(black_box(text));
        black_box(report.diagnostics.len());
    }
}

/// The fastest of `runs` calls of `f`: the least disturbed by whatever else
/// the machine is running.
fn best_time(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// Documents per second and MB/s (10^6 bytes) for one pass taking `t`.
fn rates(corpus: &Corpus, t: Duration) -> String {
    let secs = t.as_secs_f64();
    format!(
        "{:>8.1} ms/pass {:>8.0} docs/s {:>7.1} MB/s",
        secs * 1e3,
        corpus.texts.len() as f64 / secs,
        corpus.bytes as f64 / secs / 1e6
    )
}

/// A plain-timer summary of the same two passes, and of where validate's
/// time goes, printed after criterion's own report. The phases are timed
/// separately, each on the previous phase's output computed beforehand:
/// parse, lower (value tree to typed document, [`lower_owned`] as validate
/// does), rules
/// ([`validate_document`]) and locate ([`Locator::locate_all`] with every
/// diagnostic's path, for the documents that have any; JSON and YAML
/// documents timed apart).
fn summary(corpus: &Corpus) {
    let limits = Limits::default();
    let runs = 11;
    let parse = best_time(runs, || parse_all(corpus, &limits));
    let validate = best_time(runs, || validate_all(corpus));

    let values: Vec<serde_json::Value> = corpus
        .texts
        .iter()
        .filter_map(|t| source::parse(t, Format::detect(t), &limits).ok())
        .collect();
    // Validate lowers the tree it owns (`lower_owned`); each pass lowers
    // fresh copies, made before its timer starts.
    let lower_time = (0..runs)
        .map(|_| {
            let copies = values.clone();
            let start = Instant::now();
            for value in copies {
                black_box(lower_owned(value, &limits));
            }
            start.elapsed()
        })
        .min()
        .unwrap_or_default();
    let documents: Vec<Document> = values
        .iter()
        .filter_map(|v| lower(v, &limits).document)
        .collect();
    let rules = best_time(runs, || {
        for doc in &documents {
            black_box(validate_document(doc));
        }
    });
    let mut located: Vec<(&String, Vec<DocPath>)> = Vec::new();
    for text in &corpus.texts {
        let paths: Vec<DocPath> = validate_text(text)
            .diagnostics
            .into_iter()
            .map(|d| d.path)
            .collect();
        if !paths.is_empty() {
            located.push((text, paths));
        }
    }
    let locate_in = |format: Format| {
        best_time(runs, || {
            for (text, paths) in located.iter().filter(|(t, _)| Format::detect(t) == format) {
                let paths: Vec<&DocPath> = paths.iter().collect();
                black_box(Locator::new(text, format).locate_all(&paths));
            }
        })
    };
    let (locate_json, locate_yaml) = (locate_in(Format::Json), locate_in(Format::Yaml));
    let locate = locate_json + locate_yaml;
    let diagnostics: usize = located.iter().map(|(_, p)| p.len()).sum();

    let ms = |t: Duration| t.as_secs_f64() * 1e3;
    println!();
    println!(
        "summary: {} documents, {} bytes ({:.2} MB); best of {runs} passes",
        corpus.texts.len(),
        corpus.bytes,
        corpus.bytes as f64 / 1e6
    );
    println!("  parse    {}", rates(corpus, parse));
    println!("  validate {}", rates(corpus, validate));
    println!(
        "  validate/parse time ratio: {:.2}",
        validate.as_secs_f64() / parse.as_secs_f64()
    );
    println!("  validate by phase (ms/pass):");
    println!(
        "    parse  {:>8.1}  ({} documents)",
        ms(parse),
        corpus.texts.len()
    );
    println!(
        "    lower  {:>8.1}  ({} value trees)",
        ms(lower_time),
        values.len()
    );
    println!(
        "    rules  {:>8.1}  ({} runbooks)",
        ms(rules),
        documents.len()
    );
    println!(
        "    locate {:>8.1}  ({} documents with findings, {diagnostics} diagnostics; \
         JSON {:.1}, YAML {:.1})",
        ms(locate),
        located.len(),
        ms(locate_json),
        ms(locate_yaml)
    );
}

fn bench(c: &mut Criterion) {
    let corpus = match load() {
        Ok(corpus) => corpus,
        Err(why) => {
            println!("SKIPPED: corpus benchmark did not run: {why}");
            return;
        }
    };
    let limits = Limits::default();
    let mut group = c.benchmark_group("corpus");
    group
        .throughput(Throughput::Bytes(corpus.bytes))
        .sample_size(20)
        .warm_up_time(Duration::from_secs(3))
        .measurement_time(Duration::from_secs(20));
    group.bench_function("parse", |b| b.iter(|| parse_all(&corpus, &limits)));
    group.bench_function("validate", |b| b.iter(|| validate_all(&corpus)));
    group.finish();
    let args: Vec<String> = std::env::args().collect();
    let measuring = args.iter().any(|a| a == "--bench")
        && !args
            .iter()
            .any(|a| matches!(a.as_str(), "--test" | "--list" | "--profile-time"));
    if measuring {
        summary(&corpus);
    }
}

// What `criterion_group!` and `criterion_main!` expand to, written out: the
// macros generate an undocumented public function, which the workspace's
// `missing_docs` lint rejects.
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}

//! Finding runbook files: paths given on the command line, directories
//! searched recursively for `.json`, `.yaml` and `.yml`, in sorted order.

use std::path::{Path, PathBuf};

/// A file to check, or a path that could not be read.
pub enum Found {
    /// A file to read.
    File(PathBuf),
    /// A path that could not be listed or does not exist.
    Unreadable(PathBuf, String),
}

/// Expand the given paths into files, directories recursively.
pub fn expand(paths: &[PathBuf]) -> Vec<Found> {
    let mut out = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => walk(path, &mut out, 0),
            Ok(_) => out.push(Found::File(path.clone())),
            Err(e) => out.push(Found::Unreadable(path.clone(), e.to_string())),
        }
    }
    out
}

/// Runbook files by extension; this tool's own scenario (`*.scenario.yaml`)
/// and check configuration (`*.check.yaml`) files are not runbooks and are
/// skipped when a directory is searched.
fn is_runbook_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let ours = [".scenario.", ".check."]
        .iter()
        .any(|marker| name.contains(marker));
    !ours
        && matches!(
            path.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("json" | "yaml" | "yml")
        )
}

fn walk(dir: &Path, out: &mut Vec<Found>, depth: usize) {
    if depth > 64 {
        out.push(Found::Unreadable(
            dir.to_path_buf(),
            "directories nest more than 64 deep".into(),
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.push(Found::Unreadable(dir.to_path_buf(), e.to_string()));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => walk(&path, out, depth + 1),
            Ok(m) if m.is_file() && is_runbook_name(&path) => out.push(Found::File(path)),
            _ => {}
        }
    }
}

//! The journal: every input that can change the service, appended to a file
//! and made durable before its answer is sent, and replayed on start.
//!
//! Use this module to make a server survive a crash (`serve --state-dir`).
//! The service is deterministic: the same requests, with the same principals
//! and instants, in the same order, give the same state and the same
//! answers. So the journal stores inputs, not state: one JSON line per
//! request that changed something, plus one per clock move or timer firing,
//! and [`Journal::open`] rebuilds the state by passing each line through
//! [`handle`] (or [`Service::tick`]) again.
//!
//! The file, `journal.jsonl` in the state directory, starts with a version
//! line ([`HEADER`]); then one [`Entry`] per line:
//!
//! ```text
//! {"format":"ssm-runbook-journal","version":1}
//! {"now":1704067200000,"principal":"arn:aws:iam::123456789012:user/alice","target":"AmazonSSM.StartAutomationExecution","body":"{\"DocumentName\":\"Deploy\"}"}
//! {"now":1704070800000,"tick":true}
//! ```
//!
//! Durability: [`Journal::append`] writes a line (under the caller's service
//! lock, so lines are in the order the service saw them) and returns its
//! sequence number; [`Journal::sync`] makes every line up to that number
//! durable (`fsync`), sharing one `fsync` among the requests that wait for
//! it at the same time (group commit). A crash in the middle of a write
//! leaves a torn last line: replay ignores it with a warning and cuts it off
//! the file, since its request was never answered. A malformed line
//! elsewhere is an error: the journal is not this program's, or was edited.
//!
//! After a write fails (a full disk), the file may end in a partial line, so
//! the journal refuses every later append: the server answers
//! `InternalServerError` rather than lose acknowledged work.

use crate::{Context, Service, SimTime, handle};
use serde_json::{Map, Value};
use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The journal's file name inside the state directory.
pub const FILE_NAME: &str = "journal.jsonl";

/// The first line of every journal: its format and version.
pub const HEADER: &str = r#"{"format":"ssm-runbook-journal","version":1}"#;

/// One journalled input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A request, as [`handle`] received it.
    Request {
        /// The instant it was handled at.
        now: SimTime,
        /// The caller.
        principal: String,
        /// The `X-Amz-Target` header.
        target: String,
        /// The body (a request that changed state had a JSON, so UTF-8, body).
        body: String,
    },
    /// The clock moved to `now` and every timer due by then fired.
    Tick {
        /// The new instant.
        now: SimTime,
    },
}

impl Entry {
    /// The entry's instant.
    pub fn now(&self) -> SimTime {
        match self {
            Entry::Request { now, .. } | Entry::Tick { now } => *now,
        }
    }

    /// The entry as one JSON line, without the newline.
    pub fn to_line(&self) -> String {
        let mut map = Map::new();
        map.insert("now".into(), Value::from(self.now().0));
        match self {
            Entry::Request {
                principal,
                target,
                body,
                ..
            } => {
                map.insert("principal".into(), Value::String(principal.clone()));
                map.insert("target".into(), Value::String(target.clone()));
                map.insert("body".into(), Value::String(body.clone()));
            }
            Entry::Tick { .. } => {
                map.insert("tick".into(), Value::Bool(true));
            }
        }
        Value::Object(map).to_string()
    }

    /// Read a line written by [`Entry::to_line`].
    ///
    /// ```
    /// use ssm_runbook_server::SimTime;
    /// use ssm_runbook_server::journal::Entry;
    /// let e = Entry::Request {
    ///     now: SimTime(5),
    ///     principal: "p".into(),
    ///     target: "AmazonSSM.DeleteDocument".into(),
    ///     body: r#"{"Name":"x"}"#.into(),
    /// };
    /// assert_eq!(Entry::from_line(&e.to_line()), Some(e));
    /// assert_eq!(Entry::from_line(r#"{"now":7,"tick":true}"#), Some(Entry::Tick { now: SimTime(7) }));
    /// assert_eq!(Entry::from_line(r#"{"now":7,"ti"#), None);
    /// ```
    pub fn from_line(line: &str) -> Option<Entry> {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(line) else {
            return None;
        };
        let now = SimTime(map.get("now")?.as_i64()?);
        let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
        if map.get("tick") == Some(&Value::Bool(true)) {
            return Some(Entry::Tick { now });
        }
        Some(Entry::Request {
            now,
            principal: text("principal")?,
            target: text("target")?,
            body: text("body")?,
        })
    }

    /// Apply the entry to `service`, as the server first did.
    pub fn replay(&self, service: &mut Service) {
        match self {
            Entry::Request {
                now,
                principal,
                target,
                body,
            } => {
                let ctx = Context {
                    principal: principal.clone(),
                    now: *now,
                };
                // The answer was sent before the crash; only the state matters.
                let _ = handle(service, target, body.as_bytes(), &ctx);
            }
            Entry::Tick { now } => service.tick(*now),
        }
    }
}

/// What a replay found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replay {
    /// How many entries were applied.
    pub entries: usize,
    /// The instant of the last entry (the clock resumes from there).
    pub last_now: Option<SimTime>,
    /// Problems that did not stop the replay (a torn last line).
    pub warnings: Vec<String>,
}

/// Why the journal cannot be used.
#[derive(Debug)]
pub struct JournalError {
    path: PathBuf,
    kind: ErrorKind,
}

#[derive(Debug)]
enum ErrorKind {
    Io(std::io::Error),
    Header(String),
    Line { line: usize },
    Failed,
}

impl std::fmt::Display for JournalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.path.display();
        match &self.kind {
            ErrorKind::Io(e) => write!(f, "journal {path}: {e}"),
            ErrorKind::Header(found) => write!(
                f,
                "journal {path}: the first line is {found:?}, expected {HEADER}"
            ),
            ErrorKind::Line { line } => write!(
                f,
                "journal {path}: line {line} is not a journal entry (only the last line may be torn)"
            ),
            ErrorKind::Failed => write!(
                f,
                "journal {path}: an earlier write failed, so nothing more is accepted"
            ),
        }
    }
}

impl std::error::Error for JournalError {}

/// An open journal, appending.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    /// Lines written so far (the sequence number of the last one).
    written: AtomicU64,
    /// Lines known to be durable.
    synced: AtomicU64,
    /// Held while one caller runs `fsync` for everyone.
    syncing: Mutex<()>,
    /// A write failed: refuse every later append.
    failed: AtomicBool,
}

impl Journal {
    /// Open (or create) the journal in `dir`, replaying every entry into
    /// `service`, which should be freshly made with the same configuration
    /// as the first time.
    pub fn open(dir: &Path, service: &mut Service) -> Result<(Journal, Replay), JournalError> {
        let path = dir.join(FILE_NAME);
        let io = |e| JournalError {
            path: path.clone(),
            kind: ErrorKind::Io(e),
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let mut text = Vec::new();
        file.read_to_end(&mut text).map_err(io)?;
        let (replay, keep) = replay_text(&path, &text, service)?;
        if keep == 0 {
            file.set_len(0).map_err(io)?;
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            file.write_all(format!("{HEADER}\n").as_bytes())
                .map_err(io)?;
        } else if keep < text.len() {
            file.set_len(keep as u64).map_err(io)?;
        }
        file.seek(SeekFrom::End(0)).map_err(io)?;
        file.sync_all().map_err(io)?;
        if let Ok(d) = File::open(dir) {
            // Make the file's creation durable too (where directories can be synced).
            let _ = d.sync_all();
        }
        let journal = Journal {
            path,
            file,
            written: AtomicU64::new(0),
            synced: AtomicU64::new(0),
            syncing: Mutex::new(()),
            failed: AtomicBool::new(false),
        };
        Ok((journal, replay))
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write `entry` (not yet durable) and give its sequence number for
    /// [`Journal::sync`]. Call it under the service lock, right after the
    /// service handled the input, so lines keep the service's order.
    pub fn append(&self, entry: &Entry) -> Result<u64, JournalError> {
        if self.failed.load(Ordering::Acquire) {
            return Err(self.error(ErrorKind::Failed));
        }
        let mut line = entry.to_line();
        line.push('\n');
        if let Err(e) = (&self.file).write_all(line.as_bytes()) {
            self.failed.store(true, Ordering::Release);
            return Err(self.error(ErrorKind::Io(e)));
        }
        Ok(self.written.fetch_add(1, Ordering::AcqRel) + 1)
    }

    /// The sequence number of the last line written.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Acquire)
    }

    /// Whether every line up to `seq` is durable already (no need to call
    /// [`Journal::sync`]).
    pub fn is_synced(&self, seq: u64) -> bool {
        self.synced.load(Ordering::Acquire) >= seq
    }

    /// Make every line up to `seq` durable. Blocks (on `fsync`); one call
    /// covers every line written before it started.
    pub fn sync(&self, seq: u64) -> Result<(), JournalError> {
        if self.is_synced(seq) {
            return Ok(());
        }
        let _one_at_a_time = self
            .syncing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.is_synced(seq) {
            return Ok(());
        }
        if self.failed.load(Ordering::Acquire) {
            return Err(self.error(ErrorKind::Failed));
        }
        let upto = self.written();
        if let Err(e) = self.file.sync_data() {
            self.failed.store(true, Ordering::Release);
            return Err(self.error(ErrorKind::Io(e)));
        }
        self.synced.fetch_max(upto, Ordering::AcqRel);
        Ok(())
    }

    fn error(&self, kind: ErrorKind) -> JournalError {
        JournalError {
            path: self.path.clone(),
            kind,
        }
    }
}

/// Replay the journal `text` into `service`; gives what was found and how
/// many bytes of the file to keep (0: write a fresh header).
fn replay_text(
    path: &Path,
    text: &[u8],
    service: &mut Service,
) -> Result<(Replay, usize), JournalError> {
    let mut replay = Replay::default();
    if text.is_empty() {
        return Ok((replay, 0));
    }
    let error = |kind| JournalError {
        path: path.to_path_buf(),
        kind,
    };
    let mut offset = 0;
    let mut number = 0;
    while offset < text.len() {
        number += 1;
        let rest = &text[offset..];
        let (raw, complete) = match rest.iter().position(|&b| b == b'\n') {
            Some(n) => (&rest[..n], true),
            None => (rest, false),
        };
        let line = std::str::from_utf8(raw).ok();
        let is_last = offset + raw.len() + usize::from(complete) >= text.len();
        if number == 1 {
            if line != Some(HEADER) {
                if !complete && HEADER.as_bytes().starts_with(raw) {
                    // The header itself was torn: nothing was ever accepted.
                    replay.warnings.push(format!(
                        "{}: the header line was cut short; starting an empty journal",
                        path.display()
                    ));
                    return Ok((replay, 0));
                }
                let found: String = String::from_utf8_lossy(raw).chars().take(80).collect();
                return Err(error(ErrorKind::Header(found)));
            }
        } else {
            // A line without its newline was cut short by a crash even if
            // it happens to parse: its request was never answered.
            match line.and_then(Entry::from_line).filter(|_| complete) {
                Some(entry) => {
                    entry.replay(service);
                    replay.entries += 1;
                    replay.last_now = Some(entry.now());
                }
                None if is_last => {
                    replay.warnings.push(format!(
                        "{}: line {number} was cut short (a crash during a write); ignoring it",
                        path.display()
                    ));
                    return Ok((replay, offset));
                }
                None => return Err(error(ErrorKind::Line { line: number })),
            }
        }
        offset += raw.len() + usize::from(complete);
    }
    Ok((replay, offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ServiceConfig;

    fn service() -> Service {
        Service::new(ServiceConfig::default())
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ssm-runbook-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn torn_last_lines_are_cut_off_and_other_damage_is_an_error() {
        let tick = |t| Entry::Tick { now: SimTime(t) }.to_line();
        let path = Path::new("j");
        let whole = format!("{HEADER}\n{}\n{}\n", tick(1), tick(2));
        let (r, keep) = replay_text(path, whole.as_bytes(), &mut service()).unwrap();
        assert_eq!(
            (r.entries, r.last_now, keep),
            (2, Some(SimTime(2)), whole.len())
        );
        assert!(r.warnings.is_empty());

        let torn = format!("{whole}{}", &tick(3)[..5]);
        let (r, keep) = replay_text(path, torn.as_bytes(), &mut service()).unwrap();
        assert_eq!((r.entries, keep, r.warnings.len()), (2, whole.len(), 1));

        // A complete entry without its newline is torn too.
        let unterminated = format!("{whole}{}", tick(3));
        let (r, keep) = replay_text(path, unterminated.as_bytes(), &mut service()).unwrap();
        assert_eq!((r.entries, keep), (2, whole.len()));

        let (r, keep) = replay_text(path, &HEADER.as_bytes()[..9], &mut service()).unwrap();
        assert_eq!((r.entries, keep, r.warnings.len()), (0, 0, 1));

        let middle = format!("{HEADER}\n{{\"now\n{}\n", tick(2));
        assert!(replay_text(path, middle.as_bytes(), &mut service()).is_err());
        assert!(replay_text(path, b"{\"format\":\"other\"}\n", &mut service()).is_err());
    }

    #[test]
    fn reopening_appends_after_the_replayed_entries() {
        let dir = temp_dir("reopen");
        let (journal, replay) = Journal::open(&dir, &mut service()).unwrap();
        assert_eq!(replay.entries, 0);
        let seq = journal.append(&Entry::Tick { now: SimTime(10) }).unwrap();
        journal.sync(seq).unwrap();
        assert!(journal.is_synced(1));
        drop(journal);
        // A crash mid-write.
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.join(FILE_NAME))
            .unwrap();
        f.write_all(b"{\"now\":11,\"ti").unwrap();
        drop(f);
        let (journal, replay) = Journal::open(&dir, &mut service()).unwrap();
        assert_eq!((replay.entries, replay.warnings.len()), (1, 1));
        journal.append(&Entry::Tick { now: SimTime(12) }).unwrap();
        drop(journal);
        let (_, replay) = Journal::open(&dir, &mut service()).unwrap();
        assert_eq!((replay.entries, replay.last_now), (2, Some(SimTime(12))));
        assert!(replay.warnings.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

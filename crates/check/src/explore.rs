//! Breadth-first exploration with fingerprint deduplication.
//!
//! States are `(World, time, property memory)` — the execution, its
//! children — each fingerprinted
//! with a fixed-key 128-bit hash (xxh3), so runs are deterministic and the
//! visited set holds 16 bytes a state. Breadth-first order makes the first
//! violation found a shortest one. Only the frontier holds whole
//! executions; every visited state keeps its parent and the index of the
//! move that reached it, and traces are rebuilt by replaying those indices
//! ([`crate::trace`]). This module decides verdicts; it prints nothing.

use crate::model::{Model, Move, World};
use crate::property::{Pattern, Property};
use crate::trace::Trace;
use ssm_runbook_engine::clock::SimTime;
use ssm_runbook_engine::execution::{ChunkHasher, Execution, Status};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::time::{Duration, Instant};

/// Bounds of an exploration; `None` means unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest path, in moves (default 200).
    pub max_depth: Option<u32>,
    /// Most distinct states (default 10,000,000).
    pub max_states: Option<u64>,
    /// Longest exploration (default 10 minutes).
    pub max_time: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: Some(200),
            max_states: Some(10_000_000),
            max_time: Some(Duration::from_secs(600)),
        }
    }
}

/// Which limit cut an exploration short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitHit {
    /// A path reached `max_depth` with moves left.
    Depth(u32),
    /// `max_states` distinct states were found.
    States(u64),
    /// `max_time` passed.
    Time(Duration),
}

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LimitHit::Depth(d) => write!(f, "max_depth ({d} moves)"),
            LimitHit::States(n) => write!(f, "max_states ({n} states)"),
            LimitHit::Time(t) => write!(f, "max_seconds ({} s)", t.as_secs()),
        }
    }
}

/// Built-in properties, each on unless switched off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Builtins {
    /// Every complete path ends in a final status.
    pub terminates: bool,
    /// The engine accepts every input it says is enabled.
    pub no_internal_error: bool,
    /// The engine's invariants hold in every state.
    pub invariants: bool,
}

impl Default for Builtins {
    fn default() -> Self {
        Builtins {
            terminates: true,
            no_internal_error: true,
            invariants: true,
        }
    }
}

/// Statistics of an exploration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Distinct states found.
    pub states: u64,
    /// Moves applied.
    pub transitions: u64,
    /// Longest path explored.
    pub max_depth: u32,
    /// Time taken.
    pub elapsed: Duration,
    /// Whether every reachable state (within the model) was explored.
    pub complete: bool,
    /// The limit that cut the exploration short, if one did.
    pub limit: Option<LimitHit>,
}

impl Stats {
    /// Distinct states per second.
    pub fn states_per_second(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.states as f64 / s } else { 0.0 }
    }
}

/// The verdict on one property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Proven over a complete exploration (or, for `sometimes`, witnessed).
    Holds,
    /// A counter-example was found (or, for `sometimes`, no path reaches it).
    Violated,
    /// No violation found, but a limit cut the exploration short.
    Unknown,
}

/// The result for one property.
#[derive(Debug, Clone)]
pub struct PropertyResult {
    /// The property's name (built-ins are `builtin/…`).
    pub name: String,
    /// Its pattern keyword.
    pub pattern: &'static str,
    /// The verdict.
    pub verdict: Verdict,
    /// The shortest counter-example (violations) or witness (`sometimes`).
    pub trace: Option<Trace>,
    /// What was found, in a sentence.
    pub message: String,
}

/// The result of an exploration.
#[derive(Debug, Clone)]
pub struct Report {
    /// Statistics.
    pub stats: Stats,
    /// Each reachable final status with a shortest witness, in the order found.
    pub outcomes: Vec<(Status, Trace)>,
    /// Steps that no explored path executes, in runbook order.
    pub dead_steps: Vec<String>,
    /// Built-in properties first, then the user's, in order.
    pub properties: Vec<PropertyResult>,
}

impl Report {
    /// Whether any property is violated.
    pub fn violated(&self) -> bool {
        self.properties
            .iter()
            .any(|p| p.verdict == Verdict::Violated)
    }
}

/// A fingerprint is already a good hash: use its low bits.
#[derive(Default)]
struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

type Visited = HashSet<u128, BuildHasherDefault<FingerprintHasher>>;

const ROOT: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Node {
    parent: u32,
    /// The move index from the parent, or the start index for a root.
    choice: u32,
    depth: u32,
}

struct Entry {
    /// Boxed: the queue moves a pointer, not a few hundred bytes, and a
    /// parent's last successor reuses its box.
    ex: Box<World>,
    now: SimTime,
    memory: u64,
    node: u32,
}

/// Where a violation or witness was found: a state, or a state plus a
/// move the engine refused.
#[derive(Clone, Copy)]
struct Found {
    node: u32,
    refused_move: Option<u32>,
}

/// The model checker: a model, properties, limits.
///
/// ```
/// use std::sync::Arc;
/// use ssm_runbook_check::{config::CheckConfig, model::Model, explore::{Checker, Verdict}, property::Property};
/// use ssm_runbook_engine::{runbook::Runbook, validate::validate_text, execution::Status};
/// let doc = validate_text("schemaVersion: '0.3'\nmainSteps:\n- name: Gate\n  action: aws:approve\n  timeoutSeconds: 60\n  inputs: {Approvers: ['arn:aws:iam::111122223333:user/alice']}\n").document.unwrap();
/// let rb = Arc::new(Runbook::compile(doc, "Demo", "1").unwrap());
/// let model = Model::new(rb, &CheckConfig::default()).unwrap();
/// let checker = Checker::new(model)
///     .property(Property::sometimes("can succeed", |ex| ex.status() == Status::Success))
///     .property(Property::never("never fails", |ex| ex.status() == Status::Failed));
/// let report = checker.run(None);
/// assert!(report.stats.complete);
/// // Approve, Reject, or the time-out: three final states.
/// assert_eq!(report.outcomes.len(), 3);
/// assert_eq!(report.properties[3].verdict, Verdict::Holds);    // can succeed
/// assert_eq!(report.properties[4].verdict, Verdict::Violated); // a Reject fails it
/// ```
pub struct Checker {
    model: Model,
    properties: Vec<Property>,
    limits: Limits,
    builtins: Builtins,
}

const BUILTINS: [(&str, &str); 3] = [
    ("builtin/terminates", "eventually"),
    ("builtin/no-internal-error", "never"),
    ("builtin/invariants", "always"),
];

impl Checker {
    /// A checker with no user properties, default limits and every built-in.
    pub fn new(model: Model) -> Checker {
        Checker {
            model,
            properties: Vec::new(),
            limits: Limits::default(),
            builtins: Builtins::default(),
        }
    }

    /// Add a property.
    pub fn property(mut self, p: Property) -> Checker {
        self.properties.push(p);
        self
    }

    /// Set the limits.
    pub fn limits(mut self, limits: Limits) -> Checker {
        self.limits = limits;
        self
    }

    /// Choose the built-ins.
    pub fn builtins(mut self, builtins: Builtins) -> Checker {
        self.builtins = builtins;
        self
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Explore. `progress`, when given, is called every few thousand states
    /// with the statistics so far.
    ///
    /// At most 64 properties of the kinds that need memory along a path
    /// (`eventually`, `before`, `after`) are checked; later ones are
    /// reported Unknown.
    pub fn run(&self, mut progress: Option<&mut dyn FnMut(&Stats)>) -> Report {
        let started = Instant::now();
        let mut stats = Stats::default();
        let props = &self.properties;
        // Memory bits of the path properties.
        let mut bit_of: Vec<Option<u32>> = Vec::with_capacity(props.len());
        let mut next_bit = 0u32;
        for p in props {
            if p.pattern.needs_memory() && next_bit < 64 {
                bit_of.push(Some(next_bit));
                next_bit += 1;
            } else {
                bit_of.push(None);
            }
        }
        let remember = |memory: u64, ex: &Execution| -> u64 {
            let mut m = memory;
            for (p, bit) in props.iter().zip(&bit_of) {
                let Some(bit) = bit else { continue };
                let mask = 1u64 << bit;
                let on = match &p.pattern {
                    Pattern::Eventually(c) => m & mask != 0 || c(ex),
                    Pattern::Before { first, .. } => m & mask != 0 || first(ex),
                    Pattern::After { trigger, then } => (m & mask != 0 || trigger(ex)) && !then(ex),
                    _ => false,
                };
                if on {
                    m |= mask;
                } else {
                    m &= !mask;
                }
            }
            m
        };

        let mut builtin_found: [Option<Found>; 3] = [None; 3];
        let mut found: Vec<Option<Found>> = vec![None; props.len()];
        let mut outcomes: BTreeMap<Status, (u32, usize)> = BTreeMap::new();
        let runbook_steps = self.model.runbook().steps().len();
        let mut executed = vec![false; runbook_steps];
        // Steps not yet seen executed: once every step has been, no state
        // needs its records scanned for them again.
        let mut unexecuted = runbook_steps;

        let mut visited = Visited::default();
        // One hasher for every fingerprint: its 512-byte buffer is
        // cleared once, not per state.
        let mut hasher = ChunkHasher::default();
        // One buffer for every state's moves.
        let mut moves: Vec<Move> = Vec::new();
        let mut nodes: Vec<Node> = Vec::new();
        let mut frontier: VecDeque<Entry> = VecDeque::new();
        let mut limit: Option<LimitHit> = None;
        let mut user_complete = true;
        let mut processed = 0u64;

        for (i, start) in self.model.starts().iter().enumerate() {
            let Ok(ex) = self.model.initial(start) else {
                continue;
            };
            let now = self.model.start_time();
            let memory = remember(0, &ex);
            if visited.insert(fingerprint(&mut hasher, &ex, now, memory)) {
                nodes.push(Node {
                    parent: ROOT,
                    choice: i as u32,
                    depth: 0,
                });
                frontier.push_back(Entry {
                    ex: Box::new(ex),
                    now,
                    memory,
                    node: (nodes.len() - 1) as u32,
                });
            }
        }

        'explore: while let Some(entry) = frontier.pop_front() {
            let Entry {
                ex,
                now,
                memory,
                node,
            } = entry;
            let depth = nodes[node as usize].depth;
            stats.max_depth = stats.max_depth.max(depth);
            let here = Found {
                node,
                refused_move: None,
            };
            if self.builtins.invariants
                && builtin_found[2].is_none()
                && ex.check_invariants().is_err()
            {
                builtin_found[2] = Some(here);
            }
            for ((p, slot), bit) in props.iter().zip(found.iter_mut()).zip(&bit_of) {
                if slot.is_some() {
                    continue;
                }
                let hit = match &p.pattern {
                    Pattern::Never(c) => c(&ex),
                    Pattern::Always(c) => !c(&ex),
                    Pattern::Sometimes(c) => c(&ex),
                    Pattern::Before { then, .. } => {
                        bit.is_some_and(|b| memory & (1 << b) == 0) && then(&ex)
                    }
                    Pattern::Eventually(_) | Pattern::After { .. } => false,
                };
                if hit {
                    *slot = Some(here);
                }
            }
            if unexecuted > 0 {
                for s in ex.step_records() {
                    if s.status != Status::Pending {
                        if let Some(e) = executed.get_mut(s.step).filter(|e| !**e) {
                            *e = true;
                            unexecuted -= 1;
                        }
                    }
                }
            }
            moves.clear();
            self.model.moves_into(&ex, now, &mut moves);
            if moves.is_empty() {
                // The end of a complete path.
                if ex.status().is_terminal() {
                    let next = outcomes.len();
                    outcomes.entry(ex.status()).or_insert((node, next));
                } else if self.builtins.terminates && builtin_found[0].is_none() {
                    builtin_found[0] = Some(here);
                }
                for ((p, slot), bit) in props.iter().zip(found.iter_mut()).zip(&bit_of) {
                    let Some(b) = bit else { continue };
                    let set = memory & (1 << b) != 0;
                    let violated = match p.pattern {
                        Pattern::Eventually(_) => !set,
                        Pattern::After { .. } => set,
                        _ => false,
                    };
                    if violated && slot.is_none() {
                        *slot = Some(here);
                    }
                }
                continue;
            }
            if self.limits.max_depth.is_some_and(|d| depth >= d) {
                limit.get_or_insert(LimitHit::Depth(depth));
                user_complete = false;
                continue;
            }
            let last = moves.len() - 1;
            let mut parent = Some(ex);
            for (i, m) in moves.drain(..).enumerate() {
                stats.transitions += 1;
                // The last move takes the parent itself, box and all: one
                // clone and one allocation fewer.
                let next = if i == last {
                    parent.take()
                } else {
                    parent.clone()
                };
                let Some(mut next) = next else { break };
                let at = m.at;
                if self.model.apply_owned(&mut next, m).is_err() {
                    if self.builtins.no_internal_error && builtin_found[1].is_none() {
                        builtin_found[1] = Some(Found {
                            node,
                            refused_move: Some(i as u32),
                        });
                    }
                    continue;
                }
                let memory = remember(memory, &next);
                if !visited.insert(fingerprint(&mut hasher, &next, at, memory)) {
                    continue;
                }
                nodes.push(Node {
                    parent: node,
                    choice: i as u32,
                    depth: depth + 1,
                });
                frontier.push_back(Entry {
                    ex: next,
                    now: at,
                    memory,
                    node: (nodes.len() - 1) as u32,
                });
                if let Some(max) = self.limits.max_states {
                    if nodes.len() as u64 >= max {
                        limit = Some(LimitHit::States(max));
                        break 'explore;
                    }
                }
            }
            processed += 1;
            if processed % 2048 == 0 {
                stats.states = nodes.len() as u64;
                stats.elapsed = started.elapsed();
                if let Some(max) = self.limits.max_time {
                    if stats.elapsed >= max {
                        limit = Some(LimitHit::Time(max));
                        break 'explore;
                    }
                }
                if let Some(p) = progress.as_mut() {
                    p(&stats);
                }
            }
        }
        let cut_everything = matches!(limit, Some(LimitHit::States(_) | LimitHit::Time(_)));
        stats.states = nodes.len() as u64;
        stats.elapsed = started.elapsed();
        stats.complete = limit.is_none() && user_complete;
        stats.limit = limit;
        if let Some(p) = progress.as_mut() {
            p(&stats);
        }

        let trace = |f: Found| -> Option<Trace> {
            let mut choices = Vec::new();
            let mut n = f.node;
            loop {
                let node = nodes[n as usize];
                if node.parent == ROOT {
                    choices.reverse();
                    choices.extend(f.refused_move);
                    return Trace::replay(&self.model, node.choice as usize, &choices);
                }
                choices.push(node.choice);
                n = node.parent;
            }
        };
        let complete = stats.complete;
        let mut results = Vec::new();
        let builtin_on = [
            self.builtins.terminates,
            self.builtins.no_internal_error,
            self.builtins.invariants,
        ];
        let builtin_messages = [
            "a path ends with the execution still running and nothing left to do",
            "the engine refused an input it offered as enabled",
            "the engine's invariants are broken",
        ];
        for (k, (name, pattern)) in BUILTINS.iter().enumerate() {
            if !builtin_on[k] {
                continue;
            }
            results.push(verdict(
                name,
                pattern,
                false,
                builtin_found[k],
                complete,
                builtin_messages[k],
                &trace,
            ));
        }
        for ((p, f), bit) in props.iter().zip(&found).zip(&bit_of) {
            let pattern = p.pattern.keyword();
            if p.pattern.needs_memory() && bit.is_none() {
                results.push(PropertyResult {
                    name: p.name.clone(),
                    pattern,
                    verdict: Verdict::Unknown,
                    trace: None,
                    message: "not checked: at most 64 eventually/before/after properties".into(),
                });
                continue;
            }
            let sometimes = matches!(p.pattern, Pattern::Sometimes(_));
            let message = match &p.pattern {
                Pattern::Never(_) => "a reachable state satisfies it",
                Pattern::Always(_) => "a reachable state breaks it",
                Pattern::Sometimes(_) => "no explored state satisfies it",
                Pattern::Eventually(_) => "a complete path never satisfies it",
                Pattern::Before { .. } => "`then` holds before `first` ever held",
                Pattern::After { .. } => "a complete path ends with the response still owed",
            };
            results.push(verdict(
                &p.name, pattern, sometimes, *f, complete, message, &trace,
            ));
        }
        let mut outcome_list: Vec<(usize, Status, u32)> = outcomes
            .into_iter()
            .map(|(status, (node, order))| (order, status, node))
            .collect();
        outcome_list.sort();
        let outcomes = outcome_list
            .into_iter()
            .filter_map(|(_, status, node)| {
                trace(Found {
                    node,
                    refused_move: None,
                })
                .map(|t| (status, t))
            })
            .collect();
        let dead_steps = if cut_everything {
            Vec::new()
        } else {
            self.model
                .runbook()
                .steps()
                .iter()
                .zip(&executed)
                .filter(|(_, e)| !**e)
                .map(|(s, _)| s.step.name.clone())
                .collect()
        };
        Report {
            stats,
            outcomes,
            dead_steps,
            properties: results,
        }
    }
}

fn verdict(
    name: &str,
    pattern: &'static str,
    sometimes: bool,
    found: Option<Found>,
    complete: bool,
    violation: &str,
    trace: &dyn Fn(Found) -> Option<Trace>,
) -> PropertyResult {
    let (verdict, t, message) = match (found, sometimes, complete) {
        (Some(f), true, _) => (
            Verdict::Holds,
            trace(f),
            "reachable: a shortest witness".into(),
        ),
        (Some(f), false, _) => (Verdict::Violated, trace(f), violation.to_owned()),
        (None, true, true) => (Verdict::Violated, None, violation.to_owned()),
        (None, false, true) => (
            Verdict::Holds,
            None,
            "holds on every explored path".to_owned(),
        ),
        (None, _, false) => (
            Verdict::Unknown,
            None,
            "no violation found, but the exploration was cut short".to_owned(),
        ),
    };
    PropertyResult {
        name: name.to_owned(),
        pattern,
        verdict,
        trace: t,
        message,
    }
}

/// The fingerprint of a state: a fixed-key 128-bit hash.
fn fingerprint(h: &mut ChunkHasher, ex: &World, now: SimTime, memory: u64) -> u128 {
    h.clear();
    ex.hash(h);
    now.hash(h);
    memory.hash(h);
    h.finish128()
}

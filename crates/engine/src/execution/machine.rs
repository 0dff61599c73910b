//! The execution state machine: one runbook execution, driven by
//! [`Input`]s, producing [`Event`]s.
//!
//! This module owns the flow: starting steps, finishing them, choosing the
//! next one (`nextStep`, `onFailure`, branches, loops, `isEnd`), retries,
//! time-outs, cancellation and the final status. What each action does when
//! it starts and when its answer arrives lives in [`super::actions`];
//! signals and stops in [`super::signals`]. Nothing here reads a clock or
//! performs I/O: time is the `now` argument, and work outside the engine is
//! requested through events.

use super::events::Events;
use super::ids::{Id, IdGen};
use super::status::{FailureStage, FailureType, Mode, Status};
use super::types::*;
use crate::clock::SimTime;
use crate::document::OnCancel;
use crate::runbook::{FailureRoute, Route, Runbook, Successor};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// The longest the cancel workflow (`onCancel: step:X`) may run.
pub const CANCEL_WORKFLOW_MS: i64 = 120_000;

/// Bounds on one execution; each overrun ends it with a message naming the limit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExecutionLimits {
    /// Most steps started (default 10,000).
    pub max_steps_executed: u64,
    /// Most signals accepted or refused (default 10,000).
    pub max_signals: u64,
    /// Deepest nesting of child executions (default 5).
    pub max_child_depth: u32,
}

impl Default for ExecutionLimits {
    fn default() -> Self {
        ExecutionLimits {
            max_steps_executed: 10_000,
            max_signals: 10_000,
            max_child_depth: 5,
        }
    }
}

/// Who and where an execution runs: fixed at creation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExecutionConfig {
    /// `AutomationExecutionId` (36 characters).
    pub execution_id: String,
    /// `ExecutedBy`.
    pub executed_by: String,
    /// `ParentAutomationExecutionId`, for child executions.
    pub parent_execution_id: Option<String>,
    /// How deep in a chain of child executions this one is (0 for top level).
    pub depth: u32,
    /// `global:ACCOUNT_ID` (shared: every execution of a service has the same).
    pub account_id: Arc<str>,
    /// `global:REGION` (shared likewise).
    pub region: Arc<str>,
    /// `global:AWS_PARTITION` (shared likewise).
    pub partition: Arc<str>,
    /// Seed of the step execution id generator.
    pub seed: u64,
    /// Limits.
    pub limits: ExecutionLimits,
}

impl ExecutionConfig {
    /// A configuration with the documented defaults: account 123456789012,
    /// region us-east-1, partition aws.
    pub fn new(execution_id: impl Into<String>, executed_by: impl Into<String>) -> Self {
        ExecutionConfig {
            execution_id: execution_id.into(),
            executed_by: executed_by.into(),
            parent_execution_id: None,
            depth: 0,
            account_id: shared_default(&DEFAULT_ACCOUNT),
            region: shared_default(&DEFAULT_REGION),
            partition: shared_default(&DEFAULT_PARTITION),
            seed: 0,
            limits: ExecutionLimits::default(),
        }
    }
}

static DEFAULT_ACCOUNT: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("123456789012"));
static DEFAULT_REGION: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("us-east-1"));
static DEFAULT_PARTITION: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("aws"));

/// A default account, region or partition: one allocation per process,
/// shared by every configuration that keeps it.
fn shared_default(value: &LazyLock<Arc<str>>) -> Arc<str> {
    Arc::clone(value)
}

/// What the running step is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Waiting for [`Input::ActionFinished`].
    Action { request_id: Id },
    /// `aws:waitForAwsResourceProperty` between polls.
    PollWait { wake: SimTime },
    /// `aws:approve` waiting for decisions.
    Approval {
        approvers: Arc<[String]>,
        min: u32,
        /// In the order they were made (shared: a clone of the execution
        /// copies a pointer; a decision makes a new list).
        decisions: Arc<[Decision]>,
    },
    /// `aws:pause` waiting for Resume.
    Paused,
    /// `aws:sleep` until `wake`.
    Sleeping { wake: SimTime },
    /// `aws:executeAutomation` waiting for the child.
    Child { request_id: Id, execution_id: Id },
    /// An `aws:loop` whose body is running.
    LoopBody,
}

/// Hashed field by field like a derived `Hash`, except an approval's
/// approvers: they are read from the inputs of the step's record, which
/// the execution's hash covers, so only their number is written (the
/// model checker hashes every state; the approvers' ARNs were most of it).
impl std::hash::Hash for Phase {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Phase::Action { request_id } => {
                state.write_u8(0);
                state.write(request_id.as_bytes());
            }
            Phase::PollWait { wake } => {
                state.write_u8(1);
                wake.hash(state);
            }
            Phase::Approval {
                approvers,
                min,
                decisions,
            } => {
                state.write_u8(2);
                state.write_usize(approvers.len());
                min.hash(state);
                decisions.hash(state);
            }
            Phase::Paused => state.write_u8(3),
            Phase::Sleeping { wake } => {
                state.write_u8(4);
                wake.hash(state);
            }
            Phase::Child {
                request_id,
                execution_id,
            } => {
                state.write_u8(5);
                state.write(request_id.as_bytes());
                state.write(execution_id.as_bytes());
            }
            Phase::LoopBody => state.write_u8(6),
        }
    }
}

/// One approver's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Decision {
    /// Index into the step's approvers (at most 10).
    pub approver: usize,
    pub approve: bool,
    pub at: SimTime,
}

/// The step that is running (there is at most one outside loop bodies; a
/// loop and its running inner step are both on the stack).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Active {
    /// Index into `Execution::steps`.
    pub exec: usize,
    pub phase: Phase,
    /// When the current attempt times out.
    pub deadline: Option<SimTime>,
}

/// A running `aws:loop`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoopFrame {
    pub exec: usize,
    pub step: usize,
    pub iteration: u32,
    /// The iterator values, shared by every clone of the execution.
    pub items: Option<Arc<[String]>>,
    pub max: u32,
}

/// Hashed like a derived `Hash`, except the iterator values: they are read
/// from the loop record's inputs, which the execution's hash covers, so
/// only their number is written.
impl std::hash::Hash for LoopFrame {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.exec);
        state.write_usize(self.step);
        state.write_u32(self.iteration);
        match &self.items {
            None => state.write_u8(0),
            Some(items) => {
                state.write_u8(1);
                state.write_usize(items.len());
            }
        }
        state.write_u32(self.max);
    }
}

/// How a step attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StepEnd {
    Success {
        next: Option<usize>,
    },
    Failed {
        stage: FailureStage,
        failure_type: FailureType,
        message: String,
    },
    TimedOut {
        message: String,
    },
    Cancelled,
}

/// What an execution fixes when it starts and never changes afterwards:
/// the runbook, the configuration, the parameters and the inputs they
/// resolve. One `Arc` holds them all, so a clone of the execution (the
/// model checker makes one per move) touches one reference count instead
/// of four, and their hash is computed once for every clone.
#[derive(Debug, Clone)]
pub(crate) struct Fixed {
    pub(crate) runbook: Arc<Runbook>,
    pub(crate) config: ExecutionConfig,
    pub(crate) parameters: Inputs,
    /// Per step, its inputs resolved when the execution started, for the
    /// steps whose inputs read only what is fixed then
    /// ([`crate::runbook::FlatStep::start_fixed`]). A function of the
    /// runbook, configuration and parameters: not compared or hashed.
    pub(crate) fixed_inputs: Arc<[Option<Inputs>]>,
    /// The hash of `config` and `parameters`, computed when an execution
    /// is first hashed (a run that is never hashed, as in `ssm-runbook
    /// run`, never pays for it).
    pub(crate) hash: super::hashing::Remembered,
    /// Inputs resolved so far, by step and the values they read: shared
    /// by every clone, never compared or hashed (a cache; see
    /// [`super::memo`]).
    pub(crate) memo: super::memo::InputsMemo,
}

/// One execution of a runbook.
///
/// ```
/// use std::sync::Arc;
/// use ssm_runbook_engine::clock::SimTime;
/// use ssm_runbook_engine::execution::{Execution, ExecutionConfig, Input, Mode, SignalType, Status};
/// use ssm_runbook_engine::runbook::Runbook;
/// use ssm_runbook_engine::validate::validate_text;
/// let doc = validate_text("schemaVersion: '0.3'\nmainSteps:\n- name: Approve\n  action: aws:approve\n  inputs: {Approvers: ['arn:aws:iam::111122223333:user/alice']}\n").document.unwrap();
/// let rb = Arc::new(Runbook::compile(doc, "Demo", "1").unwrap());
/// let id = "0123456789abcdef0123456789abcdef0123".to_string();
/// let mut ex = Execution::new(rb, ExecutionConfig::new(id, "arn:aws:iam::111122223333:user/alice"));
/// ex.apply(Input::Start { parameters: Default::default(), mode: Mode::Auto }, SimTime(0)).unwrap();
/// assert_eq!(ex.status(), Status::Waiting);
/// ex.apply(Input::Signal { signal: SignalType::Approve, payload: Default::default(),
///     principal: "arn:aws:iam::111122223333:user/alice".into() }, SimTime(1000)).unwrap();
/// assert_eq!(ex.status(), Status::Success);
/// ```
#[derive(Debug, Clone)]
pub struct Execution {
    /// What the start fixes, shared by every clone through one pointer.
    pub(crate) fixed: Arc<Fixed>,
    pub(crate) status: Status,
    pub(crate) mode: Mode,
    pub(crate) start_time: Option<SimTime>,
    pub(crate) end_time: Option<SimTime>,
    pub(crate) variables: BTreeMap<String, Value>,
    pub(crate) steps: Records,
    pub(crate) active: Vec<Active>,
    pub(crate) loops: Vec<LoopFrame>,
    pub(crate) critical: Option<Status>,
    pub(crate) failure_message: Option<String>,
    /// The cancel workflow's deadline, once a cancel is under way.
    pub(crate) cancel_deadline: Option<SimTime>,
    pub(crate) ids: IdGen,
    pub(crate) steps_executed: u64,
    pub(crate) signals: u64,
}

/// The step execution records, each shared copy-on-write: cloning an
/// execution (as the model checker does for every move) copies pointers,
/// and writing through `records[i]` copies only the record it changes.
///
/// Slots `0..n` belong to the `n` main steps, in order, from the start; a
/// main step that has not run yet has an empty slot and no record at all
/// (its `Pending` record is made only when it is shown, see
/// [`Execution::step_executions`]), so a waiting execution holds records
/// only for the steps that ran. Records made later (loop iterations, steps
/// run again) follow in creation order.
///
/// Each record's hash is remembered until the record changes, so hashing
/// an execution (the model checker fingerprints every state) rehashes only
/// the records a transition touched.
#[derive(Debug, Clone, Default)]
pub(crate) struct Records {
    slots: Vec<Slot>,
}

/// One slot: its record, if the step ran, and the record's remembered
/// hash.
#[derive(Debug, Clone, Default)]
struct Slot {
    record: Option<Arc<StepExecution>>,
    hash: super::hashing::Remembered,
}

impl Slot {
    fn forget_hash(&mut self) {
        self.hash.forget();
    }

    fn hash(&self, runbook: &Runbook, fixed: &[Option<Inputs>]) -> u64 {
        // Fixed keys: the same record always hashes the same.
        self.hash.get_or(|| match &self.record {
            Some(record) => record_hash(record, runbook, fixed),
            None => 0,
        })
    }
}

impl Records {
    /// Add a record after the others; its slot.
    #[inline]
    pub(crate) fn push(&mut self, record: StepExecution) -> usize {
        self.slots.push(Slot {
            record: Some(Arc::new(record)),
            hash: super::hashing::Remembered::default(),
        });
        self.slots.len() - 1
    }
    /// Add `n` empty slots (main steps not run yet).
    pub(crate) fn push_pending(&mut self, n: usize) {
        self.slots.resize_with(self.slots.len() + n, Slot::default);
    }
    /// Put the first record of a main step into its empty slot.
    #[inline]
    pub(crate) fn fill(&mut self, slot: usize, record: StepExecution) {
        if let Some(s) = self.slots.get_mut(slot) {
            s.record = Some(Arc::new(record));
            s.forget_hash();
        }
    }
    /// Whether `slot` is a main step's empty slot.
    pub(crate) fn is_pending(&self, slot: usize) -> bool {
        self.slots.get(slot).is_some_and(|s| s.record.is_none())
    }
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }
    /// Every record made so far, in slot order (empty slots skipped).
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &StepExecution> + '_ {
        self.slots.iter().filter_map(|s| s.record.as_deref())
    }
    /// Every slot, with its record if it has one.
    pub(crate) fn slots(
        &self,
    ) -> impl DoubleEndedIterator<Item = Option<&Arc<StepExecution>>> + ExactSizeIterator + '_ {
        self.slots.iter().map(|s| s.record.as_ref())
    }
}

impl PartialEq for Records {
    fn eq(&self, other: &Self) -> bool {
        self.slots.len() == other.slots.len()
            && self
                .slots
                .iter()
                .zip(&other.slots)
                .all(|(a, b)| a.record == b.record)
    }
}

impl Eq for Records {}

impl Records {
    /// Hash the records into `state`, each by its remembered hash.
    fn hash_into<H: std::hash::Hasher>(
        &self,
        runbook: &Runbook,
        fixed: &[Option<Inputs>],
        state: &mut H,
    ) {
        state.write_usize(self.slots.len());
        for slot in &self.slots {
            state.write_u64(slot.hash(runbook, fixed));
        }
    }
}

/// Write an id's 36 bytes as four words and a half: a few multiplies
/// instead of the byte-string path.
fn write_id(h: &mut impl std::hash::Hasher, id: &Id) {
    let bytes = id.as_bytes();
    let (words, tail) = bytes.split_at(32);
    for chunk in words.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h.write_u64(u64::from_le_bytes(word));
    }
    let mut last = [0u8; 4];
    last.copy_from_slice(tail);
    h.write_u32(u32::from_le_bytes(last));
}

/// A record's hash: every field that can differ between two records of the
/// same step. Its name and action follow from the step, and so do shared
/// inputs (a step with placeholder-free inputs always runs with the
/// runbook's map, one whose inputs were resolved at the start with that
/// map), so those are not hashed again each time: records equal as values
/// still hash alike.
fn record_hash(record: &StepExecution, runbook: &Runbook, fixed: &[Option<Inputs>]) -> u64 {
    use std::hash::Hash;
    let StepExecution {
        id,
        step,
        step_name: _,
        action: _,
        status,
        start_time,
        end_time,
        inputs,
        outputs,
        response,
        failure_message,
        failure_details,
        valid_next_steps,
        parent,
        attempts,
        requests,
    } = record;
    use std::hash::Hasher;
    let mut h = super::hashing::record_hasher();
    let shared = runbook
        .steps()
        .get(*step)
        .and_then(|flat| flat.static_inputs.as_ref())
        .or_else(|| fixed.get(*step).and_then(Option::as_ref))
        .is_some_and(|shared| Arc::ptr_eq(shared, inputs));
    // Packed: the status and which optional fields follow in one word,
    // the counters in another; then each field that is present, in a
    // fixed order, so the sequence of writes is read back unambiguously.
    let bit = |on: bool, at: u32| u64::from(on) << at;
    write_id(&mut h, id);
    h.write_usize(*step);
    h.write_u64(
        *status as u64
            | bit(start_time.is_some(), 8)
            | bit(end_time.is_some(), 9)
            | bit(!shared, 10)
            | bit(response.is_some(), 11)
            | bit(failure_message.is_some(), 12)
            | bit(failure_details.is_some(), 13)
            | bit(valid_next_steps.is_some(), 14)
            | bit(parent.is_some(), 15),
    );
    h.write_u64(u64::from(*attempts) | u64::from(*requests) << 32);
    for t in [start_time, end_time].into_iter().flatten() {
        h.write_i64(t.0);
    }
    if !shared {
        inputs.hash(&mut h);
    }
    outputs.hash(&mut h);
    if let Some(r) = response {
        r.hash(&mut h);
    }
    if let Some(m) = failure_message {
        m.hash(&mut h);
    }
    if let Some(d) = failure_details {
        d.hash(&mut h);
    }
    // Which steps may follow is a function of the step, its status and
    // its outputs (a branch's choice), all hashed here; only whether the
    // list is shown (a step cancelled before it finished has none) and
    // its length are written.
    if let Some(next) = valid_next_steps {
        h.write_usize(next.len());
    }
    // The loop's name and action follow from this record's step.
    if let Some(p) = parent.as_deref() {
        write_id(&mut h, &p.step_execution_id);
        h.write_u32(p.iteration);
        p.iterator_value.hash(&mut h);
    }
    h.finish()
}

impl std::ops::Index<usize> for Records {
    type Output = StepExecution;
    /// The record in `slot`. Only slots of steps that have run are read
    /// this way (the active steps, and records found by searching).
    fn index(&self, slot: usize) -> &StepExecution {
        match self.slots[slot].record.as_deref() {
            Some(record) => record,
            None => panic!("step record slot {slot} is empty: the step has not run"),
        }
    }
}

impl std::ops::IndexMut<usize> for Records {
    fn index_mut(&mut self, slot: usize) -> &mut StepExecution {
        let slot_ref = &mut self.slots[slot];
        slot_ref.forget_hash();
        match slot_ref.record.as_mut() {
            Some(record) => Arc::make_mut(record),
            None => panic!("step record slot {slot} is empty: the step has not run"),
        }
    }
}

impl PartialEq for Execution {
    fn eq(&self, other: &Self) -> bool {
        (Arc::ptr_eq(&self.fixed, &other.fixed)
            || Arc::ptr_eq(&self.fixed.runbook, &other.fixed.runbook)
                && self.fixed.config == other.fixed.config
                && self.fixed.parameters == other.fixed.parameters)
            && self.state_key() == other.state_key()
            && self.steps == other.steps
    }
}

impl Eq for Execution {}

impl std::hash::Hash for Execution {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // The configuration and parameters never change once started:
        // their hash is computed once, not on every call.
        let fixed = &*self.fixed;
        state.write_u64(
            fixed
                .hash
                .get_or(|| super::hashing::hash_of(&(&fixed.config, &*fixed.parameters))),
        );
        self.hash_state(state);
        self.steps
            .hash_into(&self.fixed.runbook, &self.fixed.fixed_inputs, state);
    }
}

/// Every field that changes after the start, records aside (those are
/// compared directly and hashed through their remembered hashes). Compared
/// by `eq`; [`Execution::hash_state`] hashes the same fields, packed, and
/// must hash nothing this key leaves out.
type StateKey<'a> = (
    (Status, Mode, Option<SimTime>, Option<SimTime>),
    &'a BTreeMap<String, Value>,
    (
        &'a [Active],
        &'a [LoopFrame],
        Option<Status>,
        &'a Option<String>,
        Option<SimTime>,
    ),
    (&'a IdGen, u64, u64),
);

impl Execution {
    fn state_key(&self) -> StateKey<'_> {
        (
            (self.status, self.mode, self.start_time, self.end_time),
            &self.variables,
            (
                &self.active,
                &self.loops,
                self.critical,
                &self.failure_message,
                self.cancel_deadline,
            ),
            (&self.ids, self.steps_executed, self.signals),
        )
    }

    /// Hash what [`Self::state_key`] compares, packed: the statuses, the
    /// mode and which optional fields are set in one word, the lengths in
    /// another, then the values that are there. Equal keys hash alike; the
    /// packing only writes fewer, fuller words than a derived `Hash` (which
    /// spends eight bytes on each discriminant), so the fingerprint's XXH3
    /// runs over fewer bytes.
    fn hash_state<H: std::hash::Hasher>(&self, state: &mut H) {
        use std::hash::Hash;
        let bit = |on: bool, at: u32| u64::from(on) << at;
        state.write_u64(
            self.status as u64
                | (self.mode as u64) << 8
                | self.critical.map_or(0, |s| s as u64 + 1) << 16
                | bit(self.start_time.is_some(), 24)
                | bit(self.end_time.is_some(), 25)
                | bit(self.cancel_deadline.is_some(), 26)
                | bit(self.failure_message.is_some(), 27),
        );
        // Each length below 2^20 (they are bounded by the runbook).
        let len = |n: usize| (n as u64).min((1 << 20) - 1);
        state.write_u64(
            len(self.active.len()) | len(self.loops.len()) << 20 | len(self.variables.len()) << 40,
        );
        for t in [self.start_time, self.end_time, self.cancel_deadline]
            .into_iter()
            .flatten()
        {
            state.write_i64(t.0);
        }
        for (name, value) in &self.variables {
            name.hash(state);
            value.hash(state);
        }
        for a in &self.active {
            state.write_u64(a.exec as u64 | bit(a.deadline.is_some(), 63));
            if let Some(t) = a.deadline {
                state.write_i64(t.0);
            }
            a.phase.hash(state);
        }
        for frame in &self.loops {
            frame.hash(state);
        }
        if let Some(message) = &self.failure_message {
            message.hash(state);
        }
        self.ids.hash(state);
        state.write_u64(self.steps_executed);
        state.write_u64(self.signals);
    }

    /// A new execution, `Pending` until [`Input::Start`].
    pub fn new(runbook: Arc<Runbook>, config: ExecutionConfig) -> Execution {
        let ids = IdGen::new(config.seed);
        Execution {
            fixed: Arc::new(Fixed {
                runbook,
                config,
                parameters: empty_map(),
                fixed_inputs: Arc::from([]),
                hash: super::hashing::Remembered::default(),
                memo: super::memo::InputsMemo::default(),
            }),
            status: Status::Pending,
            mode: Mode::Auto,
            start_time: None,
            end_time: None,
            variables: BTreeMap::new(),
            steps: Records::default(),
            active: Vec::new(),
            loops: Vec::new(),
            critical: None,
            failure_message: None,
            cancel_deadline: None,
            ids,
            steps_executed: 0,
            signals: 0,
        }
    }

    /// The execution's status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The execution's id.
    pub fn id(&self) -> &str {
        &self.fixed.config.execution_id
    }

    /// The compiled runbook.
    pub fn runbook(&self) -> &Arc<Runbook> {
        &self.fixed.runbook
    }

    /// The configuration.
    pub fn config(&self) -> &ExecutionConfig {
        &self.fixed.config
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Every step execution as the API lists them: the main steps in
    /// order (`Pending` ones included, each with the id it will run
    /// under), then the records made later (loop iterations, steps run
    /// again), in creation order. Records of steps that ran are borrowed
    /// (and shared between clones of an execution until one of them changes
    /// a record); `Pending` ones are made on the fly.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ssm_runbook_engine::clock::SimTime;
    /// use ssm_runbook_engine::execution::{Execution, ExecutionConfig, Input, Mode, Status};
    /// use ssm_runbook_engine::runbook::Runbook;
    /// use ssm_runbook_engine::validate::validate_text;
    /// let doc = validate_text("schemaVersion: '0.3'\nmainSteps:\n- name: Wait\n  action: aws:pause\n  inputs: {}\n- name: Later\n  action: aws:sleep\n  inputs: {Duration: PT1M}\n").document.unwrap();
    /// let rb = Arc::new(Runbook::compile(doc, "Demo", "1").unwrap());
    /// let mut ex = Execution::new(rb, ExecutionConfig::new("0123456789abcdef0123456789abcdef0123", "arn:aws:iam::111122223333:user/alice"));
    /// ex.apply(Input::Start { parameters: Default::default(), mode: Mode::Auto }, SimTime(0)).unwrap();
    /// let steps: Vec<_> = ex.step_executions().map(|s| (s.step_name.to_string(), s.status)).collect();
    /// assert_eq!(steps, [("Wait".to_string(), Status::Waiting), ("Later".to_string(), Status::Pending)]);
    /// ```
    pub fn step_executions(
        &self,
    ) -> impl DoubleEndedIterator<Item = std::borrow::Cow<'_, StepExecution>> + '_ {
        self.steps
            .slots()
            .enumerate()
            .filter_map(|(slot, record)| match record {
                Some(r) => Some(self.shown_record(slot, r)),
                None => self.pending_record(slot).map(std::borrow::Cow::Owned),
            })
    }

    /// The record in `slot` as shown: a waiting approval's decisions so
    /// far, kept as data while it waits, appear as its `ApproverDecisions`.
    fn shown_record<'a>(
        &'a self,
        slot: usize,
        record: &'a StepExecution,
    ) -> std::borrow::Cow<'a, StepExecution> {
        let decisions = self
            .active
            .iter()
            .find(|a| a.exec == slot)
            .and_then(|a| approver_decisions(&a.phase));
        match decisions {
            Some(decided) => {
                let mut shown = record.clone();
                decided.keep_in(&mut shown.outputs);
                std::borrow::Cow::Owned(shown)
            }
            None => std::borrow::Cow::Borrowed(record),
        }
    }

    /// The records of the steps that have run (or are running), in the
    /// order of [`Self::step_executions`], without the `Pending` main steps:
    /// borrowed, never built. What a caller that looks for statuses,
    /// outputs or attempts of steps that ran wants, at no cost. (A waiting
    /// approval's decisions so far are not in its record until it ends;
    /// [`Self::step_executions`] shows them.)
    pub fn step_records(&self) -> impl DoubleEndedIterator<Item = &StepExecution> + '_ {
        self.steps.iter()
    }

    /// Whether step `ix` is a main step that has not run yet (the one step
    /// [`Self::step_records`] leaves out).
    pub fn not_yet_run(&self, ix: usize) -> bool {
        self.fixed
            .runbook
            .main_position(ix)
            .is_some_and(|slot| self.steps.is_pending(slot))
    }

    /// The inputs every run of step `ix` shares, if they are fixed: the
    /// runbook's when they hold no placeholder, else those resolved at the
    /// start when they read only what was fixed then.
    pub(crate) fn shared_inputs(&self, ix: usize) -> Option<&Inputs> {
        self.fixed
            .runbook
            .step(ix)
            .static_inputs
            .as_ref()
            .or_else(|| self.fixed.fixed_inputs.get(ix).and_then(Option::as_ref))
    }

    /// The `Pending` record of the main step in empty `slot`, with the id
    /// the step will run under (main steps draw their ids first, in order).
    fn pending_record(&self, slot: usize) -> Option<StepExecution> {
        let ix = self.fixed.runbook.main_step_at(slot)?;
        Some(self.make_record(ix, None, self.main_step_id(slot), empty_map(), None))
    }

    /// The id of the main step in `slot`: main steps draw the first ids of
    /// the seed, in order, when the execution starts.
    fn main_step_id(&self, slot: usize) -> Id {
        IdGen::new(self.fixed.config.seed)
            .nth_ahead(slot as u64)
            .next_id()
    }

    /// The slot of the step execution with this id, whether it ran or not.
    pub(crate) fn slot_of_id(&self, id: &str) -> Option<usize> {
        self.steps
            .slots()
            .enumerate()
            .position(|(slot, record)| match record {
                Some(r) => r.id == id,
                None => self.main_step_id(slot) == id,
            })
    }

    /// Typed parameter values.
    pub fn parameters(&self) -> &BTreeMap<String, Value> {
        self.fixed.parameters.as_map()
    }

    /// Typed variable values.
    pub fn variables(&self) -> &BTreeMap<String, Value> {
        &self.variables
    }

    /// `ExecutionStartTime` and `ExecutionEndTime`.
    pub fn times(&self) -> (Option<SimTime>, Option<SimTime>) {
        (self.start_time, self.end_time)
    }

    /// `FailureMessage`.
    pub fn failure_message(&self) -> Option<&str> {
        self.failure_message.as_deref()
    }

    /// The external action requests waiting for an answer.
    pub fn pending_actions(&self) -> Vec<ActionRequest> {
        self.active
            .iter()
            .filter_map(|a| match &a.phase {
                Phase::Action { request_id } => Some(self.request_for(a.exec, *request_id)),
                _ => None,
            })
            .collect()
    }

    /// The child execution this one waits for: `(request_id, execution_id)`.
    pub fn pending_child(&self) -> Option<(Id, Id)> {
        self.active.iter().find_map(|a| match a.phase {
            Phase::Child {
                request_id,
                execution_id,
            } => Some((request_id, execution_id)),
            _ => None,
        })
    }

    /// The step currently running or waiting (the innermost one).
    pub fn current_step(&self) -> Option<&StepExecution> {
        self.active.last().map(|a| &self.steps[a.exec])
    }

    pub(crate) fn request_for(&self, exec: usize, request_id: Id) -> ActionRequest {
        self.request_without_inputs(exec, request_id, Arc::clone(&self.steps[exec].inputs))
    }

    /// The request of step execution `exec` with these resolved inputs.
    pub(crate) fn request_without_inputs(
        &self,
        exec: usize,
        request_id: Id,
        inputs: Inputs,
    ) -> ActionRequest {
        let se = &self.steps[exec];
        ActionRequest {
            request_id,
            step_execution_id: se.id,
            step_name: Arc::clone(&se.step_name),
            action: Arc::clone(&se.action),
            attempt: se.requests,
            inputs,
        }
    }

    /// The earliest time at which [`Input::Advance`] changes something.
    pub fn next_deadline(&self) -> Option<SimTime> {
        if self.status.is_terminal() {
            return None;
        }
        let mut best = self.cancel_deadline;
        for a in &self.active {
            for t in [a.deadline, phase_wake(&a.phase)].into_iter().flatten() {
                best = Some(best.map_or(t, |b| b.min(t)));
            }
        }
        best
    }

    /// Apply one input at time `now`. A refused input leaves the execution
    /// unchanged and says why, with SSM's exception name.
    pub fn apply(&mut self, input: Input, now: SimTime) -> Result<Vec<Event>, Refusal> {
        let mut ev = Vec::new();
        self.apply_into(input, now, &mut ev)?;
        Ok(ev)
    }

    /// [`Self::apply`], appending the events to `ev` instead of returning a
    /// new vector, so that a driver applying many inputs reuses one buffer.
    /// A refused input appends nothing.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ssm_runbook_engine::clock::SimTime;
    /// use ssm_runbook_engine::execution::{Event, Execution, ExecutionConfig, Input, Mode, Status};
    /// use ssm_runbook_engine::runbook::Runbook;
    /// use ssm_runbook_engine::validate::validate_text;
    /// let doc = validate_text("schemaVersion: '0.3'\nmainSteps:\n- name: Nap\n  action: aws:sleep\n  inputs: {Duration: PT1M}\n").document.unwrap();
    /// let rb = Arc::new(Runbook::compile(doc, "Demo", "1").unwrap());
    /// let mut ex = Execution::new(rb, ExecutionConfig::new("0123456789abcdef0123456789abcdef0123", "arn:aws:iam::111122223333:user/alice"));
    /// let start = || Input::Start { parameters: Default::default(), mode: Mode::Auto };
    /// let mut events = Vec::new();
    /// ex.apply_into(start(), SimTime(0), &mut events).unwrap();
    /// let started = events.len();
    /// assert!(ex.apply_into(start(), SimTime(0), &mut events).is_err());
    /// assert_eq!(events.len(), started);
    /// events.clear();
    /// ex.apply_into(Input::Advance, SimTime(60_000), &mut events).unwrap();
    /// assert_eq!(ex.status(), Status::Success);
    /// assert_eq!(events.last(), Some(&Event::ExecutionStatus { status: Status::Success }));
    /// ```
    pub fn apply_into(
        &mut self,
        input: Input,
        now: SimTime,
        ev: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        // A transition makes a handful of events: room for them at once.
        ev.reserve(8);
        self.transition(input, now, &mut Events::all(ev))
    }

    /// [`Self::apply_into`], keeping only the events about child
    /// executions ([`Event::concerns_children`]), which a driver must act
    /// on and cannot read from the execution. Everything else an event
    /// would report is there to read: the statuses, the step records, the
    /// requests waiting for an answer ([`Self::pending_actions`]). The
    /// model checker applies every move this way and skips making events
    /// it would drop. The execution ends the same either way.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ssm_runbook_engine::clock::SimTime;
    /// use ssm_runbook_engine::execution::{Execution, ExecutionConfig, Input, Mode, Status};
    /// use ssm_runbook_engine::runbook::Runbook;
    /// use ssm_runbook_engine::validate::validate_text;
    /// let doc = validate_text("schemaVersion: '0.3'\nmainSteps:\n- name: Call\n  action: aws:executeAwsApi\n  inputs: {Service: ec2, Api: DescribeRegions}\n").document.unwrap();
    /// let rb = Arc::new(Runbook::compile(doc, "Demo", "1").unwrap());
    /// let config = ExecutionConfig::new("0123456789abcdef0123456789abcdef0123", "arn:aws:iam::111122223333:user/alice");
    /// let (mut a, mut b) = (Execution::new(rb.clone(), config.clone()), Execution::new(rb, config));
    /// let start = || Input::Start { parameters: Default::default(), mode: Mode::Auto };
    /// let mut events = Vec::new();
    /// a.apply_for_children(start(), SimTime(0), &mut events).unwrap();
    /// assert!(events.is_empty(), "no child was asked for");
    /// b.apply_into(start(), SimTime(0), &mut events).unwrap();
    /// assert!(!events.is_empty());
    /// assert!(a == b);
    /// assert_eq!(a.pending_actions().len(), 1);
    /// ```
    pub fn apply_for_children(
        &mut self,
        input: Input,
        now: SimTime,
        children: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        self.transition(input, now, &mut Events::about_children(children))
    }

    fn transition(
        &mut self,
        input: Input,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Result<(), Refusal> {
        if let Err(refusal) = self.dispatch(input, now, ev) {
            // Refusals come before any change; no event of theirs stays.
            ev.forget();
            return Err(refusal);
        }
        // The check scans every step record: after every transition while
        // an execution is small, every 64th once it is long, so runaway runs
        // (10,000 steps) stay linear in debug builds too.
        if cfg!(debug_assertions) && (self.steps.len() <= 512 || self.signals_and_steps() % 64 == 0)
        {
            if let Err(broken) = self.check_invariants() {
                debug_assert!(false, "execution invariant broken: {broken}");
            }
        }
        Ok(())
    }

    fn dispatch(&mut self, input: Input, now: SimTime, ev: &mut Events<'_>) -> Result<(), Refusal> {
        match input {
            Input::Start { parameters, mode } => self.start(parameters, mode, now, ev),
            Input::Signal {
                signal,
                payload,
                principal,
            } => self.signal(signal, &payload, &principal, now, ev),
            Input::Stop(stop) => self.stop(stop, now, ev),
            Input::ActionFinished {
                request_id,
                outcome,
            } => self.action_finished(request_id, outcome, now, ev),
            Input::ChildFinished {
                request_id,
                execution_id,
                status,
                outputs,
            } => self.child_finished(request_id, &execution_id, status, outputs, now, ev),
            Input::ChildNotStarted { request_id, reason } => {
                self.child_not_started(request_id, &reason, now, ev)
            }
            Input::Advance => {
                self.advance(now, ev);
                Ok(())
            }
        }
    }

    fn start(
        &mut self,
        parameters: BTreeMap<String, Value>,
        mode: Mode,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Result<(), Refusal> {
        if self.status != Status::Pending {
            return Err(Refusal::status_update("the execution has already started"));
        }
        // Unshared until the start: no copy is made here.
        let fixed = Arc::make_mut(&mut self.fixed);
        fixed.parameters = if parameters.is_empty() {
            empty_map()
        } else {
            Arc::new(parameters.into())
        };
        // The parameters changed: hashed again when next asked.
        fixed.hash.forget();
        let fixed_inputs = self.resolve_fixed_inputs(now);
        Arc::make_mut(&mut self.fixed).fixed_inputs = fixed_inputs;
        self.mode = mode;
        self.start_time = Some(now);
        for (name, var) in &self.fixed.runbook.document.variables {
            let value = var.default.clone().unwrap_or(Value::Null);
            let value = match (var.ty, &value) {
                (Some(t), Value::String(s)) if !t.admits(&value) => {
                    serde_json::from_str(s).unwrap_or(value.clone())
                }
                _ => value,
            };
            self.variables.insert(name.clone(), value);
        }
        // Every main step is listed from the start, Pending, with its id:
        // the ids are drawn now, the records made when the steps run.
        let main = self.fixed.runbook.main_step_count();
        self.steps.push_pending(main);
        self.ids = self.ids.nth_ahead(main as u64);
        match mode {
            Mode::Auto => {
                self.set_status(Status::InProgress, ev);
                self.goto(Successor::Step(0), now, ev);
            }
            Mode::Interactive => self.set_status(Status::Waiting, ev),
        }
        Ok(())
    }

    /// A record of step `ix`: `Pending`, or `InProgress` in its first
    /// attempt when `started` gives the time it started.
    #[inline]
    fn make_record(
        &self,
        ix: usize,
        parent: Option<ParentStepDetails>,
        id: Id,
        inputs: Inputs,
        started: Option<SimTime>,
    ) -> StepExecution {
        let flat = self.fixed.runbook.step(ix);
        StepExecution {
            id,
            step: ix,
            step_name: Arc::clone(&flat.name),
            action: Arc::clone(&flat.action_name),
            status: match started {
                Some(_) => Status::InProgress,
                None => Status::Pending,
            },
            start_time: started,
            end_time: None,
            inputs,
            outputs: Outputs::default(),
            response: None,
            failure_message: None,
            failure_details: None,
            valid_next_steps: None,
            parent: parent.map(Box::new),
            attempts: u32::from(started.is_some()),
            requests: 0,
        }
    }

    pub(crate) fn set_status(&mut self, status: Status, ev: &mut Events<'_>) {
        if self.status != status {
            self.status = status;
            ev.push(Event::ExecutionStatus { status });
        }
    }

    pub(crate) fn set_step_status(&mut self, exec: usize, status: Status, ev: &mut Events<'_>) {
        record_status(&mut self.steps[exec], status, ev);
    }

    /// Move control to `target` and run until something must wait.
    pub(crate) fn goto(&mut self, mut target: Successor, now: SimTime, ev: &mut Events<'_>) {
        loop {
            if self.status.is_terminal() {
                return;
            }
            let next = match target {
                Successor::End => {
                    self.end_run(None, now, ev);
                    return;
                }
                Successor::LoopEnd(loop_ix) => self.loop_body_done(loop_ix, now, ev),
                Successor::Step(ix) => {
                    // Leaving loops whose body does not contain the target.
                    while let Some(frame) = self.loops.last() {
                        if self.fixed.runbook.is_inside(ix, frame.step) {
                            break;
                        }
                        self.exit_loop(Status::Exited, now, ev);
                    }
                    self.begin_step(ix, now, ev)
                }
            };
            match next {
                Some(t) => target = t,
                None => return,
            }
        }
    }

    /// Start step `ix`. Returns where to go next when the step finished at
    /// once, `None` when it waits.
    fn begin_step(&mut self, ix: usize, now: SimTime, ev: &mut Events<'_>) -> Option<Successor> {
        self.steps_executed += 1;
        if self.steps_executed > self.fixed.config.limits.max_steps_executed {
            let limit = self.fixed.config.limits.max_steps_executed;
            ev.push(Event::LimitExceeded {
                limit: "max_steps_executed",
                value: limit,
            });
            self.failure_message = Some(format!(
                "the execution started more than {limit} steps (limit max_steps_executed)"
            ));
            self.end_run(Some(Status::Failed), now, ev);
            return None;
        }
        let parent = self.loops.last().map(|f| ParentStepDetails {
            step_execution_id: self.steps[f.exec].id,
            step_name: Arc::clone(&self.steps[f.exec].step_name),
            action: "aws:loop",
            iteration: f.iteration,
            iterator_value: f
                .items
                .as_ref()
                .and_then(|items| items.get(f.iteration as usize - 1).cloned()),
        });
        let first_run = if parent.is_none() {
            self.fixed
                .runbook
                .main_position(ix)
                .filter(|&slot| self.steps.is_pending(slot))
        } else {
            None
        };
        let id = match first_run {
            Some(slot) => self.main_step_id(slot),
            None => self.ids.next_id(),
        };
        // Inputs without placeholders are the runbook's, and those fixed
        // at the start were resolved then: either is shared.
        let inputs = match self.shared_inputs(ix) {
            Some(inputs) => Arc::clone(inputs),
            None => empty_map(),
        };
        // Made running, in place: no copy-on-write, no second write.
        ev.push(Event::StepStatus {
            step: ix,
            step_execution_id: id,
            status: Status::InProgress,
        });
        let exec = match first_run {
            Some(slot) => {
                self.steps
                    .fill(slot, self.make_record(ix, parent, id, inputs, Some(now)));
                slot
            }
            None => self
                .steps
                .push(self.make_record(ix, parent, id, inputs, Some(now))),
        };
        let deadline = attempt_deadline(self.fixed.runbook.step(ix).route, now);
        // Mostly one step is active (two in a loop): grow one at a time.
        self.active.reserve_exact(1);
        self.active.push(Active {
            exec,
            phase: Phase::Paused,
            deadline,
        });
        self.start_action(exec, now, ev)
    }

    /// The action of the innermost active step finished: record it and
    /// choose what runs next. Returns the next target, `None` to wait.
    pub(crate) fn finish_step(
        &mut self,
        end: StepEnd,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Option<Successor> {
        let active = self.active.pop()?;
        if self.status == Status::Waiting {
            // A waiting step (approval, pause) ended: the execution runs again.
            self.set_status(Status::InProgress, ev);
        }
        let exec = active.exec;
        let ix = self.steps[exec].step;
        let route = self.fixed.runbook.step(ix).route;
        let (status, failed) = match &end {
            StepEnd::Success { .. } => (Status::Success, false),
            StepEnd::Failed { .. } => (Status::Failed, true),
            StepEnd::TimedOut { .. } => (Status::TimedOut, true),
            StepEnd::Cancelled => (Status::Cancelled, false),
        };
        let success_target = match &end {
            StepEnd::Success { next: Some(n) } => Successor::Step(*n),
            // A branch that matched nothing: isEnd ends the run, else the
            // next step of the list (its nextStep does not apply).
            StepEnd::Success { next: None } if route.is_branch => {
                if route.is_end {
                    Successor::End
                } else {
                    self.fixed.runbook.successor(ix)
                }
            }
            _ => route.next,
        };
        let failure_target = match route.on_failure {
            FailureRoute::Abort => None,
            FailureRoute::Continue => Some(success_target),
            FailureRoute::Step(n) => Some(Successor::Step(n)),
        };
        let valid_next_steps = match (&end, status) {
            (StepEnd::Cancelled, _) => Some(no_next_steps()),
            (_, Status::Success) => self.target_names(success_target),
            _ => failure_target.and_then(|t| self.target_names(t)),
        };
        let decisions = approver_decisions(&active.phase);
        // Every change to the record at once: one copy-on-write check.
        let se = &mut self.steps[exec];
        se.end_time = Some(now);
        if let Some(decided) = decisions {
            decided.keep_in(&mut se.outputs);
        }
        match end {
            StepEnd::Failed {
                stage,
                failure_type,
                message,
            } => {
                se.failure_message = Some(message);
                se.failure_details = Some(Box::new(FailureDetails {
                    stage,
                    failure_type,
                    details: Payload::new(),
                }));
            }
            StepEnd::TimedOut { message } => se.failure_message = Some(message),
            StepEnd::Success { .. } | StepEnd::Cancelled => {}
        }
        se.valid_next_steps = valid_next_steps;
        record_status(se, status, ev);
        if failed && route.is_critical && self.critical.is_none() {
            self.critical = Some(status);
        }
        if self.cancel_deadline.is_some() {
            // The cancel workflow step ended: the execution is cancelled.
            self.end_run(None, now, ev);
            return None;
        }
        if self.mode == Mode::Interactive && self.loops.is_empty() {
            self.set_status(Status::Waiting, ev);
            return None;
        }
        // `status` tells the ends apart: Success, Cancelled, or a failure.
        match (status, failed) {
            (Status::Success, _) => Some(success_target),
            (Status::Cancelled, _) | (_, true) => match failure_target {
                Some(t) => Some(t),
                None => {
                    let final_status = status;
                    if failed {
                        self.failure_message = self.steps[exec].failure_message.clone();
                    }
                    while !self.loops.is_empty() {
                        self.exit_loop(if failed { status } else { Status::Cancelled }, now, ev);
                    }
                    self.end_run(Some(final_status), now, ev);
                    None
                }
            },
            (_, false) => Some(success_target),
        }
    }

    fn target_names(&self, target: Successor) -> Option<Arc<[Arc<str>]>> {
        match target {
            Successor::Step(n) => Some(Arc::clone(&self.fixed.runbook.step(n).as_next)),
            Successor::LoopEnd(_) | Successor::End => None,
        }
    }

    /// Step `a`, taken off the active stack before it finished, ends
    /// `Cancelled`; an approval keeps the decisions it had.
    pub(crate) fn cancel_popped(&mut self, a: &Active, now: SimTime, ev: &mut Events<'_>) {
        let decisions = approver_decisions(&a.phase);
        let se = &mut self.steps[a.exec];
        se.end_time = Some(now);
        if let Some(decided) = decisions {
            decided.keep_in(&mut se.outputs);
        }
        record_status(se, Status::Cancelled, ev);
    }

    /// End the run: cancelled, aborted with `aborted`, or finished.
    pub(crate) fn end_run(&mut self, aborted: Option<Status>, now: SimTime, ev: &mut Events<'_>) {
        while let Some(a) = self.active.pop() {
            if !self.steps[a.exec].status.is_terminal() {
                self.cancel_popped(&a, now, ev);
            }
        }
        self.loops.clear();
        let status = if self.cancel_deadline.is_some() || self.status == Status::Cancelling {
            Status::Cancelled
        } else {
            aborted.or(self.critical).unwrap_or(Status::Success)
        };
        if matches!(status, Status::Failed | Status::TimedOut) && self.failure_message.is_none() {
            self.failure_message = self
                .steps
                .iter()
                .find(|s| s.status == status && s.failure_message.is_some())
                .and_then(|s| s.failure_message.clone());
        }
        self.cancel_deadline = None;
        self.end_time = Some(now);
        self.set_status(status, ev);
    }

    /// The current attempt failed or timed out: retry if attempts remain.
    pub(crate) fn attempt_failed(&mut self, end: StepEnd, now: SimTime, ev: &mut Events<'_>) {
        let Some(active) = self.active.last() else {
            return;
        };
        let exec = active.exec;
        let route = self.fixed.runbook.step(self.steps[exec].step).route;
        let retryable = !matches!(
            end,
            StepEnd::Failed {
                stage: FailureStage::InputValidation,
                ..
            }
        );
        if retryable
            && self.steps[exec].attempts < route.max_attempts
            && self.cancel_deadline.is_none()
        {
            let decisions = self
                .active
                .last()
                .and_then(|a| approver_decisions(&a.phase));
            let se = &mut self.steps[exec];
            se.attempts += 1;
            if let Some(decided) = decisions {
                // An approval tried again shows the last attempt's decisions
                // until the next attempt has its own.
                decided.keep_in(&mut se.outputs);
            }
            // Every attempt gets the same time-out as the first one.
            if let Some(a) = self.active.last_mut() {
                a.deadline = attempt_deadline(route, now);
            }
            if let Some(next) = self.retry_action(exec, now, ev) {
                self.goto(next, now, ev);
            }
            return;
        }
        if let Some(next) = self.finish_step(end, now, ev) {
            self.goto(next, now, ev);
        }
    }

    /// Fire every timer due at or before `now`, in deadline order.
    fn advance(&mut self, now: SimTime, ev: &mut Events<'_>) {
        let mut guard = 0u32;
        while let Some(due) = self.next_deadline().filter(|t| *t <= now) {
            guard += 1;
            if guard > 100_000 {
                break;
            }
            self.fire(due, ev);
        }
    }

    fn fire(&mut self, at: SimTime, ev: &mut Events<'_>) {
        if self.cancel_deadline == Some(at) {
            // The cancel workflow ran out of time.
            if let Some(a) = self.active.last() {
                let exec = a.exec;
                self.steps[exec].failure_message =
                    Some("the cancel workflow ran longer than 2 minutes".into());
            }
            self.end_run(None, at, ev);
            return;
        }
        let Some(pos) = self
            .active
            .iter()
            .rposition(|a| a.deadline == Some(at) || phase_wake(&a.phase) == Some(at))
        else {
            return;
        };
        let a = &self.active[pos];
        // A poll due at the step's deadline is not sent: the step times out.
        let wake_due = phase_wake(&a.phase) == Some(at)
            && !(matches!(a.phase, Phase::PollWait { .. }) && a.deadline == Some(at));
        if wake_due {
            match a.phase.clone() {
                Phase::Sleeping { .. } => {
                    if let Some(next) = self.finish_step(StepEnd::Success { next: None }, at, ev) {
                        self.goto(next, at, ev);
                    }
                }
                Phase::PollWait { .. } => {
                    let exec = a.exec;
                    if let Some(next) = self.retry_action(exec, at, ev) {
                        self.goto(next, at, ev);
                    }
                }
                _ => {}
            }
            return;
        }
        // A time-out. Inner steps of loops time out with their loop only if the
        // loop's own deadline is the one due.
        while self.active.len() > pos + 1 {
            if let Some(inner) = self.active.pop() {
                self.cancel_popped(&inner, at, ev);
            }
            self.loops.pop();
        }
        if let Some(Phase::Child { execution_id, .. }) = self.active.last().map(|a| &a.phase) {
            let execution_id = *execution_id;
            ev.push(Event::ChildCancelRequested { execution_id });
        }
        let timed_out = &self.steps[self.active[pos].exec];
        let doing = if timed_out.status == Status::Waiting {
            "waiting"
        } else {
            "running"
        };
        let message = match self.fixed.runbook.step(timed_out.step).step.timeout_seconds {
            Some(s) => format!(
                "Step timed out while step is {doing}: it ran longer than its timeoutSeconds ({s} s)."
            ),
            None => format!(
                "Step timed out while step is {doing}: the action's default time-out expired."
            ),
        };
        self.attempt_failed(StepEnd::TimedOut { message }, at, ev);
    }

    /// Leave the innermost loop, with the loop step ending in `status`.
    pub(crate) fn exit_loop(&mut self, status: Status, now: SimTime, ev: &mut Events<'_>) {
        let Some(frame) = self.loops.pop() else {
            return;
        };
        while let Some(a) = self.active.last() {
            let exec = a.exec;
            self.active.pop();
            if exec == frame.exec {
                break;
            }
        }
        self.steps[frame.exec].end_time = Some(now);
        self.set_step_status(frame.exec, status, ev);
    }

    /// Check the execution's internal invariants (one running step at a
    /// time per level, records consistent with the active steps, timers
    /// only while running, …): `Err` names the first one broken. Debug
    /// builds check them after every transition; a model checker calls
    /// this on every state it explores.
    pub fn check_invariants(&self) -> Result<(), String> {
        let running = self
            .steps
            .iter()
            .filter(|s| {
                matches!(s.status, Status::InProgress | Status::Waiting) && s.parent.is_none()
            })
            .count();
        if running > 1 + usize::from(self.cancel_deadline.is_some()) {
            return Err(format!("{running} top-level steps are running at once"));
        }
        if self.status.is_terminal() && !self.active.is_empty() {
            return Err("a finished execution still has an active step".into());
        }
        if self.status == Status::Waiting {
            let can_move = self.mode == Mode::Interactive
                || self.next_deadline().is_some()
                || self
                    .active
                    .iter()
                    .any(|a| matches!(a.phase, Phase::Approval { .. } | Phase::Paused));
            if !can_move {
                return Err("the execution waits with no signal it accepts and no deadline".into());
            }
        }
        for a in &self.active {
            if self.steps[a.exec].status.is_terminal() {
                return Err(format!(
                    "active step {} has terminal status",
                    self.steps[a.exec].step_name
                ));
            }
        }
        Ok(())
    }

    fn signals_and_steps(&self) -> u64 {
        self.steps_executed.wrapping_add(self.signals)
    }

    /// Whether a cancel is under way with an `onCancel` workflow.
    pub(crate) fn on_cancel_target(&self, exec: usize) -> Option<usize> {
        match &self
            .fixed
            .runbook
            .step(self.steps[exec].step)
            .step
            .on_cancel
        {
            Some(OnCancel::Step(name)) => self.fixed.runbook.index_of(name),
            _ => None,
        }
    }
}

/// Set a step record's status, with its event when it changes.
fn record_status(se: &mut StepExecution, status: Status, ev: &mut Events<'_>) {
    if se.status != status {
        debug_assert!(
            !se.status.is_terminal(),
            "step {} left terminal status {}",
            se.step_name,
            se.status
        );
        se.status = status;
        ev.push(Event::StepStatus {
            step: se.step,
            step_execution_id: se.id,
            status,
        });
    }
}

/// When an attempt started at `now` times out, if its step has a time-out.
fn attempt_deadline(route: Route, now: SimTime) -> Option<SimTime> {
    route.timeout_seconds.map(|s| {
        now.plus(crate::clock::DurationMs(
            i64::try_from(s)
                .unwrap_or(i64::MAX / 2000)
                .saturating_mul(1000),
        ))
    })
}

/// An approval's decisions so far, with its approvers: what its
/// `ApproverDecisions` output shows.
struct Decided {
    approvers: Arc<[String]>,
    decisions: Arc<[Decision]>,
}

impl Decided {
    /// Show these decisions as `ApproverDecisions` in `outputs`.
    fn keep_in(self, outputs: &mut Outputs) {
        outputs.insert_decisions(self.approvers, self.decisions);
    }
}

/// The decisions of an approval phase; `None` for any other phase, or
/// before the first decision.
fn approver_decisions(phase: &Phase) -> Option<Decided> {
    match phase {
        Phase::Approval {
            approvers,
            decisions,
            ..
        } if !decisions.is_empty() => Some(Decided {
            approvers: Arc::clone(approvers),
            decisions: Arc::clone(decisions),
        }),
        _ => None,
    }
}

/// The `ValidNextSteps` of a cancelled step: none, shared.
fn no_next_steps() -> Arc<[Arc<str>]> {
    static NONE: LazyLock<Arc<[Arc<str>]>> = LazyLock::new(|| Arc::from([]));
    Arc::clone(&NONE)
}

/// One shared empty map: the parameters of an execution that has none, the
/// inputs of a step that has not resolved any.
fn empty_map() -> Inputs {
    static EMPTY: LazyLock<Inputs> = LazyLock::new(Inputs::default);
    Arc::clone(&EMPTY)
}

pub(crate) fn phase_wake(phase: &Phase) -> Option<SimTime> {
    match phase {
        Phase::Sleeping { wake } | Phase::PollWait { wake } => Some(*wake),
        _ => None,
    }
}

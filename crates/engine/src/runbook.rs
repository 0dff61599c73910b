//! The step graph: every step of a runbook as a node, every way control can
//! move between steps as a labelled edge.
//!
//! The graph is built with petgraph from a [`Document`] whose step names are
//! unique (the first of a duplicated name wins). It answers structural
//! questions (reachability, cycles) for the validator and renders to Mermaid
//! and Graphviz for `ssm-runbook graph`. It does not execute anything and
//! knows nothing about statuses.

use crate::document::names::NameMap;
use crate::document::{Action, Document, OnCancel, OnFailure, Step, StepAt};
use indexmap::IndexMap;
use petgraph::graph::{DiGraph, NodeIndex};
use std::fmt::Write as _;
use std::sync::Arc;

/// How control moves along an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    /// To the next step in the list after success.
    Next,
    /// To `nextStep` after success.
    NextStep,
    /// To `onFailure: step:X` after a failure or time-out.
    OnFailure,
    /// After a failure with `onFailure: Continue`, to the success successor.
    Continue,
    /// To `onCancel: step:X` when the execution is cancelled during the step.
    OnCancel,
    /// To a branch choice's `NextStep` (the index of the choice).
    Choice(usize),
    /// To a branch's `Default`.
    Default,
    /// From a loop step to the first step of its body.
    LoopBody,
    /// From the last step of a loop body back to the loop step.
    LoopBack,
}

impl EdgeKind {
    /// The label shown in graph renderings.
    pub fn label(self) -> String {
        match self {
            EdgeKind::Next => "next".into(),
            EdgeKind::NextStep => "nextStep".into(),
            EdgeKind::OnFailure => "onFailure".into(),
            EdgeKind::Continue => "Continue".into(),
            EdgeKind::OnCancel => "onCancel".into(),
            EdgeKind::Choice(i) => format!("choice {}", i + 1),
            EdgeKind::Default => "default".into(),
            EdgeKind::LoopBody => "loop body".into(),
            EdgeKind::LoopBack => "loop back".into(),
        }
    }

    /// Whether the edge is taken after the source step succeeded.
    pub fn after_success(self) -> bool {
        matches!(
            self,
            EdgeKind::Next
                | EdgeKind::NextStep
                | EdgeKind::Choice(_)
                | EdgeKind::Default
                | EdgeKind::LoopBody
                | EdgeKind::LoopBack
        )
    }
}

/// A node of the step graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepNode {
    /// The step's name.
    pub name: String,
    /// The action's name.
    pub action: String,
    /// The loop this step belongs to, if any.
    pub parent: Option<String>,
    /// Whether success ends the run here (isEnd, or the last main step).
    pub ends_on_success: bool,
}

/// The compiled step graph of a runbook.
///
/// ```
/// use ssm_runbook_engine::validate::validate_text;
/// use ssm_runbook_engine::runbook::{StepGraph, EdgeKind};
/// let doc = validate_text("schemaVersion: '0.3'\nmainSteps:\n- {name: a, action: aws:pause, inputs: {}, onFailure: 'step:c'}\n- {name: b, action: aws:pause, inputs: {}}\n- {name: c, action: aws:pause, inputs: {}}\n").document.unwrap();
/// let g = StepGraph::build(&doc);
/// let edges: Vec<_> = g.edges().map(|(f, t, k)| (f.to_owned(), t.to_owned(), k)).collect();
/// assert!(edges.contains(&("a".into(), "b".into(), EdgeKind::Next)));
/// assert!(edges.contains(&("a".into(), "c".into(), EdgeKind::OnFailure)));
/// ```
#[derive(Debug, Clone)]
pub struct StepGraph {
    graph: DiGraph<StepNode, EdgeKind>,
    /// Each name's node, in document order (a fixed-key hash: see
    /// [`crate::document::names`]).
    index: NameMap<String, NodeIndex>,
}

impl StepGraph {
    /// Build the graph of a document. References to unknown steps are left out.
    pub fn build(doc: &Document) -> StepGraph {
        Self::build_from(&doc.all_steps())
    }

    /// [`StepGraph::build`] from the document's [`Document::all_steps`],
    /// for a caller that has them already.
    fn build_from(all: &[StepAt<'_>]) -> StepGraph {
        let wiring = Wiring::build(all, |at| StepNode {
            name: at.step.name.clone(),
            action: at.step.action.name().to_owned(),
            parent: at.parent.map(str::to_owned),
            ends_on_success: ends_on_success(at),
        });
        let mut index = NameMap::with_capacity_and_hasher(wiring.index.len(), Default::default());
        index.extend(
            wiring
                .index
                .into_iter()
                .map(|(name, ix)| (name.to_owned(), ix)),
        );
        StepGraph {
            graph: wiring.graph,
            index,
        }
    }

    /// The underlying petgraph graph.
    pub fn graph(&self) -> &DiGraph<StepNode, EdgeKind> {
        &self.graph
    }

    /// The node of a step.
    pub fn node(&self, name: &str) -> Option<NodeIndex> {
        self.index.get(name).copied()
    }

    /// Every edge as `(from, to, kind)`, in insertion order.
    pub fn edges(&self) -> impl Iterator<Item = (&str, &str, EdgeKind)> {
        self.graph.raw_edges().iter().map(|e| {
            (
                self.graph[e.source()].name.as_str(),
                self.graph[e.target()].name.as_str(),
                e.weight,
            )
        })
    }

    /// Every node, in document order.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeIndex, &StepNode)> {
        self.index.values().map(|&ix| (ix, &self.graph[ix]))
    }

    /// Render as a Mermaid flowchart.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart TD\n");
        for (ix, node) in self.nodes() {
            let _ = writeln!(
                out,
                "    s{}[\"{}<br/><small>{}</small>\"]",
                ix.index(),
                escape(&node.name),
                escape(&node.action)
            );
        }
        for e in self.graph.raw_edges() {
            let arrow = if e.weight.after_success() {
                "-->"
            } else {
                "-.->"
            };
            let _ = writeln!(
                out,
                "    s{} {}|{}| s{}",
                e.source().index(),
                arrow,
                e.weight.label(),
                e.target().index()
            );
        }
        out
    }

    /// Render as a Graphviz digraph.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph runbook {\n    node [shape=box];\n");
        for (ix, node) in self.nodes() {
            let _ = writeln!(
                out,
                "    s{} [label=\"{}\\n{}\"];",
                ix.index(),
                escape(&node.name),
                escape(&node.action)
            );
        }
        for e in self.graph.raw_edges() {
            let style = if e.weight.after_success() {
                "solid"
            } else {
                "dashed"
            };
            let _ = writeln!(
                out,
                "    s{} -> s{} [label=\"{}\", style={style}];",
                e.source().index(),
                e.target().index(),
                e.weight.label()
            );
        }
        out.push_str("}\n");
        out
    }
}

/// Whether success ends the run at this step: `isEnd`, or the last main
/// step with no `nextStep`.
pub(crate) fn ends_on_success(at: &StepAt<'_>) -> bool {
    let last_main = at.parent.is_none() && at.index + 1 == at.siblings.len();
    at.step.is_end() || (last_main && at.step.next_step.is_none())
}

/// The step graph's nodes and edges over node weights of the caller's
/// choice, and each name's node: what [`StepGraph`] is made of, and what
/// the validator's graph rules read without copying any name.
///
/// A step's node is the first step of its name (steps without a name have
/// none); every step of that name adds its edges to it. Edges to unknown
/// steps are left out.
pub(crate) struct Wiring<'d, N> {
    /// Nodes in the order of their first step; edges in insertion order.
    pub graph: DiGraph<N, EdgeKind>,
    /// Each name's node, in document order.
    pub index: NameMap<&'d str, NodeIndex>,
}

impl<'d, N> Wiring<'d, N> {
    /// Wire `all` ([`Document::all_steps`]), weighing each node with `node`.
    pub(crate) fn build(all: &[StepAt<'d>], mut node: impl FnMut(&StepAt<'d>) -> N) -> Self {
        let mut w = Wiring {
            graph: DiGraph::with_capacity(all.len(), all.len() * 2),
            index: NameMap::with_capacity_and_hasher(all.len(), Default::default()),
        };
        // The node of each step of `all`, found once.
        let mut nodes = Vec::with_capacity(all.len());
        for at in all {
            let name = at.step.name.as_str();
            if name.is_empty() {
                nodes.push(None);
                continue;
            }
            if let Some(&ix) = w.index.get(name) {
                nodes.push(Some(ix));
                continue;
            }
            let ix = w.graph.add_node(node(at));
            w.index.insert(name, ix);
            nodes.push(Some(ix));
        }
        for (at, from) in all.iter().zip(nodes) {
            if let Some(from) = from {
                w.add_step_edges(from, at.step, at.siblings, at.index, at.parent);
            }
        }
        w
    }

    fn add_edge(&mut self, from: NodeIndex, to: &str, kind: EdgeKind) {
        if let Some(&to) = self.index.get(to) {
            self.graph.add_edge(from, to, kind);
        }
    }

    /// The step that runs after `step` succeeds without a jump: the list
    /// successor, or the loop step at the end of a loop body.
    fn successor<'s>(
        siblings: &'s [Step],
        index: usize,
        parent: Option<&'s str>,
    ) -> Option<(&'s str, EdgeKind)> {
        match siblings.get(index + 1) {
            Some(next) => Some((next.name.as_str(), EdgeKind::Next)),
            None => parent.map(|p| (p, EdgeKind::LoopBack)),
        }
    }

    fn add_step_edges(
        &mut self,
        from: NodeIndex,
        step: &Step,
        siblings: &[Step],
        index: usize,
        parent: Option<&str>,
    ) {
        let successor = Self::successor(siblings, index, parent);
        let success_target: Option<(&str, EdgeKind)> =
            match (&step.action, step.is_end(), &step.next_step) {
                (Action::Branch(_), _, _) => None,
                (_, true, _) => None,
                (_, false, Some(n)) => Some((n.as_str(), EdgeKind::NextStep)),
                (_, false, None) => successor,
            };
        match &step.action {
            Action::Branch(b) => {
                for (i, c) in b.choices.iter().enumerate() {
                    self.add_edge(from, &c.next_step, EdgeKind::Choice(i));
                }
                match (&b.default, step.is_end()) {
                    (Some(d), _) => self.add_edge(from, d, EdgeKind::Default),
                    (None, true) => {}
                    (None, false) => {
                        if let Some((n, k)) = successor {
                            self.add_edge(from, n, k);
                        }
                    }
                }
            }
            Action::Loop(l) => {
                if let Some(first) = l.steps.first() {
                    self.add_edge(from, &first.name, EdgeKind::LoopBody);
                }
            }
            _ => {}
        }
        if let Some((target, kind)) = &success_target {
            self.add_edge(from, target, *kind);
        }
        match &step.on_failure {
            None | Some(OnFailure::Abort) => {}
            Some(OnFailure::Continue) => {
                if let Some((target, _)) = &success_target {
                    self.add_edge(from, target, EdgeKind::Continue);
                }
            }
            Some(OnFailure::Step(target)) => self.add_edge(from, target, EdgeKind::OnFailure),
        }
        if let Some(OnCancel::Step(target)) = &step.on_cancel {
            self.add_edge(from, target, EdgeKind::OnCancel);
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('"', "'")
}

/// A step of a compiled [`Runbook`], with where it sits.
#[derive(Debug, Clone, PartialEq)]
pub struct FlatStep {
    /// The step as written.
    pub step: Step,
    /// The flat index of the enclosing `aws:loop`, if any.
    pub parent: Option<usize>,
    /// For an `aws:loop`: the flat indices of its body, in order.
    pub body: Vec<usize>,
    /// The flat index of the next step in the same list, if any.
    pub list_successor: Option<usize>,
    /// The step's name, shared by every record and event that names it.
    pub name: Arc<str>,
    /// The action's name (`aws:approve`), shared the same way.
    pub action_name: Arc<str>,
    /// `[name]`: the `ValidNextSteps` of a step that goes on to this one.
    pub as_next: Arc<[Arc<str>]>,
    /// The inputs, when resolving would leave every value as written (no
    /// placeholder; see [`crate::interpolate::Template::is_literal`]):
    /// every run of the step shares this map.
    pub static_inputs: Option<crate::execution::Inputs>,
    /// Whether the inputs, though they hold placeholders, refer only to
    /// what is fixed once an execution starts (parameters, the execution's
    /// id, account, region and partition): each execution resolves them
    /// once, when it starts, and every run of the step shares the result.
    pub start_fixed: bool,
    /// For a step without [`FlatStep::static_inputs`]: each input compiled
    /// once ([`crate::interpolate::Template`]), in written order, so that a
    /// run of the step parses no placeholder.
    pub input_templates: Arc<[(String, crate::interpolate::Template)]>,
    /// Where the step goes and how it is retried, resolved when compiled.
    pub route: Route,
}

/// What the engine reads after every step, resolved once when the runbook
/// is compiled (names to indices, defaults applied), so that finishing a
/// step looks nothing up.
///
/// ```
/// use ssm_runbook_engine::validate::validate_text;
/// use ssm_runbook_engine::runbook::{FailureRoute, Runbook, Successor};
/// let doc = validate_text("schemaVersion: '0.3'\nmainSteps:\n- {name: a, action: aws:pause, inputs: {}, onFailure: 'step:c', nextStep: c}\n- {name: b, action: aws:pause, inputs: {}, isEnd: true}\n- {name: c, action: aws:pause, inputs: {}, timeoutSeconds: 60, maxAttempts: 2}\n").document.unwrap();
/// let rb = Runbook::compile(doc, "Demo", "1").unwrap();
/// assert_eq!(rb.step(0).route.next, Successor::Step(2));
/// assert_eq!(rb.step(0).route.on_failure, FailureRoute::Step(2));
/// assert_eq!(rb.step(1).route.next, Successor::End);
/// assert_eq!((rb.step(2).route.timeout_seconds, rb.step(2).route.max_attempts), (Some(60), 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Route {
    /// Where a success goes when no branch chose: the end for `isEnd`,
    /// else `nextStep`, else the next step of the list.
    pub next: Successor,
    /// Where a failure goes (`onFailure`).
    pub on_failure: FailureRoute,
    /// Whether the step is an `aws:branch` (whose choice overrides `next`).
    pub is_branch: bool,
    /// `isEnd`.
    pub is_end: bool,
    /// `isCritical`, with its default.
    pub is_critical: bool,
    /// Each attempt's time-out: `timeoutSeconds`, else the action's default.
    pub timeout_seconds: Option<u64>,
    /// `maxAttempts`, at least 1.
    pub max_attempts: u32,
}

/// Where a failed step goes (`onFailure`, resolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailureRoute {
    /// Stop the execution.
    #[default]
    Abort,
    /// Go where a success would have gone.
    Continue,
    /// Jump to the step at this flat index.
    Step(usize),
}

/// Whether every placeholder in `value` reads something fixed when an
/// execution starts: a parameter, `automation:EXECUTION_ID`, or the
/// account, region or partition (not the date, outputs or variables).
fn fixed_at_start(value: &serde_json::Value) -> bool {
    use crate::template::Reference;
    match value {
        serde_json::Value::String(s) if s.contains("{{") => crate::template::placeholders(s)
            .is_ok_and(|found| {
                found.iter().all(|p| match &p.reference {
                    Reference::Parameter(_) => true,
                    Reference::Automation(name) => name == "EXECUTION_ID",
                    Reference::Global(name) => {
                        matches!(name.as_str(), "ACCOUNT_ID" | "REGION" | "AWS_PARTITION")
                    }
                    _ => false,
                })
            }),
        serde_json::Value::Array(items) => items.iter().all(fixed_at_start),
        serde_json::Value::Object(map) => map.values().all(fixed_at_start),
        _ => true,
    }
}

/// Where control goes after a step, before jumps are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Successor {
    /// Another step (flat index).
    Step(usize),
    /// The end of a loop body (the loop's flat index).
    LoopEnd(usize),
    /// The end of the runbook.
    #[default]
    End,
}

/// Why a document cannot be compiled for execution.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the runbook cannot run: {message}")]
pub struct CompileError {
    /// What is wrong.
    pub message: String,
}

/// A runbook compiled for execution: every step (loop bodies included) in
/// one flat list, names resolved to indices.
///
/// ```
/// use ssm_runbook_engine::validate::validate_text;
/// use ssm_runbook_engine::runbook::{Runbook, Successor};
/// let doc = validate_text("schemaVersion: '0.3'\nmainSteps:\n- {name: a, action: aws:pause, inputs: {}}\n- {name: b, action: aws:pause, inputs: {}}\n").document.unwrap();
/// let rb = Runbook::compile(doc, "Demo", "1").unwrap();
/// assert_eq!(rb.index_of("b"), Some(1));
/// assert_eq!(rb.successor(0), Successor::Step(1));
/// assert_eq!(rb.successor(1), Successor::End);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Runbook {
    /// The document.
    pub document: Document,
    /// The document's name.
    pub name: String,
    /// The document's version.
    pub version: String,
    steps: Vec<FlatStep>,
    index: IndexMap<String, usize>,
    main_position: Vec<Option<usize>>,
    main_flat: Vec<usize>,
}

impl Runbook {
    /// Compile a document. Step names must be unique and every step
    /// reference must resolve (run [`crate::validate`] first for messages).
    pub fn compile(
        document: Document,
        name: impl Into<String>,
        version: impl Into<String>,
    ) -> Result<Runbook, CompileError> {
        let mut rb = Runbook {
            document,
            name: name.into(),
            version: version.into(),
            steps: Vec::new(),
            index: IndexMap::new(),
            main_position: Vec::new(),
            main_flat: Vec::new(),
        };
        let main = rb.document.main_steps.clone();
        if main.is_empty() {
            return Err(CompileError {
                message: "mainSteps is empty".into(),
            });
        }
        rb.flatten(&main, None)?;
        rb.main_flat = (0..rb.steps.len())
            .filter(|&ix| rb.steps[ix].parent.is_none())
            .collect();
        rb.main_position = vec![None; rb.steps.len()];
        for (position, &ix) in rb.main_flat.iter().enumerate() {
            rb.main_position[ix] = Some(position);
        }
        rb.check_targets()?;
        for ix in 0..rb.steps.len() {
            rb.steps[ix].route = rb.route_of(ix);
        }
        Ok(rb)
    }

    /// Step `ix`'s [`Route`] (its targets resolve: `check_targets` passed).
    fn route_of(&self, ix: usize) -> Route {
        let step = &self.steps[ix].step;
        let next = match (step.is_end(), step.next_step.as_deref()) {
            (true, _) => Successor::End,
            (false, Some(name)) => self
                .index_of(name)
                .map_or_else(|| self.successor(ix), Successor::Step),
            (false, None) => self.successor(ix),
        };
        let on_failure = match &step.on_failure {
            None | Some(OnFailure::Abort) => FailureRoute::Abort,
            Some(OnFailure::Continue) => FailureRoute::Continue,
            Some(OnFailure::Step(name)) => self
                .index_of(name)
                .map_or(FailureRoute::Abort, FailureRoute::Step),
        };
        Route {
            next,
            on_failure,
            is_branch: matches!(step.action, Action::Branch(_)),
            is_end: step.is_end(),
            is_critical: step.is_critical(),
            timeout_seconds: step.timeout_seconds.or(step
                .action
                .kind()
                .and_then(crate::document::ActionKind::default_timeout_seconds)),
            max_attempts: u32::try_from(step.max_attempts()).unwrap_or(u32::MAX),
        }
    }

    fn flatten(
        &mut self,
        steps: &[Step],
        parent: Option<usize>,
    ) -> Result<Vec<usize>, CompileError> {
        let mut indices = Vec::with_capacity(steps.len());
        for step in steps {
            let ix = self.steps.len();
            if step.name.is_empty() || self.index.insert(step.name.clone(), ix).is_some() {
                return Err(CompileError {
                    message: format!("step name '{}' is empty or not unique", step.name),
                });
            }
            let name: Arc<str> = Arc::from(step.name.as_str());
            let lazy = matches!(step.action, Action::Branch(_) | Action::Loop(_));
            // Each input compiled once. Where nothing is left to resolve,
            // lazily or not (a loop over literal items, a branch on
            // literals), the step shares its map like any other step.
            let templates: Vec<(String, crate::interpolate::Template)> = step
                .raw_inputs
                .iter()
                .map(|(k, v)| (k.clone(), crate::interpolate::Template::compile(v)))
                .collect();
            let (static_inputs, input_templates) = if templates.iter().all(|(_, t)| t.is_literal())
            {
                let map = step
                    .raw_inputs
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                (Some(Arc::new(map)), Arc::from([]))
            } else {
                (None, Arc::from(templates))
            };
            let start_fixed =
                static_inputs.is_none() && !lazy && step.raw_inputs.values().all(fixed_at_start);
            self.steps.push(FlatStep {
                step: step.clone(),
                parent,
                body: Vec::new(),
                list_successor: None,
                as_next: Arc::from([Arc::clone(&name)]),
                name,
                action_name: Arc::from(step.action.name()),
                static_inputs,
                start_fixed,
                input_templates,
                route: Route::default(),
            });
            if let Action::Loop(l) = &step.action {
                let body = self.flatten(&l.steps, Some(ix))?;
                self.steps[ix].body = body;
            }
            indices.push(ix);
        }
        for pair in indices.windows(2) {
            self.steps[pair[0]].list_successor = Some(pair[1]);
        }
        Ok(indices)
    }

    fn check_targets(&self) -> Result<(), CompileError> {
        for flat in &self.steps {
            let s = &flat.step;
            let mut targets: Vec<&str> = Vec::new();
            targets.extend(s.next_step.as_deref());
            if let Some(OnFailure::Step(t)) = &s.on_failure {
                targets.push(t);
            }
            if let Some(OnCancel::Step(t)) = &s.on_cancel {
                targets.push(t);
            }
            if let Action::Branch(b) = &s.action {
                targets.extend(b.choices.iter().map(|c| c.next_step.as_str()));
                targets.extend(b.default.as_deref());
            }
            if let Some(missing) = targets.into_iter().find(|t| !self.index.contains_key(*t)) {
                return Err(CompileError {
                    message: format!("step '{}' refers to unknown step '{missing}'", s.name),
                });
            }
            if matches!(s.action, Action::Invalid { .. }) {
                return Err(CompileError {
                    message: format!("step '{}' has no valid action", s.name),
                });
            }
        }
        Ok(())
    }

    /// Every step, flat.
    pub fn steps(&self) -> &[FlatStep] {
        &self.steps
    }

    /// The step at a flat index.
    pub fn step(&self, ix: usize) -> &FlatStep {
        &self.steps[ix]
    }

    /// The flat index of a step name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Flat indices of the main steps, in order.
    pub fn main_steps(&self) -> impl Iterator<Item = usize> + '_ {
        self.main_flat.iter().copied()
    }

    /// The position of a main step among the main steps (`None` inside loops).
    pub fn main_position(&self, ix: usize) -> Option<usize> {
        self.main_position.get(ix).copied().flatten()
    }

    /// The flat index of the main step at `position` (the inverse of
    /// [`Self::main_position`]).
    pub fn main_step_at(&self, position: usize) -> Option<usize> {
        self.main_flat.get(position).copied()
    }

    /// How many main steps there are.
    pub fn main_step_count(&self) -> usize {
        self.main_flat.len()
    }

    /// Where control goes after `ix` when no jump applies.
    pub fn successor(&self, ix: usize) -> Successor {
        match (self.steps[ix].list_successor, self.steps[ix].parent) {
            (Some(next), _) => Successor::Step(next),
            (None, Some(parent)) => Successor::LoopEnd(parent),
            (None, None) => Successor::End,
        }
    }

    /// Whether `ix` lies inside the body of loop `loop_ix` (at any depth).
    pub fn is_inside(&self, ix: usize, loop_ix: usize) -> bool {
        let mut at = self.steps[ix].parent;
        while let Some(p) = at {
            if p == loop_ix {
                return true;
            }
            at = self.steps[p].parent;
        }
        false
    }
}

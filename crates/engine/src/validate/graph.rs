//! Rules on the compiled step graph: unreachable steps, cycles, branches
//! with no fall-back, and step outputs read where the producing step may not
//! have succeeded.

use super::placeholders::{self, Placeholders};
use crate::diagnostic::{Code, Diagnostic};
use crate::document::{Action, Document, Step, StepAt};
use crate::runbook::{EdgeKind, Wiring, ends_on_success};
use crate::template::RefName;
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::VecDeque;

/// The step graph as these rules read it: [`crate::runbook::StepGraph`]'s
/// nodes and edges, each node weighed by whether success ends the run
/// there.
type Graph = DiGraph<bool, EdgeKind>;

/// `all` is [`Document::all_steps`]; `found` the placeholders of each of
/// those steps' inputs, in the same order.
pub(super) fn check(
    doc: &Document,
    all: &[StepAt<'_>],
    found: &Placeholders<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(first) = doc.main_steps.first() else {
        return;
    };
    let wiring = Wiring::build(all, ends_on_success);
    // A step without a name (SSM201) is no node, so the steps after it look
    // unreachable; with two steps of one name (SSM202) every reference to
    // the name is ambiguous, and the merged node makes cycles that are not
    // there. Both are reported already; the graph rules would only add
    // noise. Each makes fewer nodes than steps.
    if wiring.graph.node_count() != all.len() {
        return;
    }
    // Every step has a node of its own, in the order of `all`: the node of
    // `all[i]` is `NodeIndex(i)`.
    let g = &wiring.graph;
    let start = NodeIndex::new(0);
    let reached = reachable(g, start);
    for (i, at) in all.iter().enumerate() {
        if !reached[i] && at.parent.is_none() {
            out.push(Diagnostic::new(
                Code::UnreachableStep,
                at.path().key("name"),
                format!(
                    "step '{}' is never run: no path from the first step '{}' reaches it",
                    at.step.name, first.name
                ),
            ));
        }
        if let Action::Branch(b) = &at.step.action {
            if b.default.is_none() && !at.step.is_end() {
                out.push(Diagnostic::new(
                    Code::BranchWithoutDefault,
                    at.path().key("inputs"),
                    format!(
                        "branch '{}' has neither Default nor isEnd: when no choice matches, this tool runs the next step in the list, as the action reference says; the branch-condition page suggests the run stops. Add Default or isEnd: true to say which you mean",
                        at.step.name
                    ),
                ));
            }
        }
    }
    cycles(g, all, out);
    maybe_unset(&wiring, start, all, found, out);
}

/// Whether each node is reached from `start`, by node index.
fn reachable(g: &Graph, start: NodeIndex) -> Vec<bool> {
    let mut seen = vec![false; g.node_count()];
    seen[start.index()] = true;
    let mut queue = VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        for next in g.neighbors_directed(n, Direction::Outgoing) {
            if !seen[next.index()] {
                seen[next.index()] = true;
                queue.push_back(next);
            }
        }
    }
    seen
}

/// Edges that move the run forward on success, not counting the return to a
/// loop step (aws:loop is bounded by MaxIterations).
fn progress_edge(kind: EdgeKind) -> bool {
    kind.after_success() && kind != EdgeKind::LoopBack
}

fn cycles(g: &Graph, all: &[StepAt<'_>], out: &mut Vec<Diagnostic>) {
    let filtered = petgraph::visit::EdgeFiltered::from_fn(g, |e| progress_edge(*e.weight()));
    // Marks the members of the component at hand, by node index.
    let mut member = vec![false; g.node_count()];
    for mut component in petgraph::algo::kosaraju_scc(&filtered) {
        let cyclic = component.len() > 1
            || component.iter().any(|&n| {
                g.edges_directed(n, Direction::Outgoing)
                    .any(|e| e.target() == n && progress_edge(*e.weight()))
            });
        if !cyclic {
            continue;
        }
        // Node order is the order of `all`.
        component.sort_unstable();
        for &n in &component {
            member[n.index()] = true;
        }
        let exits = component.iter().any(|&n| {
            g[n] || g
                .edges_directed(n, Direction::Outgoing)
                .any(|e| progress_edge(*e.weight()) && !member[e.target().index()])
                || all
                    .get(n.index())
                    .is_some_and(|at| branch_falls_off_end(at.step))
        });
        for &n in &component {
            member[n.index()] = false;
        }
        let trace: Vec<&str> = component
            .iter()
            .filter_map(|&n| all.get(n.index()).map(|at| at.step.name.as_str()))
            .collect();
        let Some(first) = component.first().and_then(|&n| all.get(n.index())) else {
            continue;
        };
        let path = first.path().key("name");
        if exits {
            out.push(Diagnostic::new(
                Code::CycleWithExit,
                path,
                format!(
                    "steps {} form a cycle; a branch or an end step can leave it",
                    trace.join(" -> ")
                ),
            ));
        } else {
            out.push(Diagnostic::new(
                Code::CycleWithoutExit,
                path,
                format!(
                    "steps {} form a cycle with no way out: the run can only end by failing",
                    trace.join(" -> ")
                ),
            ));
        }
    }
}

fn branch_falls_off_end(s: &Step) -> bool {
    matches!(&s.action, Action::Branch(b) if b.default.is_none() && s.is_end())
}

/// Must-analysis: for each step, the steps that certainly ran on every path
/// that reaches it, which are its dominators in the step graph (on-cancel
/// edges left out). A step read before it has run on some path has nothing
/// to read there. (A producer that ran and failed with `onFailure: Continue`
/// is the author's choice and not reported.)
///
/// The dominator tree takes linear memory; the set-per-step dataflow it
/// replaces held O(steps^2) entries (1 GB for a 10,000-step chain).
fn maybe_unset(
    wiring: &Wiring<'_, bool>,
    start: NodeIndex,
    all: &[StepAt<'_>],
    found: &Placeholders<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let g = &wiring.graph;
    let forward = petgraph::visit::EdgeFiltered::from_fn(g, |e| *e.weight() != EdgeKind::OnCancel);
    let dominators = petgraph::algo::dominators::simple_fast(&forward, start);
    let tree = DominatorTree::new(&dominators, start, g.node_count());
    for (i, at) in all.iter().enumerate() {
        let ix = NodeIndex::new(i);
        if !tree.reached(ix) {
            continue;
        }
        for (holder, ph) in found.of(i) {
            let &Ok(RefName::StepOutput { step, output }) = ph else {
                continue;
            };
            let Some(&producer) = wiring.index.get(step) else {
                continue;
            };
            if producer == ix || tree.dominates(producer, ix) {
                continue;
            }
            // Loop outputs are readable inside the loop's own body.
            if at.parent == Some(step) {
                continue;
            }
            out.push(Diagnostic::new(
                Code::MaybeUnset,
                placeholders::path_of(at, holder),
                format!("{{{{ {step}.{output} }}}} is read by '{}', but on some path to it '{step}' has not run", at.step.name),
            ));
        }
    }
}

/// A dominator tree numbered by a depth-first walk: `a` dominates `b` when
/// b's entry and exit fall within a's. Nodes the start does not reach have
/// no numbers.
struct DominatorTree {
    enter: Vec<usize>,
    exit: Vec<usize>,
}

impl DominatorTree {
    fn new(
        dominators: &petgraph::algo::dominators::Dominators<NodeIndex>,
        start: NodeIndex,
        nodes: usize,
    ) -> Self {
        let mut children = vec![Vec::new(); nodes];
        for node in (0..nodes).map(NodeIndex::new) {
            if let Some(parent) = dominators.immediate_dominator(node) {
                children[parent.index()].push(node);
            }
        }
        let (mut enter, mut exit) = (vec![usize::MAX; nodes], vec![usize::MAX; nodes]);
        let mut clock = 0;
        enter[start.index()] = clock;
        let mut stack = vec![(start, 0usize)];
        while let Some((node, next)) = stack.pop() {
            clock += 1;
            if let Some(&child) = children[node.index()].get(next) {
                stack.push((node, next + 1));
                enter[child.index()] = clock;
                stack.push((child, 0));
            } else {
                exit[node.index()] = clock;
            }
        }
        DominatorTree { enter, exit }
    }

    fn reached(&self, node: NodeIndex) -> bool {
        self.enter[node.index()] != usize::MAX
    }

    fn dominates(&self, a: NodeIndex, b: NodeIndex) -> bool {
        self.reached(a)
            && self.reached(b)
            && self.enter[a.index()] <= self.enter[b.index()]
            && self.exit[b.index()] <= self.exit[a.index()]
    }
}

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
    // Built on the first step output read: many runbooks read none.
    let mut tree = None;
    for (i, at) in all.iter().enumerate() {
        let ix = NodeIndex::new(i);
        for (holder, ph) in found.of(i) {
            let &Ok(RefName::StepOutput { step, output }) = ph else {
                continue;
            };
            let tree = tree.get_or_insert_with(|| DominatorTree::new(&wiring.graph, start));
            if !tree.reached(ix) {
                break;
            }
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
/// no numbers. On-cancel edges are left out.
///
/// The immediate dominators come from the iterative algorithm of Cooper,
/// Harvey and Kennedy ("A Simple, Fast Dominance Algorithm"), the one
/// `petgraph::algo::dominators::simple_fast` implements, here over vectors
/// indexed by postorder number instead of hash maps. A graph has one
/// dominator tree, so any correct algorithm gives the same answers.
struct DominatorTree {
    enter: Vec<usize>,
    exit: Vec<usize>,
}

/// Not numbered: not reached from the start.
const UNSET: usize = usize::MAX;

impl DominatorTree {
    fn new(g: &Graph, start: NodeIndex) -> Self {
        let nodes = g.node_count();
        let forward = |n: NodeIndex, direction: Direction| {
            g.edges_directed(n, direction)
                .filter(|e| *e.weight() != EdgeKind::OnCancel)
        };
        // Postorder of the nodes reached from the start.
        let mut number = vec![UNSET; nodes];
        let mut order: Vec<NodeIndex> = Vec::with_capacity(nodes);
        let mut seen = vec![false; nodes];
        seen[start.index()] = true;
        let mut stack = vec![(start, forward(start, Direction::Outgoing))];
        while let Some((node, edges)) = stack.last_mut() {
            let node = *node;
            match edges.find(|e| !seen[e.target().index()]) {
                Some(e) => {
                    let next = e.target();
                    seen[next.index()] = true;
                    stack.push((next, forward(next, Direction::Outgoing)));
                }
                None => {
                    number[node.index()] = order.len();
                    order.push(node);
                    stack.pop();
                }
            }
        }
        // Immediate dominators by postorder number; the start is its own.
        let root = order.len().saturating_sub(1);
        let mut idom = vec![UNSET; order.len()];
        if let Some(last) = idom.last_mut() {
            *last = root;
        }
        let intersect = |idom: &[usize], mut a: usize, mut b: usize| {
            while a != b {
                while a < b {
                    a = idom[a];
                }
                while b < a {
                    b = idom[b];
                }
            }
            a
        };
        let mut changed = true;
        while changed {
            changed = false;
            for b in (0..root).rev() {
                let mut new = UNSET;
                for e in forward(order[b], Direction::Incoming) {
                    let p = number[e.source().index()];
                    if p == UNSET || idom[p] == UNSET {
                        continue;
                    }
                    new = if new == UNSET {
                        p
                    } else {
                        intersect(&idom, p, new)
                    };
                }
                if new != UNSET && idom[b] != new {
                    idom[b] = new;
                    changed = true;
                }
            }
        }
        // Children of each tree node, by postorder number (counting sort).
        let mut first = vec![0usize; order.len() + 1];
        // Every reached node but the start has its dominator by now.
        debug_assert!(idom.iter().all(|&d| d != UNSET));
        for &parent in idom.iter().take(root).filter(|&&p| p != UNSET) {
            first[parent + 1] += 1;
        }
        for i in 0..order.len() {
            first[i + 1] += first[i];
        }
        let mut fill = first.clone();
        let mut children = vec![0usize; root];
        for (child, &parent) in idom.iter().enumerate().take(root) {
            if parent == UNSET {
                continue;
            }
            children[fill[parent]] = child;
            fill[parent] += 1;
        }
        // Entry and exit numbers of a depth-first walk of the tree.
        let (mut enter, mut exit) = (vec![UNSET; nodes], vec![UNSET; nodes]);
        let mut clock = 0;
        if order.is_empty() {
            return DominatorTree { enter, exit };
        }
        enter[start.index()] = clock;
        let mut walk = vec![(root, first[root])];
        while let Some((node, next)) = walk.pop() {
            clock += 1;
            if next < first[node + 1] {
                walk.push((node, next + 1));
                let child = children[next];
                enter[order[child].index()] = clock;
                walk.push((child, first[child]));
            } else {
                exit[order[node].index()] = clock;
            }
        }
        DominatorTree { enter, exit }
    }

    fn reached(&self, node: NodeIndex) -> bool {
        self.enter[node.index()] != UNSET
    }

    fn dominates(&self, a: NodeIndex, b: NodeIndex) -> bool {
        self.reached(a)
            && self.reached(b)
            && self.enter[a.index()] <= self.enter[b.index()]
            && self.exit[b.index()] <= self.exit[a.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dominator tree agrees with petgraph's `simple_fast` on every
    /// pair of nodes of a few hundred small graphs (a fixed-seed generator:
    /// the same graphs every run), on-cancel edges left out of both.
    #[test]
    fn dominator_tree_agrees_with_petgraph() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |bound: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % bound as u64) as usize
        };
        for _ in 0..300 {
            let nodes = 1 + next(12);
            let mut g = Graph::new();
            for _ in 0..nodes {
                g.add_node(false);
            }
            for _ in 0..next(nodes * 3) {
                let kind = if next(5) == 0 {
                    EdgeKind::OnCancel
                } else {
                    EdgeKind::Next
                };
                g.add_edge(
                    NodeIndex::new(next(nodes)),
                    NodeIndex::new(next(nodes)),
                    kind,
                );
            }
            let start = NodeIndex::new(0);
            let tree = DominatorTree::new(&g, start);
            let forward =
                petgraph::visit::EdgeFiltered::from_fn(&g, |e| *e.weight() != EdgeKind::OnCancel);
            let expected = petgraph::algo::dominators::simple_fast(&forward, start);
            for b in g.node_indices() {
                let reached = expected.immediate_dominator(b).is_some() || b == start;
                assert_eq!(tree.reached(b), reached);
                let dominators: Vec<NodeIndex> = expected
                    .dominators(b)
                    .map(Iterator::collect)
                    .unwrap_or_default();
                for a in g.node_indices() {
                    assert_eq!(tree.dominates(a, b), dominators.contains(&a), "{a:?} {b:?}");
                }
            }
        }
    }
}

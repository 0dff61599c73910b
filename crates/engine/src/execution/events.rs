//! Where a transition puts its events: every one, for drivers that report
//! them (the simulator, the service), or only those about child
//! executions, for a driver that reads everything else from the execution
//! itself (the model checker).
//!
//! Owns only the choice of which events are kept. It never decides what
//! happens: the machine makes every change whichever events are kept, so
//! the execution is the same either way.

use super::types::Event;

/// A transition's event buffer, keeping all events or only the child
/// requests.
pub(crate) struct Events<'a> {
    list: &'a mut Vec<Event>,
    /// Where this transition's events begin: those before are a driver's
    /// earlier ones, which stay first.
    start: usize,
    all: bool,
}

impl<'a> Events<'a> {
    /// Keep every event, after those already in `list`.
    pub(crate) fn all(list: &'a mut Vec<Event>) -> Self {
        let start = list.len();
        Events {
            list,
            start,
            all: true,
        }
    }

    /// Keep only the events about child executions.
    pub(crate) fn about_children(list: &'a mut Vec<Event>) -> Self {
        let start = list.len();
        Events {
            list,
            start,
            all: false,
        }
    }

    /// Whether every event is kept: an event that costs something to make
    /// (a copy of a request, a principal's name) is made only then.
    pub(crate) fn reports(&self) -> bool {
        self.all
    }

    /// Add an event after the others, if it is kept.
    pub(crate) fn push(&mut self, event: Event) {
        if self.all || event.concerns_children() {
            self.list.push(event);
        }
    }

    /// Add an event before the others of this transition, if it is kept.
    pub(crate) fn push_first(&mut self, event: Event) {
        if self.all || event.concerns_children() {
            self.list.insert(self.start, event);
        }
    }

    /// Drop this transition's events (a refused input's).
    pub(crate) fn forget(&mut self) {
        self.list.truncate(self.start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execution::{Id, Status};

    #[test]
    fn keeps_every_event_or_only_those_about_children() {
        let id = Id::parse("00000000-0000-4000-8000-000000000001").expect("an id");
        let status = || Event::ExecutionStatus {
            status: Status::InProgress,
        };
        let cancel = || Event::ChildCancelRequested { execution_id: id };
        let earlier = Event::ExecutionStatus {
            status: Status::Pending,
        };
        let (mut every, mut some) = (vec![earlier.clone()], vec![earlier.clone()]);
        for (list, all) in [(&mut every, true), (&mut some, false)] {
            let mut ev = if all {
                Events::all(list)
            } else {
                Events::about_children(list)
            };
            assert_eq!(ev.reports(), all);
            ev.push(cancel());
            ev.push(status());
            ev.push_first(cancel());
        }
        assert_eq!(every, [earlier.clone(), cancel(), cancel(), status()]);
        assert_eq!(some, [earlier.clone(), cancel(), cancel()]);
        let mut ev = Events::all(&mut every);
        ev.push(status());
        ev.forget();
        assert_eq!(
            every.len(),
            4,
            "a refused input's events go, earlier ones stay"
        );
    }
}

//! The tokio runtime `ssm-runbook serve` runs the server on.
//!
//! One place builds it, so that the command and the load benchmark
//! (`benches/load.rs`) measure the same thing. [`RuntimeConfig::SERVE`] is
//! what the command uses; the other shapes exist so the benchmark can
//! compare them.
//!
//! The shapes differ in how a request reaches a thread. On a
//! [`RuntimeConfig::CurrentThread`] runtime one thread waits on the
//! sockets and runs every connection: a request wakes that thread, and
//! nothing else. On a [`RuntimeConfig::MultiThread`] runtime a worker that
//! wakes up with work also wakes a parked sibling to steal some of it, and
//! the service lock is shared between workers: more throughput when a
//! second core is free, more wake-ups (and CPU time) per request when it
//! is not.

use std::io;

/// The shape of the server's runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeConfig {
    /// One thread runs the listener, every connection and the timers.
    CurrentThread,
    /// A work-stealing pool of this many worker threads.
    MultiThread {
        /// The number of worker threads (at least 1).
        worker_threads: usize,
    },
}

impl RuntimeConfig {
    /// The runtime of `ssm-runbook serve`.
    pub const SERVE: RuntimeConfig = RuntimeConfig::MultiThread { worker_threads: 2 };

    /// Build the runtime; its threads are named `thread_name`.
    pub fn build(self, thread_name: &str) -> io::Result<tokio::runtime::Runtime> {
        let mut builder = match self {
            RuntimeConfig::CurrentThread => tokio::runtime::Builder::new_current_thread(),
            RuntimeConfig::MultiThread { worker_threads } => {
                let mut builder = tokio::runtime::Builder::new_multi_thread();
                builder.worker_threads(worker_threads.max(1));
                builder
            }
        };
        builder.thread_name(thread_name).enable_all().build()
    }
}

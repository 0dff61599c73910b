//! hyper's header-read timeout without a trip through tokio's timer wheel
//! for every request.
//!
//! hyper arms its header-read timeout each time a connection starts reading
//! a request head and drops it once the head has arrived. With
//! `hyper_util::rt::TokioTimer` that is a fresh tokio timer per request:
//! an allocation, an insertion into the timer wheel under its lock, and a
//! removal under the lock again. [`ConnectionTimer`] gives each connection
//! one tokio [`Sleep`](tokio::time::Sleep) that every head's timeout moves
//! forward; tokio moves a pending timer's deadline later without touching
//! the wheel, so a busy connection touches it about once per timeout
//! period. The timeout means the same: a head that has not fully arrived
//! within it closes the connection.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The longest a timeout may reach into the future (about 30 years), so
/// that adding it to "now" cannot overflow.
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// One connection's timer for hyper: give each connection its own.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionTimer {
    /// The connection's tokio timer, made on the first poll (inside the
    /// runtime).
    sleep: Arc<Mutex<Option<Pin<Box<tokio::time::Sleep>>>>>,
}

impl hyper::rt::Timer for ConnectionTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.sleep_until(deadline_after(Instant::now(), duration))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(Timeout {
            sleep: Arc::clone(&self.sleep),
            deadline,
        })
    }
}

/// `now + duration`, or far in the future when that cannot be told.
fn deadline_after(now: Instant, duration: Duration) -> Instant {
    now.checked_add(duration.min(FAR_FUTURE))
        .or_else(|| now.checked_add(FAR_FUTURE))
        .unwrap_or(now)
}

/// One timeout hyper asked for: ready once `deadline` has passed.
struct Timeout {
    sleep: Arc<Mutex<Option<Pin<Box<tokio::time::Sleep>>>>>,
    deadline: Instant,
}

impl Future for Timeout {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let deadline = tokio::time::Instant::from_std(self.deadline);
        let mut sleep = lock(&self.sleep);
        let sleep = match sleep.as_mut() {
            Some(sleep) => {
                if sleep.deadline() != deadline {
                    // Later than before: tokio only notes the new deadline.
                    sleep.as_mut().reset(deadline);
                }
                sleep
            }
            None => sleep.insert(Box::pin(tokio::time::sleep_until(deadline))),
        };
        sleep.as_mut().poll(cx)
    }
}

impl hyper::rt::Sleep for Timeout {}

/// Lock a mutex, recovering from poisoning (the timer holds no invariant a
/// panic could break).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::rt::Timer as _;

    #[test]
    fn deadlines_do_not_overflow() {
        let now = Instant::now();
        assert_eq!(
            deadline_after(now, Duration::from_secs(1)),
            now + Duration::from_secs(1)
        );
        assert!(deadline_after(now, Duration::MAX) > now);
    }

    #[tokio::test]
    async fn each_timeout_fires_no_earlier_than_its_own_deadline() {
        let timer = ConnectionTimer::default();
        let start = Instant::now();
        let step = Duration::from_millis(40);
        // The first head took a moment (its timeout was polled, so the
        // tokio timer is armed); the second one never finishes.
        let mut first = timer.sleep(step);
        assert!(futures_poll_once(first.as_mut()).await.is_pending());
        tokio::time::sleep(step / 2).await;
        drop(first);
        timer.sleep(step).await;
        assert!(start.elapsed() >= step + step / 2);
        // The timer is used again after it fired.
        let again = Instant::now();
        timer.sleep(step).await;
        assert!(again.elapsed() >= step);
    }

    /// Poll `f` once.
    async fn futures_poll_once<F: Future + ?Sized>(mut f: Pin<&mut F>) -> Poll<F::Output> {
        std::future::poll_fn(|cx| Poll::Ready(f.as_mut().poll(cx))).await
    }
}

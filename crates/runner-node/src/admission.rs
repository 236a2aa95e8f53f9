//! Admission: at most `max_concurrent_runs` runs execute at once; the rest wait up to the queue
//! timeout for a slot and are then refused with `overloaded`. Once draining starts (SIGTERM), new
//! runs are refused with `draining` while admitted ones finish.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use crate::{Error, Result};

/// The run slots of one process.
#[derive(Clone)]
pub struct Admission {
    slots: Arc<Semaphore>,
    capacity: usize,
    draining: Arc<AtomicBool>,
    drain_started: Arc<Notify>,
}

/// A held run slot, released when dropped.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl Admission {
    /// `capacity` runs may execute at once.
    pub fn new(capacity: usize) -> Self {
        Admission {
            slots: Arc::new(Semaphore::new(capacity)),
            capacity,
            draining: Arc::new(AtomicBool::new(false)),
            drain_started: Arc::new(Notify::new()),
        }
    }

    /// Waits for a free slot for at most `queue_timeout`.
    pub async fn admit(&self, queue_timeout: Duration) -> Result<Slot> {
        if self.is_draining() {
            return Err(Error::Draining);
        }
        match tokio::time::timeout(queue_timeout, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) if !self.is_draining() => Ok(Slot { _permit: permit }),
            Ok(_) => Err(Error::Draining),
            Err(_elapsed) => Err(Error::Overloaded {
                slots: self.capacity,
            }),
        }
    }

    /// Runs executing now.
    pub fn in_flight(&self) -> usize {
        self.capacity - self.slots.available_permits()
    }

    /// Refuses new runs from now on; admitted runs go on.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
        self.drain_started.notify_waiters();
    }

    /// Whether [`Admission::start_draining`] was called.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Resolves `grace` after draining started.
    pub async fn grace_expired(&self, grace: Duration) {
        let notified = self.drain_started.notified();
        if !self.is_draining() {
            notified.await;
        }
        tokio::time::sleep(grace).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn full_slots_answer_overloaded_after_the_queue_timeout() {
        let admission = Admission::new(1);
        let _held = admission.admit(Duration::from_secs(1)).await.unwrap();
        let err = admission
            .admit(Duration::from_millis(50))
            .await
            .err()
            .unwrap();
        assert!(matches!(err, Error::Overloaded { slots: 1 }), "{err}");
        assert_eq!(admission.in_flight(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn draining_refuses_new_runs_but_keeps_admitted_ones() {
        let admission = Admission::new(2);
        let held = admission.admit(Duration::from_secs(1)).await.unwrap();
        admission.start_draining();
        let err = admission.admit(Duration::from_secs(1)).await.err().unwrap();
        assert!(matches!(err, Error::Draining), "{err}");
        drop(held);
        assert_eq!(admission.in_flight(), 0);
    }
}

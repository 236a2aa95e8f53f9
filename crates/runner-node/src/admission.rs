//! Admission: at most `max_concurrent_runs` runs execute at once; the rest wait up to the queue
//! timeout for a slot and are then refused with `overloaded`. Once draining starts (SIGTERM), new
//! runs are refused with `draining` while admitted ones finish.
//!
//! A slot is a guest thread ([`crate::threads`]): an admitted run executes on the thread its
//! slot holds, and the slot is free again once the run's store is gone.
//!
//! When the runner has a memory budget (`--memory-budget-mb`, else its container's memory limit
//! minus what the server itself uses), a run also reserves the memory it may use (its
//! `memory_mb` and output caps, [`crate::plan::RunPlan::reserved_mib`]) for as long as it runs,
//! and waits, within the same queue timeout, until that much is free: the runs admitted
//! together can never need more than the container has, so the kernel never kills the pod
//! (and every run in it) for a run it admitted.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use crate::threads::GuestThread;
use crate::{Error, Result};

/// The run slots of one process.
#[derive(Clone)]
pub struct Admission {
    slots: Arc<Semaphore>,
    capacity: usize,
    threads: Arc<Threads>,
    /// MiB runs may reserve in all, when there is a budget.
    memory: Option<Budget>,
    draining: Arc<AtomicBool>,
    drain_started: Arc<Notify>,
}

/// The guest threads not running anything now, most recently used last.
#[derive(Default)]
struct Threads {
    idle: Mutex<Vec<GuestThread>>,
    spawned: AtomicUsize,
}

impl Threads {
    /// An idle thread, or a new one while fewer than the slots exist (the semaphore keeps
    /// the threads out at once to at most the slots).
    fn take(&self) -> Result<GuestThread> {
        let idle = self.idle.lock().expect("idle guest threads").pop();
        match idle {
            Some(thread) => Ok(thread),
            None => {
                let index = self.spawned.fetch_add(1, Ordering::Relaxed);
                GuestThread::spawn(index).map_err(|e| Error::io("a guest thread", e))
            }
        }
    }
}

/// The memory budget of runs, in MiB.
#[derive(Clone)]
struct Budget {
    free: Arc<Semaphore>,
    total_mib: u32,
}

/// A held run slot, released when dropped.
pub struct Slot {
    thread: Option<GuestThread>,
    threads: Arc<Threads>,
    memory: Option<OwnedSemaphorePermit>,
    _permit: OwnedSemaphorePermit,
}

impl Slot {
    /// Takes the slot's memory reservation out of it, to be held beyond the run (a session's
    /// interpreter holds its `memory_mb` for its whole life).
    pub fn keep_memory(&mut self) -> Option<OwnedSemaphorePermit> {
        self.memory.take()
    }

    /// Executes `run` on this slot's guest thread; the slot is released there once `run` has
    /// finished or, when the returned future is dropped, been dropped, after `cpu_used` is told
    /// the CPU time the thread spent on it (a run whose caller left is accounted for too).
    pub fn execute<T: Send + 'static>(
        self,
        run: impl Future<Output = T> + Send + 'static,
        cpu_used: impl FnOnce(Duration) + Send + 'static,
    ) -> impl Future<Output = T> {
        let thread = self.thread.clone().expect("a slot holds its thread");
        thread.execute(run, move |cpu| {
            cpu_used(cpu);
            drop(self);
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        // Back among the idle before the permit (a field, dropped after this) lets a run in.
        if let Some(thread) = self.thread.take() {
            self.threads
                .idle
                .lock()
                .expect("idle guest threads")
                .push(thread);
        }
    }
}

impl Admission {
    /// `capacity` runs may execute at once, reserving at most `memory_budget_mib` in all.
    pub fn new(capacity: usize, memory_budget_mib: Option<u32>) -> Self {
        Admission {
            slots: Arc::new(Semaphore::new(capacity)),
            capacity,
            threads: Arc::default(),
            memory: memory_budget_mib.map(|total_mib| Budget {
                free: Arc::new(Semaphore::new(total_mib as usize)),
                total_mib,
            }),
            draining: Arc::new(AtomicBool::new(false)),
            drain_started: Arc::new(Notify::new()),
        }
    }

    /// Waits for a free slot, and for `reserve_mib` of the memory budget if there is one, for
    /// at most `queue_timeout`. A run that needs more than the whole budget is refused at once.
    pub async fn admit(&self, queue_timeout: Duration, reserve_mib: u32) -> Result<Slot> {
        if self.is_draining() {
            return Err(Error::Draining);
        }
        if let Some(budget) = self.memory.as_ref().filter(|b| reserve_mib > b.total_mib) {
            return Err(Error::LimitExceeded(format!(
                "this run may use {reserve_mib} MiB (its memory_mb and output caps), more than \
                 the {} MiB this runner has for runs (--memory-budget-mb, or its container's \
                 memory limit minus what the server uses): ask for a smaller memory_mb",
                budget.total_mib
            )));
        }
        let wait = async {
            let permit = self.slots.clone().acquire_owned().await;
            let memory = match (&self.memory, &permit) {
                (Some(budget), Ok(_)) => {
                    Some(budget.free.clone().acquire_many_owned(reserve_mib).await)
                }
                _ => None,
            };
            (permit, memory)
        };
        match tokio::time::timeout(queue_timeout, wait).await {
            Ok((Ok(permit), memory)) if !self.is_draining() => Ok(Slot {
                thread: Some(self.threads.take()?),
                threads: self.threads.clone(),
                memory: memory.transpose().map_err(|_| Error::Draining)?,
                _permit: permit,
            }),
            Ok(_) => Err(Error::Draining),
            Err(_elapsed) => Err(self.overloaded(reserve_mib)),
        }
    }

    /// Why a run waited in vain: every slot busy, or the memory budget reserved.
    fn overloaded(&self, reserve_mib: u32) -> Error {
        match &self.memory {
            Some(budget) if self.slots.available_permits() > 0 => Error::Overloaded(format!(
                "the runs in flight hold {} of the {} MiB this runner has for runs and this \
                 one may use {reserve_mib} MiB; retry later, or with a smaller memory_mb",
                self.memory_reserved_mib(),
                budget.total_mib
            )),
            _ => Error::Overloaded(format!(
                "all {} run slots are busy; retry later",
                self.capacity
            )),
        }
    }

    /// MiB of the memory budget reserved by runs now (0 without a budget).
    pub fn memory_reserved_mib(&self) -> usize {
        self.memory
            .as_ref()
            .map_or(0, |b| b.total_mib as usize - b.free.available_permits())
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

    const WAIT: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn full_slots_answer_overloaded_after_the_queue_timeout() {
        let admission = Admission::new(1, None);
        let _held = admission.admit(WAIT, 128).await.unwrap();
        let err = admission
            .admit(Duration::from_millis(50), 128)
            .await
            .err()
            .unwrap();
        assert!(matches!(err, Error::Overloaded(_)), "{err}");
        assert_eq!(err.to_string(), "all 1 run slots are busy; retry later");
        assert_eq!(admission.in_flight(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn runs_reserve_the_memory_budget_and_wait_for_it() {
        let admission = Admission::new(8, Some(300));
        let first = admission.admit(WAIT, 129).await.unwrap();
        let _second = admission.admit(WAIT, 129).await.unwrap();
        assert_eq!(admission.memory_reserved_mib(), 258);
        // A third does not fit: it waits, and gets in once a run ends.
        let waiting = admission.admit(WAIT, 129);
        let freed = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            drop(first);
        };
        let (third, ()) = tokio::join!(waiting, freed);
        assert!(third.is_ok());
        // Nothing ends within the queue timeout: 503, saying why.
        let err = admission.admit(WAIT, 129).await.err().unwrap();
        assert!(matches!(err, Error::Overloaded(_)), "{err}");
        assert!(err.to_string().contains("hold 258 of the 300 MiB"), "{err}");
        // More than the whole budget can never run.
        let err = admission.admit(WAIT, 301).await.err().unwrap();
        assert!(matches!(err, Error::LimitExceeded(_)), "{err}");
        assert!(err.to_string().contains("more than the 300 MiB"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn draining_refuses_new_runs_but_keeps_admitted_ones() {
        let admission = Admission::new(2, None);
        let held = admission.admit(WAIT, 128).await.unwrap();
        admission.start_draining();
        let err = admission.admit(WAIT, 128).await.err().unwrap();
        assert!(matches!(err, Error::Draining), "{err}");
        drop(held);
        assert_eq!(admission.in_flight(), 0);
    }
}

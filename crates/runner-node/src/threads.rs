//! Guest threads: every admitted run executes on an OS thread of its own, apart from the threads
//! that serve HTTP, so the kernel schedules runs the way it schedules processes.
//!
//! Why not tokio's workers: a guest computes for a whole epoch tick (10 ms) between yields, and
//! tokio looks for new I/O only every 61 polls, so one `while True: pass` made every request of
//! the process (probes and metrics included) wait about 600 ms. Here the HTTP threads never run
//! guest code, and a run arriving while CPU-bound runs hold the cores is a freshly woken thread,
//! which the kernel's scheduler (CFS, EEVDF) favours over threads that have used their share:
//! it starts at once and finishes close to its idle time, while the long runs keep progressing.
//! A thread that runs one run at a time also makes the thread's CPU clock the run's CPU time.
//!
//! Each thread is a slot of [`crate::admission`]: spawned the first time admission needs one
//! more (never more than the slots), then kept. It drives one run's future at a time on its own
//! current-thread tokio runtime (timers only: `time.sleep` and the run's wall-time limit); the
//! future is wasmtime's async call, which yields every epoch tick, so a run whose caller went
//! away is dropped within a tick.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::mpsc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::oneshot;
use tracing::Instrument;

/// A run's future, wrapped to report to its caller and to free its slot when done.
type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One guest thread, as admission holds it: where to send it work.
#[derive(Clone)]
pub(crate) struct GuestThread {
    jobs: mpsc::Sender<Job>,
}

impl GuestThread {
    /// Starts guest thread `index`, with its runtime.
    pub(crate) fn spawn(index: usize) -> std::io::Result<Self> {
        // Built here so a failure is this call's error, not a dead thread's.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name(format!("guest-{index}"))
            .spawn(move || {
                // Ends when admission (every sender) is dropped.
                for job in queue {
                    runtime.block_on(job);
                }
            })?;
        Ok(GuestThread { jobs })
    }

    /// Runs `run` on this thread and returns its output. `done` is called on the thread once
    /// `run` has finished or been dropped (its store is gone), with the CPU time the thread
    /// spent on it, whether or not anyone still waits for the answer. Dropping the returned
    /// future drops `run` within an epoch tick.
    ///
    /// A panic in `run` is resumed here, on the caller's task, where the HTTP layer turns it into
    /// a 500 and the guest thread goes on.
    pub(crate) fn execute<T, R, D>(&self, run: R, done: D) -> impl Future<Output = T> + use<T, R, D>
    where
        T: Send + 'static,
        R: Future<Output = T> + Send + 'static,
        D: FnOnce(Duration) + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = async move {
            let cpu_started = cpu_time();
            let mut reply = reply;
            let run = AssertUnwindSafe(run).catch_unwind();
            let output = tokio::select! {
                biased;
                () = reply.closed() => None,
                output = run => Some(output),
            };
            if let Some(output) = output {
                let _ = reply.send(output);
            }
            done(cpu_time().saturating_sub(cpu_started));
        };
        // The run's spans are children of the request's, whichever thread records them.
        let sent = self.jobs.send(Box::pin(job.in_current_span())).is_ok();
        async move {
            if !sent {
                panic!("a guest thread has stopped");
            }
            match answer.await {
                Ok(Ok(output)) => output,
                Ok(Err(panic)) => std::panic::resume_unwind(panic),
                Err(_) => panic!("a guest thread dropped a run without an answer"),
            }
        }
    }
}

/// CPU time the calling thread has consumed (`CLOCK_THREAD_CPUTIME_ID`): on a guest thread,
/// what its runs consumed.
pub(crate) fn cpu_time() -> Duration {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_on_its_own_thread_and_reports_the_cpu_it_used() {
        let thread = GuestThread::spawn(7).unwrap();
        let (done, used) = oneshot::channel();
        let busy = async {
            let started = std::time::Instant::now();
            while started.elapsed() < Duration::from_millis(30) {}
            std::thread::current().name().map(str::to_owned)
        };
        let name = thread
            .execute(busy, move |cpu| {
                let _ = done.send(cpu);
            })
            .await;
        assert_eq!(name.as_deref(), Some("guest-7"));
        let cpu = used.await.expect("done is called after the run");
        assert!(cpu >= Duration::from_millis(25), "{cpu:?}");
    }

    #[tokio::test]
    async fn a_dropped_caller_stops_the_run_and_a_panic_reaches_the_caller() {
        let thread = GuestThread::spawn(0).unwrap();
        let (done, was_done) = oneshot::channel();
        let forever = thread.execute(std::future::pending::<()>(), move |_| {
            let _ = done.send(());
        });
        let _ = tokio::time::timeout(Duration::from_millis(20), forever).await;
        assert!(was_done.await.is_ok(), "the abandoned run did not end");

        let panicked = AssertUnwindSafe(thread.execute(async { panic!("boom") }, |_| ()))
            .catch_unwind()
            .await;
        let payload = panicked.expect_err("the panic is resumed on the caller");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
        // The thread survived its run's panic.
        assert_eq!(thread.execute(async { 42 }, |_| ()).await, 42);
    }
}

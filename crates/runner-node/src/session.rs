//! Sessions: an instance of the interpreter snapshot kept between runs, so what one run defines
//! (globals, imports, open files, `/work`) is there for the next, like the cells of a notebook.
//!
//! A session is a [`Live`] interpreter: a store of its own, instantiated from the snapshot
//! like a run's, with one WASI context for its whole life (its `/work`, its environment, a
//! stdin refilled and an output capture reset before each run). A run writes its code into the
//! guest's memory and calls python.wasm's `runner-session-run`, which runs it in `__main__`
//! and returns the exit status without exiting (python-wasi/runner-entry.c). Files the
//! program opens stay open between runs.
//!
//! Capacity: each session holds one of `--max-sessions` places, an instance slot the engine's
//! pool has beyond the run slots, and its `memory_mb` from the memory budget, for its whole
//! life. Each of its runs takes a run slot like any run (admission stays one rule) and
//! reserves only its output caps.
//!
//! What ends a session: `DELETE`; its idle timeout; its lifetime; a run stopped by a limit, a
//! program that leaves the interpreter (`os._exit`, an abort) or a run whose caller left. After
//! a trap the interpreter's state cannot be trusted (a C function was abandoned halfway), so
//! the session ends rather than go on, and the run's answer says so (`session_ended`). A Python
//! exception, `sys.exit()` and a refused memory grow (`MemoryError`) leave the session as Python
//! leaves it. The session's memory is freed when its interpreter is dropped; nothing is kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use bytes::Bytes;
use runner_api::Outcome;
use runner_api::policy::SandboxPolicy;
use runner_api::session::{SessionInfo, SessionState};
use tempfile::TempDir;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tracing::Instrument;
use wasmtime::{Memory, Store, TypedFunc};

use crate::capture::{Capture, Input, Lines, Stream};
use crate::engine::Interpreter;
use crate::guest::HostState;
use crate::metrics::Metrics;
use crate::plan::{RunPlan, SessionPlan};
use crate::record::{Ended, Limits, Report};
use crate::sandbox::{self, Guest, Meter};
use crate::{Error, Result, audit, telemetry, workdir};

/// python.wasm's export that allocates guest memory for a session run's code.
const ALLOC_EXPORT: &str = "runner-session-alloc";
/// python.wasm's export that runs code in a session and returns its exit status.
const RUN_EXPORT: &str = "runner-session-run";

/// How long a session's first, empty run (which prepares its interpreter) may take.
const PREPARE_TIMEOUT: Duration = Duration::from_secs(30);

/// The bounds every session of a runner is held to (`--max-sessions` and the session flags).
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Most sessions at once.
    pub max_sessions: usize,
    /// Idle timeout of a session whose request names none.
    pub idle_timeout: Duration,
    /// Largest idle timeout a request may ask for.
    pub max_idle_timeout: Duration,
    /// How long a session may live, used or not.
    pub lifetime: Duration,
    /// Whether sessions starting and ending are audit events (`--audit-log`).
    pub audit: bool,
}

/// A session's interpreter: the instance, its store and what it is shown.
pub struct Live {
    store: Store<HostState>,
    alloc: TypedFunc<u32, u32>,
    entry: TypedFunc<(u32, u32), i32>,
    memory: Memory,
    work: TempDir,
    capture: Capture,
    stdin: Input,
    /// Its `memory_mb` of the memory budget, held while it lives.
    _reserved: Option<OwnedSemaphorePermit>,
}

impl Live {
    /// Instantiates the snapshot for a session of `plan` and prepares the interpreter (its
    /// arguments, environment, working folder and randomness, as a run's).
    pub async fn start(
        interpreter: &Interpreter,
        policy: &SandboxPolicy,
        plan: SessionPlan,
        reserved: Option<OwnedSemaphorePermit>,
    ) -> Result<Live> {
        let work = workdir::prepare(&interpreter.work_root, &plan.files)?;
        let capture = Capture::new(0);
        let stdin = Input::default();
        let guest = Guest {
            args: ["python", "-c", ""],
            env: &plan.env,
            stdin: stdin.clone(),
            work: work.path(),
            capture: &capture,
            memory_bytes: plan.memory_bytes,
        };
        let mut store = sandbox::new_store(interpreter, policy, guest)?;
        // Armed before instantiating: the epoch deadline also bounds the start.
        let limits = Limits {
            timeout: PREPARE_TIMEOUT,
            cpu: None,
            memory_bytes: plan.memory_bytes,
            output_bytes: 64 * 1024,
        };
        let _meter = Meter::arm(&mut store, &limits);
        let instance = interpreter
            .pre
            .instantiate_async(&mut store)
            .await
            .map_err(Error::wasm("instantiating a session's interpreter"))?;
        let no_entry = |_| {
            Error::Snapshot(format!(
                "python.wasm has no {RUN_EXPORT} export: rebuild it with python-wasi/build.sh"
            ))
        };
        let alloc = instance
            .get_typed_func(&mut store, ALLOC_EXPORT)
            .map_err(no_entry)?;
        let entry = instance
            .get_typed_func(&mut store, RUN_EXPORT)
            .map_err(no_entry)?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| Error::Snapshot("python.wasm exports no memory".into()))?;
        let mut live = Live {
            store,
            alloc,
            entry,
            memory,
            work,
            capture,
            stdin,
            _reserved: reserved,
        };
        // The first call prepares the interpreter; an empty program shows whether it can.
        let (report, ended) = live.run(RunPlan::with_limits("", limits), None).await?;
        if ended.is_some() || report.exit_code != Some(0) {
            return Err(Error::Snapshot(format!(
                "a session's interpreter does not start ({:?}, exit code {:?}): {}",
                report.outcome,
                report.exit_code,
                report.output.output.trim()
            )));
        }
        Ok(live)
    }

    /// Runs `plan` in this interpreter, its output also sent to `lines` as it is written when
    /// given. The second value is set when the run stopped the interpreter (a limit, a trap, an
    /// exit from it): the session must end, saying that.
    pub async fn run(
        &mut self,
        plan: RunPlan,
        lines: Option<Lines>,
    ) -> Result<(Report, Option<String>)> {
        let limits = plan.limits;
        workdir::write_files(self.work.path(), &plan.files)?;
        self.capture.reset(limits.output_bytes);
        if let Some(lines) = lines {
            self.capture.stream_to(lines);
        }
        self.stdin.refill(plan.stdin);
        let code = Bytes::from(plan.code);
        let length = u32::try_from(code.len())
            .map_err(|_| Error::InvalidRequest("code is larger than 4 GiB".into()))?;
        let meter = Meter::arm(&mut self.store, &limits);
        let (alloc, entry, memory) = (self.alloc.clone(), self.entry.clone(), self.memory);
        let store = &mut self.store;
        let call = async {
            let at = alloc.call_async(&mut *store, length).await?;
            if at == 0 {
                // malloc found no memory for the source: the program did not start.
                return wasmtime::Result::Ok(None);
            }
            memory.write(&mut *store, at as usize, &code)?;
            entry.call_async(&mut *store, (at, length)).await.map(Some)
        }
        .instrument(telemetry::span(|| tracing::info_span!("guest_execution")));
        let result = tokio::time::timeout(limits.timeout, call).await;
        let (duration, cpu_time) = meter.read();
        let no_memory = matches!(result, Ok(Ok(None)));
        if no_memory {
            let said = "MemoryError: no memory left in the session for the program's source\n";
            let _ = self
                .capture
                .push(Stream::Stderr, Bytes::from_static(said.as_bytes()));
        }
        let stopped = !matches!(result, Ok(Ok(_)));
        let result = result.map(|called| called.map(|status| status.unwrap_or(1)));
        let (outcome, exit_code) = sandbox::ended(result, self.store.data());
        let outcome = if no_memory {
            Outcome::MemoryLimit
        } else {
            outcome
        };
        let files = plan
            .outputs
            .map(|outputs| workdir::collect(self.work.path(), &outputs))
            .transpose()?;
        let report = Report {
            outcome,
            exit_code,
            output: self.capture.finish(),
            duration,
            cpu_time,
            peak_memory_bytes: self.store.data().limiter.peak,
            files,
        };
        let ended = stopped.then(|| stopped_because(outcome, exit_code));
        Ok((report, ended))
    }

    /// Bytes of linear memory the interpreter has now.
    fn memory_bytes(&self) -> u64 {
        self.memory.data_size(&self.store) as u64
    }
}

/// What a run that stopped its session's interpreter is told.
fn stopped_because(outcome: Outcome, exit_code: Option<i32>) -> String {
    let why = match (outcome, exit_code) {
        (Outcome::Timeout, _) => "the run reached its wall-time limit",
        (Outcome::CpuLimit, _) => "the run reached its CPU-time limit",
        (Outcome::OutputLimit, _) => "the run reached the output cap",
        (Outcome::StackOverflow, _) => "the run overflowed the stack",
        (Outcome::MemoryLimit, _) => "the run ran out of memory inside the interpreter",
        (_, Some(crate::guest::TRAP_EXIT_CODE)) => "the interpreter aborted",
        _ => "the program left the interpreter (os._exit or a C exit)",
    };
    format!(
        "{why}, which stops the interpreter midway: the session has ended and its state is \
         gone; start a new session"
    )
}

/// Every session of a runner.
#[derive(Clone)]
pub struct Sessions {
    shared: Arc<Shared>,
}

struct Shared {
    settings: Settings,
    places: Arc<Semaphore>,
    table: Mutex<HashMap<String, Arc<Session>>>,
    metrics: Arc<Metrics>,
}

/// One session.
pub struct Session {
    id: String,
    tenant: Option<Arc<str>>,
    created: Instant,
    created_at: SystemTime,
    idle_timeout: Duration,
    memory_mb: u64,
    inner: Mutex<Inner>,
    _place: OwnedSemaphorePermit,
}

struct Inner {
    /// The interpreter, `None` while a run holds it or once the session ended.
    live: Option<Box<Live>>,
    running: bool,
    ended: bool,
    runs: u64,
    last_used: Instant,
    last_used_at: SystemTime,
    memory_bytes: u64,
}

/// A place among `--max-sessions`, held from before a session is made until it ends.
pub struct Place(OwnedSemaphorePermit);

impl Sessions {
    /// No sessions yet; `metrics` counts them.
    pub fn new(settings: Settings, metrics: Arc<Metrics>) -> Self {
        Sessions {
            shared: Arc::new(Shared {
                settings,
                places: Arc::new(Semaphore::new(settings.max_sessions)),
                table: Mutex::default(),
                metrics,
            }),
        }
    }

    /// The bounds sessions are held to.
    pub fn settings(&self) -> &Settings {
        &self.shared.settings
    }

    /// A place for a new session, or `overloaded` when every place is taken.
    pub fn place(&self) -> Result<Place> {
        if self.shared.settings.max_sessions == 0 {
            return Err(Error::SessionsOff);
        }
        self.shared
            .places
            .clone()
            .try_acquire_owned()
            .map(Place)
            .map_err(|_| {
                Error::Overloaded(format!(
                    "all {} session places of this runner are taken (--max-sessions); end a \
                     session or retry later",
                    self.shared.settings.max_sessions
                ))
            })
    }

    /// The idle timeout a request asks for (the default when none), within the maximum.
    pub fn idle_timeout(&self, asked: Option<u64>) -> Result<Duration> {
        let settings = &self.shared.settings;
        match asked {
            None => Ok(settings.idle_timeout),
            Some(secs) if Duration::from_secs(secs) > settings.max_idle_timeout => {
                Err(Error::LimitExceeded(format!(
                    "idle_timeout_s {secs} exceeds this server's maximum of {}",
                    settings.max_idle_timeout.as_secs()
                )))
            }
            Some(secs) => Ok(Duration::from_secs(secs)),
        }
    }

    /// Registers a started session and returns it.
    pub fn insert(
        &self,
        place: Place,
        tenant: Option<Arc<str>>,
        idle_timeout: Duration,
        memory_mb: u64,
        live: Live,
    ) -> Arc<Session> {
        let now = Instant::now();
        let now_at = SystemTime::now();
        let session = Arc::new(Session {
            id: new_id(),
            tenant,
            created: now,
            created_at: now_at,
            idle_timeout,
            memory_mb,
            inner: Mutex::new(Inner {
                memory_bytes: live.memory_bytes(),
                live: Some(Box::new(live)),
                running: false,
                ended: false,
                runs: 0,
                last_used: now,
                last_used_at: now_at,
            }),
            _place: place.0,
        });
        self.table().insert(session.id.clone(), session.clone());
        self.shared.metrics.session_started();
        let audit = self.shared.settings.audit;
        audit::session(audit, session.tenant.as_deref(), &session.id, None);
        session
    }

    /// The session `id` of `tenant`: another tenant's is as unknown as one never made.
    pub fn get(&self, id: &str, tenant: Option<&str>) -> Result<Arc<Session>> {
        let found = self.table().get(id).cloned();
        match found {
            Some(session) if session.tenant.as_deref() == tenant => Ok(session),
            Some(_) => {
                tracing::info!(session.id = id, "session asked for by another tenant");
                Err(not_found(id))
            }
            None => Err(not_found(id)),
        }
    }

    /// Ends session `id` of `tenant` (`DELETE`); a run executing in it finishes and is told.
    pub fn delete(&self, id: &str, tenant: Option<&str>) -> Result<()> {
        let session = self.get(id, tenant)?;
        self.end(&session, Ended::Deleted);
        Ok(())
    }

    /// Takes `session`'s interpreter for one run: `session_busy` while another run holds it.
    pub fn borrow(&self, session: Arc<Session>) -> Result<Borrowed> {
        let live = {
            let mut inner = session.lock();
            if inner.ended {
                return Err(not_found(&session.id));
            }
            if inner.running {
                return Err(Error::SessionBusy(format!(
                    "a run of session {} is executing; a session runs one program at a time",
                    session.id
                )));
            }
            inner.running = true;
            inner.live.take()
        };
        Ok(Borrowed {
            sessions: self.clone(),
            session,
            live,
            returned: false,
        })
    }

    /// Ends the sessions idle past their timeout or past their lifetime; a session that is
    /// running is left to its run, which ends it afterwards if its lifetime is over.
    pub fn expire(&self, now: Instant) {
        let expired: Vec<(Arc<Session>, Ended)> = self
            .table()
            .values()
            .filter_map(|session| {
                let inner = session.lock();
                if inner.running {
                    None
                } else if now >= session.created + self.shared.settings.lifetime {
                    Some((session.clone(), Ended::Lifetime))
                } else if now >= inner.last_used + session.idle_timeout {
                    Some((session.clone(), Ended::Idle))
                } else {
                    None
                }
            })
            .collect();
        for (session, why) in expired {
            self.end(&session, why);
        }
    }

    /// Sessions now.
    pub fn count(&self) -> usize {
        self.table().len()
    }

    /// Sessions of `tenant` now.
    pub fn count_of(&self, tenant: &str) -> usize {
        self.table()
            .values()
            .filter(|s| s.tenant.as_deref() == Some(tenant))
            .count()
    }

    /// Removes `session` and drops its interpreter (unless a run holds it: that run's
    /// [`Borrowed`] drops it). Counted once, however many callers race to end it.
    fn end(&self, session: &Session, why: Ended) {
        let live = {
            let mut inner = session.lock();
            if inner.ended {
                return;
            }
            inner.ended = true;
            inner.live.take()
        };
        self.table().remove(&session.id);
        self.shared.metrics.session_ended(why);
        let audit = self.shared.settings.audit;
        audit::session(
            audit,
            session.tenant.as_deref(),
            &session.id,
            Some(why.as_str()),
        );
        tracing::info!(session.id = %session.id, reason = why.as_str(), "session ended");
        drop(live);
    }

    fn table(&self) -> MutexGuard<'_, HashMap<String, Arc<Session>>> {
        self.shared
            .table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Session {
    /// The session's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its memory limit, in bytes.
    pub fn memory_bytes_limit(&self) -> usize {
        usize::try_from(self.memory_mb << 20).unwrap_or(usize::MAX)
    }

    /// How the session looks now; `url` is where it is served.
    pub fn info(&self, url: String, lifetime: Duration) -> SessionInfo {
        let inner = self.lock();
        let idle_end = inner.last_used_at + self.idle_timeout;
        let life_end = self.created_at + lifetime;
        SessionInfo {
            id: self.id.clone(),
            url,
            state: SessionState::Live,
            running: inner.running,
            runs: inner.runs,
            memory_bytes: inner.memory_bytes,
            memory_mb: self.memory_mb,
            idle_timeout_s: self.idle_timeout.as_secs(),
            created_at: rfc3339(self.created_at),
            last_used_at: rfc3339(inner.last_used_at),
            expires_at: rfc3339(idle_end.min(life_end)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A session's interpreter, out of the session for one run. Give it back with
/// [`Borrowed::give_back`]; if it is dropped without (the run was cancelled and its
/// interpreter dropped with it), the session ends.
pub struct Borrowed {
    sessions: Sessions,
    session: Arc<Session>,
    live: Option<Box<Live>>,
    returned: bool,
}

impl Borrowed {
    /// The session it came from.
    pub fn session(&self) -> &Arc<Session> {
        &self.session
    }

    /// The interpreter, to move to the thread that runs it.
    pub fn take(&mut self) -> Box<Live> {
        self.live
            .take()
            .expect("a borrowed session holds its interpreter once")
    }

    /// Returns the interpreter untouched, as if the run had never been asked for (its request
    /// was refused before the program started).
    pub fn put_back(mut self, live: Box<Live>) {
        self.live = Some(live);
    }

    /// Ends the run: the interpreter goes back into the session, or, when the run stopped it
    /// (`stopped`), the session was deleted meanwhile or its lifetime is over, the session
    /// ends. Returns why it ended, for the run's answer.
    pub fn give_back(mut self, live: Box<Live>, stopped: Option<String>) -> Option<String> {
        self.returned = true;
        let sessions = self.sessions.clone();
        let session = self.session.clone();
        let lifetime = sessions.shared.settings.lifetime;
        if let Some(why) = stopped {
            sessions.end(&session, Ended::Stopped);
            return Some(why);
        }
        let mut inner = session.lock();
        if inner.ended {
            return Some("the session was deleted while this run executed".into());
        }
        inner.running = false;
        inner.runs += 1;
        inner.last_used = Instant::now();
        inner.last_used_at = SystemTime::now();
        inner.memory_bytes = live.memory_bytes();
        if inner.last_used >= session.created + lifetime {
            drop(inner);
            sessions.end(&session, Ended::Lifetime);
            return Some(format!(
                "the session reached its lifetime of {} s and has ended",
                lifetime.as_secs()
            ));
        }
        inner.live = Some(live);
        None
    }
}

impl Drop for Borrowed {
    fn drop(&mut self) {
        if self.returned {
            return;
        }
        match self.live.take() {
            // Never run (admission refused it): the session goes on as it was.
            Some(live) => {
                let mut inner = self.session.lock();
                inner.running = false;
                if !inner.ended {
                    inner.live = Some(live);
                }
            }
            None => self.sessions.end(&self.session, Ended::Cancelled),
        }
    }
}

fn not_found(id: &str) -> Error {
    let shown: String = id.chars().take(64).collect();
    Error::SessionNotFound(format!(
        "no session {shown:?} here: it never existed, has ended, or is another caller's"
    ))
}

/// 16 random bytes, base64url: unguessable.
fn new_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS gives random bytes");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `2026-12-08T01:02:03Z`.
fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_16_random_bytes_in_base64url() {
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{a}"
        );
    }

    #[test]
    fn idle_timeouts_default_and_are_bounded() {
        let sessions = Sessions::new(
            Settings {
                max_sessions: 1,
                idle_timeout: Duration::from_secs(60),
                max_idle_timeout: Duration::from_secs(120),
                lifetime: Duration::from_secs(600),
                audit: false,
            },
            Arc::new(Metrics::new()),
        );
        assert_eq!(
            sessions.idle_timeout(None).unwrap(),
            Duration::from_secs(60)
        );
        assert_eq!(
            sessions.idle_timeout(Some(5)).unwrap(),
            Duration::from_secs(5)
        );
        let err = sessions.idle_timeout(Some(121)).unwrap_err();
        assert!(matches!(err, Error::LimitExceeded(_)), "{err}");
        let held = sessions.place().unwrap();
        let err = sessions.place().err().unwrap();
        assert!(err.to_string().contains("all 1 session places"), "{err}");
        drop(held);
        assert!(sessions.place().is_ok());
    }

    #[test]
    fn times_are_rfc3339_in_utc() {
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(86_400 + 3_661);
        assert_eq!(rfc3339(time), "1970-01-02T01:01:01Z");
    }
}

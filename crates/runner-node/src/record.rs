//! The plain record of one run: the limits it ran under and how it ended. Made by the sandbox,
//! read by the HTTP layer, telemetry and metrics; it holds no wasmtime or HTTP types.

use std::time::Duration;

use runner_api::{OmittedFile, Outcome, OutputFile};

use crate::capture::Captured;

/// The limits one run is held to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Wall time of the program.
    pub timeout: Duration,
    /// CPU time of the program, when the request set one.
    pub cpu: Option<Duration>,
    /// Largest linear memory, in bytes.
    pub memory_bytes: usize,
    /// Most bytes of stdout + stderr kept.
    pub output_bytes: usize,
}

/// How a run ended and what it wrote.
#[derive(Debug)]
pub struct Report {
    /// How the run ended.
    pub outcome: Outcome,
    /// The guest's exit status, `None` when a limit stopped it.
    pub exit_code: Option<i32>,
    /// What it wrote.
    pub output: Captured,
    /// Time from instantiation to the end of the program.
    pub duration: Duration,
    /// CPU time the run's thread consumed over the same span.
    pub cpu_time: Duration,
    /// Largest linear memory the run was granted, in bytes.
    pub peak_memory_bytes: usize,
    /// The files its request's `outputs` asked for, when it asked.
    pub files: Option<Files>,
}

/// Files a run returns, and those it matched but does not.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Files {
    /// Returned, by path.
    pub returned: Vec<OutputFile>,
    /// Matched but left out, by path, with the reason.
    pub omitted: Vec<OmittedFile>,
}

/// Why a session ended, as `runner_sessions_ended_total{reason}` counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// `DELETE /v1/sessions/{id}`.
    Deleted,
    /// No run within its idle timeout.
    Idle,
    /// It reached its lifetime.
    Lifetime,
    /// A run stopped its interpreter: a limit, an exit from the interpreter, a trap.
    Stopped,
    /// A run's caller left (or the server stopped) while the run executed.
    Cancelled,
}

impl Ended {
    /// Every reason, for metrics made at zero.
    pub const ALL: [Ended; 5] = [
        Ended::Deleted,
        Ended::Idle,
        Ended::Lifetime,
        Ended::Stopped,
        Ended::Cancelled,
    ];

    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Ended::Deleted => "deleted",
            Ended::Idle => "idle",
            Ended::Lifetime => "lifetime",
            Ended::Stopped => "stopped",
            Ended::Cancelled => "cancelled",
        }
    }
}

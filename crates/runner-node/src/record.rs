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

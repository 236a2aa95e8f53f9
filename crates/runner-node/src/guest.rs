//! The guest's side of the sandbox, the bottom layer every other module builds on: where the
//! guest sees each folder, and the host state a run's [`Store`](wasmtime::Store) holds.

use wasmtime::ResourceLimiter;
use wasmtime_wasi::p1::WasiP1Ctx;

/// Where the stdlib folder appears in the guest (CPython's compiled-in prefix is `/usr/local`).
pub const LIB_DIR: &str = "/usr/local/lib";
/// The run's working directory in the guest.
pub const WORK_DIR: &str = "/work";
/// Where the pool's packages appear in the guest (read-only, on `sys.path`).
pub const PACKAGES_DIR: &str = "/packages";
/// The target python.wasm is built for.
pub const PLATFORM: &str = "wasm32-wasip1";

/// Exit code reported when the guest traps by itself (CPython's `abort()` is a wasm
/// `unreachable`), as a native process killed by SIGABRT would report it.
pub const TRAP_EXIT_CODE: i32 = 134;

/// Per-run host state held by the store: the WASI context and the memory limiter.
pub struct HostState {
    pub(crate) wasi: WasiP1Ctx,
    pub(crate) limiter: MemoryLimiter,
    /// Whether the run was stopped for its CPU-time limit.
    pub(crate) cpu_limit_reached: bool,
}

impl HostState {
    /// State for a run whose linear memory may grow to `max_memory_bytes`.
    pub fn new(wasi: WasiP1Ctx, max_memory_bytes: usize) -> Self {
        HostState {
            wasi,
            limiter: MemoryLimiter {
                max_bytes: max_memory_bytes,
                refused: false,
                peak: 0,
            },
            cpu_limit_reached: false,
        }
    }
}

/// Refuses linear-memory growth past a fixed size and remembers that it did.
pub struct MemoryLimiter {
    max_bytes: usize,
    /// Whether a grow was refused.
    pub refused: bool,
    /// Largest linear memory granted, in bytes.
    pub peak: usize,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= self.max_bytes;
        self.refused |= !allowed;
        self.peak = self.peak.max(if allowed { desired } else { 0 });
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

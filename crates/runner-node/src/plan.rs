//! A run plan: one request checked against the policy in force, turned into exactly what the
//! sandbox will do. Everything a caller can get wrong is found here, before the run is admitted:
//! a bad name or pattern is a 400, a limit past its maximum a 422, never a host error halfway
//! through preparing `/work`.
//!
//! Over 400 lines with its unit tests; the code itself is under 300.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path};
use std::time::Duration;

use base64::Engine as _;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use runner_api::policy::SandboxPolicy;
use runner_api::session::SessionRequest;
use runner_api::{FileContent, RunRequest};

use crate::record::Limits;
use crate::{Error, Result};

/// Longest file-name component most filesystems store (`NAME_MAX`).
const MAX_COMPONENT_BYTES: usize = 255;
/// Longest relative path or pattern accepted, well under `PATH_MAX` once joined to `/work`.
const MAX_PATH_BYTES: usize = 1024;
/// Most `outputs` patterns one request may name.
pub const MAX_OUTPUT_PATTERNS: usize = 64;

/// What one run is given and held to, checked.
#[derive(Clone, Debug)]
pub struct RunPlan {
    /// Python source, run as `python -c CODE`.
    pub code: String,
    /// Bytes the program reads from stdin.
    pub stdin: Vec<u8>,
    /// Files written into `/work` first: checked relative paths and their bytes.
    pub files: Vec<(String, Vec<u8>)>,
    /// Environment variables, allowed by the policy.
    pub env: BTreeMap<String, String>,
    /// The files to return after the run, if the request asked for any.
    pub outputs: Option<Outputs>,
    /// Time, memory and output limits.
    pub limits: Limits,
}

/// The files a run returns: what its patterns match, within the policy's caps.
#[derive(Clone, Debug)]
pub struct Outputs {
    patterns: GlobSet,
    /// Most files returned.
    pub max_files: usize,
    /// Most bytes of files returned.
    pub max_bytes: u64,
}

impl Outputs {
    /// Whether `path` (relative to `/work`, `/`-separated) is asked for.
    pub fn matches(&self, path: &str) -> bool {
        self.patterns.is_match(path)
    }
}

impl RunPlan {
    /// Checks `request` against `policy`; `floor_bytes` is the memory every run starts with
    /// (the interpreter snapshot), below which no `memory_mb` can run.
    pub fn new(request: RunRequest, policy: &SandboxPolicy, floor_bytes: u64) -> Result<Self> {
        let bounds = &policy.limits;
        let timeout_ms = within(
            "timeout_ms",
            request.timeout_ms,
            bounds.timeout_ms,
            bounds.max_timeout_ms,
        )?;
        let cpu_limit_ms = match request.cpu_limit_ms {
            None => None,
            asked => Some(within(
                "cpu_limit_ms",
                asked,
                bounds.max_cpu_limit_ms,
                bounds.max_cpu_limit_ms,
            )?),
        };
        let memory_mb = memory_mb(request.memory_mb, policy, floor_bytes)?;
        let files = decode_files(request.files, policy.scratch_quota_bytes)?;
        check_env(&request.env, policy)?;
        let outputs = if request.outputs.is_empty() {
            None
        } else {
            Some(Outputs {
                patterns: output_patterns(&request.outputs)?,
                max_files: bounds.max_output_files as usize,
                max_bytes: bounds.max_output_files_bytes,
            })
        };
        Ok(RunPlan {
            code: request.code,
            stdin: request.stdin.unwrap_or_default().into_bytes(),
            files,
            env: request.env,
            outputs,
            limits: Limits {
                timeout: Duration::from_millis(timeout_ms),
                cpu: cpu_limit_ms.map(Duration::from_millis),
                memory_bytes: usize::try_from(memory_mb << 20).unwrap_or(usize::MAX),
                output_bytes: usize::try_from(bounds.max_output_bytes).unwrap_or(usize::MAX),
            },
        })
    }
}

/// What a session is given at its start, checked like a run's.
#[derive(Clone, Debug)]
pub struct SessionPlan {
    /// Largest linear memory of its interpreter, in bytes.
    pub memory_bytes: usize,
    /// Environment variables of all its runs, allowed by the policy.
    pub env: BTreeMap<String, String>,
    /// Files in its `/work` from the start.
    pub files: Vec<(String, Vec<u8>)>,
    /// The idle timeout it asks for, if any (bounded by the server's flags, not the policy).
    pub idle_timeout_s: Option<u64>,
}

impl SessionPlan {
    /// Checks `request` against `policy`, as [`RunPlan::new`] checks a run.
    pub fn new(request: SessionRequest, policy: &SandboxPolicy, floor_bytes: u64) -> Result<Self> {
        let memory_mb = memory_mb(request.memory_mb, policy, floor_bytes)?;
        let files = decode_files(request.files, policy.scratch_quota_bytes)?;
        check_env(&request.env, policy)?;
        if request.idle_timeout_s == Some(0) {
            return Err(Error::InvalidRequest(
                "idle_timeout_s must be at least 1".into(),
            ));
        }
        Ok(SessionPlan {
            memory_bytes: usize::try_from(memory_mb << 20).unwrap_or(usize::MAX),
            env: request.env,
            files,
            idle_timeout_s: request.idle_timeout_s,
        })
    }

    /// What the session's interpreter reserves of the runner's memory budget for its life.
    pub fn reserved_mib(&self) -> u32 {
        u32::try_from(reserved_mib(self.memory_bytes as u64, 0, 0)).unwrap_or(u32::MAX)
    }
}

impl RunPlan {
    /// Checks a run of a session whose interpreter may use `memory_bytes`: as [`RunPlan::new`],
    /// but `memory_mb` and `env` belong to the session and are refused here.
    pub fn in_session(
        request: RunRequest,
        policy: &SandboxPolicy,
        memory_bytes: usize,
    ) -> Result<Self> {
        if request.memory_mb.is_some() || !request.env.is_empty() {
            return Err(Error::InvalidRequest(
                "memory_mb and env are the session's, set when it is created \
                 (POST /v1/sessions), not per run"
                    .into(),
            ));
        }
        let mut plan = RunPlan::new(request, policy, 0)?;
        plan.limits.memory_bytes = memory_bytes;
        Ok(plan)
    }

    /// What a run of a session reserves of the runner's memory budget: its output and the
    /// files it may return (the session already holds its memory).
    pub fn session_reserved_mib(&self) -> u32 {
        let returned = self.outputs.as_ref().map_or(0, |o| o.max_bytes);
        let mib = reserved_mib(0, self.limits.output_bytes as u64, returned);
        u32::try_from(mib).unwrap_or(u32::MAX)
    }

    /// What the run reserves of the runner's memory budget ([`reserved_mib`]).
    pub fn reserved_mib(&self) -> u32 {
        let returned = self.outputs.as_ref().map_or(0, |o| o.max_bytes);
        let mib = reserved_mib(
            self.limits.memory_bytes as u64,
            self.limits.output_bytes as u64,
            returned,
        );
        u32::try_from(mib).unwrap_or(u32::MAX)
    }

    /// A plan for the server's own runs (start-up check, benchmarks): `code`, nothing else.
    pub fn with_limits(code: &str, limits: Limits) -> Self {
        RunPlan {
            code: code.to_string(),
            stdin: Vec::new(),
            files: Vec::new(),
            env: BTreeMap::new(),
            outputs: None,
            limits,
        }
    }
}

/// MiB of host memory a run may use at most, what it reserves of the runner's memory budget:
/// its linear memory, its output, and the bytes of files it may return.
pub fn reserved_mib(memory_bytes: u64, output_bytes: u64, returned_bytes: u64) -> u64 {
    memory_bytes
        .saturating_add(output_bytes)
        .saturating_add(returned_bytes)
        .div_ceil(1 << 20)
}

/// The `memory_mb` a request asks for (the policy's default when none), within the policy's
/// maximum and not below `floor_bytes`, the memory every interpreter starts with.
fn memory_mb(asked: Option<u64>, policy: &SandboxPolicy, floor_bytes: u64) -> Result<u64> {
    let bounds = &policy.limits;
    let memory_mb = within("memory_mb", asked, bounds.memory_mb, bounds.max_memory_mb)?;
    if memory_mb << 20 < floor_bytes {
        return Err(Error::LimitExceeded(format!(
            "memory_mb {memory_mb} is below the {} MiB the interpreter starts with",
            floor_bytes.div_ceil(1 << 20)
        )));
    }
    Ok(memory_mb)
}

/// Refuses an environment variable the policy does not allow.
fn check_env(env: &BTreeMap<String, String>, policy: &SandboxPolicy) -> Result<()> {
    match env.keys().find(|name| !policy.allowed_env.contains(name)) {
        Some(name) => Err(Error::EnvNotAllowed(format!(
            "environment variable {name:?} is not allowed by this server's policy"
        ))),
        None => Ok(()),
    }
}

/// The value a request asks for (`default` when none), refused when 0 or past `max`.
fn within(name: &str, asked: Option<u64>, default: u64, max: u64) -> Result<u64> {
    match asked {
        None => Ok(default),
        Some(0) => Err(Error::InvalidRequest(format!("{name} must be at least 1"))),
        Some(value) if value > max => Err(Error::LimitExceeded(format!(
            "{name} {value} exceeds this server's maximum of {max}"
        ))),
        Some(value) => Ok(value),
    }
}

/// Decodes the request's files, checking every name and their total size against `quota`.
fn decode_files(
    files: BTreeMap<String, FileContent>,
    quota: u64,
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut written = BTreeSet::new();
    let mut folders = BTreeSet::new();
    let mut decoded = Vec::with_capacity(files.len());
    let mut total = 0u64;
    for (name, content) in files {
        let parts = relative_parts(&name, "file name")?;
        for end in 1..parts.len() {
            folders.insert(parts[..end].join("/"));
        }
        let path = parts.join("/");
        if !written.insert(path.clone()) {
            return Err(invalid(
                "file name",
                &name,
                "names the same file as another entry",
            ));
        }
        let bytes = match content {
            FileContent::Text(text) => text.into_bytes(),
            FileContent::Base64 { base64 } => BASE64
                .decode(base64.trim())
                .map_err(|e| invalid("file", &name, &format!("is not valid base64: {e}")))?,
        };
        total += bytes.len() as u64;
        decoded.push((path, bytes));
    }
    if let Some(both) = written.intersection(&folders).next() {
        return Err(Error::InvalidRequest(format!(
            "files: {both:?} is both a file and the folder of another file"
        )));
    }
    if total > quota {
        return Err(Error::LimitExceeded(format!(
            "files hold {total} bytes, more than this server's scratch quota of {quota} bytes"
        )));
    }
    Ok(decoded)
}

/// Standard base64, padded or not.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// The `outputs` patterns as one matcher: `*` and `?` stay within a path part, `**` spans
/// parts, and every pattern must stay inside `/work`.
fn output_patterns(patterns: &[String]) -> Result<GlobSet> {
    if patterns.len() > MAX_OUTPUT_PATTERNS {
        return Err(Error::InvalidRequest(format!(
            "outputs: {} patterns, more than the {MAX_OUTPUT_PATTERNS} allowed",
            patterns.len()
        )));
    }
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        let parts = relative_parts(pattern, "outputs pattern")?;
        let glob = GlobBuilder::new(&parts.join("/"))
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| {
                invalid(
                    "outputs pattern",
                    pattern,
                    &format!("is not a valid pattern: {}", e.kind()),
                )
            })?;
        set.add(glob);
    }
    set.build()
        .map_err(|e| Error::InvalidRequest(format!("outputs: {e}")))
}

/// The normal parts of a path (or pattern) relative to `/work`: the one check every name a
/// request gives for `/work` passes. Refuses absolute paths, `..`, empty names, NUL bytes and
/// what no filesystem stores; `what` names the field in the message.
pub fn relative_parts<'a>(name: &'a str, what: &str) -> Result<Vec<&'a str>> {
    if name.len() > MAX_PATH_BYTES {
        return Err(invalid(
            what,
            name,
            &format!("is longer than {MAX_PATH_BYTES} bytes"),
        ));
    }
    if name.contains('\0') {
        return Err(invalid(what, name, "contains a NUL byte"));
    }
    let mut parts = Vec::new();
    for component in Path::new(name).components() {
        match component {
            Component::CurDir => {}
            Component::Normal(part) => {
                let part = part.to_str().unwrap_or_default();
                if part.len() > MAX_COMPONENT_BYTES {
                    return Err(invalid(
                        what,
                        name,
                        &format!("has a part longer than {MAX_COMPONENT_BYTES} bytes"),
                    ));
                }
                parts.push(part);
            }
            _ => {
                return Err(invalid(
                    what,
                    name,
                    "must be a relative path inside /work without '..'",
                ));
            }
        }
    }
    if parts.is_empty() {
        return Err(invalid(what, name, "names nothing inside /work"));
    }
    Ok(parts)
}

fn invalid(what: &str, name: &str, why: &str) -> Error {
    let shown: String = name.chars().take(80).collect();
    Error::InvalidRequest(format!("{what} {shown:?} {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot heap size for tests: 10 MiB.
    const FLOOR: u64 = 10 << 20;

    fn plan(edit: impl FnOnce(&mut RunRequest)) -> Result<RunPlan> {
        let mut request = RunRequest::new("");
        edit(&mut request);
        RunPlan::new(request, &SandboxPolicy::default(), FLOOR)
    }

    fn with_files(names: &[&str]) -> Result<RunPlan> {
        plan(|r| r.files = names.iter().map(|n| (n.to_string(), "x".into())).collect())
    }

    fn code(result: Result<RunPlan>) -> &'static str {
        match result {
            Ok(_) => "ok",
            Err(Error::InvalidRequest(_)) => "invalid_request",
            Err(Error::LimitExceeded(_)) => "limit_exceeded",
            Err(Error::EnvNotAllowed(_)) => "env_not_allowed",
            Err(_) => "other",
        }
    }

    #[test]
    fn request_limits_may_lower_but_not_exceed_the_maxima() {
        let max = SandboxPolicy::default().limits.max_timeout_ms;
        assert_eq!(
            code(plan(|r| r.timeout_ms = Some(max + 1))),
            "limit_exceeded"
        );
        assert_eq!(code(plan(|r| r.timeout_ms = Some(0))), "invalid_request");
        let max_cpu = SandboxPolicy::default().limits.max_cpu_limit_ms;
        assert_eq!(
            code(plan(|r| r.cpu_limit_ms = Some(max_cpu + 1))),
            "limit_exceeded"
        );
        assert_eq!(code(plan(|r| r.cpu_limit_ms = Some(0))), "invalid_request");
        assert_eq!(
            plan(|_| ()).unwrap().limits.cpu,
            None,
            "no CPU limit unless asked"
        );
        let cpu = plan(|r| r.cpu_limit_ms = Some(250)).unwrap().limits.cpu;
        assert_eq!(cpu, Some(Duration::from_millis(250)));
        let lowered = plan(|r| r.memory_mb = Some(16)).unwrap();
        assert_eq!(lowered.limits.memory_bytes, 16 << 20);
    }

    #[test]
    fn memory_below_the_snapshot_heap_is_refused_with_the_floor() {
        let err = plan(|r| r.memory_mb = Some(9)).unwrap_err();
        assert!(matches!(err, Error::LimitExceeded(_)));
        assert!(err.to_string().contains("10 MiB"), "{err}");
    }

    #[test]
    fn a_session_fixes_memory_and_env_and_its_runs_may_not_change_them() {
        let policy = SandboxPolicy::default();
        let mut request = SessionRequest {
            memory_mb: Some(64),
            ..Default::default()
        };
        let session = SessionPlan::new(request.clone(), &policy, FLOOR).unwrap();
        assert_eq!(
            (session.memory_bytes, session.reserved_mib()),
            (64 << 20, 64)
        );
        request.memory_mb = Some(9);
        let err = SessionPlan::new(request.clone(), &policy, FLOOR).unwrap_err();
        assert!(matches!(err, Error::LimitExceeded(_)), "{err}");
        request.memory_mb = None;
        request.env.insert("HOME".into(), "/".into());
        let err = SessionPlan::new(request, &policy, FLOOR).unwrap_err();
        assert!(matches!(err, Error::EnvNotAllowed(_)), "{err}");

        let mut run = RunRequest::new("x = 1");
        let plan = RunPlan::in_session(run.clone(), &policy, 64 << 20).unwrap();
        assert_eq!(plan.limits.memory_bytes, 64 << 20);
        // The output cap is reserved, not the memory the session already holds.
        let output_mib = policy.limits.max_output_bytes.div_ceil(1 << 20) as u32;
        assert_eq!(plan.session_reserved_mib(), output_mib);
        run.memory_mb = Some(32);
        let err = RunPlan::in_session(run, &policy, 64 << 20).unwrap_err();
        assert!(err.to_string().contains("POST /v1/sessions"), "{err}");
    }

    #[test]
    fn env_outside_the_policy_is_refused() {
        let result = plan(|r| {
            r.env.insert("AWS_SECRET".into(), "x".into());
        });
        assert_eq!(code(result), "env_not_allowed");
    }

    #[test]
    fn names_stay_inside_work_and_fit_the_filesystem() {
        with_files(&["a.txt", "dir/b.txt", "./c", "dir/sub/d"]).unwrap();
        let long = "a".repeat(256);
        for bad in [
            "",
            ".",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a\0b",
            "a/..",
            &long,
        ] {
            assert_eq!(code(with_files(&[bad])), "invalid_request", "{bad:?}");
        }
    }

    #[test]
    fn a_file_cannot_also_be_a_folder_or_repeat() {
        let err = with_files(&["a", "a/b"]).unwrap_err().to_string();
        assert!(err.contains("both a file and the folder"), "{err}");
        let err = with_files(&["a", "./a"]).unwrap_err().to_string();
        assert!(err.contains("same file"), "{err}");
    }

    #[test]
    fn files_decode_from_text_and_base64_within_the_quota() {
        let decoded = plan(|r| {
            r.files.insert("t".into(), "hé".into());
            r.files.insert(
                "b".into(),
                FileContent::Base64 {
                    base64: "AP8".into(),
                },
            );
        })
        .unwrap();
        assert_eq!(
            decoded.files,
            [("b".into(), vec![0, 255]), ("t".into(), "hé".into())]
        );
        let bad = plan(|r| {
            r.files.insert(
                "b".into(),
                FileContent::Base64 {
                    base64: "!!".into(),
                },
            );
        });
        assert_eq!(code(bad), "invalid_request");

        let policy = SandboxPolicy {
            scratch_quota_bytes: 10,
            ..Default::default()
        };
        let mut request = RunRequest::new("");
        // 12 bytes once decoded, though the base64 text is 16.
        request.files.insert(
            "b".into(),
            FileContent::Base64 {
                base64: "AAAAAAAAAAAAAAAA".into(),
            },
        );
        assert_eq!(
            code(RunPlan::new(request, &policy, FLOOR)),
            "limit_exceeded"
        );
    }

    #[test]
    fn output_patterns_match_within_parts_and_across_with_double_star() {
        let outputs =
            plan(|r| r.outputs = vec!["*.csv".into(), "out/**/*.png".into(), "f?.[tj]xt".into()])
                .unwrap()
                .outputs
                .unwrap();
        for yes in ["a.csv", "out/x.png", "out/a/b/x.png", "f1.txt", "f2.jxt"] {
            assert!(outputs.matches(yes), "{yes}");
        }
        for no in ["dir/a.csv", "out/x.jpg", "f12.txt", "x.png"] {
            assert!(!outputs.matches(no), "{no}");
        }
        assert_eq!(outputs.max_files, 100);
    }

    #[test]
    fn output_patterns_that_leave_work_are_refused() {
        for bad in ["/etc/*", "../*", "a/../../b", "", "[", "a\0"] {
            assert_eq!(
                code(plan(|r| r.outputs = vec![bad.into()])),
                "invalid_request",
                "{bad:?}"
            );
        }
        let many = vec!["*".to_string(); MAX_OUTPUT_PATTERNS + 1];
        assert_eq!(code(plan(|r| r.outputs = many)), "invalid_request");
    }
}

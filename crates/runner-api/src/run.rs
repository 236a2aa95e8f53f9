//! The `POST /run` contract: what a caller sends, what a run answers, and the error body of
//! refused requests.
//!
//! The `res` object of [`RunResponse`] is the origin's contract and is kept byte for byte, so
//! clients written against it keep working; every other field is additive.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// A request to run one Python program in a fresh sandbox.
///
/// Only `code` is required. Unknown fields are rejected so that a typo (`timeout` for
/// `timeout_ms`) is reported instead of silently ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// Python source, run as `python -c CODE`.
    pub code: String,
    /// Text the program reads from `sys.stdin`; empty when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin: Option<String>,
    /// Files created in the run's working directory (`/work`) before the program starts,
    /// keyed by relative path: text, or `{"base64": "..."}` for any bytes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, FileContent>,
    /// Environment variables for the program; only names the policy allows are accepted.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Wall-time limit for this run in milliseconds; at most the server's maximum.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number"
    )]
    #[schemars(range(min = 1))]
    pub timeout_ms: Option<u64>,
    /// CPU-time limit for this run in milliseconds (the CPU its thread consumed, not wall
    /// time); at most the server's maximum. Without it a run is bounded by its wall time only.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number"
    )]
    #[schemars(range(min = 1))]
    pub cpu_limit_ms: Option<u64>,
    /// Linear-memory limit for this run in MiB; at most the server's maximum.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number"
    )]
    #[schemars(range(min = 1))]
    pub memory_mb: Option<u64>,
    /// Files to return after the run: shell-style patterns relative to `/work` (`*` and `?`
    /// within one path part, `[abc]`, `**` for any depth), e.g. `["*.png", "out/**/*.csv"]`.
    /// The response's `files` holds what matched, within the server's caps; `files_omitted`
    /// lists the rest with the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<String>,
}

/// The contents of an input file: UTF-8 text as a plain string, or any bytes in base64.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum FileContent {
    /// The file's text, written as UTF-8.
    Text(String),
    /// The file's bytes, base64-encoded (standard alphabet, with or without padding).
    Base64 {
        /// The encoded bytes.
        base64: String,
    },
}

impl<'de> Deserialize<'de> for FileContent {
    /// By hand rather than `untagged`, whose error ("did not match any variant") does not say
    /// what a file may be, and which would accept unknown keys beside `base64`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde_json::Value;
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(FileContent::Text(text)),
            Value::Object(map) if map.len() == 1 => match map.into_iter().next() {
                Some((key, Value::String(base64))) if key == "base64" => {
                    Ok(FileContent::Base64 { base64 })
                }
                _ => Err(serde::de::Error::custom(FILE_CONTENT_SHAPE)),
            },
            _ => Err(serde::de::Error::custom(FILE_CONTENT_SHAPE)),
        }
    }
}

const FILE_CONTENT_SHAPE: &str =
    "invalid file contents: expected a string of text or an object {\"base64\": \"...\"}";

impl From<&str> for FileContent {
    fn from(text: &str) -> Self {
        FileContent::Text(text.to_string())
    }
}

/// Reads a whole number that may be written `2000.0`: JSON Schema counts that as an integer and
/// some encoders (Python's `json` with a float) write it so. Fractions and negatives are refused.
pub(crate) fn whole_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if let Some(whole) = number.as_u64() {
        return Ok(Some(whole));
    }
    match number.as_f64() {
        Some(f) if f.fract() == 0.0 && (0.0..=u64::MAX as f64).contains(&f) => Ok(Some(f as u64)),
        _ => Err(serde::de::Error::custom(format!(
            "invalid value: {number}, expected a whole number of at least 0"
        ))),
    }
}

impl RunRequest {
    /// A request with only `code` set.
    pub fn new(code: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            ..Self::default()
        }
    }
}

/// The answer to a run that happened, whatever the guest did (HTTP 200).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunResponse {
    /// The origin's contract, unchanged.
    pub res: RunStatus,
    /// Unique id of this run, also written to the server's logs.
    pub id: String,
    /// How the run ended.
    pub outcome: Outcome,
    /// The guest's exit status (`sys.exit(3)` gives 3, an uncaught exception 1), or `None` when
    /// a limit stopped the run.
    pub exit_code: Option<i32>,
    /// What the program wrote to stdout (lossy UTF-8).
    pub stdout: String,
    /// What the program wrote to stderr (lossy UTF-8).
    pub stderr: String,
    /// True when output reached its cap and was cut there.
    pub truncated: bool,
    /// Time spent running the program, in milliseconds.
    pub duration_ms: f64,
    /// CPU time the run consumed, in milliseconds: the thread that ran it, from instantiation
    /// to the end (not wall time: time asleep or waiting for a core is not counted).
    pub cpu_ms: f64,
    /// The files the request's `outputs` matched and the caps let through, by path; present
    /// when the request named `outputs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<OutputFile>>,
    /// Files the request's `outputs` matched but the response does not carry, and why;
    /// present when the request named `outputs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files_omitted: Option<Vec<OmittedFile>>,
    /// Present when this run was a session's and ended it, saying why (a limit stopped the
    /// run, the program left the interpreter, the session was deleted or reached its
    /// lifetime): the session's id is unknown from now on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_ended: Option<String>,
}

/// One line of a streamed run (`Accept: application/x-ndjson`): the program's output as it
/// writes it, then how the run ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// Text the program wrote to stdout, cut at UTF-8 character boundaries.
    Stdout {
        /// The text.
        data: String,
    },
    /// Text the program wrote to stderr, cut at UTF-8 character boundaries.
    Stderr {
        /// The text.
        data: String,
    },
    /// The last line of a run that happened: the buffered answer, whole (its output repeats
    /// what the events carried).
    Result(RunResponse),
    /// The last line when the server failed the run after it started streaming.
    Error {
        /// What went wrong.
        error: ErrorDetail,
    },
}

/// A file a run left in `/work` that its request asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OutputFile {
    /// Path relative to `/work`, with `/` between parts.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// How `content` is encoded: `utf-8` when the bytes are valid UTF-8, else `base64`.
    pub encoding: Encoding,
    /// The file's contents.
    pub content: String,
}

/// How a returned file's `content` is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Encoding {
    /// The bytes are valid UTF-8 and given as text.
    #[serde(rename = "utf-8")]
    Utf8,
    /// The bytes are given in standard base64 with padding.
    #[serde(rename = "base64")]
    Base64,
}

/// A matched file the response does not carry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OmittedFile {
    /// Path relative to `/work`.
    pub path: String,
    /// Size in bytes (of the link itself for a symbolic link).
    pub size: u64,
    /// Why it was left out.
    pub reason: OmitReason,
}

/// Why a matched file was left out of the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OmitReason {
    /// Returning it would pass the server's `max_output_files_bytes`.
    BytesLimit,
    /// The server's `max_output_files` were already returned.
    CountLimit,
    /// A symbolic link: never followed, so a run cannot return files from outside `/work`.
    Symlink,
    /// Not a regular file (a FIFO, a socket).
    NotARegularFile,
}

/// The origin's `res` object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RunStatus {
    /// `"Ok"` when the program ran to the end with exit code 0, `"Error"` otherwise.
    pub status: Status,
    /// stdout and stderr, interleaved in the order they were written.
    pub output: String,
}

/// The origin's two-valued status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Status {
    /// Exit code 0.
    Ok,
    /// Anything else: non-zero exit, or a limit stopped the run.
    Error,
}

crate::named_enum! {
    /// How a run ended.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Outcome {
        /// The program ended by itself; see `exit_code`.
        Completed = "completed",
        /// The wall-time limit stopped the program.
        Timeout = "timeout",
        /// The CPU-time limit (`cpu_limit_ms`) stopped the program.
        CpuLimit = "cpu_limit",
        /// The program ran out of memory: a memory grow was refused and the run did not succeed.
        MemoryLimit = "memory_limit",
        /// Output reached its cap; the run was stopped there.
        OutputLimit = "output_limit",
        /// The program exhausted the WebAssembly stack (deep recursion in C code).
        StackOverflow = "stack_overflow",
        /// The run was cancelled (client gone, server shutting down).
        Cancelled = "cancelled",
    }
}

/// The body of every refused request: `{"error": {"code": ..., "message": ...}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// A machine-readable code and a human-readable message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// What is wrong, for a human.
    pub message: String,
}

crate::named_enum! {
    /// Stable error codes, each with one HTTP status.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ErrorCode {
        /// 400: the body is not JSON.
        InvalidJson = "invalid_json",
        /// 400: the JSON does not describe a run (wrong type, missing `code`, bad value).
        InvalidRequest = "invalid_request",
        /// 400: the JSON names a field the contract does not have.
        UnknownField = "unknown_field",
        /// 401: a token is configured and the request did not carry it.
        Unauthorized = "unauthorized",
        /// 404: no such endpoint.
        NotFound = "not_found",
        /// 404: no live session has this id for this caller (never made, ended, or another
        /// tenant's).
        SessionNotFound = "session_not_found",
        /// 405: the endpoint exists but not with this method.
        MethodNotAllowed = "method_not_allowed",
        /// 408: the client took longer than the server allows to send the request body.
        RequestTimeout = "request_timeout",
        /// 409: a run of the session is executing; a session runs one program at a time.
        SessionBusy = "session_busy",
        /// 413: the body is larger than the server accepts.
        PayloadTooLarge = "payload_too_large",
        /// 415: the body is not `application/json`.
        UnsupportedMediaType = "unsupported_media_type",
        /// 422: a requested limit exceeds the server's maximum.
        LimitExceeded = "limit_exceeded",
        /// 422: the request passes an environment variable the policy does not allow.
        EnvNotAllowed = "env_not_allowed",
        /// 429: the caller's tenant is over one of its quotas (`Retry-After` says when to retry).
        QuotaExceeded = "quota_exceeded",
        /// 503: every run slot is busy and the queue wait ran out, or every session place is taken.
        Overloaded = "overloaded",
        /// 503: the server is shutting down.
        Draining = "draining",
        /// 500: a bug in the server.
        Internal = "internal",
    }
}

impl ErrorCode {
    /// The HTTP status this code is answered with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidJson | ErrorCode::InvalidRequest | ErrorCode::UnknownField => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::NotFound | ErrorCode::SessionNotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::RequestTimeout => 408,
            ErrorCode::SessionBusy => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::LimitExceeded | ErrorCode::EnvNotAllowed => 422,
            ErrorCode::QuotaExceeded => 429,
            ErrorCode::Overloaded | ErrorCode::Draining => 503,
            ErrorCode::Internal => 500,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_request_needs_only_code() {
        let req: RunRequest = serde_json::from_str(r#"{"code": "print(1)"}"#).unwrap();
        assert_eq!(req, RunRequest::new("print(1)"));
    }

    #[test]
    fn files_may_be_text_or_base64() {
        let req: RunRequest = serde_json::from_str(
            r#"{"code": "", "files": {"a.txt": "hi", "b.bin": {"base64": "AAE="}}}"#,
        )
        .unwrap();
        assert_eq!(req.files["a.txt"], FileContent::Text("hi".into()));
        assert_eq!(
            req.files["b.bin"],
            FileContent::Base64 {
                base64: "AAE=".into()
            }
        );
        for bad in [r#"{"hex": "00"}"#, "3", r#"{"base64": "AA", "x": 1}"#] {
            let body = format!(r#"{{"code": "", "files": {{"a": {bad}}}}}"#);
            assert!(serde_json::from_str::<RunRequest>(&body).is_err(), "{bad}");
        }
    }

    #[test]
    fn output_file_encodings_match_the_wire() {
        assert_eq!(serde_json::to_value(Encoding::Utf8).unwrap(), "utf-8");
        assert_eq!(serde_json::to_value(Encoding::Base64).unwrap(), "base64");
        assert_eq!(
            serde_json::to_value(OmitReason::NotARegularFile).unwrap(),
            "not_a_regular_file"
        );
    }

    #[test]
    fn limits_may_be_written_as_whole_floats() {
        let req: RunRequest =
            serde_json::from_str(r#"{"code": "", "timeout_ms": 2000.0, "memory_mb": 64}"#).unwrap();
        assert_eq!((req.timeout_ms, req.memory_mb), (Some(2000), Some(64)));
        for bad in ["1.5", "-1", "\"5\"", "1e30"] {
            let body = format!(r#"{{"code": "", "timeout_ms": {bad}}}"#);
            assert!(serde_json::from_str::<RunRequest>(&body).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let err = serde_json::from_str::<RunRequest>(r#"{"code": "", "timeout": 5}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `timeout`"), "{err}");
    }

    #[test]
    fn res_keeps_the_origin_shape() {
        let res = RunStatus {
            status: Status::Ok,
            output: "1\n".into(),
        };
        assert_eq!(
            serde_json::to_string(&res).unwrap(),
            r#"{"status":"Ok","output":"1\n"}"#
        );
    }

    #[test]
    fn stream_events_are_typed_lines() {
        let line = |event: &StreamEvent| serde_json::to_string(event).unwrap();
        let out = StreamEvent::Stdout {
            data: "hi\n".into(),
        };
        assert_eq!(line(&out), r#"{"type":"stdout","data":"hi\n"}"#);
        let failed = StreamEvent::Error {
            error: ErrorDetail {
                code: ErrorCode::Internal,
                message: "bug".into(),
            },
        };
        assert_eq!(
            line(&failed),
            r#"{"type":"error","error":{"code":"internal","message":"bug"}}"#
        );
    }

    #[test]
    fn outcome_names_match_the_wire() {
        for outcome in Outcome::ALL {
            let wire = serde_json::to_value(outcome).unwrap();
            assert_eq!(wire, outcome.as_str());
        }
    }

    #[test]
    fn error_code_names_match_the_wire() {
        for code in ErrorCode::ALL {
            let wire = serde_json::to_value(code).unwrap();
            assert_eq!(wire, code.as_str());
        }
    }
}

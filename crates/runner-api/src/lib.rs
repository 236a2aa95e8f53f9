//! Types shared by `runner-node` and `runner-operator`.
//!
//! This crate holds data only: the HTTP contract of `POST /run` ([`run`]) and
//! `GET /v1/environment` ([`environment`]) and `/v1/sessions` ([`session`]), the `PythonSandboxPool` custom resource ([`pool`]),
//! the sandbox policy the operator writes and runner-node reads ([`policy`]), where things are
//! in a runner pod ([`pod`]), the interpreter builds a runner serves ([`runtime`]), who may call a runner ([`tenants`]), and the
//! enums with fixed names they are made of ([`named`]). It performs no I/O and pulls in no
//! runtime or client, so every part of the project (server, operator, tests, clients) can
//! depend on it cheaply.

pub mod environment;
pub mod named;
pub mod pod;
pub mod policy;
pub mod pool;
pub mod run;
pub mod runtime;
pub mod session;
pub mod tenants;

pub use run::{
    Encoding, ErrorBody, ErrorCode, ErrorDetail, FileContent, OmitReason, OmittedFile, Outcome,
    OutputFile, RunRequest, RunResponse, RunStatus, Status, StreamEvent,
};

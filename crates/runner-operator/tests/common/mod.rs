//! Test helpers, one file per kind: golden files, an HTTP client, pool fixtures, and an
//! in-memory Kubernetes API for the controller's watch and write wiring.

#![allow(dead_code, unused_imports)] // Each test file uses a different part of these helpers.

mod fake_api;
mod golden;
mod http;
mod pool;

pub use fake_api::FakeApi;
pub use golden::assert_golden;
pub use http::{http_get, try_http_get};
pub use pool::{PoolBuilder, pool, settings, volume};

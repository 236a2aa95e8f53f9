//! `GET /openapi.json`: the HTTP contract as an OpenAPI 3.1 document.
//!
//! The schemas are generated from the `runner-api` types (their `JsonSchema` derives follow the
//! same serde attributes the server decodes and encodes with), so the document cannot drift
//! from the code; this module only says which type each endpoint and status carries. The
//! limits a request may ask for are this server's maxima, read from the policy in force, and
//! the environment names it accepts are the policy's; the bearer scheme appears only when a
//! token is configured.

use runner_api::environment::Environment;
use runner_api::policy::SandboxPolicy;
use runner_api::{ErrorBody, ErrorCode, RunRequest, RunResponse};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

/// The document for a server with this policy; `auth` when run endpoints require a token.
pub fn document(policy: &SandboxPolicy, auth: bool) -> Value {
    let limits = &policy.limits;
    let mut schemas = Map::new();
    // Requests are described as the server decodes them, answers as it encodes them.
    let request = schema_of::<RunRequest>(SchemaSettings::draft2020_12(), &mut schemas, true);
    let response = schema_of::<RunResponse>(SchemaSettings::draft2020_12(), &mut schemas, false);
    let error = schema_of::<ErrorBody>(SchemaSettings::draft2020_12(), &mut schemas, false);
    let environment = schema_of::<Environment>(SchemaSettings::draft2020_12(), &mut schemas, false);
    let run_props = &mut schemas["RunRequest"]["properties"];
    run_props["timeout_ms"]["maximum"] = json!(limits.max_timeout_ms);
    run_props["cpu_limit_ms"]["maximum"] = json!(limits.max_cpu_limit_ms);
    run_props["memory_mb"]["maximum"] = json!(limits.max_memory_mb);
    run_props["env"]["propertyNames"] = json!({ "enum": policy.allowed_env });
    run_props["outputs"]["maxItems"] = json!(crate::plan::MAX_OUTPUT_PATTERNS);

    let error_reply = |codes: &[ErrorCode]| {
        let names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
        json!({
            "description": format!("refused: {}", names.join(", ")),
            "content": {"application/json": {"schema": error}},
        })
    };
    let mut run_responses = json!({
        "200": {
            "description": "the run happened (whatever the program did): see `outcome`",
            "content": {"application/json": {"schema": response}},
        },
        "400": error_reply(&[
            ErrorCode::InvalidJson,
            ErrorCode::InvalidRequest,
            ErrorCode::UnknownField,
        ]),
        "408": error_reply(&[ErrorCode::RequestTimeout]),
        "413": error_reply(&[ErrorCode::PayloadTooLarge]),
        "415": error_reply(&[ErrorCode::UnsupportedMediaType]),
        "422": error_reply(&[ErrorCode::LimitExceeded, ErrorCode::EnvNotAllowed]),
        "500": error_reply(&[ErrorCode::Internal]),
        "503": unavailable(&error, &[ErrorCode::Overloaded, ErrorCode::Draining]),
    });
    if auth {
        run_responses["401"] = error_reply(&[ErrorCode::Unauthorized]);
        let mut quota = error_reply(&[ErrorCode::QuotaExceeded]);
        quota["headers"] = json!({"Retry-After": {
            "description": "seconds until the quota lets a run in again",
            "required": true,
            "schema": {"type": "string"},
        }});
        run_responses["429"] = quota;
    }
    let mut run = json!({
        "summary": "Run a Python program in a fresh sandbox",
        "requestBody": {
            "required": true,
            "content": {"application/json": {"schema": request}},
        },
        "responses": run_responses,
    });
    let mut describe = json!({
        "operationId": "environment",
        "summary": "The runtime, its packages and the limits: what a program can use here",
        "responses": {"200": {
            "description": "the environment runs get",
            "content": {"application/json": {"schema": environment}},
        }},
    });
    let mut components = json!({ "schemas": schemas });
    if auth {
        describe["security"] = json!([{"bearer": []}]);
        describe["responses"]["401"] = error_reply(&[ErrorCode::Unauthorized]);
        run["security"] = json!([{"bearer": []}]);
        components["securitySchemes"] = json!({"bearer": {"type": "http", "scheme": "bearer"}});
    }
    let text = |body: &str| {
        json!({
            "description": body,
            "content": {"text/plain": {"schema": {"type": "string", "const": body}}},
        })
    };
    let liveness = json!({
        "summary": "Liveness: the process serves (the origin's answer)",
        "responses": {"200": text("ok")},
    });

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "runner-node",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Runs untrusted Python in a fresh WebAssembly sandbox per request.",
        },
        "paths": {
            "/run": {"post": with_id(&run, "run")},
            "/v1/run": {"post": with_id(&run, "runV1")},
            "/": {"get": with_id(&liveness, "root")},
            "/health": {"get": with_id(&liveness, "health")},
            "/ready": {"get": {
                "operationId": "ready",
                "summary": "Readiness: 200 while the server takes runs",
                "responses": {
                    "200": text("ready"),
                    "503": unavailable(&error, &[ErrorCode::Draining]),
                },
            }},
            "/v1/environment": {"get": describe},
            "/openapi.json": {"get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {"200": {
                    "description": "an OpenAPI 3.1 document",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }},
            }},
        },
        "components": components,
    })
}

/// The schema of `T` (a `$ref` into `definitions`), for decoding or for encoding.
fn schema_of<T: JsonSchema>(
    settings: SchemaSettings,
    definitions: &mut Map<String, Value>,
    decoded: bool,
) -> Value {
    let settings = settings.with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
    });
    let settings = if decoded {
        settings.for_deserialize()
    } else {
        settings.for_serialize()
    };
    let mut generator = SchemaGenerator::new(settings);
    let schema = generator.subschema_for::<T>().to_value();
    definitions.extend(generator.take_definitions(true));
    schema
}

/// A 503 answer: the error body and the `Retry-After` header.
fn unavailable(error: &Value, codes: &[ErrorCode]) -> Value {
    let names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    json!({
        "description": format!("unavailable: {}", names.join(", ")),
        "headers": {"Retry-After": {
            "description": "seconds to wait before retrying",
            "required": true,
            "schema": {"type": "string"},
        }},
        "content": {"application/json": {"schema": error}},
    })
}

fn with_id(operation: &Value, id: &str) -> Value {
    let mut operation = operation.clone();
    operation["operationId"] = json!(id);
    operation
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_come_from_the_types() {
        let doc = document(&SandboxPolicy::default(), false);
        let request = &doc["components"]["schemas"]["RunRequest"];
        assert_eq!(request["required"], json!(["code"]));
        assert_eq!(request["additionalProperties"], json!(false));
        assert_eq!(request["properties"]["timeout_ms"]["minimum"], json!(1));
        assert_eq!(
            request["properties"]["timeout_ms"]["maximum"],
            json!(60_000)
        );
        let response = &doc["components"]["schemas"]["RunResponse"];
        let required = response["required"].as_array().unwrap();
        assert!(required.contains(&json!("outcome")), "{response}");
        assert!(
            doc["components"]["schemas"]["Outcome"]
                .to_string()
                .contains("stack_overflow")
        );
        assert_eq!(
            doc["paths"]["/run"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/RunRequest"
        );
        assert!(doc["paths"]["/run"]["post"]["responses"]["401"].is_null());
        let environment = &doc["components"]["schemas"]["Environment"];
        assert!(
            environment["required"]
                .as_array()
                .unwrap()
                .contains(&json!("memory_floor_mb"))
        );
        assert_eq!(
            doc["paths"]["/v1/environment"]["get"]["responses"]["200"]["content"]["application/json"]
                ["schema"]["$ref"],
            "#/components/schemas/Environment"
        );
    }

    #[test]
    fn auth_adds_the_bearer_scheme() {
        let doc = document(&SandboxPolicy::default(), true);
        assert_eq!(
            doc["paths"]["/v1/run"]["post"]["security"],
            json!([{"bearer": []}])
        );
        assert!(doc["paths"]["/run"]["post"]["responses"]["401"].is_object());
        assert!(doc["paths"]["/v1/environment"]["get"]["responses"]["401"].is_object());
    }
}

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
use runner_api::session::{SessionInfo, SessionRequest};
use runner_api::{ErrorBody, ErrorCode, RunRequest, RunResponse, StreamEvent};
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
    let event = schema_of::<StreamEvent>(SchemaSettings::draft2020_12(), &mut schemas, false);
    let session_request =
        schema_of::<SessionRequest>(SchemaSettings::draft2020_12(), &mut schemas, true);
    let session_info =
        schema_of::<SessionInfo>(SchemaSettings::draft2020_12(), &mut schemas, false);
    let session_props = &mut schemas["SessionRequest"]["properties"];
    session_props["memory_mb"]["maximum"] = json!(limits.max_memory_mb);
    session_props["env"]["propertyNames"] = json!({ "enum": policy.allowed_env });
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
            "description": "the run happened (whatever the program did): see `outcome`. With \
                            `Accept: application/x-ndjson`, one event per line as the program \
                            writes, then its result",
            "content": {
                "application/json": {"schema": response},
                "application/x-ndjson": {"schema": event},
            },
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
    let session_id = json!([{
        "name": "id",
        "in": "path",
        "required": true,
        "description": "the session's id, as its creation answered",
        "schema": {"type": "string"},
    }]);
    let not_found = error_reply(&[ErrorCode::SessionNotFound]);
    let mut session_run = run.clone();
    session_run["summary"] = json!(
        "Run a program in a session: what earlier runs defined is there (`env` and `memory_mb` \
         are the session's)"
    );
    session_run["parameters"] = session_id.clone();
    session_run["responses"]["404"] = not_found.clone();
    session_run["responses"]["409"] = error_reply(&[ErrorCode::SessionBusy]);
    // A session is refused for what a run is (its body, limits, capacity), and 404 when the
    // runner keeps none; with auth, its 401 and 429 come from the run's too.
    let mut create_responses = run["responses"].clone();
    let fields = create_responses
        .as_object_mut()
        .expect("responses are an object");
    fields.remove("200");
    fields.insert(
        "201".into(),
        json!({
            "description": "the session started",
            "headers": {"Location": {
                "description": "the session's path",
                "required": true,
                "schema": {"type": "string"},
            }},
            "content": {"application/json": {"schema": session_info}},
        }),
    );
    fields.insert("404".into(), error_reply(&[ErrorCode::NotFound]));
    let mut get_session = json!({
        "operationId": "getSession",
        "summary": "Describe a session",
        "parameters": session_id,
        "responses": {
            "200": {
                "description": "the session",
                "content": {"application/json": {"schema": session_info}},
            },
            "404": not_found,
        },
    });
    let mut delete_session = json!({
        "operationId": "deleteSession",
        "summary": "End a session (a run executing in it finishes and is told)",
        "parameters": session_id,
        "responses": {
            "204": {"description": "the session has ended"},
            "404": not_found,
        },
    });
    let mut create_session = json!({
        "operationId": "createSession",
        "summary": "Start a session: an interpreter kept between runs (an empty body takes \
                    every default)",
        "requestBody": {
            "required": false,
            "content": {"application/json": {"schema": session_request}},
        },
        "responses": create_responses,
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
        for operation in [
            &mut session_run,
            &mut create_session,
            &mut get_session,
            &mut delete_session,
        ] {
            operation["security"] = json!([{"bearer": []}]);
            operation["responses"]["401"] = error_reply(&[ErrorCode::Unauthorized]);
        }
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
            "/v1/sessions": {"post": create_session},
            "/v1/sessions/{id}": {"get": get_session, "delete": delete_session},
            "/v1/sessions/{id}/run": {"post": with_id(&session_run, "runInSession")},
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
        let streamed = &doc["paths"]["/run"]["post"]["responses"]["200"]["content"];
        assert_eq!(
            streamed["application/x-ndjson"]["schema"]["$ref"],
            "#/components/schemas/StreamEvent"
        );
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
    fn sessions_are_described_with_their_own_errors() {
        let doc = document(&SandboxPolicy::default(), false);
        let run = &doc["paths"]["/v1/sessions/{id}/run"]["post"];
        assert_eq!(run["operationId"], "runInSession");
        assert!(run["responses"]["409"].to_string().contains("session_busy"));
        assert!(
            run["responses"]["404"]
                .to_string()
                .contains("session_not_found")
        );
        let create = &doc["paths"]["/v1/sessions"]["post"];
        assert_eq!(
            create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/SessionInfo"
        );
        let request = &doc["components"]["schemas"]["SessionRequest"];
        assert_eq!(request["properties"]["memory_mb"]["maximum"], json!(1024));
        assert_eq!(request["additionalProperties"], json!(false));
        let one = &doc["paths"]["/v1/sessions/{id}"];
        assert!(one["delete"]["responses"]["204"].is_object());
        assert!(one["get"]["responses"]["401"].is_null());
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
        assert!(doc["paths"]["/v1/sessions/{id}"]["delete"]["responses"]["401"].is_object());
    }
}

//! An in-memory Kubernetes API behind kube's real `Client` (through `tower_test`'s mock
//! service), so the operator's requests are the real ones: same paths, same bodies. It stores
//! objects, answers get / list / watch / server-side apply / status apply / delete / create,
//! bumps `resourceVersion` only when an object really changes (as the API server does), and
//! streams every change to the watches whose kind and label selector match (resuming from the
//! `resourceVersion` a watch asks for). It logs every request except lists and watches as
//! `METHOD kind/name`: tests assert the objects and status a user would see, and the log only
//! where requests are the behaviour (an unchanged pool sends none; every request is allowed by
//! the documented RBAC).
//!
//! Its apply is simplified to one field manager: the applied object replaces the stored one,
//! keeping the server-set metadata and the status. That is what server-side apply does when
//! one manager owns every field, which is the operator's case (the HPA's `replicas` aside,
//! which the operator leaves out). What it cannot model (field managers merging, the replica
//! hand-over to a real HPA, the API server's defaulting) the kind suite covers (e2e/run.sh).
//!
//! Over 400 lines because it is one model: the request router and the state it changes read
//! best side by side.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use kube::Client;
use kube::client::Body;
use kube::runtime::events::Reporter;
use runner_api::pool::PythonSandboxPool;
use runner_operator::FIELD_MANAGER;
use runner_operator::cache;
use runner_operator::controller::Context;
use runner_operator::resources::labels::MANAGED_BY;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::pool::settings;

/// An in-memory Kubernetes API behind a real [`Client`].
pub struct FakeApi {
    state: Arc<Mutex<State>>,
    client: Client,
}

#[derive(Default)]
struct State {
    /// Objects by `kind/name` (kind is the URL's plural), all in one namespace.
    objects: BTreeMap<String, Value>,
    /// Every request, as `METHOD kind/name[/status]`.
    log: Vec<String>,
    /// Every request with its query string and JSON body.
    requests: Vec<(String, String, Value)>,
    /// The next resourceVersion handed out.
    next_version: u64,
    /// Requests (`METHOD kind/name`) to fail once with the given HTTP code.
    failures: BTreeMap<String, u16>,
    /// Every change, oldest first, for watches that resume from a resourceVersion.
    history: Vec<Change>,
    /// Open watch streams.
    watches: Vec<Watch>,
}

/// One stored change: (resourceVersion, `kind/name`, `ADDED` | `MODIFIED` | `DELETED`, object).
type Change = (u64, String, &'static str, Value);

/// An open watch: the kind it watches, its label selector, and its stream.
struct Watch {
    kind: String,
    selector: Vec<(String, String)>,
    events: mpsc::UnboundedSender<Bytes>,
}

impl Watch {
    fn wants(&self, key: &str, object: &Value) -> bool {
        key.split('/').next() == Some(self.kind.as_str())
            && self
                .selector
                .iter()
                .all(|(k, v)| object["metadata"]["labels"][k].as_str() == Some(v.as_str()))
    }

    fn send(&self, kind: &str, object: &Value) -> bool {
        let line = serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap();
        self.events
            .send(Bytes::from([line, b"\n".to_vec()].concat()))
            .is_ok()
    }
}

/// Response bodies: whole for most answers, a stream for watches.
type FakeBody = BoxBody<Bytes, Infallible>;

impl FakeApi {
    /// Starts an empty API; call from inside a tokio runtime.
    pub fn start() -> Self {
        let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Response<FakeBody>>();
        let state = Arc::new(Mutex::new(State {
            next_version: 1,
            ..State::default()
        }));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Some((request, respond)) = handle.next_request().await {
                let (parts, body) = request.into_parts();
                let body = body.collect_bytes().await.expect("request body");
                let response = shared.lock().unwrap().handle(&parts, &body);
                respond.send_response(response);
            }
        });
        FakeApi {
            state,
            client: Client::new(service, "apps"),
        }
    }

    /// A client talking to this API.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// Stores `pool` as if a user had applied it (the status subresource needs it there).
    pub fn insert_pool(&self, pool: &PythonSandboxPool) {
        let mut value = serde_json::to_value(pool).unwrap();
        let mut state = self.state.lock().unwrap();
        let version = state.bump();
        value["metadata"]["resourceVersion"] = json!(version);
        let key = format!(
            "pythonsandboxpools/{}",
            pool.metadata.name.as_deref().unwrap()
        );
        state.store(key, value);
    }

    /// The pool as stored, with the status the operator wrote.
    pub fn pool(&self, name: &str) -> PythonSandboxPool {
        serde_json::from_value(self.get(&format!("pythonsandboxpools/{name}")).unwrap()).unwrap()
    }

    /// Replaces a stored pool's spec, bumping its generation, as `kubectl apply` would.
    pub fn update_pool(&self, pool: &PythonSandboxPool) -> PythonSandboxPool {
        let name = pool.metadata.name.as_deref().unwrap();
        let key = format!("pythonsandboxpools/{name}");
        {
            let mut state = self.state.lock().unwrap();
            let version = state.bump();
            let mut stored = state.objects.get(&key).cloned().expect("pool stored");
            stored["spec"] = serde_json::to_value(&pool.spec).unwrap();
            let generation = stored["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            stored["metadata"]["generation"] = json!(generation);
            stored["metadata"]["resourceVersion"] = json!(version);
            state.store(key, stored);
        }
        self.pool(name)
    }

    /// The stored object `kind/name`, e.g. `deployments/demo`.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.state.lock().unwrap().objects.get(key).cloned()
    }

    /// Every stored object's `kind/name` (events left out).
    pub fn keys(&self) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .objects
            .keys()
            .filter(|k| !k.starts_with("events/"))
            .cloned()
            .collect()
    }

    /// Stored Events, oldest first.
    pub fn events(&self) -> Vec<Value> {
        self.state
            .lock()
            .unwrap()
            .objects
            .iter()
            .filter(|(k, _)| k.starts_with("events/"))
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// `kind/name` → resourceVersion of every stored object but events.
    pub fn versions(&self) -> BTreeMap<String, String> {
        let state = self.state.lock().unwrap();
        state
            .objects
            .iter()
            .filter(|(k, _)| !k.starts_with("events/"))
            .map(|(k, v)| {
                let version = v["metadata"]["resourceVersion"].as_str().unwrap_or("");
                (k.clone(), version.to_string())
            })
            .collect()
    }

    /// `kind/name` → resourceVersion of every stored object the operator made (labelled
    /// `managed-by: runner-operator`): what its cache should hold once its watches caught up.
    pub fn made_by_operator(&self) -> BTreeMap<String, String> {
        let state = self.state.lock().unwrap();
        state
            .objects
            .iter()
            .filter(|(_, v)| v["metadata"]["labels"][MANAGED_BY] == FIELD_MANAGER)
            .map(|(k, v)| {
                let version = v["metadata"]["resourceVersion"].as_str().unwrap_or("");
                (k.clone(), version.to_string())
            })
            .collect()
    }

    /// An operator context on this API, its cache filled by watches running in the background
    /// (in namespace `apps`, where every test pool lives).
    pub fn context(&self) -> Arc<Context> {
        let reporter = Reporter {
            controller: FIELD_MANAGER.into(),
            instance: Some("test".into()),
        };
        let (cache, watches) = cache::watch(&self.client, Some("apps"));
        tokio::spawn(watches.drive());
        Arc::new(Context::new(self.client(), settings(), reporter, cache))
    }

    /// Waits until `ctx`'s cache holds every child as stored now, as the operator's cache does
    /// between two changes.
    pub async fn settle(&self, ctx: &Context) {
        let wanted = self.made_by_operator();
        for _ in 0..1000 {
            if ctx.cache.versions() == wanted {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!(
            "the cache never caught up: it holds {:?}, the API {wanted:?}",
            ctx.cache.versions()
        );
    }

    /// Stores any object at `kind/name`, as another client would have created it.
    pub fn insert_raw(&self, key: &str, mut object: Value) {
        let mut state = self.state.lock().unwrap();
        object["metadata"]["resourceVersion"] = json!(state.bump());
        state.store(key.into(), object);
    }

    /// Removes an object behind the operator's back, as `kubectl delete` would.
    pub fn remove(&self, key: &str) {
        self.state.lock().unwrap().delete(key);
    }

    /// Sets an object's status, as the workload controllers and kubelet would.
    pub fn set_status(&self, key: &str, status: Value) {
        let mut state = self.state.lock().unwrap();
        let version = state.bump();
        let mut object = state.objects.get(key).cloned().expect("object stored");
        object["status"] = status;
        object["metadata"]["resourceVersion"] = json!(version);
        state.store(key.into(), object);
    }

    /// Makes the next `request` (`METHOD kind/name`) fail with HTTP `code`.
    pub fn fail_once(&self, request: &str, code: u16) {
        self.state
            .lock()
            .unwrap()
            .failures
            .insert(request.into(), code);
    }

    /// Every request so far whose log entry is `entry`, as (query string, JSON body).
    pub fn requests(&self, entry: &str) -> Vec<(String, Value)> {
        let state = self.state.lock().unwrap();
        state
            .requests
            .iter()
            .filter(|(e, _, _)| e == entry)
            .map(|(_, q, b)| (q.clone(), b.clone()))
            .collect()
    }

    /// Returns and clears the request log.
    pub fn take_log(&self) -> Vec<String> {
        std::mem::take(&mut self.state.lock().unwrap().log)
    }
}

impl State {
    fn bump(&mut self) -> String {
        let version = self.next_version;
        self.next_version += 1;
        version.to_string()
    }

    /// Stores `object` (its resourceVersion already set) and tells the watches.
    fn store(&mut self, key: String, object: Value) {
        let kind = if self.objects.contains_key(&key) {
            "MODIFIED"
        } else {
            "ADDED"
        };
        self.objects.insert(key.clone(), object.clone());
        self.publish(key, kind, object);
    }

    /// Deletes `key`, if stored, and tells the watches.
    fn delete(&mut self, key: &str) -> Option<Value> {
        let mut object = self.objects.remove(key)?;
        object["metadata"]["resourceVersion"] = json!(self.bump());
        self.publish(key.to_string(), "DELETED", object.clone());
        Some(object)
    }

    fn publish(&mut self, key: String, kind: &'static str, object: Value) {
        self.watches
            .retain(|w| !w.wants(&key, &object) || w.send(kind, &object));
        let version = object["metadata"]["resourceVersion"]
            .as_str()
            .and_then(|v| v.parse().ok())
            .unwrap_or(self.next_version - 1);
        self.history.push((version, key, kind, object));
    }

    /// `GET kind?watch=true`: replays the changes after the asked resourceVersion, then streams.
    fn watch(&mut self, kind: &str, query: &[(String, String)]) -> Response<FakeBody> {
        let since: u64 = param(query, "resourceVersion")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let (events, mut stream) = mpsc::unbounded_channel();
        let watch = Watch {
            kind: kind.to_string(),
            selector: selector(query),
            events,
        };
        for (version, key, change, object) in &self.history {
            if *version > since && watch.wants(key, object) {
                watch.send(change, object);
            }
        }
        self.watches.push(watch);
        let frames = futures_util::stream::poll_fn(move |cx| {
            stream
                .poll_recv(cx)
                .map(|line| line.map(|l| Ok::<_, Infallible>(Frame::data(l))))
        });
        Response::builder()
            .status(StatusCode::OK)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(BodyExt::boxed(StreamBody::new(frames)))
            .unwrap()
    }

    /// `GET kind`: every stored object of the kind that matches the label selector.
    fn list(&self, kind: &str, query: &[(String, String)]) -> Response<FakeBody> {
        let watch = Watch {
            kind: kind.to_string(),
            selector: selector(query),
            events: mpsc::unbounded_channel().0,
        };
        let items: Vec<&Value> = self
            .objects
            .iter()
            .filter(|(key, object)| watch.wants(key, object))
            .map(|(_, object)| object)
            .collect();
        let version = (self.next_version - 1).to_string();
        ok(
            StatusCode::OK,
            &json!({"apiVersion": "v1", "kind": "List",
                    "metadata": {"resourceVersion": version}, "items": items}),
        )
    }

    fn handle(&mut self, parts: &http::request::Parts, body: &[u8]) -> Response<FakeBody> {
        let path = parts.uri.path();
        // /api/v1/namespaces/NS/KIND[/NAME[/status]] or /apis/G/V/namespaces/NS/KIND[/...]
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let after_ns = match segments.iter().position(|s| *s == "namespaces") {
            Some(i) => &segments[i + 2..],
            None => return status(StatusCode::NOT_FOUND, "NotFound", "cluster-scoped path"),
        };
        let key = after_ns.join("/");
        let query_pairs: Vec<(String, String)> =
            form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        if let (&Method::GET, [kind]) = (&parts.method, after_ns) {
            // Watches and lists are the controller's, not the reconcile's: not logged.
            return if param(&query_pairs, "watch") == Some("true") {
                self.watch(kind, &query_pairs)
            } else {
                self.list(kind, &query_pairs)
            };
        }
        let entry = format!("{} {key}", parts.method);
        self.log.push(entry.clone());
        if let Some(code) = self.failures.remove(&entry) {
            let code = StatusCode::from_u16(code).unwrap();
            return status(code, "InternalError", "injected failure");
        }
        let body: Value = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(body).expect("JSON body")
        };
        let query = parts.uri.query().unwrap_or("").to_string();
        self.requests
            .push((entry.clone(), query.clone(), body.clone()));
        match (&parts.method, after_ns) {
            (&Method::GET, [_, _]) => match self.objects.get(&key) {
                Some(object) => ok(StatusCode::OK, object),
                None => status(
                    StatusCode::NOT_FOUND,
                    "NotFound",
                    &format!("{key} not found"),
                ),
            },
            (&Method::PATCH, [kind, name, "status"]) => {
                let key = format!("{kind}/{name}");
                let Some(stored) = self.objects.get(&key).cloned() else {
                    return status(
                        StatusCode::NOT_FOUND,
                        "NotFound",
                        &format!("{key} not found"),
                    );
                };
                let mut updated = stored.clone();
                updated["status"] = body["status"].clone();
                if updated != stored {
                    updated["metadata"]["resourceVersion"] = json!(self.bump());
                    self.store(key, updated.clone());
                }
                ok(StatusCode::OK, &updated)
            }
            (&Method::PATCH, [_, _]) => {
                let content_type = parts
                    .headers
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !content_type.starts_with("application/apply-patch") {
                    // Event series updates (merge patches): accept and store.
                    let mut stored = self.objects.get(&key).cloned().unwrap_or(Value::Null);
                    merge(&mut stored, &body);
                    self.store(key, stored.clone());
                    return ok(StatusCode::OK, &stored);
                }
                let manager = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("fieldManager="))
                    .unwrap_or("unknown")
                    .to_string();
                self.apply(key, body, &manager)
            }
            (&Method::DELETE, [_, _]) => {
                let Some(stored) = self.objects.get(&key) else {
                    return status(
                        StatusCode::NOT_FOUND,
                        "NotFound",
                        &format!("{key} not found"),
                    );
                };
                let wanted_uid = &body["preconditions"]["uid"];
                if !wanted_uid.is_null() && *wanted_uid != stored["metadata"]["uid"] {
                    return status(StatusCode::CONFLICT, "Conflict", "uid precondition failed");
                }
                self.delete(&key);
                ok(
                    StatusCode::OK,
                    &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}),
                )
            }
            (&Method::PUT, [_, _]) => {
                let Some(stored) = self.objects.get(&key) else {
                    return status(
                        StatusCode::NOT_FOUND,
                        "NotFound",
                        &format!("{key} not found"),
                    );
                };
                let sent = &body["metadata"]["resourceVersion"];
                if *sent != stored["metadata"]["resourceVersion"] {
                    return status(
                        StatusCode::CONFLICT,
                        "Conflict",
                        "the object has been modified",
                    );
                }
                let mut object = body;
                object["metadata"]["resourceVersion"] = json!(self.bump());
                self.store(key, object.clone());
                ok(StatusCode::OK, &object)
            }
            (&Method::POST, [kind]) => {
                let name = body["metadata"]["name"]
                    .as_str()
                    .unwrap_or("unnamed")
                    .to_string();
                if self.objects.contains_key(&format!("{kind}/{name}")) {
                    return status(StatusCode::CONFLICT, "AlreadyExists", "already exists");
                }
                let mut object = body;
                object["metadata"]["resourceVersion"] = json!(self.bump());
                self.store(format!("{kind}/{name}"), object.clone());
                ok(StatusCode::CREATED, &object)
            }
            _ => status(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed", path),
        }
    }

    /// Server-side apply by the one field manager.
    fn apply(&mut self, key: String, mut applied: Value, manager: &str) -> Response<FakeBody> {
        // Record which fields the manager applied, as the API server's managedFields do.
        let entry = json!({"manager": manager, "operation": "Apply", "fieldsType": "FieldsV1",
                           "fieldsV1": field_set(&applied)});
        let mut managed: Vec<Value> = self
            .objects
            .get(&key)
            .and_then(|o| o["metadata"]["managedFields"].as_array().cloned())
            .unwrap_or_default();
        managed.retain(|e| e["manager"] != manager);
        managed.push(entry);
        applied["metadata"]["managedFields"] = Value::Array(managed);
        match self.objects.get(&key).cloned() {
            None => {
                let version = self.bump();
                let meta = &mut applied["metadata"];
                meta["uid"] = json!(format!("uid-{key}"));
                meta["resourceVersion"] = json!(version);
                meta["generation"] = json!(1);
                meta["creationTimestamp"] = json!("2025-01-01T00:00:00Z");
                self.store(key, applied.clone());
                ok(StatusCode::CREATED, &applied)
            }
            Some(stored) => {
                for field in ["uid", "resourceVersion", "generation", "creationTimestamp"] {
                    applied["metadata"][field] = stored["metadata"][field].clone();
                }
                if !stored["status"].is_null() {
                    applied["status"] = stored["status"].clone();
                }
                if applied == stored {
                    return ok(StatusCode::OK, &stored);
                }
                let without_meta = |v: &Value| {
                    let mut v = v.clone();
                    if let Some(map) = v.as_object_mut() {
                        map.remove("metadata");
                        map.remove("status");
                    }
                    v
                };
                if without_meta(&applied) != without_meta(&stored) {
                    let generation = stored["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
                    applied["metadata"]["generation"] = json!(generation);
                }
                applied["metadata"]["resourceVersion"] = json!(self.bump());
                self.store(key, applied.clone());
                ok(StatusCode::OK, &applied)
            }
        }
    }
}

/// The `fieldsV1` set of an applied object: `f:<key>` for every object key, leaves `{}`.
fn field_set(value: &Value) -> Value {
    match value.as_object() {
        Some(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "apiVersion" | "kind" | "managedFields"))
                .map(|(k, v)| (format!("f:{k}"), field_set(v)))
                .collect(),
        ),
        None => json!({}),
    }
}

fn merge(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(target), Some(patch)) => {
            for (k, v) in patch {
                merge(target.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        _ => *target = patch.clone(),
    }
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The `labelSelector` of a list or watch, as `key=value` pairs (all the operator uses).
fn selector(query: &[(String, String)]) -> Vec<(String, String)> {
    param(query, "labelSelector")
        .unwrap_or("")
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ok(code: StatusCode, object: &Value) -> Response<FakeBody> {
    let body = Full::new(Bytes::from(serde_json::to_vec(object).unwrap()));
    Response::builder()
        .status(code)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(BodyExt::boxed(body))
        .unwrap()
}

fn status(code: StatusCode, reason: &str, message: &str) -> Response<FakeBody> {
    let body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code.as_u16(),
    });
    ok(code, &body)
}

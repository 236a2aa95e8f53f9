//! A small OTLP/HTTP trace receiver on loopback, for tests: it accepts
//! `POST /v1/traces` with `application/x-protobuf`, decodes the real OTLP
//! `ExportTraceServiceRequest` and keeps each span. Not a collector: no retries, no other
//! signals, no limits beyond the test's.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use prost::Message;
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// One span as the receiver got it.
#[derive(Clone, Debug)]
pub struct ReceivedSpan {
    /// The span's name.
    pub name: String,
    /// Trace id, 32 lowercase hex digits.
    pub trace_id: String,
    /// Span id, 16 lowercase hex digits.
    pub span_id: String,
    /// Parent span id, 16 hex digits; empty for a root span.
    pub parent_span_id: String,
    /// The span's attributes, each value printed as text.
    pub attributes: BTreeMap<String, String>,
    /// The attributes of the resource that sent it (`service.name`, ...), each as text.
    pub resource: BTreeMap<String, String>,
}

/// A running receiver; stops when dropped.
pub struct Receiver {
    addr: SocketAddr,
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
    arrived: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Listens on a free loopback port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("bound");
        let spans = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let task = tokio::spawn(serve(listener, spans.clone(), arrived.clone()));
        Receiver {
            addr,
            spans,
            arrived,
            task,
        }
    }

    /// The base URL to give as `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.spans.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits until a span satisfying `wanted` has arrived and returns every span of its trace
    /// received so far. Panics after `within`: a span that never comes fails the test loudly.
    pub async fn wait_for(
        &self,
        within: Duration,
        wanted: impl Fn(&ReceivedSpan) -> bool,
    ) -> Vec<ReceivedSpan> {
        let search = async {
            loop {
                let arrived = self.arrived.notified();
                let spans = self.spans();
                if let Some(found) = spans.iter().find(|s| wanted(s)) {
                    let trace = found.trace_id.clone();
                    return spans.into_iter().filter(|s| s.trace_id == trace).collect();
                }
                arrived.await;
            }
        };
        match tokio::time::timeout(within, search).await {
            Ok(trace) => trace,
            Err(_) => panic!(
                "no matching span within {within:?}; received: {:#?}",
                self.spans()
            ),
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(listener: TcpListener, spans: Arc<Mutex<Vec<ReceivedSpan>>>, arrived: Arc<Notify>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let spans = spans.clone();
        let arrived = arrived.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let spans = spans.clone();
                let arrived = arrived.clone();
                async move { Ok::<_, Infallible>(receive(request, &spans, &arrived).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn receive(
    request: Request<Incoming>,
    spans: &Mutex<Vec<ReceivedSpan>>,
    arrived: &Notify,
) -> Response<Full<Bytes>> {
    let answer = |status: StatusCode, body: Vec<u8>| {
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        response
    };
    if request.uri().path() != "/v1/traces" {
        return answer(StatusCode::NOT_FOUND, Vec::new());
    }
    let Ok(body) = request.into_body().collect().await else {
        return answer(StatusCode::BAD_REQUEST, Vec::new());
    };
    let Ok(export) = ExportTraceServiceRequest::decode(body.to_bytes()) else {
        return answer(
            StatusCode::BAD_REQUEST,
            b"not an OTLP trace export".to_vec(),
        );
    };
    let mut received = Vec::new();
    for resource_spans in export.resource_spans {
        let resource = attributes(resource_spans.resource.iter().flat_map(|r| &r.attributes));
        for span in resource_spans.scope_spans.into_iter().flat_map(|s| s.spans) {
            received.push(ReceivedSpan {
                name: span.name,
                trace_id: hex(&span.trace_id),
                span_id: hex(&span.span_id),
                parent_span_id: hex(&span.parent_span_id),
                attributes: attributes(&span.attributes),
                resource: resource.clone(),
            });
        }
    }
    spans
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .extend(received);
    arrived.notify_waiters();
    answer(
        StatusCode::OK,
        ExportTraceServiceResponse::default().encode_to_vec(),
    )
}

/// Attributes as key and text.
fn attributes<'a>(pairs: impl IntoIterator<Item = &'a KeyValue>) -> BTreeMap<String, String> {
    pairs
        .into_iter()
        .map(|kv| (kv.key.clone(), text(kv.value.as_ref())))
        .collect()
}

fn text(value: Option<&AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

//! Bounded capture of a run's stdout and stderr.
//!
//! Both streams write into one [`Capture`], which keeps the chunks in the order they were
//! written (the origin's `output` interleaves them) and counts their bytes against one budget.
//! A write past the budget keeps what fits, marks the capture truncated and traps the guest with
//! [`OutputLimitReached`], which the sandbox reports as the `output_limit` outcome.
//!
//! A session keeps one capture for its life and [`Capture::reset`]s it before each run; its
//! stdin is an [`Input`] refilled the same way.
//!
//! A streamed run's capture also sends what it keeps, as it is written, to [`Lines`]: one
//! NDJSON [`StreamEvent`] per write, cut at UTF-8 character boundaries (a character split
//! between two writes goes out whole with the second).

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use bytes::Bytes;
use runner_api::StreamEvent;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use wasmtime_wasi::cli::{IsTerminal, StdinStream, StdoutStream};
use wasmtime_wasi::p2::{InputStream, OutputStream, Pollable, StreamError, StreamResult};

/// Most bytes a single `write` is offered; the guest splits larger writes.
const WRITE_PERMIT: usize = 64 * 1024;

/// The error that stops a run whose output reached its cap.
#[derive(Debug, thiserror::Error)]
#[error("output limit reached")]
pub struct OutputLimitReached;

/// Which stream a chunk came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// The guest's stdout.
    Stdout = 0,
    /// The guest's stderr.
    Stderr = 1,
}

/// The output of one run, shared by its two stream handles.
#[derive(Clone)]
pub struct Capture(Arc<Mutex<Inner>>);

struct Inner {
    chunks: Vec<(Stream, Bytes)>,
    left: usize,
    truncated: bool,
    sink: Option<Sink>,
}

/// Where a streamed run's output lines go (the HTTP response's body).
pub type Lines = tokio::sync::mpsc::UnboundedSender<Bytes>;

/// The stream of one run's events, with each stream's bytes that do not yet end a character.
struct Sink {
    lines: Lines,
    pending: [Vec<u8>; 2],
}

impl Sink {
    fn send(&mut self, stream: Stream, bytes: &[u8]) {
        let pending = &mut self.pending[stream as usize];
        pending.extend_from_slice(bytes);
        let complete = complete_utf8_len(pending);
        if complete > 0 {
            let text = String::from_utf8_lossy(&pending[..complete]).into_owned();
            pending.drain(..complete);
            self.emit(stream, text);
        }
    }

    /// Sends what is left, invalid or incomplete bytes replaced.
    fn flush(&mut self) {
        for stream in [Stream::Stdout, Stream::Stderr] {
            let pending = std::mem::take(&mut self.pending[stream as usize]);
            if !pending.is_empty() {
                self.emit(stream, String::from_utf8_lossy(&pending).into_owned());
            }
        }
    }

    fn emit(&self, stream: Stream, data: String) {
        let event = match stream {
            Stream::Stdout => StreamEvent::Stdout { data },
            Stream::Stderr => StreamEvent::Stderr { data },
        };
        // Nobody reads any more when the caller left; the run is being dropped.
        let _ = self.lines.send(event_line(&event));
    }
}

/// One NDJSON line.
pub fn event_line(event: &StreamEvent) -> Bytes {
    let mut line = serde_json::to_vec(event).expect("events serialise");
    line.push(b'\n');
    Bytes::from(line)
}

/// How many of `bytes` end on a character boundary: all but an incomplete UTF-8 sequence at
/// the end (invalid bytes count: they are replaced when sent).
fn complete_utf8_len(bytes: &[u8]) -> usize {
    let mut at = 0;
    loop {
        match std::str::from_utf8(&bytes[at..]) {
            Ok(_) => return bytes.len(),
            Err(e) => match e.error_len() {
                Some(invalid) => at += e.valid_up_to() + invalid,
                None => return at + e.valid_up_to(),
            },
        }
    }
}

/// What a run wrote, decoded for the response.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Captured {
    /// stdout then stderr interleaved in write order.
    pub output: String,
    /// stdout alone.
    pub stdout: String,
    /// stderr alone.
    pub stderr: String,
    /// Whether output was cut at the cap.
    pub truncated: bool,
}

impl Capture {
    /// An empty capture that keeps at most `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Capture(Arc::new(Mutex::new(Inner {
            chunks: Vec::new(),
            left: limit,
            truncated: false,
            sink: None,
        })))
    }

    /// Sends what is written from now on to `lines` as well, until [`Capture::finish`].
    pub fn stream_to(&self, lines: Lines) {
        self.lock().sink = Some(Sink {
            lines,
            pending: Default::default(),
        });
    }

    /// Forgets what was written and sets a new cap: the next run of a session starts empty.
    pub fn reset(&self, limit: usize) {
        let mut inner = self.lock();
        inner.chunks.clear();
        inner.left = limit;
        inner.truncated = false;
        inner.sink = None;
    }

    /// A handle that writes into this capture as `stream`.
    pub fn stream(&self, stream: Stream) -> CaptureStream {
        CaptureStream {
            capture: self.clone(),
            stream,
        }
    }

    /// Appends what fits; `Err` when some of `bytes` did not.
    pub fn push(&self, stream: Stream, mut bytes: Bytes) -> Result<(), OutputLimitReached> {
        let mut inner = self.lock();
        if bytes.len() > inner.left {
            bytes.truncate(inner.left);
            inner.truncated = true;
        }
        inner.left -= bytes.len();
        if !bytes.is_empty() {
            if let Some(sink) = inner.sink.as_mut() {
                sink.send(stream, &bytes);
            }
            inner.chunks.push((stream, bytes));
        }
        if inner.truncated {
            Err(OutputLimitReached)
        } else {
            Ok(())
        }
    }

    /// Whether the cap was reached.
    pub fn truncated(&self) -> bool {
        self.lock().truncated
    }

    /// Decodes what was written, lossily: invalid UTF-8 becomes U+FFFD. A stream gets what it
    /// has not yet, and ends.
    pub fn finish(&self) -> Captured {
        let mut inner = self.lock();
        if let Some(mut sink) = inner.sink.take() {
            sink.flush();
        }
        let join = |filter: &dyn Fn(Stream) -> bool| {
            let mut bytes = Vec::new();
            for (_, chunk) in inner.chunks.iter().filter(|(s, _)| filter(*s)) {
                bytes.extend_from_slice(chunk);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        };
        Captured {
            output: join(&|_| true),
            stdout: join(&|s| s == Stream::Stdout),
            stderr: join(&|s| s == Stream::Stderr),
            truncated: inner.truncated,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock only means another handle panicked mid-push; the data is still whole.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One of a run's output streams, given to WASI as stdout or stderr.
#[derive(Clone)]
pub struct CaptureStream {
    capture: Capture,
    stream: Stream,
}

impl IsTerminal for CaptureStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CaptureStream {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for CaptureStream {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.capture
            .push(self.stream, bytes)
            .map_err(|limit| StreamError::Trap(wasmtime::Error::new(limit)))
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        if self.capture.truncated() {
            return Err(StreamError::Trap(wasmtime::Error::new(OutputLimitReached)));
        }
        Ok(WRITE_PERMIT)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CaptureStream {
    async fn ready(&mut self) {}
}

impl AsyncWrite for CaptureStream {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = self
            .capture
            .push(self.stream, Bytes::copy_from_slice(buf))
            .map(|()| buf.len())
            .map_err(io::Error::other);
        Poll::Ready(result)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A guest's stdin: the bytes of the current run, refilled before each run of a session.
/// Reading past them is end of file.
#[derive(Clone, Default)]
pub struct Input(Arc<Mutex<Bytes>>);

impl Input {
    /// Input that reads `bytes`, then end of file.
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        Input(Arc::new(Mutex::new(bytes.into())))
    }

    /// Replaces what is left to read with `bytes`.
    pub fn refill(&self, bytes: impl Into<Bytes>) {
        *self.lock() = bytes.into();
    }

    /// Takes up to `size` bytes.
    fn take(&self, size: usize) -> Bytes {
        let mut left = self.lock();
        let size = size.min(left.len());
        left.split_to(size)
    }

    fn lock(&self) -> MutexGuard<'_, Bytes> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl IsTerminal for Input {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdinStream for Input {
    fn p2_stream(&self) -> Box<dyn InputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncRead + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl InputStream for Input {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        let bytes = self.take(size);
        if bytes.is_empty() && size > 0 {
            return Err(StreamError::Closed);
        }
        Ok(bytes)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for Input {
    async fn ready(&mut self) {}
}

impl AsyncRead for Input {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let bytes = self.take(buf.remaining());
        buf.put_slice(&bytes);
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaves_streams_in_write_order() {
        let capture = Capture::new(100);
        capture.push(Stream::Stdout, Bytes::from("a")).unwrap();
        capture.push(Stream::Stderr, Bytes::from("b")).unwrap();
        capture.push(Stream::Stdout, Bytes::from("c")).unwrap();
        let out = capture.finish();
        assert_eq!(out.output, "abc");
        assert_eq!(out.stdout, "ac");
        assert_eq!(out.stderr, "b");
        assert!(!out.truncated);
    }

    #[test]
    fn keeps_what_fits_and_reports_the_cap() {
        let capture = Capture::new(4);
        capture.push(Stream::Stdout, Bytes::from("abc")).unwrap();
        assert!(capture.push(Stream::Stderr, Bytes::from("def")).is_err());
        assert!(capture.push(Stream::Stdout, Bytes::from("g")).is_err());
        let out = capture.finish();
        assert_eq!(out.output, "abcd");
        assert!(out.truncated);
    }

    #[test]
    fn a_reset_capture_starts_empty_with_its_new_cap() {
        let capture = Capture::new(2);
        assert!(capture.push(Stream::Stdout, Bytes::from("abc")).is_err());
        capture.reset(10);
        capture.push(Stream::Stderr, Bytes::from("def")).unwrap();
        let out = capture.finish();
        assert_eq!((out.output.as_str(), out.truncated), ("def", false));
    }

    #[test]
    fn input_reads_what_it_was_refilled_with_then_ends() {
        let mut input = Input::new("ab");
        assert_eq!(input.read(1).unwrap(), "a");
        input.refill("xyz");
        assert_eq!(input.read(10).unwrap(), "xyz");
        assert!(matches!(input.read(10), Err(StreamError::Closed)));
    }

    #[test]
    fn a_stream_gets_whole_characters_in_write_order() {
        let (lines, mut read) = tokio::sync::mpsc::unbounded_channel();
        let capture = Capture::new(100);
        capture.stream_to(lines);
        let e_acute = "é".as_bytes();
        capture
            .push(Stream::Stdout, Bytes::from_static(b"a"))
            .unwrap();
        capture
            .push(Stream::Stdout, Bytes::copy_from_slice(&e_acute[..1]))
            .unwrap();
        capture
            .push(Stream::Stderr, Bytes::from_static(b"!"))
            .unwrap();
        capture
            .push(Stream::Stdout, Bytes::copy_from_slice(&e_acute[1..]))
            .unwrap();
        capture
            .push(Stream::Stdout, Bytes::from_static(b"\xffz\xe2"))
            .unwrap();
        let whole = capture.finish();
        assert_eq!(whole.stdout, "a\u{e9}\u{fffd}z\u{fffd}");
        let mut sent = Vec::new();
        while let Ok(line) = read.try_recv() {
            sent.push(String::from_utf8(line.to_vec()).unwrap());
        }
        assert_eq!(
            sent,
            [
                "{\"type\":\"stdout\",\"data\":\"a\"}\n",
                "{\"type\":\"stderr\",\"data\":\"!\"}\n",
                "{\"type\":\"stdout\",\"data\":\"é\"}\n",
                "{\"type\":\"stdout\",\"data\":\"\u{fffd}z\"}\n",
                "{\"type\":\"stdout\",\"data\":\"\u{fffd}\"}\n",
            ]
        );
        assert!(read.try_recv().is_err(), "the stream ended with the run");
    }

    #[test]
    fn invalid_utf8_is_replaced_not_rejected() {
        let capture = Capture::new(100);
        capture
            .push(Stream::Stdout, Bytes::from_static(b"ok\xff"))
            .unwrap();
        assert_eq!(capture.finish().stdout, "ok\u{fffd}");
    }
}

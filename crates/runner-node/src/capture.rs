//! Bounded capture of a run's stdout and stderr.
//!
//! Both streams write into one [`Capture`], which keeps the chunks in the order they were
//! written (the origin's `output` interleaves them) and counts their bytes against one budget.
//! A write past the budget keeps what fits, marks the capture truncated and traps the guest with
//! [`OutputLimitReached`], which the sandbox reports as the `output_limit` outcome.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};

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
    Stdout,
    /// The guest's stderr.
    Stderr,
}

/// The output of one run, shared by its two stream handles.
#[derive(Clone)]
pub struct Capture(Arc<Mutex<Inner>>);

struct Inner {
    chunks: Vec<(Stream, Bytes)>,
    left: usize,
    truncated: bool,
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
        })))
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

    /// Decodes what was written, lossily: invalid UTF-8 becomes U+FFFD.
    pub fn finish(&self) -> Captured {
        let inner = self.lock();
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
    fn invalid_utf8_is_replaced_not_rejected() {
        let capture = Capture::new(100);
        capture
            .push(Stream::Stdout, Bytes::from_static(b"ok\xff"))
            .unwrap();
        assert_eq!(capture.finish().stdout, "ok\u{fffd}");
    }
}

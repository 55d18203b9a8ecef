//! Request/reply over a line-oriented link: timeouts, bounded retries and reconnects.
//!
//! The ASCII protocols (ESPEC, TEMI PC-link, SCPI) all answer one line per command. A driver
//! describes each command as a [`Request`] (bytes, timeout, whether it is safe to repeat, how to
//! parse the reply line) and a [`Link`] carries it over any `AsyncRead + AsyncWrite` stream:
//!
//! - **Timeouts** use the tokio timer, i.e. real time, even when the run uses a simulated
//!   clock: an instrument answers in wall-clock milliseconds whatever the test's clock says.
//! - **Retries**: an idempotent request that timed out, came back garbled or lost the link is
//!   sent again up to [`LinkPolicy::retries`] times, waiting `backoff`, `2×backoff`, … between
//!   attempts. A refusal is an answer and is never retried.
//! - **Resynchronising**: input already waiting is discarded before every request, and after a
//!   timeout the link listens up to one more timeout for the late reply and discards it before
//!   the retry (or the next request), so replies cannot shift by one.
//! - **Reconnect**: when the stream fails or closes, the link drops it and, if it was built
//!   with a reopener ([`Link::with_reopen`]), opens the port again by path before the next
//!   attempt, which survives USB re-enumeration when the station names a stable path.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::error::ShowBytes;
use super::RigError;

/// The longest reply line accepted; a peer streaming garbage without a line end is cut here.
pub const MAX_LINE_BYTES: usize = 4096;

/// Silence that ends a drain once stale bytes have come (the late reply is complete).
const DRAIN_QUIET: Duration = Duration::from_millis(20);

/// At most this many stale bytes are discarded per drain, so a chattering line cannot stall.
const MAX_DRAIN_BYTES: usize = 4 * MAX_LINE_BYTES;

/// What a reply parser can say about a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// The instrument refused (its reason, decoded where the protocol has codes).
    Refused(String),
    /// The line is not a valid reply (what is wrong).
    Garbled(String),
}

/// One protocol command: encodes itself, knows its timeout, parses its reply line.
pub trait Request {
    /// The parsed reply.
    type Reply;

    /// The bytes to send, terminator included.
    fn encode(&self) -> Vec<u8>;

    /// How long the instrument may take to answer.
    fn timeout(&self) -> Duration;

    /// True when sending the command twice does no harm (queries, absolute set points).
    fn idempotent(&self) -> bool;

    /// Parses one reply line (terminator included, as received).
    fn parse(&self, line: &[u8]) -> Result<Self::Reply, ReplyError>;

    /// The command as shown in errors: the encoded text without control characters.
    fn label(&self) -> String {
        let bytes = self.encode();
        String::from_utf8_lossy(&bytes)
            .trim_matches(|c: char| c.is_control())
            .chars()
            .filter(|c| !c.is_control())
            .collect()
    }
}

/// Timeouts and retries for one rig, from the station file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkPolicy {
    /// Replaces every command's own timeout when set.
    pub timeout: Option<Duration>,
    /// Extra attempts for idempotent requests.
    pub retries: u32,
    /// Wait before the first retry; doubles each time.
    pub backoff: Duration,
}

impl Default for LinkPolicy {
    fn default() -> Self {
        LinkPolicy {
            timeout: None,
            retries: 2,
            backoff: Duration::from_millis(200),
        }
    }
}

/// Reopens a vanished port; returns the new stream.
pub type Reopen<T> =
    Box<dyn FnMut() -> Pin<Box<dyn Future<Output = Result<T, RigError>> + Send>> + Send>;

/// A request/reply link to one instrument over stream `T`.
pub struct Link<T> {
    port: String,
    io: Option<T>,
    reopen: Option<Reopen<T>>,
    policy: LinkPolicy,
    pending: Vec<u8>,
    /// How long to listen for a late reply before the next request (zero: only discard what
    /// is already waiting).
    late: Duration,
    /// The last request timed out: its reply may still come, even after `late`.
    timed_out: bool,
}

impl<T> std::fmt::Debug for Link<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("port", &self.port)
            .field("connected", &self.io.is_some())
            .field("reopen", &self.reopen.is_some())
            .field("policy", &self.policy)
            .finish()
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Link<T> {
    /// A link over an already open stream; `port` names it in errors.
    pub fn new(io: T, port: impl Into<String>, policy: LinkPolicy) -> Link<T> {
        Link {
            port: port.into(),
            io: Some(io),
            reopen: None,
            policy,
            pending: Vec::new(),
            late: Duration::ZERO,
            timed_out: false,
        }
    }

    /// Adds a way to reopen the port after it vanished.
    pub fn with_reopen(mut self, reopen: Reopen<T>) -> Link<T> {
        self.reopen = Some(reopen);
        self
    }

    /// The port name used in errors.
    pub fn port(&self) -> &str {
        &self.port
    }

    /// The policy in force.
    pub fn policy(&self) -> LinkPolicy {
        self.policy
    }

    /// Sends `request` and parses its reply, retrying idempotent requests per the policy.
    pub async fn exchange<R: Request>(&mut self, request: &R) -> Result<R::Reply, RigError> {
        let attempts = if request.idempotent() {
            self.policy.retries.saturating_add(1)
        } else {
            1
        };
        let mut wait = self.policy.backoff;
        let mut attempt = 1;
        loop {
            match self.exchange_once(request).await {
                Err(error) if attempt < attempts && error.is_link_fault() => {
                    tracing::debug!("{error}; retry {attempt} of {}", attempts - 1);
                    tokio::time::sleep(wait).await;
                    wait = wait.saturating_mul(2);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn exchange_once<R: Request>(&mut self, request: &R) -> Result<R::Reply, RigError> {
        let timeout = self.policy.timeout.unwrap_or_else(|| request.timeout());
        let label = request.label();
        self.connect().await?;
        let listen = std::mem::take(&mut self.late);
        let after_timeout = std::mem::take(&mut self.timed_out);
        self.drain(&label, listen).await;
        self.pending.clear();
        self.write(&request.encode()).await?;
        let line = match tokio::time::timeout(timeout, self.read_line(&label)).await {
            Ok(Ok(line)) if after_timeout => self.newer_line(&label, line).await,
            Ok(line) => line?,
            Err(_) => {
                self.late = timeout;
                self.timed_out = true;
                return Err(RigError::Timeout {
                    port: self.port.clone(),
                    command: label,
                    after: timeout,
                });
            }
        };
        request.parse(&line).map_err(|error| match error {
            ReplyError::Refused(reply) => RigError::Refusal {
                port: self.port.clone(),
                command: label,
                reply,
            },
            ReplyError::Garbled(problem) => {
                self.late = DRAIN_QUIET;
                RigError::Garbled {
                    port: self.port.clone(),
                    command: label,
                    bytes: line,
                    problem,
                }
            }
        })
    }

    async fn connect(&mut self) -> Result<(), RigError> {
        if self.io.is_some() {
            return Ok(());
        }
        let Some(reopen) = self.reopen.as_mut() else {
            return Err(RigError::Disconnected {
                port: self.port.clone(),
            });
        };
        let io = reopen().await?;
        tracing::info!("{}: reconnected", self.port);
        self.io = Some(io);
        self.late = Duration::ZERO;
        self.timed_out = false;
        Ok(())
    }

    fn lost(&mut self, source: std::io::Error) -> RigError {
        self.io = None;
        RigError::Link {
            port: self.port.clone(),
            source,
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), RigError> {
        let Some(io) = self.io.as_mut() else {
            return Err(RigError::Disconnected {
                port: self.port.clone(),
            });
        };
        let result = match io.write_all(bytes).await {
            Ok(()) => io.flush().await,
            Err(error) => Err(error),
        };
        result.map_err(|error| self.lost(error))
    }

    /// Reads up to and including the next `\n`.
    async fn read_line(&mut self, label: &str) -> Result<Vec<u8>, RigError> {
        let mut chunk = [0u8; 256];
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let rest = self.pending.split_off(end + 1);
                return Ok(std::mem::replace(&mut self.pending, rest));
            }
            if self.pending.len() > MAX_LINE_BYTES {
                self.late = DRAIN_QUIET;
                return Err(RigError::Garbled {
                    port: self.port.clone(),
                    command: label.to_string(),
                    bytes: std::mem::take(&mut self.pending),
                    problem: format!("no line end within {MAX_LINE_BYTES} bytes"),
                });
            }
            let Some(io) = self.io.as_mut() else {
                return Err(RigError::Disconnected {
                    port: self.port.clone(),
                });
            };
            match io.read(&mut chunk).await {
                Ok(0) => {
                    self.io = None;
                    return Err(RigError::Disconnected {
                        port: self.port.clone(),
                    });
                }
                Ok(n) => self
                    .pending
                    .extend_from_slice(chunk.get(..n).unwrap_or_default()),
                Err(error) => return Err(self.lost(error)),
            }
        }
    }

    /// The reply to use when `line` came on the first request after a timeout: a reply later
    /// than the drain's window lands just after the request went out, and the instrument's
    /// answer to that request follows at once. A second line within [`DRAIN_QUIET`] proves the
    /// first late; it is discarded and the second used.
    async fn newer_line(&mut self, label: &str, line: Vec<u8>) -> Vec<u8> {
        match tokio::time::timeout(DRAIN_QUIET, self.read_line(label)).await {
            Ok(Ok(next)) => {
                tracing::warn!(
                    "{}: discarded {} before `{label}`: a late reply, followed by the real one",
                    self.port,
                    ShowBytes(&line)
                );
                next
            }
            // Nothing more (or a fault the next request will meet): the line is the reply.
            _ => line,
        }
    }

    /// Discards input before a request: what is already waiting, and whatever arrives within
    /// `listen` (a late reply); once bytes have come, [`DRAIN_QUIET`] of silence ends the wait.
    async fn drain(&mut self, label: &str, listen: Duration) {
        let until = tokio::time::Instant::now() + listen;
        let mut dropped: Vec<u8> = Vec::new();
        let mut chunk = [0u8; 256];
        while dropped.len() < MAX_DRAIN_BYTES {
            let Some(io) = self.io.as_mut() else { break };
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            let wait = if dropped.is_empty() {
                left
            } else {
                DRAIN_QUIET
            };
            match tokio::time::timeout(wait, io.read(&mut chunk)).await {
                Ok(Ok(0)) => self.io = None,
                Ok(Ok(n)) => dropped.extend_from_slice(chunk.get(..n).unwrap_or_default()),
                Ok(Err(error)) => {
                    self.lost(error);
                }
                Err(_) => break,
            }
        }
        if !dropped.is_empty() {
            tracing::warn!(
                "{}: discarded {} before `{label}` (a late or unsolicited reply)",
                self.port,
                ShowBytes(&dropped)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, BufReader, DuplexStream};

    /// A query whose reply is the line without its terminator.
    struct Echo(&'static str);

    impl Request for Echo {
        type Reply = String;
        fn encode(&self) -> Vec<u8> {
            format!("{}\r\n", self.0).into_bytes()
        }
        fn timeout(&self) -> Duration {
            Duration::from_millis(150)
        }
        fn idempotent(&self) -> bool {
            true
        }
        fn parse(&self, line: &[u8]) -> Result<String, ReplyError> {
            let text = std::str::from_utf8(line).map_err(|e| ReplyError::Garbled(e.to_string()))?;
            let text = text.trim_end();
            match text.strip_prefix("NA:") {
                Some(reason) => Err(ReplyError::Refused(reason.to_string())),
                None if text == "?" => Err(ReplyError::Garbled("question mark".into())),
                None => Ok(text.to_string()),
            }
        }
    }

    fn policy(retries: u32) -> LinkPolicy {
        LinkPolicy {
            timeout: None,
            retries,
            backoff: Duration::from_millis(1),
        }
    }

    /// Answers each line with the next scripted reply; `None` stays silent. Returns the lines seen.
    fn peer(
        io: DuplexStream,
        replies: Vec<Option<&'static str>>,
    ) -> tokio::task::JoinHandle<Vec<String>> {
        tokio::spawn(async move {
            let (read, mut write) = tokio::io::split(io);
            let mut lines = BufReader::new(read).lines();
            let mut seen = Vec::new();
            for reply in replies {
                let Ok(Some(line)) = lines.next_line().await else {
                    break;
                };
                seen.push(line);
                if let Some(reply) = reply {
                    let _ = write.write_all(reply.as_bytes()).await;
                }
            }
            // Stay connected, and silent, until the host hangs up.
            while let Ok(Some(line)) = lines.next_line().await {
                seen.push(line);
            }
            seen
        })
    }

    #[tokio::test]
    async fn reply_split_across_writes_is_joined() {
        let (host, far) = tokio::io::duplex(64);
        let task = tokio::spawn(async move {
            let (read, mut write) = tokio::io::split(far);
            let mut lines = BufReader::new(read).lines();
            let _ = lines.next_line().await;
            write.write_all(b"23.").await.unwrap();
            tokio::time::sleep(Duration::from_millis(10)).await;
            write.write_all(b"5\r\n").await.unwrap();
        });
        let mut link = Link::new(host, "dup", policy(0));
        assert_eq!(link.exchange(&Echo("TEMP?")).await.unwrap(), "23.5");
        task.await.unwrap();
    }

    #[tokio::test]
    async fn silence_times_out_naming_port_and_command_after_retries() {
        let (host, far) = tokio::io::duplex(64);
        let task = peer(far, vec![None, None, None]);
        let mut link = Link::new(host, "/dev/ttyX", policy(2));
        let error = link.exchange(&Echo("MON?")).await.unwrap_err();
        assert!(
            matches!(&error, RigError::Timeout { port, command, after }
                if port == "/dev/ttyX" && command == "MON?" && *after == Duration::from_millis(150)),
            "{error}"
        );
        drop(link);
        assert_eq!(task.await.unwrap(), vec!["MON?", "MON?", "MON?"]);
    }

    #[tokio::test]
    async fn garbled_then_good_reply_is_retried_and_refusal_is_not() {
        let (host, far) = tokio::io::duplex(64);
        let task = peer(
            far,
            vec![Some("?\r\n"), Some("ok\r\n"), Some("NA:CMD ERR\r\n")],
        );
        let mut link = Link::new(host, "p", policy(3));
        assert_eq!(link.exchange(&Echo("A?")).await.unwrap(), "ok");
        let error = link.exchange(&Echo("B?")).await.unwrap_err();
        assert!(
            matches!(&error, RigError::Refusal { reply, .. } if reply == "CMD ERR"),
            "{error}"
        );
        drop(link);
        assert_eq!(task.await.unwrap(), vec!["A?", "A?", "B?"]);
    }

    #[tokio::test]
    async fn a_reply_later_than_the_drain_window_is_dropped_for_the_one_behind_it() {
        let (host, far) = tokio::io::duplex(64);
        let task = tokio::spawn(async move {
            let (read, mut write) = tokio::io::split(far);
            let mut lines = BufReader::new(read).lines();
            let _ = lines.next_line().await;
            // Later than the timeout and the whole window listened after it.
            tokio::time::sleep(Duration::from_millis(150 * 23 / 10)).await;
            write.write_all(b"late\r\n").await.unwrap();
            let _ = lines.next_line().await;
            write.write_all(b"fresh\r\n").await.unwrap();
            lines
        });
        let mut link = Link::new(host, "p", policy(1));
        assert_eq!(link.exchange(&Echo("A?")).await.unwrap(), "fresh");
        drop(task.await.unwrap());
    }

    #[tokio::test]
    async fn a_late_reply_within_the_window_is_drained_before_the_retry() {
        let (host, far) = tokio::io::duplex(64);
        let task = tokio::spawn(async move {
            let (read, mut write) = tokio::io::split(far);
            let mut lines = BufReader::new(read).lines();
            let _ = lines.next_line().await;
            tokio::time::sleep(Duration::from_millis(150 * 13 / 10)).await;
            write.write_all(b"late\r\n").await.unwrap();
            let _ = lines.next_line().await;
            write.write_all(b"fresh\r\n").await.unwrap();
            let _ = lines.next_line().await;
            write.write_all(b"next\r\n").await.unwrap();
            lines
        });
        let mut link = Link::new(host, "p", policy(1));
        assert_eq!(link.exchange(&Echo("A?")).await.unwrap(), "fresh");
        assert_eq!(link.exchange(&Echo("B?")).await.unwrap(), "next");
        drop(task.await.unwrap());
    }

    #[tokio::test]
    async fn endless_garbage_without_line_end_is_cut() {
        let (host, far) = tokio::io::duplex(16 * 1024);
        let task = tokio::spawn(async move {
            let (read, mut write) = tokio::io::split(far);
            let mut lines = BufReader::new(read).lines();
            let _ = lines.next_line().await;
            write
                .write_all(&[b'x'; MAX_LINE_BYTES + 300])
                .await
                .unwrap();
            lines
        });
        let mut link = Link::new(host, "p", policy(0));
        let error = link.exchange(&Echo("A?")).await.unwrap_err();
        assert!(matches!(error, RigError::Garbled { .. }), "{error}");
        drop(task.await.unwrap());
    }

    #[tokio::test]
    async fn closed_peer_without_reopen_is_disconnected() {
        let (host, far) = tokio::io::duplex(64);
        drop(far);
        let mut link = Link::new(host, "p", policy(1));
        let error = link.exchange(&Echo("A?")).await.unwrap_err();
        assert!(
            matches!(error, RigError::Link { .. } | RigError::Disconnected { .. }),
            "{error}"
        );
    }

    #[tokio::test]
    async fn vanished_port_is_reopened_and_the_query_retried() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            // First connection: read the command, then hang up (the adapter vanished).
            let (first, _) = listener.accept().await.unwrap();
            let mut first = BufReader::new(first);
            let mut line = String::new();
            first.read_line(&mut line).await.unwrap();
            drop(first);
            // Second connection: answer.
            let (second, _) = listener.accept().await.unwrap();
            let mut second = BufReader::new(second);
            line.clear();
            second.read_line(&mut line).await.unwrap();
            second.get_mut().write_all(b"back\r\n").await.unwrap();
            line
        });
        let io = tokio::net::TcpStream::connect(address).await.unwrap();
        let reopen: Reopen<tokio::net::TcpStream> = Box::new(move || {
            Box::pin(async move {
                tokio::net::TcpStream::connect(address)
                    .await
                    .map_err(|source| RigError::Link {
                        port: "tcp".into(),
                        source,
                    })
            })
        });
        let mut link = Link::new(io, "tcp", policy(2)).with_reopen(reopen);
        assert_eq!(link.exchange(&Echo("TEMP?")).await.unwrap(), "back");
        assert_eq!(server.await.unwrap(), "TEMP?\r\n");
    }
}

//! The transaction engine every rig protocol sits on: one request out, its reply in, with
//! timeouts, bounded retries, reopen-on-loss, input drained before each request, late replies
//! told apart, and every discarded byte noted in the wire log.
//!
//! A protocol supplies a [`Framing`] per request: the bytes to send, and a scanner that looks at
//! what has arrived so far and says whether it holds the reply ([`Scan::Reply`]), bytes that
//! answer nothing and must be discarded with the reason ([`Scan::Skip`]), or not enough yet
//! ([`Scan::Need`]). The line protocols ([`super::Request`]) and Modbus RTU/TCP
//! ([`crate::rig::modbus`]) are such framings; the rules below exist only here.
//!
//! - **Timeouts** use the tokio timer, i.e. real time, even when the run uses a simulated clock.
//! - **Retries**: an idempotent request that timed out, got only stray bytes, came back garbled
//!   or lost the link is sent again up to [`LinkPolicy::retries`] times, waiting `backoff`,
//!   `2×backoff`, … between attempts. A refusal is an answer and is never retried.
//! - **Reopen**: when the stream fails or closes, the link drops it; a link built with a
//!   reopener ([`Link::with_reopen`]) opens the port again by path before the next attempt, and
//!   the first loss in a request costs no attempt.
//! - **Resynchronising**: input already waiting is discarded before every request. After a
//!   timeout the link listens up to one more timeout for the late reply and discards it; a reply
//!   later still lands just after the next request went out, with the real reply right behind it,
//!   so on the first request after a timeout the link listens a settle time
//!   ([`LinkPolicy::settle`]) past a reply and, when a second one follows, uses that and notes
//!   the first as late.
//! - **Exact causes**: only true silence is a [`RigError::Timeout`]; bytes that came but answered
//!   nothing are a [`RigError::Garbled`] naming the last reason and the bytes.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use crate::rig::error::ShowBytes;
use crate::rig::wire_log::WireLog;
use crate::rig::RigError;

/// Silence that ends a drain once stale bytes have come (the late reply is complete): the
/// default [`LinkPolicy::settle`].
pub const DRAIN_QUIET: Duration = Duration::from_millis(20);

/// At most this many stale bytes are discarded per drain, so a chattering line cannot stall.
const MAX_DRAIN_BYTES: usize = 16 * 1024;

/// What a protocol's reply parser can say about a complete reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// The instrument refused (its reason, decoded where the protocol has codes).
    Refused(String),
    /// The reply is not valid (what is wrong).
    Garbled(String),
}

/// What the bytes received so far hold, as judged by a [`Framing`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan<R> {
    /// Not enough bytes yet.
    Need,
    /// The first `len` bytes are the reply (parsed, or why it cannot be used).
    Reply {
        /// Bytes it took.
        len: usize,
        /// The parsed reply.
        reply: Result<R, ReplyError>,
    },
    /// The first `len` bytes (at least 1) answer nothing and are discarded; then scan again.
    Skip {
        /// Bytes to discard.
        len: usize,
        /// Why, e.g. `CRC mismatch …` or `reply from slave 2, expected slave 1`.
        problem: String,
    },
}

/// How one request travels: its bytes, its timing and how its reply is recognised.
pub trait Framing {
    /// The parsed reply.
    type Reply;

    /// The request as shown in errors and the wire log.
    fn label(&self) -> String;

    /// How long the instrument may take to answer (the policy's timeout overrides it).
    fn timeout(&self) -> Duration;

    /// True when sending the request twice does no harm.
    fn idempotent(&self) -> bool;

    /// The bytes of the next attempt (called once per attempt, so a framing may number them).
    fn encode(&mut self) -> Vec<u8>;

    /// Looks at the bytes received so far.
    fn scan(&self, received: &[u8]) -> Scan<Self::Reply>;

    /// Names bytes still unexplained when the time is up (a reply cut short, noise).
    fn leftover(&self, received: &[u8]) -> String;
}

/// Timing and retry rules of one link, line protocol or Modbus alike: the timeout and retries
/// come from the station file, the rest are defaults tests shorten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkPolicy {
    /// Replaces every request's own timeout when set.
    pub timeout: Option<Duration>,
    /// Extra attempts for idempotent requests.
    pub retries: u32,
    /// Wait before the first retry; doubles each time. Modbus also waits this long (doubling)
    /// after a "server device busy" reply.
    pub backoff: Duration,
    /// Silence that ends a late or garbled reply once its bytes have come.
    pub settle: Duration,
}

impl Default for LinkPolicy {
    fn default() -> Self {
        LinkPolicy {
            timeout: None,
            retries: 2,
            backoff: Duration::from_millis(200),
            settle: DRAIN_QUIET,
        }
    }
}

/// Any byte stream a link can carry requests over.
pub trait ByteStream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> ByteStream for T {}

/// Reopens a vanished port; returns the new stream.
pub type Reopen<T> =
    Box<dyn FnMut() -> Pin<Box<dyn Future<Output = Result<T, RigError>> + Send>> + Send>;

/// A complete reply as parsed, with its bytes.
type Received<R> = (Result<R, ReplyError>, Vec<u8>);

/// How one attempt ended.
enum Attempt<R> {
    /// The reply.
    Reply(R),
    /// An error to report as it is (refusal, garbled reply, lost link).
    Failed(RigError),
    /// Nothing came.
    Silent,
    /// Only bytes that answered nothing came; the last of them and why.
    Stray { problem: String, bytes: Vec<u8> },
}

/// A request/reply link to one instrument over stream `T`.
pub struct Link<T> {
    port: String,
    io: Option<T>,
    reopen: Option<Reopen<T>>,
    policy: LinkPolicy,
    log: Option<WireLog>,
    /// Bytes received but not yet used.
    pending: Vec<u8>,
    /// How long to listen for a late reply before the next request (zero: only discard what
    /// is already waiting).
    late: Duration,
    /// The last request timed out: its reply may still come, even after `late`.
    suspect: bool,
}

impl<T> std::fmt::Debug for Link<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("port", &self.port)
            .field("connected", &self.io.is_some())
            .field("reopen", &self.reopen.is_some())
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<T: ByteStream> Link<T> {
    /// A link over an already open stream; `port` names it in errors.
    pub fn new(io: T, port: impl Into<String>, policy: LinkPolicy) -> Link<T> {
        Link {
            port: port.into(),
            io: Some(io),
            reopen: None,
            policy,
            log: None,
            pending: Vec::new(),
            late: Duration::ZERO,
            suspect: false,
        }
    }

    /// Adds a way to reopen the port after it vanished.
    pub fn with_reopen(mut self, reopen: Reopen<T>) -> Link<T> {
        self.reopen = Some(reopen);
        self
    }

    /// Notes every discarded byte (with its reason) in `log` as well as through `tracing`.
    pub fn with_log(mut self, log: Option<WireLog>) -> Link<T> {
        self.log = log;
        self
    }

    /// Replaces the timeout and retry policy.
    pub fn with_policy(mut self, policy: LinkPolicy) -> Link<T> {
        self.policy = policy;
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

    /// The same link over a boxed stream, so protocols need not be generic over the port.
    pub fn boxed(self) -> Link<Box<dyn ByteStream>>
    where
        T: 'static,
    {
        let reopen = self
            .reopen
            .map(|mut reopen| -> Reopen<Box<dyn ByteStream>> {
                Box::new(move || {
                    let opening = reopen();
                    Box::pin(async move {
                        let io: Box<dyn ByteStream> = Box::new(opening.await?);
                        Ok(io)
                    })
                })
            });
        Link {
            port: self.port,
            io: self.io.map(|io| -> Box<dyn ByteStream> { Box::new(io) }),
            reopen,
            policy: self.policy,
            log: self.log,
            pending: self.pending,
            late: self.late,
            suspect: self.suspect,
        }
    }

    /// Sends the request `framing` describes and returns its reply, retrying per the policy.
    pub async fn transact<F: Framing>(&mut self, framing: &mut F) -> Result<F::Reply, RigError> {
        let label = framing.label();
        let timeout = self.policy.timeout.unwrap_or_else(|| framing.timeout());
        let attempts = if framing.idempotent() {
            self.policy.retries.saturating_add(1)
        } else {
            1
        };
        let mut wait = self.policy.backoff;
        let mut attempt = 1;
        let mut reopened = false;
        let mut stray: Option<(String, Vec<u8>)> = None;
        loop {
            let error = match self.attempt(framing, &label, timeout).await {
                Attempt::Reply(reply) => return Ok(reply),
                Attempt::Failed(error) => error,
                Attempt::Silent => RigError::Timeout {
                    port: self.port.clone(),
                    command: label.clone(),
                    after: timeout,
                },
                Attempt::Stray { problem, bytes } => {
                    stray = Some((problem, bytes));
                    RigError::Timeout {
                        port: self.port.clone(),
                        command: label.clone(),
                        after: timeout,
                    }
                }
            };
            if !error.is_link_fault() || !framing.idempotent() {
                return Err(error);
            }
            let lost = self.io.is_none() && self.reopen.is_some();
            if lost && !reopened {
                // A vanished port costs no attempt: reopen it and ask again.
                reopened = true;
                continue;
            }
            if attempt >= attempts {
                return Err(match (error, stray) {
                    // Bytes came but none answered: name the last reason, not silence.
                    (RigError::Timeout { .. }, Some((problem, bytes))) => RigError::Garbled {
                        port: self.port.clone(),
                        command: label,
                        bytes,
                        problem: format!("{problem} (after {attempt} attempt(s))"),
                    },
                    (error, _) => error,
                });
            }
            tracing::debug!("{error}; retry {attempt} of {}", attempts - 1);
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2);
            attempt += 1;
        }
    }

    /// One request on a clean line: stale input discarded, the frame written, then the reply
    /// awaited until the timeout.
    async fn attempt<F: Framing>(
        &mut self,
        framing: &mut F,
        label: &str,
        timeout: Duration,
    ) -> Attempt<F::Reply> {
        if let Err(error) = self.connect().await {
            return Attempt::Failed(error);
        }
        let listen = std::mem::take(&mut self.late);
        let mut suspect = std::mem::take(&mut self.suspect);
        self.drain(label, listen).await;
        if let Err(error) = self.write(&framing.encode()).await {
            return Attempt::Failed(error);
        }
        let mut deadline = Instant::now() + timeout;
        let mut found: Option<Received<F::Reply>> = None;
        let mut stray: Option<(String, Vec<u8>)> = None;
        let mut chunk = [0u8; 256];
        loop {
            match framing.scan(&self.pending) {
                Scan::Need => {}
                Scan::Skip { len, problem } => {
                    let bytes = self.take_pending(len);
                    self.note(&format!(
                        "{label}: discarded {}: {problem}",
                        ShowBytes(&bytes)
                    ));
                    stray = Some((problem, bytes));
                    continue;
                }
                Scan::Reply { len, reply } => {
                    let bytes = self.take_pending(len);
                    if suspect {
                        // Keep it, and listen a moment for a second reply that would prove
                        // this one late.
                        suspect = false;
                        found = Some((reply, bytes));
                        deadline = deadline.min(Instant::now() + self.policy.settle);
                        continue;
                    }
                    if let Some((_, late)) = found {
                        self.note(&format!(
                            "{label}: discarded {}: a late reply to an earlier request, \
                             followed by the real one",
                            ShowBytes(&late)
                        ));
                    }
                    return self.replied(reply, bytes, label);
                }
            }
            let Some(io) = self.io.as_mut() else {
                return Attempt::Failed(self.disconnected());
            };
            match tokio::time::timeout_at(deadline, io.read(&mut chunk)).await {
                Err(_elapsed) => break,
                Ok(Ok(0)) => {
                    self.io = None;
                    return Attempt::Failed(self.disconnected());
                }
                Ok(Ok(n)) => self
                    .pending
                    .extend_from_slice(chunk.get(..n).unwrap_or_default()),
                Ok(Err(source)) => return Attempt::Failed(self.lost(source)),
            }
        }
        if let Some((reply, bytes)) = found {
            return self.replied(reply, bytes, label);
        }
        // The time is up; the reply may still come.
        self.late = timeout;
        self.suspect = true;
        if !self.pending.is_empty() {
            let bytes = std::mem::take(&mut self.pending);
            let problem = framing.leftover(&bytes);
            self.note(&format!(
                "{label}: discarded {}: {problem}",
                ShowBytes(&bytes)
            ));
            stray = Some((problem, bytes));
        }
        match stray {
            Some((problem, bytes)) => Attempt::Stray { problem, bytes },
            None => Attempt::Silent,
        }
    }

    /// The outcome of a complete reply.
    fn replied<R>(
        &mut self,
        reply: Result<R, ReplyError>,
        bytes: Vec<u8>,
        label: &str,
    ) -> Attempt<R> {
        match reply {
            Ok(reply) => Attempt::Reply(reply),
            Err(ReplyError::Refused(reply)) => Attempt::Failed(RigError::Refusal {
                port: self.port.clone(),
                command: label.to_string(),
                reply,
            }),
            Err(ReplyError::Garbled(problem)) => {
                // Whatever follows a garbled reply belongs to it.
                self.late = self.policy.settle;
                Attempt::Failed(RigError::Garbled {
                    port: self.port.clone(),
                    command: label.to_string(),
                    bytes,
                    problem,
                })
            }
        }
    }

    /// Removes and returns the first `len` received bytes (at least one).
    fn take_pending(&mut self, len: usize) -> Vec<u8> {
        let len = len.max(1).min(self.pending.len());
        self.pending.drain(..len).collect()
    }

    async fn connect(&mut self) -> Result<(), RigError> {
        if self.io.is_some() {
            return Ok(());
        }
        if self.reopen.is_none() {
            return Err(self.disconnected());
        }
        self.note("port lost; reopening");
        let Some(reopen) = self.reopen.as_mut() else {
            return Err(self.disconnected());
        };
        let io = reopen().await?;
        tracing::info!("{}: reconnected", self.port);
        self.io = Some(io);
        self.pending.clear();
        self.late = Duration::ZERO;
        self.suspect = false;
        Ok(())
    }

    fn disconnected(&self) -> RigError {
        RigError::Disconnected {
            port: self.port.clone(),
        }
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
            return Err(self.disconnected());
        };
        let result = match io.write_all(bytes).await {
            Ok(()) => io.flush().await,
            Err(error) => Err(error),
        };
        result.map_err(|error| self.lost(error))
    }

    /// Discards input before a request: what is left or already waiting, and whatever arrives
    /// within `listen` (a late reply); once bytes have come, the settle time of silence ends
    /// the wait.
    async fn drain(&mut self, label: &str, listen: Duration) {
        let until = Instant::now() + listen;
        let mut dropped = std::mem::take(&mut self.pending);
        let mut chunk = [0u8; 256];
        while dropped.len() < MAX_DRAIN_BYTES {
            let Some(io) = self.io.as_mut() else { break };
            let wait = if dropped.is_empty() {
                until.saturating_duration_since(Instant::now())
            } else {
                self.policy.settle
            };
            let read = if wait.is_zero() {
                // Only what is already waiting: one turn of the reactor to see it, then one
                // read attempt. A zero timeout would wait for the timer's next tick (about
                // 1 ms), which a simulated-clock run pays on each of its thousands of requests.
                tokio::task::yield_now().await;
                io.read(&mut chunk).now_or_never()
            } else {
                tokio::time::timeout(wait, io.read(&mut chunk)).await.ok()
            };
            match read {
                Some(Ok(0)) => self.io = None,
                Some(Ok(n)) => dropped.extend_from_slice(chunk.get(..n).unwrap_or_default()),
                Some(Err(error)) => {
                    self.lost(error);
                }
                None => break,
            }
        }
        if !dropped.is_empty() {
            let what = if listen.is_zero() {
                "stale input before the request"
            } else {
                "late reply to the previous attempt"
            };
            self.note(&format!(
                "{label}: discarded {what} {}",
                ShowBytes(&dropped)
            ));
        }
    }

    /// Reports a discard through `tracing` and the wire log.
    fn note(&self, text: &str) {
        tracing::warn!(port = %self.port, "{text}");
        if let Some(log) = &self.log {
            log.note(text);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tokio::io::DuplexStream;

    /// A framing of fixed 3-byte replies: `ok?` answers, `no!` refuses, `xx?` is garbled, and
    /// anything starting with `#` is a stray 3-byte frame for someone else.
    struct Triples {
        sent: u32,
    }

    impl Framing for Triples {
        type Reply = u32;
        fn label(&self) -> String {
            "Q".to_string()
        }
        fn timeout(&self) -> Duration {
            Duration::from_millis(60)
        }
        fn idempotent(&self) -> bool {
            true
        }
        fn encode(&mut self) -> Vec<u8> {
            self.sent += 1;
            b"Q\n".to_vec()
        }
        fn scan(&self, received: &[u8]) -> Scan<u32> {
            match received.get(..3) {
                None => Scan::Need,
                Some(b"ok?") => Scan::Reply {
                    len: 3,
                    reply: Ok(self.sent),
                },
                Some(b"no!") => Scan::Reply {
                    len: 3,
                    reply: Err(ReplyError::Refused("no".into())),
                },
                Some([b'#', ..]) => Scan::Skip {
                    len: 3,
                    problem: "a frame for someone else".into(),
                },
                Some(_) => Scan::Reply {
                    len: 3,
                    reply: Err(ReplyError::Garbled("not ok".into())),
                },
            }
        }
        fn leftover(&self, _received: &[u8]) -> String {
            "a frame cut short".into()
        }
    }

    /// A policy of `retries` with a 1 ms backoff (request timeouts stay the requests' own).
    pub(crate) fn policy(retries: u32) -> LinkPolicy {
        LinkPolicy {
            timeout: None,
            retries,
            backoff: Duration::from_millis(1),
            settle: DRAIN_QUIET,
        }
    }

    /// Answers the n-th request with `replies[n]` (`None`: silence); returns how many came.
    fn peer(
        mut far: DuplexStream,
        replies: Vec<Option<&'static [u8]>>,
    ) -> tokio::task::JoinHandle<usize> {
        tokio::spawn(async move {
            let mut seen = 0;
            let mut byte = [0u8; 1];
            let mut replies = replies.into_iter();
            while let Ok(1) = far.read(&mut byte).await {
                if byte[0] != b'\n' {
                    continue;
                }
                seen += 1;
                if let Some(Some(reply)) = replies.next() {
                    let _ = far.write_all(reply).await;
                }
            }
            seen
        })
    }

    #[tokio::test]
    async fn a_timeout_is_retried_and_the_late_reply_never_used() {
        let (near, far) = tokio::io::duplex(256);
        let task = peer(far, vec![None, Some(b"ok?")]);
        let mut link = Link::new(near, "mem", policy(1));
        assert_eq!(link.transact(&mut Triples { sent: 0 }).await.unwrap(), 2);
        drop(link);
        assert_eq!(task.await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_stray_frame_is_discarded_noted_and_the_real_reply_used() {
        let dir = tempfile::tempdir().unwrap();
        let log = WireLog::create(dir.path(), "engine", "mem").unwrap();
        let (near, far) = tokio::io::duplex(256);
        let task = peer(far, vec![Some(b"#01ok?")]);
        let mut link = Link::new(near, "mem", policy(0)).with_log(Some(log));
        assert_eq!(link.transact(&mut Triples { sent: 0 }).await.unwrap(), 1);
        drop(link);
        assert_eq!(task.await.unwrap(), 1);
        let wire = std::fs::read_to_string(dir.path().join(WireLog::file_name("engine"))).unwrap();
        assert!(
            wire.contains("Q: discarded [23 30 31] \"#01\": a frame for someone else"),
            "{wire}"
        );
    }

    #[tokio::test]
    async fn stale_input_is_drained_and_noted_before_the_request_goes_out() {
        let dir = tempfile::tempdir().unwrap();
        let log = WireLog::create(dir.path(), "engine", "mem").unwrap();
        let (near, mut far) = tokio::io::duplex(256);
        // Unsolicited bytes already waiting: they must not be read as the reply.
        far.write_all(b"ok?").await.unwrap();
        let task = peer(far, vec![Some(b"no!")]);
        let mut link = Link::new(near, "mem", policy(0)).with_log(Some(log));
        let error = link.transact(&mut Triples { sent: 0 }).await.unwrap_err();
        assert!(matches!(error, RigError::Refusal { .. }), "{error:?}");
        drop(link);
        assert_eq!(task.await.unwrap(), 1);
        let wire = std::fs::read_to_string(dir.path().join(WireLog::file_name("engine"))).unwrap();
        assert!(
            wire.contains("Q: discarded stale input before the request [6F 6B 3F]"),
            "{wire}"
        );
    }

    #[tokio::test]
    async fn only_stray_bytes_are_garbled_naming_the_reason_not_a_timeout() {
        let (near, far) = tokio::io::duplex(256);
        let task = peer(far, vec![Some(b"#01"), Some(b"ok")]);
        let mut link = Link::new(near, "mem", policy(1));
        let error = link.transact(&mut Triples { sent: 0 }).await.unwrap_err();
        let RigError::Garbled { bytes, problem, .. } = &error else {
            panic!("expected garbled, got {error:?}");
        };
        assert_eq!(bytes, b"ok");
        assert_eq!(problem, "a frame cut short (after 2 attempt(s))");
        drop(link);
        assert_eq!(task.await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_refusal_is_not_retried_and_a_garbled_reply_is() {
        let (near, far) = tokio::io::duplex(256);
        let task = peer(far, vec![Some(b"xx?"), Some(b"no!")]);
        let mut link = Link::new(near, "mem", policy(3));
        let error = link.transact(&mut Triples { sent: 0 }).await.unwrap_err();
        assert!(
            matches!(&error, RigError::Refusal { port, command, reply }
                if port == "mem" && command == "Q" && reply == "no"),
            "{error:?}"
        );
        drop(link);
        assert_eq!(task.await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_lost_stream_is_reopened_without_costing_an_attempt() {
        let (near, far) = tokio::io::duplex(256);
        drop(far);
        let (fresh, fresh_far) = tokio::io::duplex(256);
        let task = peer(fresh_far, vec![Some(b"ok?")]);
        let mut spare = Some(fresh);
        let reopen: Reopen<DuplexStream> = Box::new(move || {
            let next = spare.take();
            Box::pin(async move { next.ok_or(RigError::Disconnected { port: "mem".into() }) })
        });
        let mut link = Link::new(near, "mem", policy(0)).with_reopen(reopen);
        assert_eq!(link.transact(&mut Triples { sent: 0 }).await.unwrap(), 2);
        drop(link);
        assert_eq!(task.await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_reply_later_than_the_listening_window_is_dropped_for_the_one_behind_it() {
        let (near, mut far) = tokio::io::duplex(256);
        let mut link = Link::new(
            near,
            "mem",
            LinkPolicy {
                settle: Duration::from_millis(30),
                ..policy(0)
            },
        );
        let error = link.transact(&mut Triples { sent: 0 }).await.unwrap_err();
        assert!(matches!(error, RigError::Timeout { .. }), "{error:?}");
        // The late reply and the real one arrive together, after the next request went out.
        let mut request = [0u8; 4];
        let task = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(70)).await;
            let _ = far.read(&mut request).await;
            far.write_all(b"xx?ok?").await.unwrap();
            far
        });
        assert_eq!(link.transact(&mut Triples { sent: 0 }).await.unwrap(), 1);
        drop(task.await.unwrap());
    }
}

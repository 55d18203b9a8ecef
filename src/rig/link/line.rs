//! The line framing: ASCII protocols (ESPEC, TEMI PC-link, SCPI) answer one line per command.
//!
//! A driver describes each command as a [`Request`] (bytes, timeout, whether it is safe to
//! repeat, how to parse the reply line) and [`Link::exchange`] carries it on the shared
//! [`super::engine`]: a reply is complete at its `\n`; a run of more than [`MAX_LINE_BYTES`]
//! without one is discarded as garbage.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};

use super::engine::{Framing, Link, ReplyError, Scan};
use crate::rig::RigError;

/// The longest reply line accepted; a peer streaming garbage without a line end is cut here.
pub const MAX_LINE_BYTES: usize = 4096;

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

/// A [`Request`] as the engine's [`Framing`]: one reply line.
struct Line<'r, R>(&'r R);

impl<R: Request> Framing for Line<'_, R> {
    type Reply = R::Reply;

    fn label(&self) -> String {
        self.0.label()
    }

    fn timeout(&self) -> Duration {
        self.0.timeout()
    }

    fn idempotent(&self) -> bool {
        self.0.idempotent()
    }

    fn encode(&mut self) -> Vec<u8> {
        self.0.encode()
    }

    fn scan(&self, received: &[u8]) -> Scan<R::Reply> {
        match received.iter().position(|&b| b == b'\n') {
            Some(end) => Scan::Reply {
                len: end + 1,
                reply: self.0.parse(received.get(..=end).unwrap_or_default()),
            },
            None if received.len() > MAX_LINE_BYTES => Scan::Skip {
                len: received.len(),
                problem: format!("no line end within {MAX_LINE_BYTES} bytes"),
            },
            None => Scan::Need,
        }
    }

    fn leftover(&self, _received: &[u8]) -> String {
        "a reply line cut short (no line end)".to_string()
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Link<T> {
    /// Sends `request` and parses its reply line, retrying idempotent requests per the policy.
    pub async fn exchange<R: Request>(&mut self, request: &R) -> Result<R::Reply, RigError> {
        self.transact(&mut Line(request)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rig::link::engine::tests::policy;
    use crate::rig::link::Reopen;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};

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

//! Transports: where a rig is ([`Endpoint`]) and the byte stream that reaches it ([`Stream`]).
//!
//! A port is named by **path** (`/dev/ttyUSB0`, `/dev/serial/by-id/usb-FTDI_…`, or a pty slave
//! such as `/dev/pts/7`: tests open a simulator's pty exactly like a real adapter) with its
//! [`SerialSettings`], or as `tcp:HOST:PORT` for serial-to-Ethernet gateways, the ESPEC LAN
//! option (57732) and Modbus TCP (502). Opening gives a [`Stream`], which any driver generic over
//! `AsyncRead + AsyncWrite + Unpin + Send` accepts; [`PortStream`] adds the optional wire log.
//! Opening must run inside a tokio runtime (the serial port registers with its reactor); see
//! [`crate::rig::Blocking`].

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_serial::SerialStream;

pub use tokio_serial::{DataBits, Parity, StopBits};

use super::link::{Link, LinkPolicy, Reopen};
use super::wire_log::{Logged, WireLog};
use super::RigError;

/// Line settings of a serial port. Ignored for TCP endpoints and not emulated by ptys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SerialSettings {
    /// Baud rate.
    pub baud: u32,
    /// Parity.
    pub parity: Parity,
    /// Stop bits.
    pub stop_bits: StopBits,
    /// Data bits.
    pub data_bits: DataBits,
}

impl SerialSettings {
    /// 8 data bits, no parity, 1 stop bit at `baud`: the factory default of most chambers.
    pub fn eight_n_one(baud: u32) -> SerialSettings {
        SerialSettings {
            baud,
            parity: Parity::None,
            stop_bits: StopBits::One,
            data_bits: DataBits::Eight,
        }
    }
}

/// Where a rig is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A serial device by path.
    Serial {
        /// Device path.
        path: String,
        /// Line settings.
        settings: SerialSettings,
    },
    /// A TCP peer (`tcp:HOST:PORT` in station files).
    Tcp {
        /// Host name or address.
        host: String,
        /// TCP port.
        port: u16,
    },
}

impl Endpoint {
    /// Reads a station's `port` value: `tcp:HOST:PORT` or a device path.
    pub fn parse(port: &str, settings: SerialSettings) -> Result<Endpoint, String> {
        let port = port.trim();
        if let Some(rest) = port.strip_prefix("tcp:") {
            let (host, number) = rest
                .rsplit_once(':')
                .ok_or_else(|| format!("`{port}`: expected tcp:HOST:PORT"))?;
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() {
                return Err(format!("`{port}`: the host is empty"));
            }
            let number = number
                .parse::<u16>()
                .map_err(|_| format!("`{port}`: `{number}` is not a TCP port number"))?;
            return Ok(Endpoint::Tcp {
                host: host.to_string(),
                port: number,
            });
        }
        if port.is_empty() {
            return Err("the port is empty: give a device path or tcp:HOST:PORT".to_string());
        }
        Ok(Endpoint::Serial {
            path: port.to_string(),
            settings,
        })
    }

    /// Opens the endpoint. Must be called inside a tokio runtime.
    pub async fn open(&self) -> Result<Stream, RigError> {
        let link_error = |source: io::Error| RigError::Link {
            port: self.to_string(),
            source,
        };
        match self {
            Endpoint::Serial { path, settings } => {
                let builder = tokio_serial::new(path.as_str(), settings.baud)
                    .parity(settings.parity)
                    .stop_bits(settings.stop_bits)
                    .data_bits(settings.data_bits);
                let stream = SerialStream::open(&builder).map_err(|e| link_error(e.into()))?;
                Ok(Stream::Serial(stream))
            }
            Endpoint::Tcp { host, port } => {
                let stream = TcpStream::connect((host.as_str(), *port))
                    .await
                    .map_err(link_error)?;
                // Request/reply traffic: send each short command at once.
                stream.set_nodelay(true).map_err(link_error)?;
                Ok(Stream::Tcp(stream))
            }
        }
    }

    /// Opens the endpoint behind a wire log (none when `log` is `None`).
    pub async fn open_logged(&self, log: Option<WireLog>) -> Result<PortStream, RigError> {
        Ok(Logged::new(self.open().await?, log))
    }
}

/// Opens `endpoint` as a request/reply [`Link`] that reopens the port by path (or reconnects
/// the TCP peer) when it vanishes, and notes discarded bytes in `log`. Every protocol, line or
/// Modbus, is opened here. Must be called inside a tokio runtime.
pub async fn open_link(
    endpoint: &Endpoint,
    policy: LinkPolicy,
    log: Option<WireLog>,
) -> Result<Link<PortStream>, RigError> {
    let stream = endpoint.open_logged(log.clone()).await?;
    let again = endpoint.clone();
    let reopen_log = log.clone();
    let reopen: Reopen<PortStream> = Box::new(move || {
        let endpoint = again.clone();
        let log = reopen_log.clone();
        Box::pin(async move { endpoint.open_logged(log).await })
    });
    Ok(Link::new(stream, endpoint.to_string(), policy)
        .with_reopen(reopen)
        .with_log(log))
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Serial { path, .. } => f.write_str(path),
            Endpoint::Tcp { host, port } if host.contains(':') => write!(f, "tcp:[{host}]:{port}"),
            Endpoint::Tcp { host, port } => write!(f, "tcp:{host}:{port}"),
        }
    }
}

/// An open serial port or TCP connection.
#[derive(Debug)]
pub enum Stream {
    /// A serial device or pty.
    Serial(SerialStream),
    /// A TCP connection.
    Tcp(TcpStream),
}

/// What [`Endpoint::open_logged`] returns: a [`Stream`] with an optional wire log.
pub type PortStream = Logged<Stream>;

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Serial(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Serial(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Serial(s) => Pin::new(s).poll_flush(cx),
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Serial(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SerialSettings {
        SerialSettings::eight_n_one(9600)
    }

    #[test]
    fn parses_paths_and_tcp() {
        assert_eq!(
            Endpoint::parse("/dev/serial/by-id/usb-FTDI-if00", settings()),
            Ok(Endpoint::Serial {
                path: "/dev/serial/by-id/usb-FTDI-if00".into(),
                settings: settings()
            })
        );
        let v6 = Endpoint::parse("tcp:[::1]:502", settings()).unwrap();
        assert_eq!(
            v6,
            Endpoint::Tcp {
                host: "::1".into(),
                port: 502
            }
        );
        assert_eq!(v6.to_string(), "tcp:[::1]:502");
        let tcp = Endpoint::parse("tcp:10.0.0.5:57732", settings()).unwrap();
        assert_eq!(tcp.to_string(), "tcp:10.0.0.5:57732");
        assert!(Endpoint::parse("tcp:gateway", settings()).is_err());
        assert!(Endpoint::parse("tcp::502", settings()).is_err());
        assert!(Endpoint::parse("tcp:host:99999", settings()).is_err());
        assert!(Endpoint::parse("  ", settings()).is_err());
    }

    #[tokio::test]
    async fn missing_device_is_a_link_error_naming_the_path() {
        let endpoint = Endpoint::parse("/dev/does-not-exist-facebench", settings()).unwrap();
        let error = endpoint.open().await.unwrap_err();
        assert!(
            matches!(error, RigError::Link { ref port, .. } if port == "/dev/does-not-exist-facebench")
        );
    }
}

//! Serving a simulator on a pseudo-terminal or a loopback TCP port.
//!
//! The serving loop owns the port. It publishes where the port is ([`Endpoint`]), answers
//! requests through a [`Protocol`], applies wire faults from the [`FaultInjector`], and takes
//! orders (unplug, replug, shut down) through a watch channel from the handle. An unplug closes
//! the pty (the driver's open file sees a hang-up) and removes the stable link; a replug makes a
//! new pty and points the link at it, as udev does with `/dev/serial/by-id`.

pub mod framing;
#[cfg(unix)]
pub mod pty;
pub mod rtu_gate;
mod session;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::sim::faults::FaultInjector;
pub use session::{Protocol, RequestFaults, Responder};

/// Where a simulator listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Serve {
    /// A new pseudo-terminal; with `link`, a symlink at that path follows it across replugs.
    Pty {
        /// Optional stable path (like `/dev/serial/by-id/...`).
        link: Option<PathBuf>,
    },
    /// A TCP port on 127.0.0.1 (0 = any free port; kept across replugs).
    Tcp {
        /// The port.
        port: u16,
    },
}

/// Where a running simulator can be reached right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// The slave path of the pty, e.g. `/dev/pts/7`.
    Pty(PathBuf),
    /// The TCP address.
    Tcp(SocketAddr),
}

/// What the handle wants of the serving loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wanted {
    pub plugged: bool,
    pub shutdown: bool,
}

/// The serving loop's published condition, readable from synchronous code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LinkState {
    Starting,
    Up(Endpoint),
    Down,
    Failed(String),
}

/// A [`LinkState`] behind a lock with a condition variable to wait on.
#[derive(Debug)]
pub(crate) struct Published {
    state: Mutex<(u64, LinkState)>,
    changed: Condvar,
}

impl Published {
    pub fn new() -> Published {
        Published {
            state: Mutex::new((0, LinkState::Starting)),
            changed: Condvar::new(),
        }
    }

    pub fn set(&self, state: LinkState) {
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        guard.0 += 1;
        guard.1 = state;
        self.changed.notify_all();
    }

    pub fn get(&self) -> (u64, LinkState) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits (real time) until `accept` holds for the state, or the timeout passes.
    pub fn wait_for(
        &self,
        timeout: Duration,
        accept: impl Fn(u64, &LinkState) -> bool,
    ) -> (u64, LinkState) {
        let guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = self
            .changed
            .wait_timeout_while(guard, timeout, |s| !accept(s.0, &s.1))
            .unwrap_or_else(|e| e.into_inner());
        guard.clone()
    }
}

/// Why a session on one port ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionEnd {
    /// The peer hung up (TCP) or the port failed.
    Closed,
    /// A fault unplugs the port for this long.
    Unplug(Duration),
    /// The handle changed what it wants.
    Control,
}

/// Context shared by the sessions of one simulator.
pub(crate) struct Ctx {
    pub faults: Arc<Mutex<FaultInjector>>,
    pub wanted: watch::Receiver<Wanted>,
    pub published: Arc<Published>,
}

/// Runs until shut down. Errors that stop the simulator are published as `Failed`.
pub(crate) async fn serve_loop(serve: Serve, mut protocol: Protocol, mut ctx: Ctx) {
    if let Err(e) = serve_inner(serve, &mut protocol, &mut ctx).await {
        ctx.published.set(LinkState::Failed(e.to_string()));
    }
}

async fn serve_inner(serve: Serve, protocol: &mut Protocol, ctx: &mut Ctx) -> io::Result<()> {
    let mut tcp_port = match serve {
        Serve::Tcp { port } => Some(port),
        Serve::Pty { .. } => None,
    };
    loop {
        let wanted = *ctx.wanted.borrow_and_update();
        if wanted.shutdown {
            return Ok(());
        }
        if !wanted.plugged {
            ctx.published.set(LinkState::Down);
            if ctx.wanted.changed().await.is_err() {
                return Ok(());
            }
            continue;
        }
        let end = match (&serve, tcp_port) {
            (Serve::Pty { link }, _) => serve_pty(link.as_deref(), protocol, ctx).await?,
            (Serve::Tcp { .. }, Some(port)) => {
                let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
                    .await
                    .map_err(|e| io::Error::new(e.kind(), format!("bind 127.0.0.1:{port}: {e}")))?;
                let addr = listener.local_addr()?;
                tcp_port = Some(addr.port());
                ctx.published.set(LinkState::Up(Endpoint::Tcp(addr)));
                serve_tcp(listener, protocol, ctx).await
            }
            (Serve::Tcp { .. }, None) => return Ok(()),
        };
        if let SessionEnd::Unplug(down_for) = end {
            ctx.published.set(LinkState::Down);
            tokio::select! {
                () = tokio::time::sleep(down_for) => {}
                _ = ctx.wanted.changed() => {}
            }
        }
    }
}

#[cfg(unix)]
async fn serve_pty(
    link: Option<&std::path::Path>,
    protocol: &mut Protocol,
    ctx: &mut Ctx,
) -> io::Result<SessionEnd> {
    let port = pty::PtyPort::open()?;
    if let Some(link) = link {
        pty::point_link(link, &port.path)?;
    }
    let path = port.path.clone();
    ctx.published
        .set(LinkState::Up(Endpoint::Pty(path.clone())));
    let end = session::run(port.master, protocol, ctx).await;
    if let Some(link) = link {
        pty::remove_link(link, &path);
    }
    Ok(end)
}

/// Pseudo-terminals are a Unix facility: elsewhere a simulator serves on TCP only.
#[cfg(not(unix))]
async fn serve_pty(
    _link: Option<&std::path::Path>,
    _protocol: &mut Protocol,
    _ctx: &mut Ctx,
) -> io::Result<SessionEnd> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "a simulator on a pseudo-terminal needs a Unix host (Linux, macOS); serve it on TCP",
    ))
}

async fn serve_tcp(listener: TcpListener, protocol: &mut Protocol, ctx: &mut Ctx) -> SessionEnd {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = ctx.wanted.changed() => return SessionEnd::Control,
        };
        let Ok((stream, _peer)) = accepted else {
            return SessionEnd::Closed;
        };
        let _ = stream.set_nodelay(true);
        match session::run(stream, protocol, ctx).await {
            SessionEnd::Closed => continue,
            other => return other,
        }
    }
}

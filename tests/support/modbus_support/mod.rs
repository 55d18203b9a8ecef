//! Shared fixtures of the Modbus driver tests: a scripted peer on an in-memory pipe or a pty.

#![allow(dead_code)] // each test binary uses a different subset

use std::time::Duration;

use crate::modbus_peer::RegisterPeer;
use facebench::rig::link::LinkPolicy;
use facebench::rig::modbus::ModbusClient;

/// Port name the in-memory links report in errors.
pub const PORT: &str = "duplex:test";

/// Short timeouts so failure tests finish quickly: one retry, and 5 ms before the first retry after a busy reply.
pub fn fast_policy() -> LinkPolicy {
    LinkPolicy {
        backoff: Duration::from_millis(5),
        ..crate::rig_support::fast_link(1)
    }
}

/// Serves `peer` on one end of an in-memory pipe (in the current runtime) and returns an RTU
/// client on the other end.
pub fn rtu_client(peer: &RegisterPeer, slave: u8, policy: LinkPolicy) -> ModbusClient {
    let (near, far) = tokio::io::duplex(1024);
    let server = peer.clone();
    tokio::spawn(async move { server.serve(far).await });
    ModbusClient::rtu(near, PORT, slave, policy)
}

/// A pseudo-terminal pair: the driver opens [`PtyPeer::path`] like a real adapter; the peer
/// answers on the master side, on its own runtime.
pub struct PtyPeer {
    runtime: tokio::runtime::Runtime,
    master: Option<tokio_serial::SerialStream>,
    /// The slave side's device path (`/dev/pts/N`).
    pub path: String,
}

impl PtyPeer {
    /// Creates the pair and closes the slave end (it holds the port lock), so the driver can
    /// open the path itself.
    pub fn new() -> PtyPeer {
        use tokio_serial::SerialPort;
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let (master, slave) = runtime
            .block_on(async { tokio_serial::SerialStream::pair() })
            .expect("pty pair");
        let path = slave.name().expect("pty slave has a path");
        drop(slave);
        PtyPeer {
            runtime,
            master: Some(master),
            path,
        }
    }

    /// Starts answering with `peer`; call after the driver has opened the path (a pty master
    /// reads an error while no slave is open).
    pub fn serve(&mut self, peer: &RegisterPeer) {
        if let Some(master) = self.master.take() {
            let peer = peer.clone();
            self.runtime.spawn(async move { peer.serve(master).await });
        }
    }

    /// A target for the pty at `slave` address with [`fast_policy`].
    pub fn target(&self, slave: u8) -> facebench::rig::modbus::ModbusTarget {
        use facebench::rig::transport::{Endpoint, SerialSettings};
        facebench::rig::modbus::ModbusTarget {
            endpoint: Endpoint::parse(&self.path, SerialSettings::eight_n_one(19200))
                .expect("pty path"),
            slave,
            framing: facebench::rig::modbus::ModbusFraming::Rtu,
            policy: fast_policy(),
        }
    }
}

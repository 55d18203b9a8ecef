//! Where a Modbus controller is ([`ModbusTarget`]: endpoint, slave, framing, policy), and
//! opening a driver on it inside the rig's own runtime.

use super::client::ModbusClient;
use crate::rig::link::LinkPolicy;
use crate::rig::transport::{open_link, Endpoint};
use crate::rig::wire_log::WireLog;
use crate::rig::{Blocking, RigError};

/// How Modbus requests are framed on the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModbusFraming {
    /// Modbus RTU (slave address + PDU + CRC), also through a transparent serial-to-TCP gateway.
    Rtu,
    /// Modbus TCP (MBAP header, no CRC), e.g. a Watlow F4T on port 502.
    Tcp,
}

/// Where and how to reach one Modbus controller.
#[derive(Debug, Clone)]
pub struct ModbusTarget {
    /// The port or TCP peer.
    pub endpoint: Endpoint,
    /// Slave address (RTU) or unit id (TCP).
    pub slave: u8,
    /// Framing on the link.
    pub framing: ModbusFraming,
    /// Timeout and retry rules (a request waits
    /// [`DEFAULT_TIMEOUT`](super::client::DEFAULT_TIMEOUT) when the policy sets none).
    pub policy: LinkPolicy,
}

impl ModbusTarget {
    /// Opens the endpoint (inside a tokio runtime) as a link that reopens it after a link error,
    /// and attaches a client; `log` records the wire.
    pub async fn connect(&self, log: Option<WireLog>) -> Result<ModbusClient, RigError> {
        let link = open_link(&self.endpoint, self.policy, log).await?.boxed();
        Ok(match self.framing {
            ModbusFraming::Rtu => ModbusClient::rtu_on(link, self.slave),
            ModbusFraming::Tcp => ModbusClient::tcp_on(link, self.slave),
        })
    }
}

/// Opens `target` on a fresh rig runtime and attaches the driver `attach` builds: a Modbus
/// chamber or drop rig, blocking.
pub fn open_driver<D, F>(
    target: &ModbusTarget,
    log: Option<WireLog>,
    attach: F,
) -> Result<Blocking<D>, RigError>
where
    F: FnOnce(ModbusClient) -> D,
{
    let port = target.endpoint.to_string();
    Blocking::open(
        &port,
        || async move { Ok(attach(target.connect(log).await?)) },
    )
}

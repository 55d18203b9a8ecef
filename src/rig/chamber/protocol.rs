//! [`ChamberProtocol`]: the wire protocols a chamber driver (and its simulator) speaks, named
//! once for station files, the simulators and `facebench sim chamber`.

/// Chamber protocols: one per driver in [`crate::rig::chamber`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChamberProtocol {
    /// ESPEC ASCII command protocol.
    Espec,
    /// Watlow F4 over Modbus RTU.
    WatlowF4,
    /// Watlow F4T over Modbus RTU/TCP.
    WatlowF4t,
    /// Samwontech TEMI PC-link ASCII.
    TemiPclink,
    /// Samwontech TEMI over Modbus RTU.
    TemiModbus,
    /// Any Modbus controller described by a register map.
    ModbusGeneric,
}

impl ChamberProtocol {
    /// Every protocol.
    pub const ALL: [ChamberProtocol; 6] = [
        ChamberProtocol::Espec,
        ChamberProtocol::WatlowF4,
        ChamberProtocol::WatlowF4t,
        ChamberProtocol::TemiPclink,
        ChamberProtocol::TemiModbus,
        ChamberProtocol::ModbusGeneric,
    ];

    /// The name used in station files.
    pub fn key(self) -> &'static str {
        match self {
            ChamberProtocol::Espec => "espec",
            ChamberProtocol::WatlowF4 => "watlow-f4",
            ChamberProtocol::WatlowF4t => "watlow-f4t",
            ChamberProtocol::TemiPclink => "temi-pclink",
            ChamberProtocol::TemiModbus => "temi-modbus",
            ChamberProtocol::ModbusGeneric => "modbus-generic",
        }
    }

    /// Parses [`ChamberProtocol::key`].
    pub fn parse(word: &str) -> Option<ChamberProtocol> {
        ChamberProtocol::ALL.into_iter().find(|p| p.key() == word)
    }
}

#[cfg(test)]
mod tests {
    use super::ChamberProtocol;

    #[test]
    fn every_key_parses_back_to_its_protocol() {
        for protocol in ChamberProtocol::ALL {
            assert_eq!(ChamberProtocol::parse(protocol.key()), Some(protocol));
        }
        assert_eq!(ChamberProtocol::parse("temi"), None);
    }
}

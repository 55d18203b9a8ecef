//! Drop rigs behind the generic Modbus register map (rig-protocols §4): one PLC with holding
//! registers for the drop set-up, a command register with a sequence counter, and status.
//!
//! Commands are idempotent: the host writes the command and a fresh sequence number together
//! (FC16 at 20–21); the rig executes a sequence number once, clears register 20 when it accepts
//! the command and copies the number to register 22 when done, so a command retried after a
//! timeout is not executed twice. [`ModbusDropRig::command`] returns once the command is accepted. "Busy" (exception 06) is
//! retried with backoff by the client; exceptions 02 and 03 are refusals naming the register.
//! The driver refuses to start while the rig reports an open interlock, before writing anything.

use std::time::Duration;

use crate::rig::drop::ista::{parse_faces, validate_target};
use crate::rig::drop::{DropRig, DropSetup, DropState, DropStatus, Interlocks, Orientation};
use crate::rig::modbus::error::register_bytes;
use crate::rig::modbus::{open_driver, ModbusClient, ModbusTarget};
use crate::rig::wire_log::WireLog;
use crate::rig::{Blocking, RigError};

/// The drop-rig register map (PDU addresses, holding registers), shared with the simulator.
pub mod regs {
    /// Map version, 0x0100 = v1.0.
    pub const MAP_VERSION: u16 = 0;
    /// The map version this driver speaks.
    pub const MAP_VERSION_1: u16 = 0x0100;
    /// State (see [`super::state_from_code`]).
    pub const STATE: u16 = 1;
    /// Fault code (see [`super::fault_text`]).
    pub const FAULT: u16 = 2;
    /// Interlocks bitfield: b0 door closed, b1 e-stop ok, b2 air ok, b3 clamped, b4 homed.
    pub const INTERLOCKS: u16 = 3;
    /// Drop height set point, 0.1 mm.
    pub const HEIGHT_SP: u16 = 10;
    /// Drop count target, 1..=9999.
    pub const COUNT: u16 = 11;
    /// Orientation: 0 face, 1 edge, 2 corner, 3 free.
    pub const ORIENTATION: u16 = 12;
    /// Face / edge / corner id, ISTA digits (face 3, edge 23, corner 235).
    pub const TARGET_ID: u16 = 13;
    /// Interval between drops, 0.1 s.
    pub const INTERVAL: u16 = 14;
    /// Command register; the rig clears it to 0 when accepted.
    pub const COMMAND: u16 = 20;
    /// Command sequence, written by the host with the command.
    pub const COMMAND_SEQ: u16 = 21;
    /// Last completed command sequence.
    pub const COMMAND_DONE: u16 = 22;
    /// Actual height, 0.1 mm.
    pub const ACTUAL_HEIGHT: u16 = 30;
    /// Drops completed.
    pub const DROPS_DONE: u16 = 31;
    /// Last drop time, u32 seconds since power-on, high word first (32–33).
    pub const LAST_DROP_TIME: u16 = 32;
    /// Last release-to-impact time, ms.
    pub const LAST_IMPACT_MS: u16 = 34;
    /// Last peak acceleration, 0.1 g.
    pub const LAST_PEAK_G: u16 = 35;
    /// Command: start the configured sequence.
    pub const CMD_START: u16 = 1;
    /// Command: abort.
    pub const CMD_ABORT: u16 = 2;
    /// Command: pause.
    pub const CMD_PAUSE: u16 = 3;
    /// Command: resume.
    pub const CMD_RESUME: u16 = 4;
    /// Command: home.
    pub const CMD_HOME: u16 = 5;
    /// Command: reset the fault.
    pub const CMD_RESET_FAULT: u16 = 6;
    /// Command: one drop.
    pub const CMD_SINGLE_DROP: u16 = 7;
    /// Largest drop count.
    pub const MAX_COUNT: u32 = 9999;
}

/// The state register's meaning.
pub fn state_from_code(code: u16) -> Option<DropState> {
    Some(match code {
        0 => DropState::Idle,
        1 => DropState::Homing,
        2 => DropState::Positioning,
        3 => DropState::Ready,
        4 => DropState::Releasing,
        5 => DropState::Returning,
        6 => DropState::Done,
        7 => DropState::Fault,
        8 => DropState::InterlockOpen,
        _ => return None,
    })
}

/// The fault register's meaning.
pub fn fault_text(code: u16) -> String {
    match code {
        0 => "none".to_string(),
        1 => "emergency stop".to_string(),
        2 => "door open".to_string(),
        3 => "air pressure low".to_string(),
        4 => "positioning timeout".to_string(),
        5 => "release failure".to_string(),
        6 => "sensor fault".to_string(),
        other => format!("fault code {other}"),
    }
}

/// Encodes an ISTA id (`"3"`, `"2-3"`, `"2-3-5"`) as the digits register (3, 23, 235) after
/// checking it against the orientation ([`validate_target`]); free fall is 0.
pub fn target_id_register(orientation: Orientation, id: &str) -> Result<u16, String> {
    validate_target(orientation, id)?;
    if orientation == Orientation::Free {
        return Ok(0);
    }
    Ok(parse_faces(id)?
        .iter()
        .fold(0u16, |acc, &face| acc * 10 + u16::from(face)))
}

/// The registers 10–14 for `setup`, or the [`RigError::Limit`] / refusal explaining why not.
pub fn setup_registers(setup: &DropSetup, limits: &DropLimits) -> Result<[u16; 5], RigError> {
    let limit = |what: &str, value: f64, min: f64, max: f64| RigError::Limit {
        what: what.to_string(),
        value,
        min,
        max,
    };
    let height = setup.height_mm;
    if !(height >= limits.height_min_mm && height <= limits.height_max_mm) {
        return Err(limit(
            "drop height mm",
            height,
            limits.height_min_mm,
            limits.height_max_mm,
        ));
    }
    let height_raw = (height * 10.0).round();
    if !(0.0..=f64::from(u16::MAX)).contains(&height_raw) {
        return Err(limit(
            "drop height mm (register range)",
            height,
            0.0,
            6553.5,
        ));
    }
    if !(1..=regs::MAX_COUNT).contains(&setup.count) {
        return Err(limit(
            "drop count",
            f64::from(setup.count),
            1.0,
            f64::from(regs::MAX_COUNT),
        ));
    }
    let interval_raw = (setup.interval_s * 10.0).round();
    if !(0.0..=f64::from(u16::MAX)).contains(&interval_raw) {
        return Err(limit("drop interval s", setup.interval_s, 0.0, 6553.5));
    }
    let target = target_id_register(setup.orientation, &setup.target_id).map_err(|problem| {
        RigError::not_supported(format!(
            "drop target: {problem} (ISTA faces 1..6 joined by '-': face 3, edge 2-3, corner 2-3-5)"
        ))
    })?;
    let orientation = match setup.orientation {
        Orientation::Face => 0,
        Orientation::Edge => 1,
        Orientation::Corner => 2,
        Orientation::Free => 3,
    };
    // Each raw value is range-checked above, so the casts are exact.
    Ok([
        height_raw as u16,
        setup.count as u16,
        orientation,
        target,
        interval_raw as u16,
    ])
}

/// Heights the station allows on this rig.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DropLimits {
    /// Lowest drop height, mm.
    pub height_min_mm: f64,
    /// Highest drop height, mm.
    pub height_max_mm: f64,
}

impl Default for DropLimits {
    /// The register's own range: 0..=6553.5 mm.
    fn default() -> Self {
        DropLimits {
            height_min_mm: 0.0,
            height_max_mm: 6553.5,
        }
    }
}

/// Everything the status registers say.
#[derive(Debug, Clone, PartialEq)]
pub struct DropRigStatus {
    /// The capability-level status.
    pub status: DropStatus,
    /// Raw fault code (0 = none).
    pub fault_code: u16,
    /// Time of the last drop, s since the rig powered on.
    pub last_drop_s: u32,
    /// Last release-to-impact time.
    pub last_impact: Duration,
    /// Last peak acceleration, g.
    pub last_peak_g: f64,
}

/// A drop rig on one Modbus link.
#[derive(Debug)]
pub struct ModbusDropRig {
    client: ModbusClient,
    limits: DropLimits,
    next_seq: Option<u16>,
    ack_timeout: Duration,
    ack_poll: Duration,
    version_checked: bool,
}

/// Opens a Modbus drop rig: the port inside its own runtime, then the driver.
pub fn open(
    target: &ModbusTarget,
    limits: DropLimits,
    log: Option<WireLog>,
) -> Result<Box<dyn DropRig>, RigError> {
    let rig = open_driver(target, log, |client| ModbusDropRig::attach(client, limits))?;
    Ok(Box::new(rig))
}

impl ModbusDropRig {
    /// Attaches the driver; nothing is sent until the first call.
    pub fn attach(client: ModbusClient, limits: DropLimits) -> ModbusDropRig {
        ModbusDropRig {
            client,
            limits,
            next_seq: None,
            ack_timeout: Duration::from_secs(5),
            ack_poll: Duration::from_millis(50),
            version_checked: false,
        }
    }

    /// How long a command may take to be accepted (registers 20–22), and the polling interval.
    pub fn with_ack_timing(mut self, timeout: Duration, poll: Duration) -> ModbusDropRig {
        self.ack_timeout = timeout;
        self.ack_poll = poll;
        self
    }

    async fn check_version(&mut self) -> Result<(), RigError> {
        if self.version_checked {
            return Ok(());
        }
        let version = self
            .client
            .read_one("map version", regs::MAP_VERSION)
            .await?;
        if version >> 8 != regs::MAP_VERSION_1 >> 8 {
            return Err(RigError::not_supported(format!(
                "drop-rig register map version {}.{} (this driver speaks 1.x)",
                version >> 8,
                version & 0xFF
            )));
        }
        self.version_checked = true;
        Ok(())
    }

    /// Sends `command` with a fresh sequence number and waits until the rig has accepted it:
    /// register 20 cleared with our number in 21, or our number already in 22 (done).
    pub async fn command(&mut self, what: &'static str, command: u16) -> Result<(), RigError> {
        self.check_version().await?;
        let seq = match self.next_seq {
            Some(seq) => seq,
            None => {
                let done = self
                    .client
                    .read_one("last completed command", regs::COMMAND_DONE)
                    .await?;
                next_seq(done)
            }
        };
        self.next_seq = Some(next_seq(seq));
        self.client
            .write_registers(what, regs::COMMAND, &[command, seq])
            .await?;
        let started = tokio::time::Instant::now();
        loop {
            let handshake = self
                .client
                .read_holding("command handshake", regs::COMMAND, 3)
                .await?;
            if let [pending, written, done] = handshake.as_slice() {
                if *done == seq || (*pending == 0 && *written == seq) {
                    return Ok(());
                }
            }
            if started.elapsed() >= self.ack_timeout {
                return Err(RigError::Timeout {
                    port: self.client.port().to_string(),
                    command: format!("{what} (command {command}, sequence {seq}): acceptance"),
                    after: self.ack_timeout,
                });
            }
            tokio::time::sleep(self.ack_poll).await;
        }
    }

    /// Reads every status register.
    pub async fn detailed_status(&mut self) -> Result<DropRigStatus, RigError> {
        self.check_version().await?;
        let head = self
            .client
            .read_holding("state/fault/interlocks", regs::STATE, 3)
            .await?;
        let tail = self
            .client
            .read_holding("height/drops/last drop", regs::ACTUAL_HEIGHT, 6)
            .await?;
        let (
            &[state_code, fault_code, interlock_bits],
            &[height, drops, t_hi, t_lo, impact_ms, peak],
        ) = (head.as_slice(), tail.as_slice())
        else {
            return Err(RigError::Garbled {
                port: self.client.port().to_string(),
                command: "status registers".to_string(),
                bytes: Vec::new(),
                problem: "wrong register count".to_string(),
            });
        };
        let state = state_from_code(state_code).ok_or_else(|| RigError::Garbled {
            port: self.client.port().to_string(),
            command: "FC03 read 3 register(s) at 1 (state/fault/interlocks)".to_string(),
            bytes: register_bytes(&head),
            problem: format!("unknown state {state_code}"),
        })?;
        let fault = (state == DropState::Fault || fault_code != 0).then(|| fault_text(fault_code));
        Ok(DropRigStatus {
            status: DropStatus {
                state,
                drops_done: u32::from(drops),
                fault,
                interlocks: Some(Interlocks::from_bits(interlock_bits)),
                actual_height_mm: Some(f64::from(height) / 10.0),
            },
            fault_code,
            last_drop_s: (u32::from(t_hi) << 16) | u32::from(t_lo),
            last_impact: Duration::from_millis(u64::from(impact_ms)),
            last_peak_g: f64::from(peak) / 10.0,
        })
    }

    /// Writes the drop set-up (registers 10–14, one FC16) after checking it.
    pub async fn configure(&mut self, setup: &DropSetup) -> Result<(), RigError> {
        let words = setup_registers(setup, &self.limits)?;
        self.check_version().await?;
        Ok(self
            .client
            .write_registers("drop set-up", regs::HEIGHT_SP, &words)
            .await?)
    }

    /// Starts the configured sequence, refusing while an interlock is open.
    pub async fn start(&mut self) -> Result<(), RigError> {
        let status = self.detailed_status().await?;
        if let Some(interlocks) = status.status.interlocks {
            if !interlocks.safe_to_release() {
                return Err(RigError::Refusal {
                    port: self.client.port().to_string(),
                    command: "start".to_string(),
                    reply: format!("interlocks not safe: {interlocks:?}"),
                });
            }
        }
        self.command("start", regs::CMD_START).await
    }

    /// Aborts at once.
    pub async fn abort(&mut self) -> Result<(), RigError> {
        self.command("abort", regs::CMD_ABORT).await
    }
}

fn next_seq(seq: u16) -> u16 {
    match seq.wrapping_add(1) {
        0 => 1,
        n => n,
    }
}

impl DropRig for Blocking<ModbusDropRig> {
    fn configure(&mut self, setup: &DropSetup) -> Result<(), RigError> {
        self.call(|d| d.configure(setup))
    }

    fn start(&mut self) -> Result<(), RigError> {
        self.call(|d| d.start())
    }

    fn abort(&mut self) -> Result<(), RigError> {
        self.call(|d| d.abort())
    }

    fn status(&mut self) -> Result<DropStatus, RigError> {
        self.call(|d| d.detailed_status()).map(|s| s.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ista_ids_fit_their_orientation() {
        assert_eq!(target_id_register(Orientation::Face, "3"), Ok(3));
        assert_eq!(target_id_register(Orientation::Edge, "2-3"), Ok(23));
        assert_eq!(target_id_register(Orientation::Corner, "2-3-5"), Ok(235));
        assert_eq!(target_id_register(Orientation::Free, ""), Ok(0));
        for (orientation, bad) in [
            (Orientation::Face, "7"),
            (Orientation::Edge, "3"),
            (Orientation::Edge, "1-3"),
            (Orientation::Corner, "2-3-x"),
            (Orientation::Free, "1"),
        ] {
            assert!(target_id_register(orientation, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn arbitrary_ids_never_panic() {
        let alphabet = ['1', '2', '3', '6', '7', '0', '-', ' ', 'x', '9'];
        let mut x: u32 = 0xDEAD_BEEF;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let len = (x % 9) as usize;
            let id: String = (0..len)
                .map(|i| alphabet[((x >> (i * 3)) % 10) as usize])
                .collect();
            for o in Orientation::ALL {
                if let Ok(v) = target_id_register(o, &id) {
                    assert!(v <= 666);
                }
            }
        }
    }

    #[test]
    fn setup_is_range_checked_before_encoding() {
        let setup = DropSetup {
            height_mm: 1000.0,
            orientation: Orientation::Corner,
            target_id: "2-3-5".into(),
            count: 10,
            interval_s: 2.5,
        };
        let limits = DropLimits {
            height_min_mm: 100.0,
            height_max_mm: 1500.0,
        };
        assert_eq!(
            setup_registers(&setup, &limits).unwrap(),
            [10000, 10, 2, 235, 25]
        );
        let high = DropSetup {
            height_mm: 1600.0,
            ..setup.clone()
        };
        assert!(matches!(
            setup_registers(&high, &limits),
            Err(RigError::Limit { .. })
        ));
        let nan = DropSetup {
            height_mm: f64::NAN,
            ..setup.clone()
        };
        assert!(setup_registers(&nan, &limits).is_err());
        let zero = DropSetup {
            count: 0,
            ..setup.clone()
        };
        assert!(setup_registers(&zero, &limits).is_err());
        let slow = DropSetup {
            interval_s: -1.0,
            ..setup
        };
        assert!(setup_registers(&slow, &limits).is_err());
    }

    #[test]
    fn sequence_skips_zero() {
        assert_eq!(next_seq(0), 1);
        assert_eq!(next_seq(u16::MAX), 1);
        assert_eq!(next_seq(41), 42);
    }
}

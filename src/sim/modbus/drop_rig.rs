//! The generic Modbus drop-rig map (reference §4): holding registers, 0-based PDU addresses,
//! a command register with a sequence counter so retried commands are not run twice, and
//! exceptions 02 (address), 03 (value), 06 (busy).

use tokio_modbus::ExceptionCode;

use super::RegisterDevice;
use crate::rig::drop::modbus::regs::{
    ACTUAL_HEIGHT as HEIGHT, CMD_ABORT, CMD_HOME, CMD_PAUSE, CMD_RESET_FAULT, CMD_RESUME,
    CMD_SINGLE_DROP, CMD_START, COMMAND, COMMAND_DONE as SEQUENCE_DONE, COMMAND_SEQ as SEQUENCE,
    COUNT, DROPS_DONE, FAULT, HEIGHT_SP, INTERLOCKS, INTERVAL, LAST_DROP_TIME, LAST_IMPACT_MS,
    LAST_PEAK_G, MAP_VERSION_1 as MAP_VERSION, ORIENTATION, STATE, TARGET_ID,
};
use crate::sim::physics::drop_rig::{DropFault, DropRefusal, DropRigModel};

/// Registers beyond the physics: the sequence handshake.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DropRigMap {
    sequence: u16,
    accepted: Option<u16>,
    done: u16,
}

impl DropRigMap {
    /// A map with sequence 0.
    pub fn new() -> DropRigMap {
        DropRigMap::default()
    }

    fn command(&mut self, m: &mut DropRigModel, command: u16) -> Result<(), ExceptionCode> {
        if self.accepted == Some(self.sequence) {
            // A retry of a command already accepted: do not run it twice.
            return Ok(());
        }
        let result = match command {
            CMD_START => m.start(),
            CMD_ABORT => {
                m.abort();
                Ok(())
            }
            CMD_PAUSE => {
                m.pause();
                Ok(())
            }
            CMD_RESUME => {
                m.resume();
                Ok(())
            }
            CMD_HOME => m.home(),
            CMD_RESET_FAULT => m.reset_fault(),
            CMD_SINGLE_DROP => m.single_drop(),
            _ => return Err(ExceptionCode::IllegalDataValue),
        };
        match result {
            Ok(()) => {
                self.accepted = Some(self.sequence);
                Ok(())
            }
            Err(DropRefusal::Busy | DropRefusal::NotReady) => Err(ExceptionCode::ServerDeviceBusy),
        }
    }

    fn settle(&mut self, m: &DropRigModel) {
        if let Some(seq) = self.accepted {
            if !m.busy() {
                self.done = seq;
            }
        }
    }
}

fn tenths(value: f64) -> u16 {
    (value * 10.0).round().clamp(0.0, 65535.0) as u16
}

impl RegisterDevice for DropRigMap {
    type Model = DropRigModel;

    fn read(
        &mut self,
        m: &mut DropRigModel,
        address: u16,
        _input: bool,
    ) -> Result<u16, ExceptionCode> {
        self.settle(m);
        let last = m.records.last();
        let stamp = last.map_or(0, |r| r.at.as_secs().min(u64::from(u32::MAX)) as u32);
        let il = m.interlocks;
        Ok(match address {
            0 => MAP_VERSION,
            STATE => m.state() as u16,
            FAULT => m.fault.map_or(0, |f| f as u16),
            INTERLOCKS => {
                u16::from(il.door_closed)
                    | u16::from(il.estop_ok) << 1
                    | u16::from(il.air_ok) << 2
                    | u16::from(il.clamped) << 3
                    | u16::from(m.homed) << 4
            }
            HEIGHT_SP => tenths(m.settings.height_mm),
            COUNT => m.settings.count,
            ORIENTATION => m.settings.orientation,
            TARGET_ID => m.settings.target_id,
            INTERVAL => tenths(m.settings.interval_s),
            COMMAND => 0,
            SEQUENCE => self.sequence,
            SEQUENCE_DONE => self.done,
            HEIGHT => tenths(m.height_mm),
            DROPS_DONE => u16::try_from(m.drops_completed).unwrap_or(u16::MAX),
            LAST_DROP_TIME => (stamp >> 16) as u16,
            a if a == LAST_DROP_TIME + 1 => (stamp & 0xFFFF) as u16,
            LAST_IMPACT_MS => last.map_or(0, |r| r.fall_ms.round().min(65535.0) as u16),
            LAST_PEAK_G => last.map_or(0, |r| tenths(r.peak_g)),
            _ => return Err(ExceptionCode::IllegalDataAddress),
        })
    }

    fn write(
        &mut self,
        m: &mut DropRigModel,
        address: u16,
        values: &[u16],
    ) -> Result<(), ExceptionCode> {
        // One FC16 at 20 carries [command, sequence]: take the sequence before the command.
        if let Some(seq) = SEQUENCE
            .checked_sub(address)
            .and_then(|i| values.get(usize::from(i)))
        {
            self.sequence = *seq;
        }
        for (i, v) in values.iter().enumerate() {
            let v = *v;
            match address.wrapping_add(i as u16) {
                HEIGHT_SP => {
                    let mm = f64::from(v) / 10.0;
                    if mm <= 0.0 || mm > m.params.max_height_mm {
                        return Err(ExceptionCode::IllegalDataValue);
                    }
                    m.settings.height_mm = mm;
                }
                COUNT if (1..=9999).contains(&v) => m.settings.count = v,
                ORIENTATION if v <= 3 => m.settings.orientation = v,
                TARGET_ID => m.settings.target_id = v,
                INTERVAL => m.settings.interval_s = f64::from(v) / 10.0,
                COMMAND => self.command(m, v)?,
                SEQUENCE => self.sequence = v,
                COUNT | ORIENTATION => return Err(ExceptionCode::IllegalDataValue),
                _ => return Err(ExceptionCode::IllegalDataAddress),
            }
        }
        self.settle(m);
        Ok(())
    }

    fn sensor_fault(&mut self, m: &mut DropRigModel, on: bool) -> bool {
        if on {
            m.trip(DropFault::Sensor);
        }
        m.fault == Some(DropFault::Sensor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::physics::drop_rig::{DropParams, DropState};
    use crate::sim::physics::Model;
    use std::time::Duration;

    #[test]
    fn command_and_sequence_in_one_write_run_the_command_once() {
        let mut m = DropRigModel::new(DropParams::default());
        let mut map = DropRigMap::new();
        map.write(&mut m, COMMAND, &[7, 5]).unwrap();
        assert_eq!(map.read(&mut m, SEQUENCE, false), Ok(5));
        assert!(m.busy());
        // The driver's retry of the same write is not a second drop.
        map.write(&mut m, COMMAND, &[7, 5]).unwrap();
        m.advance_to(Duration::from_secs(600));
        assert_eq!(m.drops_completed, 1);
        assert_eq!(map.read(&mut m, SEQUENCE_DONE, false), Ok(5));
    }

    #[test]
    fn sequence_counter_makes_retries_safe_and_busy_is_exception_06() {
        let mut m = DropRigModel::new(DropParams::default());
        let mut map = DropRigMap::new();
        map.write(&mut m, HEIGHT_SP, &[8000, 2]).unwrap();
        map.write(&mut m, SEQUENCE, &[1]).unwrap();
        map.write(&mut m, COMMAND, &[1]).unwrap();
        // The same sequence again is a retry: accepted, not run twice, not busy.
        map.write(&mut m, COMMAND, &[1]).unwrap();
        map.write(&mut m, SEQUENCE, &[2]).unwrap();
        assert_eq!(
            map.write(&mut m, COMMAND, &[1]),
            Err(ExceptionCode::ServerDeviceBusy)
        );
        assert_eq!(map.read(&mut m, SEQUENCE_DONE, false), Ok(0));
        m.advance_to(Duration::from_secs(3600));
        assert_eq!(map.read(&mut m, STATE, false), Ok(DropState::Done as u16));
        assert_eq!(map.read(&mut m, DROPS_DONE, false), Ok(2));
        assert_eq!(map.read(&mut m, SEQUENCE_DONE, false), Ok(1));
        assert_eq!(
            map.write(&mut m, HEIGHT_SP, &[0]),
            Err(ExceptionCode::IllegalDataValue)
        );
        assert_eq!(
            map.write(&mut m, 99, &[0]),
            Err(ExceptionCode::IllegalDataAddress)
        );
        assert_eq!(map.read(&mut m, INTERLOCKS, false), Ok(0b1_1111));
    }
}

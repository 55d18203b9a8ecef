//! PC-link commands, one type each, and [`Addressed`], which frames them for a [`Link`].
//!
//! [`Link`]: crate::rig::link::Link

use std::time::Duration;

use super::frame::{decode, encode, ng_meaning, parse_word, word_text, Frame};
use crate::rig::link::{ReplyError, Request};

/// Most registers one command may carry.
pub const MAX_REGISTERS: usize = 32;

/// Replies take processing time plus the configured response delay (n × 10 ms).
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// One PC-link command.
pub trait PcLinkCommand {
    /// Parsed reply.
    type Reply;
    /// The three-letter command.
    fn command(&self) -> &'static str;
    /// Fields after the command.
    fn fields(&self) -> Vec<String>;
    /// Parses the data fields after `OK`.
    fn parse(&self, data: &[String]) -> Result<Self::Reply, ReplyError>;
}

/// A command framed for a device address, with or without SUM.
#[derive(Debug, Clone, Copy)]
pub struct Addressed<'c, C> {
    /// Device address 1–99.
    pub address: u8,
    /// Frames carry a checksum (PCL1/SUM, the factory default).
    pub with_sum: bool,
    /// The command.
    pub command: &'c C,
}

impl<C: PcLinkCommand> Request for Addressed<'_, C> {
    type Reply = C::Reply;

    fn encode(&self) -> Vec<u8> {
        let frame = Frame {
            address: self.address,
            command: self.command.command().to_string(),
            fields: self.command.fields(),
        };
        encode(&frame, self.with_sum)
    }

    fn timeout(&self) -> Duration {
        TIMEOUT
    }

    /// Reads and absolute register writes are safe to repeat.
    fn idempotent(&self) -> bool {
        true
    }

    fn parse(&self, line: &[u8]) -> Result<C::Reply, ReplyError> {
        let reply = decode(line, self.with_sum).map_err(|e| ReplyError::Garbled(e.to_string()))?;
        if reply.address != self.address {
            return Err(ReplyError::Garbled(format!(
                "reply from address {:02}, expected {:02}",
                reply.address, self.address
            )));
        }
        if !reply.command.is_empty() && reply.command != self.command.command() {
            return Err(ReplyError::Garbled(format!(
                "reply to {}, expected {}",
                reply.command,
                self.command.command()
            )));
        }
        match reply.status() {
            Some(Ok(data)) => self.command.parse(data),
            Some(Err(code)) => Err(ReplyError::Refused(format!(
                "NG{code} ({})",
                ng_meaning(code)
            ))),
            None => Err(ReplyError::Garbled(
                "reply is neither OK nor NG".to_string(),
            )),
        }
    }
}

fn register_text(register: u16) -> String {
    format!("{register:04}")
}

fn words(data: &[String], count: usize) -> Result<Vec<u16>, ReplyError> {
    if data.len() != count {
        return Err(ReplyError::Garbled(format!(
            "{count} words asked, {} returned",
            data.len()
        )));
    }
    data.iter()
        .map(|text| {
            parse_word(text)
                .ok_or_else(|| ReplyError::Garbled(format!("`{text}` is not a 4-hex-digit word")))
        })
        .collect()
}

fn expect_empty(data: &[String]) -> Result<(), ReplyError> {
    if data.iter().all(String::is_empty) {
        Ok(())
    } else {
        Err(ReplyError::Garbled("unexpected data after OK".to_string()))
    }
}

/// `RRD,nn,reg,reg,…` → raw words in request order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRandom {
    registers: Vec<u16>,
}

impl ReadRandom {
    /// Reads up to [`MAX_REGISTERS`] D-registers (1–9999); `None` when the list is empty,
    /// too long or a number is out of range.
    pub fn new(registers: &[u16]) -> Option<ReadRandom> {
        let valid = !registers.is_empty()
            && registers.len() <= MAX_REGISTERS
            && registers.iter().all(|r| (1..=9999).contains(r));
        valid.then(|| ReadRandom {
            registers: registers.to_vec(),
        })
    }
}

impl PcLinkCommand for ReadRandom {
    type Reply = Vec<u16>;
    fn command(&self) -> &'static str {
        "RRD"
    }
    fn fields(&self) -> Vec<String> {
        let mut fields = vec![format!("{:02}", self.registers.len())];
        fields.extend(self.registers.iter().map(|&r| register_text(r)));
        fields
    }
    fn parse(&self, data: &[String]) -> Result<Vec<u16>, ReplyError> {
        words(data, self.registers.len())
    }
}

/// `RSD,nn,start` → `nn` raw words from `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadSeq {
    start: u16,
    count: u8,
}

impl ReadSeq {
    /// Reads `count` (1–32) consecutive registers from `start`.
    pub fn new(start: u16, count: u8) -> Option<ReadSeq> {
        let end = u32::from(start) + u32::from(count);
        let valid = (1..=9999).contains(&start)
            && (1..=MAX_REGISTERS as u8).contains(&count)
            && end <= 10_000;
        valid.then_some(ReadSeq { start, count })
    }
}

impl PcLinkCommand for ReadSeq {
    type Reply = Vec<u16>;
    fn command(&self) -> &'static str {
        "RSD"
    }
    fn fields(&self) -> Vec<String> {
        vec![format!("{:02}", self.count), register_text(self.start)]
    }
    fn parse(&self, data: &[String]) -> Result<Vec<u16>, ReplyError> {
        words(data, usize::from(self.count))
    }
}

/// `WSD,nn,start,word,…` → `OK`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteSeq {
    start: u16,
    words: Vec<u16>,
}

impl WriteSeq {
    /// Writes raw words to consecutive registers from `start`.
    pub fn new(start: u16, words: &[u16]) -> Option<WriteSeq> {
        let end = usize::from(start) + words.len();
        let valid = (1..=9999).contains(&start)
            && !words.is_empty()
            && words.len() <= MAX_REGISTERS
            && end <= 10_000;
        valid.then(|| WriteSeq {
            start,
            words: words.to_vec(),
        })
    }
}

impl PcLinkCommand for WriteSeq {
    type Reply = ();
    fn command(&self) -> &'static str {
        "WSD"
    }
    fn fields(&self) -> Vec<String> {
        let mut fields = vec![
            format!("{:02}", self.words.len()),
            register_text(self.start),
        ];
        fields.extend(self.words.iter().map(|&w| word_text(w)));
        fields
    }
    fn parse(&self, data: &[String]) -> Result<(), ReplyError> {
        expect_empty(data)
    }
}

/// `WRD,nn,reg,word,reg,word,…` → `OK`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteRandom {
    pairs: Vec<(u16, u16)>,
}

impl WriteRandom {
    /// Writes raw words to the given registers.
    pub fn new(pairs: &[(u16, u16)]) -> Option<WriteRandom> {
        let valid = !pairs.is_empty()
            && pairs.len() <= MAX_REGISTERS
            && pairs.iter().all(|(r, _)| (1..=9999).contains(r));
        valid.then(|| WriteRandom {
            pairs: pairs.to_vec(),
        })
    }
}

impl PcLinkCommand for WriteRandom {
    type Reply = ();
    fn command(&self) -> &'static str {
        "WRD"
    }
    fn fields(&self) -> Vec<String> {
        let mut fields = vec![format!("{:02}", self.pairs.len())];
        for &(register, word) in &self.pairs {
            fields.push(register_text(register));
            fields.push(word_text(word));
        }
        fields
    }
    fn parse(&self, data: &[String]) -> Result<(), ReplyError> {
        expect_empty(data)
    }
}

/// `AMI` → model and version text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ami;

impl PcLinkCommand for Ami {
    type Reply = String;
    fn command(&self) -> &'static str {
        "AMI"
    }
    fn fields(&self) -> Vec<String> {
        Vec::new()
    }
    fn parse(&self, data: &[String]) -> Result<String, ReplyError> {
        let text = data.join(",").trim().to_string();
        if text.is_empty() {
            return Err(ReplyError::Garbled("empty model text".to_string()));
        }
        Ok(text)
    }
}

//! Both directions of record protection plus the queue of records waiting to be sent.

use super::protect::{DirectionState, RecordError};
use super::MAX_FRAGMENT;
use crate::msgs::enums::{AlertDescription, AlertLevel, ContentType, ProtocolVersion};

/// Read and write protection states, the state installed by the next ChangeCipherSpec, and
/// the outgoing bytes.
#[derive(Default)]
pub struct RecordLayer {
    pub read: DirectionState,
    pub write: DirectionState,
    /// Read state that becomes current when the peer's ChangeCipherSpec arrives.
    pub pending_read: Option<DirectionState>,
    /// Version stamped on outgoing records (TLS 1.0 until negotiated; RFC 2246 Appendix E).
    pub version: Option<ProtocolVersion>,
    out: Vec<u8>,
}

impl RecordLayer {
    fn record_version(&self) -> ProtocolVersion {
        self.version.unwrap_or(ProtocolVersion::TLS1_0)
    }

    /// Queues `data` as records of `typ`, split at 2^14 bytes.
    pub fn send(&mut self, typ: ContentType, data: &[u8]) -> Result<(), RecordError> {
        let v = self.record_version();
        if data.is_empty() {
            return self.write.seal(typ as u8, v, data, &mut self.out);
        }
        for chunk in data.chunks(MAX_FRAGMENT) {
            self.write.seal(typ as u8, v, chunk, &mut self.out)?;
        }
        Ok(())
    }

    /// Queues a ChangeCipherSpec and switches the write side to `next`.
    pub fn send_ccs_and_switch(&mut self, next: DirectionState) -> Result<(), RecordError> {
        self.send(ContentType::ChangeCipherSpec, &[1])?;
        self.write = next;
        Ok(())
    }

    /// Queues an alert.
    pub fn send_alert(&mut self, level: AlertLevel, desc: AlertDescription) -> Result<(), RecordError> {
        self.send(ContentType::Alert, &[level as u8, desc as u8])
    }

    /// Queues bytes that are not a TLS record: a client's SSL 2.0-format hello.
    pub fn queue_raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// Takes every queued byte.
    pub fn take_output(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.out)
    }
}

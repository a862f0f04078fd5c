//! Bounds-checked reader and length-prefixed writer for TLS structures (RFC 2246 §4).

/// A message did not parse. The state machine decides which alert that earns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidMessage {
    /// Ran out of bytes.
    Truncated,
    /// Bytes left over after a complete structure.
    TrailingData,
    /// A field holds a value the structure forbids (e.g. an empty list that must not be).
    IllegalValue,
}

/// Reads TLS fields from a slice; never panics, every short read is `Truncated`.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], InvalidMessage> {
        let end = self.pos.checked_add(n).ok_or(InvalidMessage::Truncated)?;
        let s = self.buf.get(self.pos..end).ok_or(InvalidMessage::Truncated)?;
        self.pos = end;
        Ok(s)
    }
    pub fn u8(&mut self) -> Result<u8, InvalidMessage> {
        Ok(self.take(1)?[0])
    }
    pub fn u16(&mut self) -> Result<u16, InvalidMessage> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    pub fn u24(&mut self) -> Result<usize, InvalidMessage> {
        let b = self.take(3)?;
        Ok((usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
    /// `opaque x<0..2^8-1>`
    pub fn vec_u8(&mut self) -> Result<&'a [u8], InvalidMessage> {
        let n = self.u8()?;
        self.take(n.into())
    }
    /// `opaque x<0..2^16-1>`
    pub fn vec_u16(&mut self) -> Result<&'a [u8], InvalidMessage> {
        let n = self.u16()?;
        self.take(n.into())
    }
    /// `opaque x<0..2^24-1>`
    pub fn vec_u24(&mut self) -> Result<&'a [u8], InvalidMessage> {
        let n = self.u24()?;
        self.take(n)
    }
    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..];
        self.pos = self.buf.len();
        s
    }
    /// Bytes read so far.
    pub fn consumed(&self) -> usize {
        self.pos
    }
    pub fn any_left(&self) -> bool {
        self.pos < self.buf.len()
    }
    /// Fails with `TrailingData` unless everything was read.
    pub fn expect_empty(&self) -> Result<(), InvalidMessage> {
        if self.any_left() {
            Err(InvalidMessage::TrailingData)
        } else {
            Ok(())
        }
    }
}

/// Appends a big-endian u16.
pub fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends a big-endian u24 (values above 2^24-1 are a programming error).
pub fn put_u24(out: &mut Vec<u8>, v: usize) {
    debug_assert!(v < 1 << 24);
    out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
}

/// Width of a length prefix.
#[derive(Clone, Copy)]
pub enum Prefix {
    U8,
    U16,
    U24,
}

/// Writes `body` behind a length prefix of the given width; the length is patched in afterwards.
pub fn put_prefixed(out: &mut Vec<u8>, prefix: Prefix, body: impl FnOnce(&mut Vec<u8>)) {
    let width = match prefix {
        Prefix::U8 => 1,
        Prefix::U16 => 2,
        Prefix::U24 => 3,
    };
    let at = out.len();
    out.extend(core::iter::repeat_n(0, width));
    body(out);
    let len = out.len() - at - width;
    let bytes = (len as u32).to_be_bytes();
    out[at..at + width].copy_from_slice(&bytes[4 - width..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_never_overreads() {
        let data = [0x00, 0x03, 1, 2];
        let mut r = Reader::new(&data);
        assert_eq!(r.vec_u16(), Err(InvalidMessage::Truncated));
        let mut r = Reader::new(&[0xff, 0xff, 0xff]);
        assert_eq!(r.vec_u24(), Err(InvalidMessage::Truncated));
        let mut r = Reader::new(&[]);
        assert_eq!(r.u8(), Err(InvalidMessage::Truncated));
    }

    #[test]
    fn prefixed_round_trip() {
        let mut out = Vec::new();
        put_prefixed(&mut out, Prefix::U24, |o| put_prefixed(o, Prefix::U16, |o| o.extend_from_slice(b"abc")));
        assert_eq!(out, [0, 0, 5, 0, 3, b'a', b'b', b'c']);
        let mut r = Reader::new(&out);
        let inner = r.vec_u24().unwrap();
        assert_eq!(Reader::new(inner).vec_u16().unwrap(), b"abc");
        r.expect_empty().unwrap();
    }
}

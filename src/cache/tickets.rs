//! Session tickets (RFC 5077): the server seals a session's state under a key only it holds and
//! hands it to the client, so resumption needs no server-side storage. Keys belong to one server
//! credential and rotate: a ticket is issued under the current key and accepted under it or the
//! one before, so a stolen key exposes at most two rotation periods of sessions.
//!
//! Ticket format (RFC 5077 §4's recommendation, with AES-256-GCM in place of CBC + HMAC):
//! `key_name[16] || nonce[12] || AES-256-GCM(state) || tag[16]`, the key name as associated data.
#![forbid(unsafe_code)]

use parking_lot::RwLock;
use zeroize::Zeroizing;

use super::Session;
use crate::crypto::aead::{AeadKey, NONCE_LEN, TAG_LEN};
use crate::crypto::cipher::BulkAlg;
use crate::crypto::random;
use crate::msgs::codec::{put_prefixed, put_u16, put_u24, Prefix, Reader};
use crate::msgs::enums::ProtocolVersion;

const NAME_LEN: usize = 16;
/// How long one key issues tickets before the next takes over.
pub const DEFAULT_ROTATION_SECS: i64 = 12 * 3600;

struct TicketKey {
    name: [u8; NAME_LEN],
    key: AeadKey,
    created: i64,
}

impl TicketKey {
    fn new(now: i64) -> Self {
        let secret = Zeroizing::new(random::array::<32>());
        TicketKey {
            name: random::array(),
            key: AeadKey::new(BulkAlg::Aes256Gcm, &secret[..]).expect("32-byte AES-256-GCM key"),
            created: now,
        }
    }
}

struct Keys {
    current: TicketKey,
    previous: Option<TicketKey>,
}

/// A server credential's ticket keys.
pub struct TicketKeys {
    keys: RwLock<Keys>,
    rotation: i64,
}

impl TicketKeys {
    /// Fresh random keys that rotate every `rotation` seconds.
    pub fn new(now: i64, rotation: i64) -> Self {
        TicketKeys { keys: RwLock::new(Keys { current: TicketKey::new(now), previous: None }), rotation }
    }

    fn rotate_if_due(&self, now: i64) {
        if now - self.keys.read().current.created < self.rotation {
            return;
        }
        let mut k = self.keys.write();
        if now - k.current.created >= self.rotation {
            let old = core::mem::replace(&mut k.current, TicketKey::new(now));
            k.previous = Some(old);
        }
    }

    /// A ticket holding `session` (its id is not stored: the client picks one per use).
    pub fn seal(&self, session: &Session, now: i64) -> Vec<u8> {
        self.rotate_if_due(now);
        let state = encode(session);
        let keys = self.keys.read();
        let nonce: [u8; NONCE_LEN] = random::array();
        let mut out = Vec::with_capacity(NAME_LEN + NONCE_LEN + state.len() + TAG_LEN);
        out.extend_from_slice(&keys.current.name);
        out.extend_from_slice(&nonce);
        let body = out.len();
        out.extend_from_slice(&state);
        out.resize(out.len() + TAG_LEN, 0);
        let (head, rest) = out.split_at_mut(body);
        let (data, tag) = rest.split_at_mut(state.len());
        if !keys.current.key.seal(nonce, &head[..NAME_LEN], data, tag) {
            return Vec::new();
        }
        out
    }

    /// The session in `ticket`, if one of our keys sealed it and it is intact. Whether it is
    /// still fresh and fits this connection is the caller's decision.
    pub fn open(&self, ticket: &[u8], now: i64) -> Option<Session> {
        self.rotate_if_due(now);
        if ticket.len() < NAME_LEN + NONCE_LEN + TAG_LEN {
            return None;
        }
        let keys = self.keys.read();
        let (name, rest) = ticket.split_at(NAME_LEN);
        let key = [Some(&keys.current), keys.previous.as_ref()].into_iter().flatten().find(|k| k.name == name)?;
        let nonce: [u8; NONCE_LEN] = rest[..NONCE_LEN].try_into().ok()?;
        let mut sealed = Zeroizing::new(rest[NONCE_LEN..].to_vec());
        let n = key.key.open(nonce, name, &mut sealed)?;
        decode(&sealed[..n])
    }
}

fn encode(s: &Session) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(80));
    put_u16(&mut out, s.version.0);
    put_u16(&mut out, s.suite_id);
    out.push(u8::from(s.extended_master_secret));
    out.extend_from_slice(&s.created.to_be_bytes());
    out.extend_from_slice(&s.lifetime.to_be_bytes());
    out.extend_from_slice(&s.master_secret[..]);
    put_prefixed(&mut out, Prefix::U24, |o| {
        for c in &s.peer_certs {
            put_u24(o, c.len());
            o.extend_from_slice(c);
        }
    });
    out
}

fn decode(b: &[u8]) -> Option<Session> {
    let mut r = Reader::new(b);
    let version = ProtocolVersion(r.u16().ok()?);
    let suite_id = r.u16().ok()?;
    let extended_master_secret = match r.u8().ok()? {
        0 => false,
        1 => true,
        _ => return None,
    };
    let created = i64::from_be_bytes(r.take(8).ok()?.try_into().ok()?);
    let lifetime = i64::from_be_bytes(r.take(8).ok()?.try_into().ok()?);
    let mut master_secret = Zeroizing::new([0u8; 48]);
    master_secret.copy_from_slice(r.take(48).ok()?);
    let mut certs = Reader::new(r.vec_u24().ok()?);
    r.expect_empty().ok()?;
    let mut peer_certs = Vec::new();
    while certs.any_left() {
        peer_certs.push(certs.vec_u24().ok()?.to_vec());
    }
    Some(Session { id: Vec::new(), master_secret, version, suite_id, peer_certs, created, extended_master_secret, lifetime, ticket: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session {
            id: vec![1; 32],
            master_secret: Zeroizing::new([7; 48]),
            version: ProtocolVersion::TLS1_2,
            suite_id: 0xC02F,
            peer_certs: vec![vec![0x30, 1, 2], vec![0x30; 300]],
            created: 1000,
            extended_master_secret: true,
            lifetime: 36000,
            ticket: None,
        }
    }

    #[test]
    fn round_trip_and_tamper() {
        let keys = TicketKeys::new(1000, 100);
        let t = keys.seal(&session(), 1000);
        let s = keys.open(&t, 1001).unwrap();
        assert_eq!((s.version, s.suite_id, s.extended_master_secret), (ProtocolVersion::TLS1_2, 0xC02F, true));
        assert_eq!((s.created, s.lifetime, &s.master_secret[..]), (1000, 36000, &[7u8; 48][..]));
        assert_eq!(s.peer_certs, session().peer_certs);
        for i in 0..t.len() {
            let mut bad = t.clone();
            bad[i] ^= 0x40;
            assert!(keys.open(&bad, 1001).is_none(), "byte {i}");
        }
        assert!(keys.open(&t[..t.len() - 1], 1001).is_none());
        assert!(keys.open(&[], 1001).is_none());
        // Another credential's keys cannot open it.
        assert!(TicketKeys::new(1000, 100).open(&t, 1001).is_none());
    }

    #[test]
    fn keys_rotate_and_the_previous_key_still_opens() {
        let keys = TicketKeys::new(0, 100);
        let old = keys.seal(&session(), 0);
        let newer = keys.seal(&session(), 150); // rotates: old key becomes previous
        assert_ne!(old[..NAME_LEN], newer[..NAME_LEN]);
        assert!(keys.open(&old, 150).is_some(), "previous key still accepted");
        assert!(keys.open(&newer, 260).is_some());
        assert!(keys.open(&old, 260).is_none(), "two rotations later the old key is gone");
    }
}

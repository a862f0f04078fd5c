//! The process-wide session cache (Schannel keeps 10,000 sessions for 10 hours): bounded,
//! least-recently-used eviction, expiry, thread-safe, secrets wiped when an entry goes.
//!
//! Entries are bound to the credential that created them (`cred_id`), so a session
//! authenticated under one identity is never resumed under another.
#![forbid(unsafe_code)]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use zeroize::Zeroizing;

use crate::msgs::enums::ProtocolVersion;

/// Schannel's defaults.
pub(crate) const DEFAULT_CAPACITY: usize = 10_000;
pub(crate) const DEFAULT_LIFETIME_SECS: i64 = 10 * 3600;

/// What a resumed handshake needs from the original one.
#[derive(Clone)]
pub struct Session {
    pub id: Vec<u8>,
    pub master_secret: Zeroizing<[u8; 48]>,
    pub version: ProtocolVersion,
    pub suite_id: u16,
    /// The peer's certificate chain as it was verified then.
    pub peer_certs: Vec<Vec<u8>>,
    /// Unix seconds when the full handshake completed.
    pub created: i64,
    /// The master secret is an extended one (RFC 7627): resumption requires the extension again.
    pub extended_master_secret: bool,
    /// Seconds this entry may be used for (the credential's lifespan).
    pub lifetime: i64,
}

/// Where an entry is found: clients by server name, servers by session id; both per credential.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Client { cred_id: u64, target: String },
    Server { cred_id: u64, session_id: Vec<u8> },
}

struct Entry {
    session: Session,
    tick: u64,
}

struct Inner {
    capacity: usize,
    map: HashMap<Key, Entry>,
    /// Use order: oldest tick first.
    order: BTreeMap<u64, Key>,
    next_tick: u64,
}

/// A bounded LRU map of sessions.
pub struct SessionCache {
    inner: Mutex<Inner>,
}

impl SessionCache {
    pub fn new(capacity: usize) -> Self {
        SessionCache { inner: Mutex::new(Inner { capacity, map: HashMap::new(), order: BTreeMap::new(), next_tick: 0 }) }
    }

    /// The process-wide cache. Its size comes from `OPENSCHANNEL_SESSION_CACHE_SIZE` (read once)
    /// or [`SessionCache::set_capacity`].
    pub fn global() -> Arc<SessionCache> {
        static GLOBAL: OnceLock<Arc<SessionCache>> = OnceLock::new();
        GLOBAL
            .get_or_init(|| {
                let cap =
                    std::env::var("OPENSCHANNEL_SESSION_CACHE_SIZE").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(DEFAULT_CAPACITY);
                Arc::new(SessionCache::new(cap))
            })
            .clone()
    }

    /// Changes the bound; evicts the least recently used entries above it.
    pub fn set_capacity(&self, capacity: usize) {
        let mut g = self.inner.lock();
        g.capacity = capacity;
        evict_to(&mut g, capacity);
    }

    pub fn len(&self) -> usize {
        self.inner.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stores a session (replacing one under the same key), evicting the least recently used
    /// entry when full.
    pub fn insert(&self, key: Key, session: Session) {
        let mut g = self.inner.lock();
        if g.capacity == 0 {
            return;
        }
        let tick = g.next_tick;
        g.next_tick += 1;
        if let Some(old) = g.map.remove(&key) {
            g.order.remove(&old.tick);
        }
        let cap = g.capacity;
        evict_to(&mut g, cap - 1);
        g.order.insert(tick, key.clone());
        g.map.insert(key, Entry { session, tick });
    }

    /// A live session under `key` at time `now` (unix seconds); expired entries are removed
    /// and never returned. A hit counts as a use for LRU purposes.
    pub fn get(&self, key: &Key, now: i64) -> Option<Session> {
        let mut g = self.inner.lock();
        let (expired, old_tick) = {
            let e = g.map.get(key)?;
            (now < e.session.created || now - e.session.created >= e.session.lifetime, e.tick)
        };
        g.order.remove(&old_tick);
        if expired {
            g.map.remove(key);
            return None;
        }
        let tick = g.next_tick;
        g.next_tick += 1;
        g.order.insert(tick, key.clone());
        let e = g.map.get_mut(key)?;
        e.tick = tick;
        Some(e.session.clone())
    }

    /// Forgets one entry (a session whose resumption failed, or a client cache flush).
    pub fn remove(&self, key: &Key) {
        let mut g = self.inner.lock();
        if let Some(e) = g.map.remove(key) {
            g.order.remove(&e.tick);
        }
    }
}

fn evict_to(g: &mut Inner, limit: usize) {
    while g.map.len() > limit {
        let Some((_, key)) = g.order.pop_first() else { break };
        // Dropping the entry wipes its master secret (Zeroizing).
        g.map.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: u8, created: i64, lifetime: i64) -> Session {
        Session {
            id: vec![id; 32],
            master_secret: Zeroizing::new([id; 48]),
            version: ProtocolVersion::TLS1_0,
            suite_id: 0x2f,
            peer_certs: vec![],
            created,
            extended_master_secret: true,
            lifetime,
        }
    }

    fn skey(id: u8) -> Key {
        Key::Server { cred_id: 1, session_id: vec![id; 32] }
    }

    #[test]
    fn bounded_with_lru_eviction() {
        let c = SessionCache::new(3);
        for i in 0..3 {
            c.insert(skey(i), session(i, 0, 100));
        }
        // Touch 0 so that 1 becomes the least recently used.
        assert!(c.get(&skey(0), 1).is_some());
        c.insert(skey(3), session(3, 0, 100));
        assert_eq!(c.len(), 3);
        assert!(c.get(&skey(1), 1).is_none(), "least recently used evicted");
        assert!(c.get(&skey(0), 1).is_some());
        assert!(c.get(&skey(2), 1).is_some());
        assert!(c.get(&skey(3), 1).is_some());
        c.set_capacity(1);
        assert_eq!(c.len(), 1);
        assert!(c.get(&skey(3), 1).is_some(), "most recently used survives");
    }

    #[test]
    fn expired_entries_are_never_used() {
        let c = SessionCache::new(10);
        c.insert(skey(1), session(1, 1000, 60));
        assert!(c.get(&skey(1), 1059).is_some());
        assert!(c.get(&skey(1), 1060).is_none());
        assert!(c.is_empty(), "expired entry removed");
        c.insert(skey(2), session(2, 1000, 60));
        assert!(c.get(&skey(2), 999).is_none(), "clock went backwards: not trusted");
    }

    #[test]
    fn keys_are_bound_to_credentials() {
        let c = SessionCache::new(10);
        c.insert(Key::Client { cred_id: 1, target: "a".into() }, session(1, 0, 100));
        assert!(c.get(&Key::Client { cred_id: 2, target: "a".into() }, 1).is_none());
        assert!(c.get(&Key::Client { cred_id: 1, target: "b".into() }, 1).is_none());
        assert!(c.get(&Key::Client { cred_id: 1, target: "a".into() }, 1).is_some());
    }

    #[test]
    fn zero_capacity_disables_caching() {
        let c = SessionCache::new(0);
        c.insert(skey(1), session(1, 0, 100));
        assert!(c.is_empty());
    }

    #[test]
    fn concurrent_use_is_consistent() {
        let c = Arc::new(SessionCache::new(64));
        let threads: Vec<_> = (0..8u8)
            .map(|t| {
                let c = c.clone();
                std::thread::spawn(move || {
                    for i in 0..500u32 {
                        let id = (t as u32 * 1000 + i) as u8;
                        c.insert(skey(id), session(id, 0, 100));
                        let _ = c.get(&skey(id.wrapping_sub(1)), 1);
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert!(c.len() <= 64);
        let g = c.inner.lock();
        assert_eq!(g.map.len(), g.order.len(), "index and order agree");
    }
}

//! Typed, generation-checked handle tables: a stale, forged or wrong-kind `SecHandle` is
//! detected and never dereferenced.
#![forbid(unsafe_code)]

use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use super::ffi::types::SecHandle;

/// Tags stored in `dwUpper` so a credential handle is never accepted as a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Credential = 0x43,
    Context = 0x58,
}

struct Slot<T> {
    generation: u32,
    value: Option<Arc<Mutex<T>>>,
}

struct Slots<T> {
    slots: Vec<Slot<T>>,
    /// Indices of empty slots, reused before the table grows.
    free: Vec<usize>,
}

/// A table of live objects of one kind. Lookups (every Encrypt/DecryptMessage) take a shared
/// read lock, so threads working on different contexts do not serialise on the table.
pub struct HandleTable<T> {
    kind: Kind,
    inner: RwLock<Slots<T>>,
}

impl<T> HandleTable<T> {
    pub const fn new(kind: Kind) -> Self {
        HandleTable { kind, inner: RwLock::new(Slots { slots: Vec::new(), free: Vec::new() }) }
    }

    fn encode(&self, index: usize, generation: u32) -> SecHandle {
        SecHandle { dwLower: index + 1, dwUpper: ((generation as usize) << 8) | self.kind as usize }
    }

    /// Stores `value` and returns its new handle.
    pub fn insert(&self, value: T) -> SecHandle {
        let mut t = self.inner.write();
        let value = Some(Arc::new(Mutex::new(value)));
        if let Some(i) = t.free.pop() {
            let s = &mut t.slots[i];
            s.generation = s.generation.wrapping_add(1) & 0x00ff_ffff;
            s.value = value;
            let generation = s.generation;
            return self.encode(i, generation);
        }
        t.slots.push(Slot { generation: 1, value });
        self.encode(t.slots.len() - 1, 1)
    }

    fn index(&self, h: &SecHandle, slots: &[Slot<T>]) -> Option<usize> {
        if h.dwUpper & 0xff != self.kind as usize {
            return None;
        }
        let i = h.dwLower.checked_sub(1)?;
        let s = slots.get(i)?;
        // The whole dwUpper must match: every bit of a handle we issued is checked.
        (s.value.is_some() && h.dwUpper == self.encode(i, s.generation).dwUpper).then_some(i)
    }

    /// The object behind `h`, if `h` is a live handle of this kind.
    pub fn get(&self, h: &SecHandle) -> Option<Arc<Mutex<T>>> {
        let t = self.inner.read();
        let i = self.index(h, &t.slots)?;
        t.slots[i].value.clone()
    }

    /// Removes the object behind `h`; false if `h` was not live.
    pub fn remove(&self, h: &SecHandle) -> bool {
        let mut t = self.inner.write();
        match self.index(h, &t.slots) {
            Some(i) => {
                // Dropped outside the lock: a context's destructor wipes its keys.
                let old = t.slots[i].value.take();
                t.free.push(i);
                drop(t);
                drop(old);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_forged_and_wrong_kind_handles_are_rejected() {
        let creds: HandleTable<u32> = HandleTable::new(Kind::Credential);
        let ctxs: HandleTable<u32> = HandleTable::new(Kind::Context);
        let h = creds.insert(7);
        assert_eq!(*creds.get(&h).unwrap().lock(), 7);
        assert!(ctxs.get(&h).is_none(), "wrong kind");
        assert!(creds.get(&SecHandle { dwLower: 0, dwUpper: 0 }).is_none());
        assert!(creds.get(&SecHandle { dwLower: 99, dwUpper: h.dwUpper }).is_none());
        for bit in 8..usize::BITS {
            let forged = SecHandle { dwLower: h.dwLower, dwUpper: h.dwUpper ^ (1 << bit) };
            assert!(creds.get(&forged).is_none(), "bit {bit} of dwUpper flipped");
        }
        assert!(creds.remove(&h));
        assert!(creds.get(&h).is_none(), "stale");
        assert!(!creds.remove(&h), "double free");
        let h2 = creds.insert(8);
        assert_eq!(h2.dwLower, h.dwLower, "slot reused");
        assert!(creds.get(&h).is_none(), "old generation still rejected");
    }
}

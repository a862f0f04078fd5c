//! Typed, generation-checked handle tables: a stale, forged or wrong-kind `SecHandle` is
//! detected and never dereferenced.
#![forbid(unsafe_code)]

use std::sync::Arc;

use parking_lot::Mutex;

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

/// A table of live objects of one kind.
pub struct HandleTable<T> {
    kind: Kind,
    slots: Mutex<Vec<Slot<T>>>,
}

impl<T> HandleTable<T> {
    pub const fn new(kind: Kind) -> Self {
        HandleTable { kind, slots: Mutex::new(Vec::new()) }
    }

    fn encode(&self, index: usize, generation: u32) -> SecHandle {
        SecHandle { dwLower: index + 1, dwUpper: ((generation as usize) << 8) | self.kind as usize }
    }

    /// Stores `value` and returns its new handle.
    pub fn insert(&self, value: T) -> SecHandle {
        let mut slots = self.slots.lock();
        let value = Some(Arc::new(Mutex::new(value)));
        if let Some((i, s)) = slots.iter_mut().enumerate().find(|(_, s)| s.value.is_none()) {
            s.generation = s.generation.wrapping_add(1) & 0x00ff_ffff;
            s.value = value;
            return self.encode(i, s.generation);
        }
        slots.push(Slot { generation: 1, value });
        self.encode(slots.len() - 1, 1)
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
        let slots = self.slots.lock();
        let i = self.index(h, &slots)?;
        slots[i].value.clone()
    }

    /// Removes the object behind `h`; false if `h` was not live.
    pub fn remove(&self, h: &SecHandle) -> bool {
        let mut slots = self.slots.lock();
        match self.index(h, &slots) {
            Some(i) => {
                slots[i].value = None;
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

//! What tells events apart within one run: 128-bit fingerprints of an event's id or text,
//! and of an order id, shared by the attributed report and lift so both count an event once
//! by the same identity.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher, Hasher};

/// A hasher for keys that are fingerprints already: their low 64 bits are the hash.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Fingerprinted(u64);

impl Hasher for Fingerprinted {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

pub(crate) type FpMap<K, V> = HashMap<K, V, BuildHasherDefault<Fingerprinted>>;

/// A 128-bit fingerprint of `bytes` (two SipHash runs with different prefixes): an event's
/// identity, an order id. Fingerprints live only for one run, never stored.
pub(crate) fn fingerprint(kind: u8, bytes: &[u8]) -> u128 {
    let mut a = DefaultHasher::new();
    a.write_u8(kind);
    a.write(bytes);
    let mut b = DefaultHasher::new();
    b.write_u8(!kind);
    b.write(bytes);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// An event's identity: its id (the record's own `event_id`, else the `event_id` attribute),
/// else its text (a redelivered record is byte for byte the same).
pub(crate) fn event_identity(id: Option<&str>, text: &str) -> u128 {
    match id {
        Some(id) => fingerprint(b'i', id.as_bytes()),
        None => fingerprint(b'c', text.trim().as_bytes()),
    }
}

/// An order id's fingerprint (0 is "no order").
pub(crate) fn order_fingerprint(order: &str) -> u128 {
    fingerprint(b'o', order.as_bytes())
}

/// A record's identity: its event id (its `own` `event_id`, else the `event_id`
/// `attribute`), else `text`, its JSON (for a record in a Kinesis envelope, the envelope's).
pub(crate) fn record_identity(own: Option<&str>, attribute: Option<&str>, text: &str) -> u128 {
    let id = [own, attribute]
        .into_iter()
        .flatten()
        .find(|id| !id.is_empty());
    event_identity(id, text)
}

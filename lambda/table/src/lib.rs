//! The attribution table in DynamoDB's terms, for the adapters: [`item`] is the table's
//! item (the public table contract: attribute names and types) to and from an
//! [`Attribution`](journey_attribution_core::Attribution); [`stream`] reads the table's
//! stream records (the JSON Lambda receives) into core's
//! [`StreamChange`](journey_attribution_core::StreamChange), one record at a time so a
//! malformed record fails alone. Core knows attributions and changes, not DynamoDB's
//! attribute values.

pub mod item;
pub mod stream;

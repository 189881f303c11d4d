//! Offline-first sync without I/O (DESIGN §4).
//!
//! [`protocol`] holds the wire shapes of `POST /sync/push` and `GET /sync/pull`; [`engine`]
//! decides what to push, applies push results and pulled changes and rebases conflicts with
//! the field-by-field [`merge`]; [`store`] is the local storage interface with an in-memory
//! implementation. Transport (fetch, HTTP) and persistence (IndexedDB) live outside core.

pub mod accept;
pub mod engine;
pub mod merge;
pub mod protocol;
pub mod store;

pub use accept::*;
pub use engine::*;
pub use merge::*;
pub use protocol::*;
pub use store::*;

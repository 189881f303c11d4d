//! The records of DESIGN §2, in the one JSON shape (snake_case, money as decimal strings) that
//! the server, the npm package and the web demo all share.

pub mod account;
pub mod budget;
pub mod contribution;
pub mod goal;
pub mod password_policy;
pub mod progress;
pub mod recommendation;
pub mod recommendation_edit;
pub mod session;
pub mod session_edit;
pub mod snapshot;
pub mod user;

pub use account::*;
pub use budget::*;
pub use contribution::*;
pub use goal::*;
pub use password_policy::*;
pub use progress::*;
pub use recommendation::*;
pub use recommendation_edit::*;
pub use session::*;
pub use session_edit::*;
pub use snapshot::*;
pub use user::*;

/// Serde helper for `Option<Option<T>>` in patches: absent = `None` (leave as is),
/// `null` = `Some(None)` (clear), a value = `Some(Some(v))` (set).
pub(crate) mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }

    pub fn serialize<T, S>(v: &Option<Option<T>>, s: S) -> Result<S::Ok, S::Error>
    where
        T: serde::Serialize,
        S: serde::Serializer,
    {
        match v {
            Some(Some(x)) => serde::Serialize::serialize(x, s),
            _ => s.serialize_none(),
        }
    }
}

//! Goal math (DESIGN §3): progress, trajectory, probability of reaching a goal on time,
//! replanning and recommendations. `as_of` is always an argument.

pub mod from_snapshot;
pub mod probability;
pub mod progress;
pub mod recommendations;
pub mod replan;
pub mod trajectory;

pub use from_snapshot::*;
pub use probability::*;
pub use progress::*;
pub use recommendations::*;
pub use replan::*;
pub use trajectory::*;

//! Analytics over budget snapshots (DESIGN §3): trends, anomalies, period comparison and
//! forecasts. Money sums are exact; statistics are `f64` computed from those sums.

pub mod anomalies;
pub mod compare;
pub mod forecast;
pub mod frame;
pub mod reads;
pub mod series;
pub mod stats;
pub mod trends;

pub use anomalies::*;
pub use compare::*;
pub use forecast::*;
pub use trends::*;

//! Authentication, one concern per file: [`passwords`] (argon2id on dedicated threads),
//! [`tokens`] (access JWTs and refresh tokens), [`user`] (the `AuthUser` extractor) and
//! [`rate_limit`] (the login limits, kept in the database), [`admin`] (the `AdminUser`
//! extractor).

pub mod admin;
pub mod external;
pub mod jwks;
pub mod oidc;
pub mod passwords;
pub mod rate_limit;
pub mod tokens;
pub mod user;

pub use admin::*;
pub use passwords::*;
pub use rate_limit::*;
pub use tokens::*;
pub use user::*;

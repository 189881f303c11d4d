//! Which passwords an account may choose, beyond their length: not the account's own email
//! address, and (with the `common-passwords` feature, on in the server) none of the 10,000 most
//! common passwords of public breach corpora (`core/data/common-passwords.txt`, source named in
//! `core/data/README.md`). Compared without regard to case. The npm package leaves the list out
//! (it would double the `.wasm`); the server, where accounts are made, always checks it.

use crate::validate::Validator;

use super::normalize_email;

#[cfg(feature = "common-passwords")]
static COMMON: &str = include_str!("../../data/common-passwords.txt");

/// Whether `password` is on the common-passwords list (always false without the feature).
pub fn is_common_password(password: &str) -> bool {
    #[cfg(feature = "common-passwords")]
    {
        use std::collections::HashSet;
        use std::sync::OnceLock;
        static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
        let set = SET.get_or_init(|| COMMON.lines().filter(|l| !l.is_empty()).collect());
        set.contains(password.to_lowercase().as_str())
    }
    #[cfg(not(feature = "common-passwords"))]
    {
        let _ = password;
        false
    }
}

/// Refuses, on `field`, a password that is the account's email address (or the part before
/// its `@`) or a common password.
pub fn check_password_choice(v: &mut Validator, field: String, password: &str, email: &str) {
    let p = password.trim().to_lowercase();
    let email = normalize_email(email);
    let local = email.split('@').next().unwrap_or_default();
    if p == email || (!local.is_empty() && p == local) {
        v.push(field, "must not be the email address");
    } else if is_common_password(password) {
        v.push(
            field,
            "is one of the 10,000 most common passwords, which are guessed first: choose another",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(password: &str, email: &str) -> Option<String> {
        let mut v = Validator::default();
        check_password_choice(&mut v, "password".into(), password, email);
        v.finish()
            .err()
            .map(|e| crate::Error::from(e).field_errors()[0].message.clone())
    }

    #[test]
    fn the_email_is_not_a_password() {
        assert!(refused("Ana@Example.com", "ana@example.com").is_some());
        assert!(refused("ana.lopez", "ana.lopez@example.com").is_some());
        assert!(refused("a long unusual passphrase", "ana@example.com").is_none());
    }

    #[cfg(feature = "common-passwords")]
    #[test]
    fn common_passwords_are_refused_in_any_case() {
        assert_eq!(COMMON.lines().count(), 10_000);
        for p in ["password", "PASSWORD", "12345678", "iloveyou", "trustno1"] {
            let m = refused(p, "x@example.com").unwrap();
            assert!(m.contains("most common"), "{p}: {m}");
        }
        assert!(refused("correct horse battery staple", "x@example.com").is_none());
    }
}

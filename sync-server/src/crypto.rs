//! Encryption at rest (AES-256-GCM) and the keyed hashes of the server.
//!
//! Each row's payload is sealed under the current key with a random 96-bit nonce; the owner's
//! id, the entity and the row's id are the associated data, so a ciphertext moved to another
//! row or another user fails to open. The key id is stored with the row, so older keys (from
//! config) still open old rows after a rotation.

use std::collections::HashMap;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::store::Sealed;

/// The keys of the server.
#[derive(Clone)]
pub struct Crypto {
    current_id: String,
    ciphers: HashMap<String, Aes256Gcm>,
    index_key: [u8; 32],
}

impl std::fmt::Debug for Crypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Crypto {{ current_id: {:?}, .. }}", self.current_id)
    }
}

/// A payload that does not open (wrong key, tampered, moved).
#[derive(Debug, thiserror::Error)]
#[error("a stored record could not be decrypted (key {0})")]
pub struct OpenError(pub String);

type HmacSha256 = Hmac<Sha256>;

fn aad(user: &str, entity: &str, id: &str) -> Vec<u8> {
    format!("lifepath:v1:{user}:{entity}:{id}").into_bytes()
}

impl Crypto {
    /// The keys of `config`.
    pub fn new(config: &Config) -> Crypto {
        let mut ciphers = HashMap::new();
        for k in config.old_keys.iter().chain([&config.encryption_key]) {
            ciphers.insert(k.id.clone(), Aes256Gcm::new(&k.key.into()));
        }
        // The blind-index key for emails is derived from the current key.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&config.encryption_key.key)
            .unwrap_or_else(|_| unreachable_mac());
        mac.update(b"lifepath email index v1");
        let index_key: [u8; 32] = mac.finalize().into_bytes().into();
        Crypto {
            current_id: config.encryption_key.id.clone(),
            ciphers,
            index_key,
        }
    }

    /// Seals `plain` for one row.
    pub fn seal(&self, user: &str, entity: &str, id: &str, plain: &[u8]) -> Result<Sealed, String> {
        let cipher = self
            .ciphers
            .get(&self.current_id)
            .ok_or_else(|| "the current key is missing".to_owned())?;
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| e.to_string())?;
        let data = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: &aad(user, entity, id),
                },
            )
            .map_err(|_| "encryption failed".to_owned())?;
        Ok(Sealed {
            key_id: self.current_id.clone(),
            nonce: nonce.to_vec(),
            data,
        })
    }

    /// Opens a row's payload.
    pub fn open(
        &self,
        user: &str,
        entity: &str,
        id: &str,
        sealed: &Sealed,
    ) -> Result<Vec<u8>, OpenError> {
        let err = || OpenError(sealed.key_id.clone());
        let cipher = self.ciphers.get(&sealed.key_id).ok_or_else(err)?;
        let nonce: [u8; 12] = sealed.nonce.as_slice().try_into().map_err(|_| err())?;
        cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &sealed.data,
                    aad: &aad(user, entity, id),
                },
            )
            .map_err(|_| err())
    }

    /// The blind index of a normalized email (HMAC-SHA256, hex).
    pub fn email_hash(&self, normalized_email: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.index_key)
            .unwrap_or_else(|_| unreachable_mac());
        mac.update(normalized_email.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl Crypto {
    /// The blind index of what must be unique among a user's records of `entity` (a
    /// transaction's fingerprint): HMAC-SHA256 of user, entity and value, hex.
    pub fn unique_key(&self, user: &str, entity: &str, value: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.index_key)
            .unwrap_or_else(|_| unreachable_mac());
        for part in [user, entity, value] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        hex::encode(mac.finalize().into_bytes())
    }
}

/// HMAC takes keys of any length, so construction cannot fail; this keeps `unwrap` out.
fn unreachable_mac() -> HmacSha256 {
    // A fixed 32-byte key is always accepted; reaching this is impossible in practice.
    match <HmacSha256 as Mac>::new_from_slice(&[0u8; 32]) {
        Ok(m) => m,
        Err(_) => std::process::abort(),
    }
}

/// sha256 of a token, hex (refresh tokens are stored only as this).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_rows_open_only_in_place() {
        let c = Crypto::new(&Config::for_tests("sqlite::memory:"));
        let s = c.seal("u1", "goal", "g1", b"secret 1234.50").unwrap();
        assert!(!s.data.windows(7).any(|w| w == b"1234.50"));
        assert_eq!(c.open("u1", "goal", "g1", &s).unwrap(), b"secret 1234.50");
        assert!(c.open("u2", "goal", "g1", &s).is_err());
        assert!(c.open("u1", "goal", "g2", &s).is_err());
        let mut t = s.clone();
        t.data[0] ^= 1;
        assert!(c.open("u1", "goal", "g1", &t).is_err());
        assert_eq!(c.email_hash("a@b.c"), c.email_hash("a@b.c"));
    }
}

//! Password hashing: argon2id (m = 19 MiB, t = 2, p = 1) on a fixed set of dedicated threads
//! behind a semaphore, each reusing one buffer; a dummy hash so unknown emails cost the same.

use std::sync::Arc;

use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tokio::sync::Semaphore;

use crate::error::{ApiError, Result};

/// argon2id memory cost in KiB (19 MiB).
pub const ARGON2_M_KIB: u32 = 19 * 1024;
/// argon2id passes.
pub const ARGON2_T: u32 = 2;
/// argon2id lanes.
pub const ARGON2_P: u32 = 1;

/// Password hashing with bounded concurrency: at most `concurrency` hashes run at once, each
/// on one of as many dedicated blocking threads (not the async workers, so logins never starve
/// other requests). Dedicated threads rather than tokio's growing blocking pool keep the 19 MiB
/// argon2 buffers in a fixed number of allocator arenas, so memory stays bounded after a login
/// storm.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    dummy_hash: Arc<String>,
    workers: Arc<Workers>,
}

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads running password hashes.
struct Workers {
    tx: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
}

impl Workers {
    fn new(n: usize) -> Result<Workers> {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for i in 0..n {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                            Err(_) => return,
                        }
                    }
                })
                .map_err(ApiError::internal)?;
        }
        Ok(Workers {
            tx: std::sync::Mutex::new(tx),
        })
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let (otx, orx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = otx.send(f());
        });
        self.tx
            .lock()
            .map_err(|_| ApiError::internal("password workers poisoned"))?
            .send(job)
            .map_err(ApiError::internal)?;
        orx.await.map_err(ApiError::internal)
    }
}

fn argon2() -> Result<Argon2<'static>> {
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None).map_err(ApiError::internal)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_now(password: &str) -> Result<String> {
    let hash = argon2()?
        .hash_password(password.as_bytes())
        .map_err(ApiError::internal)?;
    Ok(hash.to_string())
}

/// Largest argon2 memory (in blocks of 1 KiB) kept for reuse by a worker thread.
const MAX_REUSED_BLOCKS: usize = 64 * 1024;

thread_local! {
    /// Each password worker keeps one argon2 buffer for its whole life: allocating 19 MiB per
    /// login fragments the heap (RSS grew past 200 MiB in a login storm).
    static MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn hash_into(
    a: &Argon2<'_>,
    params: &Params,
    pwd: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<()> {
    let n = params.block_count();
    if n > MAX_REUSED_BLOCKS {
        return a
            .hash_password_into(pwd, salt, out)
            .map_err(ApiError::internal);
    }
    MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() < n {
            m.resize(n, argon2::Block::default());
        }
        a.hash_password_into_with_memory(pwd, salt, out, &mut m[..n])
            .map_err(ApiError::internal)
    })
}

/// A new argon2id PHC string, hashed in the worker's reused memory.
fn hash_reusing(password: &str) -> Result<String> {
    use argon2::password_hash::phc::{Output, ParamsString, Salt};
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None).map_err(ApiError::internal)?;
    let a = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(ApiError::internal)?;
    let mut out = [0u8; 32];
    hash_into(&a, &params, password.as_bytes(), &salt, &mut out)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(ApiError::internal)?,
        salt: Some(Salt::new(&salt).map_err(ApiError::internal)?),
        hash: Some(Output::new(&out).map_err(ApiError::internal)?),
    };
    Ok(phc.to_string())
}

/// Checks a password against a PHC string in the worker's reused memory (constant-time compare).
fn verify_reusing(password: &str, phc: &str) -> Result<bool> {
    let Ok(h) = PasswordHash::new(phc) else {
        return Ok(false);
    };
    let (Ok(params), Ok(alg)) = (
        Params::try_from(&h),
        Algorithm::try_from(h.algorithm.as_str()),
    ) else {
        return Ok(false);
    };
    let version = match h.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return Ok(false),
    };
    let (Some(salt), Some(expected)) = (&h.salt, &h.hash) else {
        return Ok(false);
    };
    let a = Argon2::new(alg, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    hash_into(&a, &params, password.as_bytes(), salt.as_ref(), &mut out)?;
    let diff = out
        .iter()
        .zip(expected.as_bytes())
        .fold(0u8, |d, (x, y)| d | (x ^ y));
    Ok(diff == 0 && out.len() == expected.len())
}

impl Passwords {
    /// `concurrency` hashes at once; computes the dummy hash used for unknown emails.
    pub fn new(concurrency: usize) -> Result<Passwords> {
        let mut random = [0u8; 24];
        getrandom::fill(&mut random).map_err(ApiError::internal)?;
        let dummy = hash_now(&URL_SAFE_NO_PAD.encode(random))?;
        Ok(Passwords {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: Arc::new(dummy),
            workers: Arc::new(Workers::new(concurrency.max(1))?),
        })
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: String) -> Result<String> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        self.workers.run(move || hash_reusing(&password)).await?
    }

    /// Checks a password; with no hash (unknown email) it checks against a dummy hash, so the
    /// answer takes the same time, and is false.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| (*self.dummy_hash).clone());
        let ok = self
            .workers
            .run(move || verify_reusing(&password, &hash))
            .await??;
        Ok(ok && known)
    }
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::PasswordVerifier;

    use super::*;

    #[test]
    fn reused_memory_hashes_are_standard_argon2id() {
        let phc = hash_reusing("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        // The standard verifier accepts ours, and ours accepts the standard hasher's.
        assert!(
            argon2()
                .unwrap()
                .verify_password(b"correct horse", phc.as_str())
                .is_ok()
        );
        assert!(verify_reusing("correct horse", &phc).unwrap());
        assert!(!verify_reusing("wrong horse", &phc).unwrap());
        let std_hash = hash_now("battery staple").unwrap();
        assert!(verify_reusing("battery staple", &std_hash).unwrap());
        assert!(!verify_reusing("battery staple", "not a hash").unwrap());
    }
}

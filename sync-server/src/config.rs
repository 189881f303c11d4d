//! Configuration: defaults, then `LIFEPATH_*` environment variables (and `DATABASE_URL`), then
//! command-line flags. Secrets (the JWT secret and the encryption key) are required in
//! production; in development mode they are generated once and kept in a file beside the
//! database (mode 0600), so a restart loses nothing. `Debug` never prints a secret.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use clap::Parser;
use serde::{Deserialize, Serialize};

/// Command-line flags; each has a `LIFEPATH_*` environment variable.
#[derive(Parser, Clone)]
#[command(name = "lifepath-server", version, about = "The lifepath sync server")]
pub struct Flags {
    /// Database: `sqlite://path.db` (default) or `postgres://user:pass@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://lifepath.db")]
    pub database_url: String,
    /// Address to listen on.
    #[arg(long, env = "LIFEPATH_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// HS256 secret for access tokens (at least 32 bytes).
    #[arg(long, env = "LIFEPATH_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// AES-256-GCM key for data at rest: 32 bytes, base64.
    #[arg(long, env = "LIFEPATH_ENCRYPTION_KEY", hide_env_values = true)]
    pub encryption_key: Option<String>,
    /// Id stored with every row encrypted under `encryption_key`.
    #[arg(long, env = "LIFEPATH_ENCRYPTION_KEY_ID", default_value = "k1")]
    pub encryption_key_id: String,
    /// Older keys still accepted for reading: `id:base64,id:base64`.
    #[arg(long, env = "LIFEPATH_OLD_ENCRYPTION_KEYS", hide_env_values = true)]
    pub old_encryption_keys: Option<String>,
    /// Production mode: refuse to start without secrets.
    #[arg(long, env = "LIFEPATH_PRODUCTION", default_value_t = false)]
    pub production: bool,
    /// `development` (default) or `production` (same as `--production`).
    #[arg(long, env = "LIFEPATH_ENV", default_value = "development")]
    pub env: String,
    /// Where development secrets are kept (default: beside the SQLite file).
    #[arg(long, env = "LIFEPATH_SECRETS_FILE")]
    pub secrets_file: Option<PathBuf>,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    #[arg(long, env = "LIFEPATH_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,
    /// Password hashes computed at once (argon2id, 19 MiB each).
    #[arg(long, env = "LIFEPATH_ARGON2_CONCURRENCY")]
    pub argon2_concurrency: Option<usize>,
    /// Database connections in the pool.
    #[arg(long, env = "LIFEPATH_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,
    /// SQLite `synchronous` pragma: `full` (default: every acknowledged write survives power
    /// loss) or `normal` (WAL: survives a process crash, not power loss; faster writes).
    #[arg(long, env = "LIFEPATH_SQLITE_SYNCHRONOUS", default_value = "full")]
    pub sqlite_synchronous: String,
    /// Serve the web demo's static files from this directory at `/`.
    #[arg(long, env = "LIFEPATH_STATIC_DIR")]
    pub static_dir: Option<PathBuf>,
    /// Log format: `text` or `json`.
    #[arg(long, env = "LIFEPATH_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    /// Days a deletion tombstone is kept for syncing devices before it is purged.
    #[arg(long, env = "LIFEPATH_TOMBSTONE_DAYS", default_value_t = 90)]
    pub tombstone_days: u32,
    /// Days audit events are kept.
    #[arg(long, env = "LIFEPATH_AUDIT_DAYS", default_value_t = 365)]
    pub audit_days: u32,
    /// Seconds an instance trusts its cached "tokens valid after" instant of a user before it
    /// reads it again: the longest a revocation made on another instance takes to reach this
    /// one (a revocation on this instance applies at once).
    #[arg(long, env = "LIFEPATH_REVOCATION_CHECK_SECS", default_value_t = 5)]
    pub revocation_check_secs: u64,
    /// Accounts one client address may create per hour (`0`: no limit, for test setups).
    #[arg(
        long,
        env = "LIFEPATH_REGISTRATIONS_PER_IP_PER_HOUR",
        default_value_t = 20
    )]
    pub registrations_per_ip_per_hour: u32,
    /// The largest stored record, in KiB of JSON (REST and sync push alike; larger is 413).
    #[arg(long, env = "LIFEPATH_MAX_RECORD_KB", default_value_t = 256)]
    pub max_record_kb: u64,
    /// What one user may store, in MB (`0`: no quota).
    #[arg(long, env = "LIFEPATH_USER_QUOTA_MB", default_value_t = 100)]
    pub user_quota_mb: u64,
    /// Seconds a client has to send a request's headers.
    #[arg(long, env = "LIFEPATH_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Seconds a request body may go without sending a byte.
    #[arg(long, env = "LIFEPATH_BODY_TIMEOUT_SECS", default_value_t = 30)]
    pub body_timeout_secs: u64,
    /// Seconds an idle keep-alive connection is kept open.
    #[arg(long, env = "LIFEPATH_IDLE_TIMEOUT_SECS", default_value_t = 60)]
    pub idle_timeout_secs: u64,
    /// Open connections at most (default: three quarters of the process's file limit); a
    /// connection over the cap waits in the listen backlog.
    #[arg(long, env = "LIFEPATH_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Seconds a graceful shutdown waits for requests in flight before it closes them.
    #[arg(long, env = "LIFEPATH_SHUTDOWN_TIMEOUT_SECS", default_value_t = 10)]
    pub shutdown_timeout_secs: u64,
    /// Serve `/metrics` on this separate address (e.g. `127.0.0.1:9090`); unset: not served.
    #[arg(long, env = "LIFEPATH_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
    /// Also serve `/metrics` on the API port, to requests with `Authorization: Bearer <this>`.
    #[arg(long, env = "LIFEPATH_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Accept a host app's own access tokens from this issuer (`iss`), with `_AUDIENCE` and
    /// `_JWKS_URL`: all three or none.
    #[arg(long, env = "LIFEPATH_EXTERNAL_JWT_ISSUER")]
    pub external_jwt_issuer: Option<String>,
    /// The `aud` the host app's tokens carry for lifepath.
    #[arg(long, env = "LIFEPATH_EXTERNAL_JWT_AUDIENCE")]
    pub external_jwt_audience: Option<String>,
    /// Where the host app publishes its signing keys (a JWKS, https; http only on loopback).
    #[arg(long, env = "LIFEPATH_EXTERNAL_JWT_JWKS_URL")]
    pub external_jwt_jwks_url: Option<String>,
    /// The public origin of this server (`https://budget.example.com`): OpenID redirect URIs
    /// default to `{this}/api/v1/auth/oidc/{name}/callback`.
    #[arg(long, env = "LIFEPATH_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// OpenID Connect providers to offer, by name (`google,apple,NAME…`); each configured by
    /// `LIFEPATH_OIDC_<NAME>_ISSUER` (preset for google and apple), `_CLIENT_ID`,
    /// `_CLIENT_SECRET` (apple: `_TEAM_ID`, `_KEY_ID`, `_PRIVATE_KEY` instead) and
    /// `_REDIRECT_URI`.
    #[arg(long, env = "LIFEPATH_OIDC_PROVIDERS")]
    pub oidc_providers: Option<String>,
    /// Where a browser lands after an OpenID sign-in, with `?login_code=` (default `/`).
    #[arg(long, env = "LIFEPATH_OIDC_APP_REDIRECT", default_value = "/")]
    pub oidc_app_redirect: String,
    /// SMTP server for email, in lettre's URL form: `smtps://user:pass@host:465`,
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtp://127.0.0.1:2525` (plain).
    #[arg(long, env = "LIFEPATH_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Seconds before the first retry of a failed webhook delivery; each next one waits twice as
    /// long (with jitter), at most an hour, for 24 hours.
    #[arg(long, env = "LIFEPATH_WEBHOOK_RETRY_BASE_SECS", default_value_t = 10)]
    pub webhook_retry_base_secs: u64,
    /// The sender of every email.
    #[arg(
        long,
        env = "LIFEPATH_SMTP_FROM",
        default_value = "lifepath <no-reply@localhost>"
    )]
    pub smtp_from: String,
    /// The page of a password reset link (the token is added as `?token=`); default
    /// `{LIFEPATH_PUBLIC_URL}/#/reset-password`.
    #[arg(long, env = "LIFEPATH_PASSWORD_RESET_URL")]
    pub password_reset_url: Option<String>,
    /// A one-off command instead of serving (the database and secrets of the flags above).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `lifepath-server <command>`: operations run from the command line only.
#[derive(clap::Subcommand, Clone, Debug)]
pub enum Command {
    /// Admin and support roles.
    Admin {
        /// What to do.
        #[command(subcommand)]
        action: AdminCommand,
    },
}

/// `lifepath-server admin …`.
#[derive(clap::Subcommand, Clone, Debug)]
pub enum AdminCommand {
    /// Grants the `admin` role to the account with this email (the only way to grant it).
    Grant {
        /// The account's email.
        email: String,
    },
    /// Takes the `admin` role from the account with this email.
    Revoke {
        /// The account's email.
        email: String,
    },
    /// Prints the source design's success metrics (aggregates only), as `GET /admin/metrics`.
    Metrics {
        /// First month, YYYY-MM (default: `--to`).
        #[arg(long)]
        from: Option<String>,
        /// Last month, YYYY-MM (default: this month).
        #[arg(long)]
        to: Option<String>,
        /// JSON (the route's answer) instead of the table.
        #[arg(long)]
        json: bool,
    },
}

/// One AES-256 key and its id.
#[derive(Clone)]
pub struct EncryptionKey {
    /// Stored with each row so rotation knows which key to use.
    pub id: String,
    /// The key.
    pub key: [u8; 32],
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptionKey {{ id: {:?}, key: <redacted> }}", self.id)
    }
}

/// The server's resolved configuration.
#[derive(Clone)]
pub struct Config {
    /// Database URL.
    pub database_url: String,
    /// Listen address.
    pub bind: SocketAddr,
    /// JWT HS256 secret.
    pub jwt_secret: Vec<u8>,
    /// The key new rows are encrypted with.
    pub encryption_key: EncryptionKey,
    /// Older keys, for reading.
    pub old_keys: Vec<EncryptionKey>,
    /// Production mode.
    pub production: bool,
    /// Trust `X-Forwarded-For`.
    pub trust_forwarded_for: bool,
    /// Concurrent argon2 hashes.
    pub argon2_concurrency: usize,
    /// Pool size.
    pub db_max_connections: u32,
    /// `text` or `json`.
    pub log_format: String,
    /// `full` or `normal`.
    pub sqlite_synchronous: String,
    /// Static files served at `/`.
    pub static_dir: Option<PathBuf>,
    /// Tombstone retention.
    pub tombstone_days: u32,
    /// Audit retention.
    pub audit_days: u32,
    /// How long a cached token revocation instant is trusted (s).
    pub revocation_check_secs: u64,
    /// Access token lifetime in seconds.
    pub access_ttl_secs: i64,
    /// Refresh token lifetime in seconds.
    pub refresh_ttl_secs: i64,
    /// How long a rotated refresh token, presented again, answers the same new pair (ms;
    /// DESIGN §5: 10 s, two tabs refreshing at once); later reuse revokes its family.
    pub refresh_reuse_ms: i64,
    /// Where development secrets were read from or written to, and whether they were new.
    pub secrets_origin: SecretsOrigin,
    /// Registrations per client address per hour (0: unlimited).
    pub registrations_per_ip_per_hour: u32,
    /// The largest stored record, bytes of JSON.
    pub max_record_bytes: usize,
    /// What one user may store, bytes (0: no quota).
    pub user_quota_bytes: i64,
    /// Header-read timeout.
    pub header_timeout_secs: u64,
    /// Body-read timeout (without progress).
    pub body_timeout_secs: u64,
    /// Idle keep-alive timeout.
    pub idle_timeout_secs: u64,
    /// Open connections at most.
    pub max_connections: usize,
    /// Graceful shutdown bound.
    pub shutdown_timeout_secs: u64,
    /// Where `/metrics` is served (None: nowhere).
    pub metrics_bind: Option<SocketAddr>,
    /// The bearer token of `/metrics` on the API port (None: not served there).
    pub metrics_token: Option<String>,
    /// A host app's access tokens accepted (issuer, audience, JWKS URL).
    pub external_jwt: Option<ExternalJwt>,
    /// The public origin (no trailing slash), when configured.
    pub public_url: Option<String>,
    /// The OpenID Connect providers offered.
    pub oidc: Vec<OidcProvider>,
    /// Where a browser lands after an OpenID sign-in (`?login_code=` added).
    pub oidc_app_redirect: String,
    /// First webhook retry delay, seconds.
    pub webhook_retry_base_secs: u64,
    /// SMTP URL (never logged).
    pub smtp_url: Option<String>,
    /// Sender address.
    pub smtp_from: String,
    /// The page of a password reset link, when configured.
    pub password_reset_url: Option<String>,
}

/// Apple's client secret is a short-lived ES256 JWT the server signs with its key.
#[derive(Clone)]
pub struct AppleKey {
    /// The Apple developer team id (`iss`).
    pub team_id: String,
    /// The key's id (`kid`).
    pub key_id: String,
    /// The `.p8` private key, PEM.
    pub private_key_pem: String,
}

/// One OpenID Connect provider (`LIFEPATH_OIDC_<NAME>_*`).
#[derive(Clone)]
pub struct OidcProvider {
    /// The name in the routes (`google`, `apple`, …), lower case.
    pub name: String,
    /// Its issuer; the discovery document is `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// lifepath's client id there.
    pub client_id: String,
    /// lifepath's client secret there (`None` for Apple, whose secret is signed per request).
    pub client_secret: Option<String>,
    /// Apple's signing key for the client secret.
    pub apple: Option<AppleKey>,
    /// The callback registered with the provider.
    pub redirect_uri: String,
    /// `form_post` (Apple, when asking for the email or name) or `None` (query).
    pub response_mode: Option<String>,
}

impl fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcProvider")
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// The providers named in `LIFEPATH_OIDC_PROVIDERS`, read from `env` (the process environment,
/// or a map in tests).
pub fn oidc_providers(
    names: Option<&str>,
    public_url: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<OidcProvider>, ConfigError> {
    let mut out = Vec::new();
    for name in names.unwrap_or("").split(',').map(str::trim) {
        if name.is_empty() {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        if !lower
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            return Err(ConfigError::Invalid(format!(
                "LIFEPATH_OIDC_PROVIDERS: {name:?} is not a name (letters, digits, - and _)"
            )));
        }
        let upper = lower.to_ascii_uppercase().replace('-', "_");
        let var = |k: &str| env(&format!("LIFEPATH_OIDC_{upper}_{k}")).filter(|v| !v.is_empty());
        let need = |k: &str| {
            var(k).ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "LIFEPATH_OIDC_{upper}_{k} is required for the provider {lower}"
                ))
            })
        };
        let issuer = match (lower.as_str(), var("ISSUER")) {
            (_, Some(i)) => i,
            ("google", None) => "https://accounts.google.com".to_owned(),
            ("apple", None) => "https://appleid.apple.com".to_owned(),
            _ => need("ISSUER")?,
        };
        check_provider_url(&format!("LIFEPATH_OIDC_{upper}_ISSUER"), &issuer)?;
        let apple = if lower == "apple" && var("CLIENT_SECRET").is_none() {
            Some(AppleKey {
                team_id: need("TEAM_ID")?,
                key_id: need("KEY_ID")?,
                private_key_pem: need("PRIVATE_KEY")?.replace("\\n", "\n"),
            })
        } else {
            None
        };
        let client_secret = if apple.is_some() {
            None
        } else {
            Some(need("CLIENT_SECRET")?)
        };
        let redirect_uri = match (var("REDIRECT_URI"), public_url) {
            (Some(r), _) => r,
            (None, Some(p)) => format!("{p}/api/v1/auth/oidc/{lower}/callback"),
            (None, None) => {
                return Err(ConfigError::Invalid(format!(
                    "the provider {lower} needs LIFEPATH_PUBLIC_URL (or \
                     LIFEPATH_OIDC_{upper}_REDIRECT_URI) for its callback address"
                )));
            }
        };
        let response_mode =
            var("RESPONSE_MODE").or_else(|| (lower == "apple").then(|| "form_post".to_owned()));
        out.push(OidcProvider {
            client_id: need("CLIENT_ID")?,
            name: lower,
            issuer: issuer.trim_end_matches('/').to_owned(),
            client_secret,
            apple,
            redirect_uri,
            response_mode,
        });
    }
    Ok(out)
}

/// `LIFEPATH_EXTERNAL_JWT_*`: the host app whose access tokens are accepted.
#[derive(Clone, Debug)]
pub struct ExternalJwt {
    /// `iss` of its tokens.
    pub issuer: String,
    /// `aud` of its tokens.
    pub audience: String,
    /// Its JWKS.
    pub jwks_url: String,
    /// An unknown `kid` fetches the JWKS again at most this often (ms; 10 s).
    pub min_refetch_ms: u64,
}

/// An identity provider's URL: https, or http on a loopback host (tests, development).
pub fn check_provider_url(name: &str, url: &str) -> Result<(), ConfigError> {
    let ok = match url.split_once("://") {
        Some(("https", rest)) => !rest.is_empty(),
        Some(("http", rest)) => {
            let host = rest.split(['/', '?']).next().unwrap_or("");
            let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
            matches!(host, "127.0.0.1" | "localhost" | "[::1]")
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Invalid(format!(
            "{name} must be an https:// URL (http:// only on a loopback host), not {url:?}"
        )))
    }
}

/// Where the secrets came from (for the start-up log line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretsOrigin {
    /// Flags or environment.
    Configured,
    /// An existing development secrets file.
    DevFile(PathBuf),
    /// A development secrets file written at this start.
    DevGenerated(PathBuf),
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("jwt_secret", &"<redacted>")
            .field("encryption_key", &self.encryption_key)
            .field("old_keys", &self.old_keys)
            .field("production", &self.production)
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .field("argon2_concurrency", &self.argon2_concurrency)
            .field("db_max_connections", &self.db_max_connections)
            .field("secrets_origin", &self.secrets_origin)
            .finish_non_exhaustive()
    }
}

/// A database URL with its password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A start-up configuration problem, said plainly.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A secret is missing in production.
    #[error(
        "{0} is required in production mode (set it in the environment, or run without \
         --production / LIFEPATH_ENV=production to use generated development secrets)"
    )]
    MissingSecret(&'static str),
    /// A value is malformed.
    #[error("{0}")]
    Invalid(String),
    /// The development secrets file could not be read or written.
    #[error("development secrets file {path}: {message}")]
    SecretsFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

#[derive(Serialize, Deserialize)]
struct DevSecrets {
    jwt_secret: String,
    encryption_key: String,
    encryption_key_id: String,
}

fn random_bytes<const N: usize>() -> Result<[u8; N], ConfigError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| ConfigError::Invalid(format!("no randomness: {e}")))?;
    Ok(b)
}

fn parse_key(id: &str, b64: &str) -> Result<EncryptionKey, ConfigError> {
    let bytes = B64
        .decode(b64.trim())
        .map_err(|_| ConfigError::Invalid(format!("encryption key {id:?} is not valid base64")))?;
    let key: [u8; 32] = bytes.try_into().map_err(|_| {
        ConfigError::Invalid(format!("encryption key {id:?} must be 32 bytes (base64)"))
    })?;
    if id.is_empty() || id.len() > 32 {
        return Err(ConfigError::Invalid(
            "encryption key id must be 1 to 32 characters".into(),
        ));
    }
    Ok(EncryptionKey {
        id: id.to_owned(),
        key,
    })
}

/// The directory of a SQLite URL's file (the current directory for PostgreSQL or memory).
pub fn database_dir(url: &str) -> PathBuf {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p));
    match path {
        Some(p) if !p.is_empty() && !p.starts_with(":memory:") => Path::new(p)
            .parent()
            .map(|d| {
                if d.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    d.to_path_buf()
                }
            })
            .unwrap_or_else(|| PathBuf::from(".")),
        _ => PathBuf::from("."),
    }
}

fn load_or_create_dev_secrets(path: &Path) -> Result<(DevSecrets, bool), ConfigError> {
    let err = |message: String| ConfigError::SecretsFile {
        path: path.to_path_buf(),
        message,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let s: DevSecrets =
                serde_json::from_str(&text).map_err(|_| err("is not valid JSON".into()))?;
            Ok((s, false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let s = DevSecrets {
                jwt_secret: B64.encode(random_bytes::<48>()?),
                encryption_key: B64.encode(random_bytes::<32>()?),
                encryption_key_id: "dev1".into(),
            };
            if let Some(dir) = path.parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
            }
            let text = serde_json::to_string_pretty(&s).map_err(|e| err(e.to_string()))?;
            write_private(path, text.as_bytes()).map_err(|e| err(e.to_string()))?;
            Ok((s, true))
        }
        Err(e) => Err(err(e.to_string())),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

impl Config {
    /// Resolves flags into a configuration, generating development secrets when allowed.
    pub fn from_flags(flags: Flags) -> Result<Config, ConfigError> {
        let production = flags.production || flags.env.eq_ignore_ascii_case("production");
        if !production && !flags.env.eq_ignore_ascii_case("development") {
            return Err(ConfigError::Invalid(format!(
                "LIFEPATH_ENV must be `development` or `production`, not {:?}",
                flags.env
            )));
        }
        let mut origin = SecretsOrigin::Configured;
        let (jwt, key) = match (flags.jwt_secret.clone(), flags.encryption_key.clone()) {
            (Some(j), Some(k)) => (j, parse_key(&flags.encryption_key_id, &k)?),
            (j, k) => {
                if production {
                    return Err(ConfigError::MissingSecret(if j.is_none() {
                        "LIFEPATH_JWT_SECRET"
                    } else {
                        "LIFEPATH_ENCRYPTION_KEY"
                    }));
                }
                let path = flags.secrets_file.clone().unwrap_or_else(|| {
                    database_dir(&flags.database_url).join("lifepath.secrets.json")
                });
                let (dev, created) = load_or_create_dev_secrets(&path)?;
                origin = if created {
                    SecretsOrigin::DevGenerated(path)
                } else {
                    SecretsOrigin::DevFile(path)
                };
                let key = match k {
                    Some(k) => parse_key(&flags.encryption_key_id, &k)?,
                    None => parse_key(&dev.encryption_key_id, &dev.encryption_key)?,
                };
                (j.unwrap_or(dev.jwt_secret), key)
            }
        };
        if jwt.len() < 32 {
            return Err(ConfigError::Invalid(
                "LIFEPATH_JWT_SECRET must be at least 32 bytes".into(),
            ));
        }
        let mut old_keys = Vec::new();
        if let Some(list) = &flags.old_encryption_keys {
            for item in list.split(',').filter(|s| !s.trim().is_empty()) {
                let (id, k) = item.split_once(':').ok_or_else(|| {
                    ConfigError::Invalid("LIFEPATH_OLD_ENCRYPTION_KEYS is `id:base64,…`".into())
                })?;
                old_keys.push(parse_key(id.trim(), k)?);
            }
        }
        if flags.log_format != "text" && flags.log_format != "json" {
            return Err(ConfigError::Invalid(
                "LIFEPATH_LOG_FORMAT must be `text` or `json`".into(),
            ));
        }
        let sync = flags.sqlite_synchronous.to_ascii_lowercase();
        if sync != "full" && sync != "normal" {
            return Err(ConfigError::Invalid(
                "LIFEPATH_SQLITE_SYNCHRONOUS must be `full` or `normal`".into(),
            ));
        }
        let external_jwt = match (
            flags.external_jwt_issuer.clone().filter(|v| !v.is_empty()),
            flags
                .external_jwt_audience
                .clone()
                .filter(|v| !v.is_empty()),
            flags
                .external_jwt_jwks_url
                .clone()
                .filter(|v| !v.is_empty()),
        ) {
            (None, None, None) => None,
            (Some(issuer), Some(audience), Some(jwks_url)) => {
                check_provider_url("LIFEPATH_EXTERNAL_JWT_JWKS_URL", &jwks_url)?;
                Some(ExternalJwt {
                    issuer,
                    audience,
                    jwks_url,
                    min_refetch_ms: 10_000,
                })
            }
            _ => {
                return Err(ConfigError::Invalid(
                    "LIFEPATH_EXTERNAL_JWT_ISSUER, _AUDIENCE and _JWKS_URL go together: set all \
                     three or none"
                        .into(),
                ));
            }
        };
        let public_url = flags
            .public_url
            .clone()
            .filter(|u| !u.is_empty())
            .map(|u| u.trim_end_matches('/').to_owned());
        let oidc = oidc_providers(
            flags.oidc_providers.as_deref(),
            public_url.as_deref(),
            &|k| std::env::var(k).ok(),
        )?;
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Ok(Config {
            database_url: flags.database_url,
            bind: flags.bind,
            jwt_secret: jwt.into_bytes(),
            encryption_key: key,
            old_keys,
            production,
            trust_forwarded_for: flags.trust_forwarded_for,
            argon2_concurrency: flags.argon2_concurrency.unwrap_or(cores).max(1),
            db_max_connections: flags.db_max_connections.max(1),
            log_format: flags.log_format,
            sqlite_synchronous: sync,
            static_dir: flags.static_dir,
            tombstone_days: flags.tombstone_days,
            audit_days: flags.audit_days,
            revocation_check_secs: flags.revocation_check_secs,
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 3600,
            refresh_reuse_ms: 10_000,
            secrets_origin: origin,
            registrations_per_ip_per_hour: flags.registrations_per_ip_per_hour,
            max_record_bytes: (flags.max_record_kb.max(1) as usize).saturating_mul(1024),
            user_quota_bytes: (flags.user_quota_mb as i64).saturating_mul(1_000_000),
            header_timeout_secs: flags.header_timeout_secs.max(1),
            body_timeout_secs: flags.body_timeout_secs.max(1),
            idle_timeout_secs: flags.idle_timeout_secs.max(1),
            max_connections: flags
                .max_connections
                .unwrap_or_else(default_max_connections),
            shutdown_timeout_secs: flags.shutdown_timeout_secs,
            metrics_bind: flags.metrics_bind,
            metrics_token: flags.metrics_token.filter(|t| !t.is_empty()),
            external_jwt,
            public_url,
            oidc,
            oidc_app_redirect: flags.oidc_app_redirect,
            smtp_url: flags.smtp_url.filter(|u| !u.is_empty()),
            webhook_retry_base_secs: flags.webhook_retry_base_secs.max(1),
            smtp_from: flags.smtp_from,
            password_reset_url: flags.password_reset_url.filter(|u| !u.is_empty()),
        })
    }

    /// A configuration for tests: fixed secrets, the given database.
    pub fn for_tests(database_url: &str) -> Config {
        Config {
            database_url: database_url.to_owned(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            jwt_secret: b"test-secret-test-secret-test-secret!".to_vec(),
            encryption_key: EncryptionKey {
                id: "t1".into(),
                key: [7u8; 32],
            },
            old_keys: Vec::new(),
            production: false,
            trust_forwarded_for: true,
            argon2_concurrency: 2,
            db_max_connections: 8,
            log_format: "text".into(),
            sqlite_synchronous: "full".into(),
            static_dir: None,
            tombstone_days: 90,
            audit_days: 365,
            revocation_check_secs: 5,
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 3600,
            refresh_reuse_ms: 10_000,
            secrets_origin: SecretsOrigin::Configured,
            registrations_per_ip_per_hour: 0,
            max_record_bytes: 256 * 1024,
            user_quota_bytes: 100_000_000,
            header_timeout_secs: 10,
            body_timeout_secs: 30,
            idle_timeout_secs: 60,
            max_connections: 10_000,
            shutdown_timeout_secs: 10,
            metrics_bind: None,
            metrics_token: None,
            external_jwt: None,
            public_url: None,
            oidc: Vec::new(),
            oidc_app_redirect: "/".into(),
            smtp_url: None,
            webhook_retry_base_secs: 10,
            smtp_from: "lifepath <no-reply@localhost>".into(),
            password_reset_url: None,
        }
    }
}

/// Three quarters of the process's open-file limit (the rest is for the database, logs and
/// the listener), at least 64; 10,000 where the limit can't be read.
fn default_max_connections() -> usize {
    #[cfg(unix)]
    {
        if let Ok(text) = std::fs::read_to_string("/proc/self/limits")
            && let Some(line) = text.lines().find(|l| l.starts_with("Max open files"))
            && let Some(soft) = line.split_whitespace().nth(3)
            && let Ok(n) = soft.parse::<usize>()
        {
            return (n / 4 * 3).max(64);
        }
    }
    10_000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(args: &[&str]) -> Flags {
        let mut all = vec!["lifepath-server"];
        all.extend_from_slice(args);
        Flags::try_parse_from(all).unwrap()
    }

    #[test]
    fn production_requires_secrets() {
        let err = Config::from_flags(flags(&["--production", "--database-url", "sqlite://x.db"]))
            .unwrap_err();
        assert!(err.to_string().contains("LIFEPATH_JWT_SECRET is required"));
    }

    #[test]
    fn dev_secrets_are_generated_once_and_private() {
        let dir = std::env::temp_dir().join(format!("lp-cfg-{}", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}/db.sqlite", dir.display());
        let a = Config::from_flags(flags(&["--database-url", &url])).unwrap();
        assert!(matches!(a.secrets_origin, SecretsOrigin::DevGenerated(_)));
        let b = Config::from_flags(flags(&["--database-url", &url])).unwrap();
        assert!(matches!(b.secrets_origin, SecretsOrigin::DevFile(_)));
        assert_eq!(a.jwt_secret, b.jwt_secret);
        assert_eq!(a.encryption_key.key, b.encryption_key.key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("lifepath.secrets.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let shown = format!("{a:?}");
        assert!(shown.contains("<redacted>"));
        assert!(!shown.contains(&String::from_utf8_lossy(&a.jwt_secret).to_string()));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
    }

    #[test]
    fn openid_providers_from_the_environment() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let google = env(&[
            ("LIFEPATH_OIDC_GOOGLE_CLIENT_ID", "g-id"),
            ("LIFEPATH_OIDC_GOOGLE_CLIENT_SECRET", "g-secret"),
            ("LIFEPATH_OIDC_APPLE_CLIENT_ID", "com.example.web"),
            ("LIFEPATH_OIDC_APPLE_TEAM_ID", "TEAM"),
            ("LIFEPATH_OIDC_APPLE_KEY_ID", "KEY"),
            (
                "LIFEPATH_OIDC_APPLE_PRIVATE_KEY",
                "-----BEGIN PRIVATE KEY-----\\n…",
            ),
        ]);
        let p = oidc_providers(Some("google, apple"), Some("https://b.example"), &google).unwrap();
        assert_eq!(p[0].issuer, "https://accounts.google.com");
        assert_eq!(
            p[0].redirect_uri,
            "https://b.example/api/v1/auth/oidc/google/callback"
        );
        assert_eq!(p[0].response_mode, None);
        assert_eq!(p[1].issuer, "https://appleid.apple.com");
        assert_eq!(p[1].response_mode.as_deref(), Some("form_post"));
        assert!(p[1].client_secret.is_none() && p[1].apple.is_some());
        // Missing pieces are start-up errors naming the variable.
        let e = oidc_providers(Some("google"), None, &google).unwrap_err();
        assert!(e.to_string().contains("LIFEPATH_PUBLIC_URL"), "{e}");
        let e = oidc_providers(Some("corp"), Some("https://b.example"), &google).unwrap_err();
        assert!(e.to_string().contains("LIFEPATH_OIDC_CORP_ISSUER"), "{e}");
        let plain = env(&[
            ("LIFEPATH_OIDC_CORP_ISSUER", "http://idp.example"),
            ("LIFEPATH_OIDC_CORP_CLIENT_ID", "c"),
            ("LIFEPATH_OIDC_CORP_CLIENT_SECRET", "s"),
        ]);
        let e = oidc_providers(Some("corp"), Some("https://b.example"), &plain).unwrap_err();
        assert!(e.to_string().contains("https://"), "{e}");
        assert!(oidc_providers(Some("bad name!"), None, &plain).is_err());
    }
}

//! Email over SMTP with `lettre` (password reset now; the alerts later use the same settings):
//! `LIFEPATH_SMTP_URL` in lettre's URL form — `smtps://user:pass@host:465` (TLS from the
//! start), `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtp://127.0.0.1:2525` (plain,
//! a local relay or a test server) — and `LIFEPATH_SMTP_FROM`. Every message has a plain-text
//! and an HTML body. The URL holds a password: it is never logged.

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// The configured sender, or none (then nothing is sent and a warning says so).
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Option<Mailbox>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("configured", &self.transport.is_some())
            .finish()
    }
}

impl Mailer {
    /// From `LIFEPATH_SMTP_URL` and `LIFEPATH_SMTP_FROM`; a bad URL or address is an error.
    pub fn new(url: Option<&str>, from: &str) -> Result<Mailer, String> {
        let transport = match url {
            Some(u) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(u)
                    .map_err(|e| format!("LIFEPATH_SMTP_URL is not an SMTP URL lettre reads: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            ),
            None => None,
        };
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| format!("LIFEPATH_SMTP_FROM is not an address: {e}"))?;
        Ok(Mailer {
            transport,
            from: Some(from),
        })
    }

    /// No SMTP: messages are not sent.
    pub fn disabled() -> Mailer {
        Mailer {
            transport: None,
            from: None,
        }
    }

    /// Whether SMTP is configured.
    pub fn configured(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends one message with a plain-text and an HTML body.
    pub async fn send(
        &self,
        to: &str,
        subject: &str,
        text: String,
        html: String,
    ) -> Result<(), String> {
        let (Some(t), Some(from)) = (&self.transport, &self.from) else {
            return Err("SMTP is not configured (LIFEPATH_SMTP_URL)".into());
        };
        let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
        let msg = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject)
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| e.to_string())?;
        t.send(msg).await.map(|_| ()).map_err(|e| e.to_string())
    }
}

/// `&`, `<`, `>`, `"` and `'` escaped for an HTML body.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

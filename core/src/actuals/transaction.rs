//! The `Transaction` record: a dated amount (negative = money out), its payee, category slug
//! (null = uncategorised), account, notes, the import it came from, its fingerprint and how it
//! was categorised.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{TransactionId, UserId};
use crate::models::double_option;
use crate::money::{MAX_AMOUNT, Money};
use crate::period::{MAX_YEAR, MIN_YEAR};
use crate::validate::{Validate, Validator, is_slug, join};

/// The category of money moved between the user's own accounts: counted neither as income nor
/// as spending.
pub const TRANSFER: &str = "transfer";
/// Where rows without a category are totalled.
pub const UNCATEGORIZED: &str = "uncategorized";

/// How a transaction got its category.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CategorisedBy {
    /// Set by the person.
    User,
    /// By a rule (its id).
    Rule(String),
    /// Learned from the person's earlier corrections of this payee.
    Learned,
    /// Given by the imported file (a QIF category).
    File,
}

impl CategorisedBy {
    /// `"user"`, `"rule:<id>"`, `"learned"`, `"file"` (DESIGN §2).
    pub fn as_text(&self) -> String {
        match self {
            CategorisedBy::User => "user".into(),
            CategorisedBy::Rule(id) => format!("rule:{id}"),
            CategorisedBy::Learned => "learned".into(),
            CategorisedBy::File => "file".into(),
        }
    }

    /// The inverse of [`CategorisedBy::as_text`].
    pub fn parse(text: &str) -> Option<CategorisedBy> {
        match text {
            "user" => Some(CategorisedBy::User),
            "learned" => Some(CategorisedBy::Learned),
            "file" => Some(CategorisedBy::File),
            t => t
                .strip_prefix("rule:")
                .filter(|id| !id.is_empty())
                .map(|id| CategorisedBy::Rule(id.to_owned())),
        }
    }
}

/// One transaction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transaction {
    /// Id.
    pub id: TransactionId,
    /// The owner (set by the server; absent on a row imported offline and not yet synced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// The bank's calendar date.
    pub date: NaiveDate,
    /// Negative for money out, positive for money in; never 0.
    pub amount: Money,
    /// Who was paid, or who paid; 1–200 characters.
    pub payee: String,
    /// Category slug; `null` = uncategorised; `transfer` counts neither way.
    #[serde(default)]
    pub category: Option<String>,
    /// The account's name, ≤ 100 characters.
    #[serde(default)]
    pub account: Option<String>,
    /// Notes, ≤ 2000 characters.
    #[serde(default)]
    pub notes: Option<String>,
    /// The import it came from.
    #[serde(default)]
    pub import_id: Option<String>,
    /// See [`crate::actuals::fingerprint`].
    pub fingerprint: String,
    /// How it got its category (`user`, `rule:<id>`, `learned`, `file`).
    #[serde(default)]
    pub categorised_by: Option<String>,
    /// +1 on each change.
    #[serde(default = "one")]
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn one() -> i64 {
    1
}

/// What a client sends to add a transaction by hand.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransactionInput {
    /// The date.
    pub date: NaiveDate,
    /// Negative for money out.
    pub amount: Money,
    /// Payee.
    pub payee: String,
    /// Category slug, or null.
    #[serde(default)]
    pub category: Option<String>,
    /// Account.
    #[serde(default)]
    pub account: Option<String>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Text from a bank file made fit for a record: line breaks and tabs become spaces, other
/// control and bidirectional control characters are dropped, and the ends trimmed.
pub fn clean_text(s: &str) -> String {
    cleaned(s).into_owned()
}

/// [`clean_text`] without a copy when the text is clean already (the common case: an import
/// reads every cell).
pub(crate) fn cleaned(s: &str) -> std::borrow::Cow<'_, str> {
    let t = s.trim();
    let clean = if t.is_ascii() {
        !t.bytes().any(|b| b.is_ascii_control())
    } else {
        !t.chars()
            .any(|c| c.is_control() || crate::validate::is_bidi_control(c))
    };
    if clean {
        return std::borrow::Cow::Borrowed(t);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .filter_map(|c| match c {
                '\n' | '\r' | '\t' => Some(' '),
                c if c.is_control() || crate::validate::is_bidi_control(c) => None,
                c => Some(c),
            })
            .collect::<String>()
            .trim()
            .to_owned(),
    )
}

/// The first `max` characters of `s` (a copy only when it is longer).
pub(crate) fn at_most(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// An imported row as it is kept, or why it is refused (the data rules of every transaction:
/// a row a reader builds never reaches a store without passing them).
pub(crate) fn checked(t: Transaction) -> Result<Transaction, String> {
    match t.validate() {
        Ok(()) => Ok(t),
        Err(e) => Err(e.to_string()),
    }
}

/// A change to a transaction: only the fields given change; `null` clears `category`,
/// `account` or `notes`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransactionPatch {
    /// New date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// New amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// New payee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee: Option<String>,
    /// New category slug; `null`: uncategorised.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub category: Option<Option<String>>,
    /// New account; `null`: none.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub account: Option<Option<String>>,
    /// New notes; `null`: none.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub notes: Option<Option<String>>,
}

/// The checked fields of a transaction, borrowed (checking a row copies nothing, and a field's
/// name is built only when it is wrong: an import checks every row).
struct Fields<'a> {
    date: NaiveDate,
    amount: Money,
    payee: &'a str,
    category: Option<&'a str>,
    account: Option<&'a str>,
    notes: Option<&'a str>,
}

fn check(v: &mut Validator, path: &str, t: &Fields<'_>) {
    use crate::validate::text_problem;
    if !(MIN_YEAR..=MAX_YEAR).contains(&t.date.year()) {
        v.date(join(path, "date"), t.date);
    }
    let amount = t.amount;
    if amount.is_zero() || !amount.has_cents_precision() || amount.abs().as_decimal() > MAX_AMOUNT {
        v.push(
            join(path, "amount"),
            "must not be 0, with at most 2 decimals (negative for money out)",
        );
    }
    if let Some(p) = text_problem(t.payee, 1, 200) {
        v.push(join(path, "payee"), p);
    }
    if let Some(c) = t.category
        && !is_slug(c)
    {
        v.slug(join(path, "category"), c);
    }
    if let Some(p) = t.account.and_then(|a| text_problem(a, 0, 100)) {
        v.push(join(path, "account"), p);
    }
    if let Some(p) = t.notes.and_then(|n| text_problem(n, 0, 2000)) {
        v.push(join(path, "notes"), p);
    }
}

impl Validate for TransactionInput {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        check(
            v,
            path,
            &Fields {
                date: self.date,
                amount: self.amount,
                payee: &self.payee,
                category: self.category.as_deref(),
                account: self.account.as_deref(),
                notes: self.notes.as_deref(),
            },
        );
    }
}

impl Validate for Transaction {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        check(
            v,
            path,
            &Fields {
                date: self.date,
                amount: self.amount,
                payee: &self.payee,
                category: self.category.as_deref(),
                account: self.account.as_deref(),
                notes: self.notes.as_deref(),
            },
        );
        if let Some(p) = crate::validate::text_problem(&self.fingerprint, 1, 128) {
            v.push(join(path, "fingerprint"), p);
        }
        if let Some(by) = &self.categorised_by
            && CategorisedBy::parse(by).is_none()
        {
            v.push(
                join(path, "categorised_by"),
                "must be user, rule:<id>, learned or file",
            );
        }
    }
}

impl Transaction {
    /// A transaction typed by hand (categorised by the user when it has a category).
    pub fn from_input(
        id: TransactionId,
        input: TransactionInput,
        now: DateTime<Utc>,
    ) -> crate::Result<Transaction> {
        input.validate()?;
        let fingerprint = crate::actuals::fingerprint(
            input.date,
            input.amount,
            &input.payee,
            input.account.as_deref(),
            &id.to_string(),
        );
        Ok(Transaction {
            id,
            user_id: None,
            date: input.date,
            amount: input.amount,
            categorised_by: input.category.as_ref().map(|_| "user".to_owned()),
            category: input.category,
            payee: input.payee.trim().to_owned(),
            account: input.account,
            notes: input.notes,
            import_id: None,
            fingerprint,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }

    /// The list order key: the date as a day number (newest first in a list).
    pub fn sort_key(&self) -> i64 {
        i64::from(self.date.num_days_from_ce())
    }

    /// `self` with `patch` applied: a new category (or none) is the user's own
    /// (`categorised_by: "user"`, what learned categorisation reads); the fingerprint stays, so
    /// the bank's file imported again does not bring an edited row back. Unchanged: `self`.
    pub fn apply_patch(&self, patch: &TransactionPatch, now: DateTime<Utc>) -> crate::Result<Self> {
        let mut t = self.clone();
        if let Some(d) = patch.date {
            t.date = d;
        }
        if let Some(a) = patch.amount {
            t.amount = a;
        }
        if let Some(p) = &patch.payee {
            t.payee = p.trim().to_owned();
        }
        if let Some(c) = &patch.category {
            t.category = c.clone();
            t.categorised_by = c.as_ref().map(|_| CategorisedBy::User.as_text());
        }
        if let Some(a) = &patch.account {
            t.account = a.clone();
        }
        if let Some(n) = &patch.notes {
            t.notes = n.clone();
        }
        t.validate()?;
        if t != *self {
            t.version = self.version + 1;
            t.updated_at = now;
        }
        Ok(t)
    }

    /// The category it counts under in a month's totals.
    pub fn category_or_uncategorized(&self) -> &str {
        self.category.as_deref().unwrap_or(UNCATEGORIZED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(amount: &str) -> TransactionInput {
        TransactionInput {
            date: NaiveDate::from_ymd_opt(2026, 3, 4).unwrap(),
            amount: amount.parse().unwrap(),
            payee: " Corner Shop ".into(),
            category: Some("groceries".into()),
            account: Some("Checking".into()),
            notes: None,
        }
    }

    #[test]
    fn typed_by_hand() {
        let now = chrono::DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap();
        let t = Transaction::from_input(TransactionId(uuid::Uuid::nil()), input("-12.50"), now)
            .unwrap();
        assert_eq!(t.payee, "Corner Shop");
        assert_eq!(t.categorised_by.as_deref(), Some("user"));
        assert_eq!(t.fingerprint.len(), 64);
        t.validate().unwrap();
    }

    #[test]
    fn bad_fields_are_named() {
        let mut i = input("0");
        i.category = Some("Not A Slug".into());
        i.payee = String::new();
        let e = i.validate().unwrap_err().to_string();
        for f in ["amount", "payee", "category"] {
            assert!(e.contains(f), "{f} in {e}");
        }
        assert!(input("-1.005").validate().is_err());
    }

    #[test]
    fn categorised_by_reads_back() {
        for by in [
            CategorisedBy::User,
            CategorisedBy::Rule("r1".into()),
            CategorisedBy::Learned,
            CategorisedBy::File,
        ] {
            assert_eq!(CategorisedBy::parse(&by.as_text()), Some(by));
        }
        assert_eq!(CategorisedBy::parse("rule:"), None);
    }
}

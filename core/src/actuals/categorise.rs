//! Categorisation (issue 15): the user's rules (payee or notes contains / equals / matches a
//! regex → a category, by priority), then what the user taught by correcting earlier rows (a
//! payee's most frequent category among the rows the user categorised), each result with the
//! sentence that explains it. A row that already has a category keeps it.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::fingerprint::normalise_payee;
use super::transaction::{CategorisedBy, Transaction};
use crate::validate::{Validate, Validator, join};

/// Which text a rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MatchField {
    /// The payee.
    Payee,
    /// The notes.
    Notes,
}

/// How a rule compares (case-insensitive for `contains` and `equals`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MatchOp {
    /// The text contains the value.
    Contains,
    /// The text is the value (spacing and case aside).
    Equals,
    /// The value is a regular expression found in the text (`regex-lite` syntax).
    Regex,
}

/// What a rule looks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleMatch {
    /// `payee` or `notes`.
    pub field: MatchField,
    /// `contains`, `equals` or `regex`.
    pub op: MatchOp,
    /// The text or pattern, 1–200 characters.
    pub value: String,
}

/// A categorisation rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryRule {
    /// Id.
    pub id: String,
    /// What it looks for.
    #[serde(rename = "match")]
    pub matches: RuleMatch,
    /// The category it gives.
    pub category: String,
    /// Lower first; equal priorities by id.
    #[serde(default)]
    pub priority: i32,
    /// +1 on each change.
    #[serde(default = "one")]
    pub version: i64,
}

fn one() -> i64 {
    1
}

impl Validate for CategoryRule {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        v.text(join(path, "id"), &self.id, 1, 64);
        v.text(join(path, "match.value"), &self.matches.value, 1, 200);
        if self.matches.op == MatchOp::Regex
            && regex_lite::RegexBuilder::new(&self.matches.value)
                .case_insensitive(true)
                .size_limit(1 << 16)
                .build()
                .is_err()
        {
            v.push(
                join(path, "match.value"),
                "is not a regular expression this server reads (regex-lite syntax, small)",
            );
        }
        v.slug(join(path, "category"), &self.category);
    }
}

/// What a client sends to add a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryRuleInput {
    /// What it looks for.
    #[serde(rename = "match")]
    pub matches: RuleMatch,
    /// The category it gives.
    pub category: String,
    /// Lower first (default 0).
    #[serde(default)]
    pub priority: i32,
}

/// A change to a rule: only the fields given change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryRulePatch {
    /// New match.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub matches: Option<RuleMatch>,
    /// New category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// New priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
}

impl CategoryRule {
    /// A new rule `id` from `input`, checked.
    pub fn create(id: String, input: CategoryRuleInput) -> crate::Result<CategoryRule> {
        let r = CategoryRule {
            id,
            matches: input.matches,
            category: input.category,
            priority: input.priority,
            version: 1,
        };
        r.validate()?;
        Ok(r)
    }

    /// `self` with `patch` applied and checked; the version moves only when something changed.
    pub fn apply_patch(&self, patch: &CategoryRulePatch) -> crate::Result<CategoryRule> {
        let mut r = self.clone();
        if let Some(m) = &patch.matches {
            r.matches = m.clone();
        }
        if let Some(c) = &patch.category {
            r.category = c.clone();
        }
        if let Some(p) = patch.priority {
            r.priority = p;
        }
        r.validate()?;
        if r != *self {
            r.version = self.version + 1;
        }
        Ok(r)
    }
}

/// Rules made ready to apply (regexes compiled once, priority order).
pub struct Rules {
    /// Each rule with its value normalised (contains, equals) or compiled (regex).
    rules: Vec<(CategoryRule, Matcher)>,
}

enum Matcher {
    Text(String),
    Regex(Option<regex_lite::Regex>),
}

impl Rules {
    /// The valid rules of `rules`, in order (an invalid one is skipped).
    pub fn new(rules: &[CategoryRule]) -> Rules {
        let mut sorted: Vec<&CategoryRule> =
            rules.iter().filter(|r| r.validate().is_ok()).collect();
        sorted.sort_by(|a, b| a.priority.cmp(&b.priority).then_with(|| a.id.cmp(&b.id)));
        Rules {
            rules: sorted
                .into_iter()
                .map(|r| {
                    let m = if r.matches.op == MatchOp::Regex {
                        Matcher::Regex(
                            regex_lite::RegexBuilder::new(&r.matches.value)
                                .case_insensitive(true)
                                .size_limit(1 << 16)
                                .build()
                                .ok(),
                        )
                    } else {
                        Matcher::Text(normalise_payee(&r.matches.value))
                    };
                    (r.clone(), m)
                })
                .collect(),
        }
    }

    /// The first rule (in order) matching the payee or notes, and its position (from 1).
    pub fn find(&self, payee: &str, notes: Option<&str>) -> Option<(usize, &CategoryRule)> {
        // Each text normalised once, and only when a rule compares it.
        let (mut payee_n, mut notes_n) = (None::<String>, None::<String>);
        self.rules.iter().enumerate().find_map(|(i, (r, m))| {
            let (text, normal) = match r.matches.field {
                MatchField::Payee => (payee, &mut payee_n),
                MatchField::Notes => (notes?, &mut notes_n),
            };
            let hit = match (m, r.matches.op) {
                (Matcher::Regex(re), _) => re.as_ref().is_some_and(|re| re.is_match(text)),
                (Matcher::Text(value), op) => {
                    let normal = normal.get_or_insert_with(|| normalise_payee(text));
                    if op == MatchOp::Equals {
                        normal == value
                    } else {
                        normal.contains(value.as_str())
                    }
                }
            };
            hit.then_some((i + 1, r))
        })
    }
}

/// What the user taught: for each payee, the category they gave its rows most often.
#[derive(Debug, Default)]
pub struct Learned(HashMap<String, (String, usize)>);

/// Learns from the rows the user categorised themselves (`categorised_by: "user"`): a payee's
/// most frequent category (ties: the alphabetically first), and on how many rows.
pub fn learn(history: &[Transaction]) -> Learned {
    let mut counts: HashMap<String, BTreeMap<&str, usize>> = HashMap::new();
    for t in history {
        if t.categorised_by.as_deref() != Some("user") {
            continue;
        }
        if let Some(c) = &t.category {
            *counts
                .entry(normalise_payee(&t.payee))
                .or_default()
                .entry(c.as_str())
                .or_default() += 1;
        }
    }
    Learned(
        counts
            .into_iter()
            .filter_map(|(payee, cats)| {
                let (best, n) = cats
                    .iter()
                    .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))?;
                Some((payee, ((*best).to_owned(), *n)))
            })
            .collect(),
    )
}

/// A category given, with how and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Categorisation {
    /// The category.
    pub category: String,
    /// `rule:<id>` or `learned`.
    pub categorised_by: String,
    /// "categorised by rule 3 (payee contains \"tesco\")", "learned from 4 earlier transactions".
    pub explanation: String,
}

/// The category of a row by the rules, else by what was learned; `None` when neither knows.
pub fn categorise(
    payee: &str,
    notes: Option<&str>,
    rules: &Rules,
    learned: &Learned,
) -> Option<Categorisation> {
    Some(match decide(payee, notes, rules, learned)? {
        Decision::Rule(n, r) => {
            let field = match r.matches.field {
                MatchField::Payee => "payee",
                MatchField::Notes => "notes",
            };
            let op = match r.matches.op {
                MatchOp::Contains => "contains",
                MatchOp::Equals => "equals",
                MatchOp::Regex => "matches",
            };
            Categorisation {
                category: r.category.clone(),
                categorised_by: CategorisedBy::Rule(r.id.clone()).as_text(),
                explanation: format!(
                    "categorised by rule {n} ({field} {op} {:?})",
                    r.matches.value
                ),
            }
        }
        Decision::Learned(category, n) => Categorisation {
            category: category.to_owned(),
            categorised_by: CategorisedBy::Learned.as_text(),
            explanation: format!(
                "learned from {n} earlier transaction{}",
                if n == 1 { "" } else { "s" }
            ),
        },
    })
}

/// Which rule, or what was learned, gives a row its category.
enum Decision<'a> {
    /// The rule and its position (from 1).
    Rule(usize, &'a CategoryRule),
    /// The category the user gave the payee most often, and on how many rows.
    Learned(&'a str, usize),
}

/// The rules first, in order; else what was learned. A function of its own, called for each
/// row (see `import_csv`'s row reader on why that matters in WebAssembly).
#[inline(never)]
fn decide<'a>(
    payee: &str,
    notes: Option<&str>,
    rules: &'a Rules,
    learned: &'a Learned,
) -> Option<Decision<'a>> {
    if let Some((n, r)) = rules.find(payee, notes) {
        return Some(Decision::Rule(n, r));
    }
    if learned.0.is_empty() {
        return None;
    }
    let (category, n) = learned.0.get(&normalise_payee(payee))?;
    Some(Decision::Learned(category, *n))
}

/// Gives a category to every row of `rows` that has none, as [`categorise`] does; how many it
/// categorised (a row's explanation is [`categorise`]'s, asked for when it is shown).
pub fn apply_categories(rows: &mut [Transaction], rules: &Rules, learned: &Learned) -> usize {
    let mut n = 0;
    for t in rows.iter_mut().filter(|t| t.category.is_none()) {
        let (category, by) = match decide(&t.payee, t.notes.as_deref(), rules, learned) {
            None => continue,
            Some(Decision::Rule(_, r)) => (
                r.category.clone(),
                CategorisedBy::Rule(r.id.clone()).as_text(),
            ),
            Some(Decision::Learned(c, _)) => (c.to_owned(), CategorisedBy::Learned.as_text()),
        };
        t.category = Some(category);
        t.categorised_by = Some(by);
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TransactionId;
    use chrono::{NaiveDate, Utc};

    fn tx(payee: &str, category: Option<&str>, by: Option<&str>) -> Transaction {
        Transaction {
            user_id: None,
            id: TransactionId(uuid::Uuid::from_u128(7)),
            date: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
            amount: "-9.99".parse().unwrap(),
            payee: payee.into(),
            category: category.map(str::to_owned),
            account: None,
            notes: Some("card 1234".into()),
            import_id: None,
            fingerprint: String::new(),
            categorised_by: by.map(str::to_owned),
            version: 1,
            created_at: chrono::DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap(),
            updated_at: chrono::DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap(),
        }
    }

    fn rule(
        id: &str,
        field: MatchField,
        op: MatchOp,
        value: &str,
        cat: &str,
        priority: i32,
    ) -> CategoryRule {
        CategoryRule {
            id: id.into(),
            matches: RuleMatch {
                field,
                op,
                value: value.into(),
            },
            category: cat.into(),
            priority,
            version: 1,
        }
    }

    #[test]
    fn rules_in_priority_order_then_what_was_learned() {
        let rules = Rules::new(&[
            rule(
                "r-b",
                MatchField::Payee,
                MatchOp::Contains,
                "TESCO",
                "groceries",
                2,
            ),
            rule(
                "r-a",
                MatchField::Payee,
                MatchOp::Regex,
                r"^tesco\s+petrol",
                "fuel",
                1,
            ),
            rule(
                "r-c",
                MatchField::Notes,
                MatchOp::Equals,
                "card 1234",
                "shared",
                9,
            ),
            rule("bad", MatchField::Payee, MatchOp::Regex, "(", "x", 0),
        ]);
        let learned = learn(&[
            tx("Blue Bottle", Some("dining"), Some("user")),
            tx("blue  bottle", Some("dining"), Some("user")),
            tx("Blue Bottle", Some("coffee"), Some("user")),
            tx("Blue Bottle", Some("coffee"), Some("rule:r9")),
            tx("Blue Bottle", Some("coffee"), Some("learned")),
        ]);
        let c = categorise("Tesco Petrol 443", None, &rules, &learned).unwrap();
        assert_eq!(c.category, "fuel");
        assert_eq!(c.categorised_by, "rule:r-a");
        assert_eq!(
            c.explanation,
            "categorised by rule 1 (payee matches \"^tesco\\\\s+petrol\")"
        );
        let c = categorise("TESCO STORES 12", None, &rules, &learned).unwrap();
        assert_eq!(
            (c.category.as_str(), c.categorised_by.as_str()),
            ("groceries", "rule:r-b")
        );
        // Only the user's own corrections teach: dining 2, coffee 1.
        let c = categorise("BLUE BOTTLE", None, &rules, &learned).unwrap();
        assert_eq!(c.category, "dining");
        assert_eq!(c.explanation, "learned from 2 earlier transactions");
        let c = categorise("Someone", Some("card 1234"), &rules, &learned).unwrap();
        assert_eq!(c.category, "shared");
        assert!(categorise("Someone", None, &rules, &learned).is_none());
    }

    #[test]
    fn apply_keeps_given_categories() {
        let rules = Rules::new(&[rule(
            "r",
            MatchField::Payee,
            MatchOp::Contains,
            "shop",
            "groceries",
            0,
        )]);
        let mut rows = vec![
            tx("Shop A", None, None),
            tx("Shop B", Some("gifts"), Some("user")),
        ];
        let done = apply_categories(&mut rows, &rules, &Learned::default());
        assert_eq!(done, 1);
        assert_eq!(rows[0].category.as_deref(), Some("groceries"));
        assert_eq!(rows[1].category.as_deref(), Some("gifts"));
    }

    #[test]
    fn a_bad_rule_names_its_fields() {
        let e = rule("", MatchField::Payee, MatchOp::Regex, "(", "Bad Slug", 0)
            .validate()
            .unwrap_err()
            .to_string();
        for f in ["id", "match.value", "category"] {
            assert!(e.contains(f), "{f} in {e}");
        }
    }
}

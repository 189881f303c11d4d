//! Calendar months ("periods") and date arithmetic on whole months.
//!
//! A period is written `"YYYY-MM"`; it is also read from `{period_year, period_month}`.
//! [`Period::index`] is the month's place on the calendar (months since year 0), which is the
//! `x` of every regression so that gaps between snapshots keep their true spacing.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The earliest year a period or date may have.
pub const MIN_YEAR: i32 = 1900;
/// The latest year a period or date may have.
pub const MAX_YEAR: i32 = 9999;

/// One calendar month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(type = "string"))]
pub struct Period {
    year: i32,
    month: u32,
}

/// Why a period is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Month outside 1–12.
    #[error("month must be between 1 and 12, got {0}")]
    Month(i64),
    /// Year outside the supported range.
    #[error("year must be between {MIN_YEAR} and {MAX_YEAR}, got {0}")]
    Year(i64),
    /// Text that is not `YYYY-MM`.
    #[error("period must be written YYYY-MM, got {0:?}")]
    Format(String),
}

impl Period {
    /// A checked period.
    pub fn new(year: i64, month: i64) -> Result<Period, PeriodError> {
        if !(1..=12).contains(&month) {
            return Err(PeriodError::Month(month));
        }
        if !(i64::from(MIN_YEAR)..=i64::from(MAX_YEAR)).contains(&year) {
            return Err(PeriodError::Year(year));
        }
        Ok(Period {
            year: year as i32,
            month: month as u32,
        })
    }

    /// The year.
    pub const fn year(self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub const fn month(self) -> u32 {
        self.month
    }

    /// Months since year 0 (January of year 0 is 0).
    pub const fn index(self) -> i64 {
        self.year as i64 * 12 + (self.month as i64 - 1)
    }

    /// The period at a calendar index (inverse of [`Period::index`]); clamped to the supported
    /// years so that arithmetic never panics.
    pub fn from_index(index: i64) -> Period {
        let lo = i64::from(MIN_YEAR) * 12;
        let hi = i64::from(MAX_YEAR) * 12 + 11;
        let i = index.clamp(lo, hi);
        Period {
            year: i.div_euclid(12) as i32,
            month: (i.rem_euclid(12) + 1) as u32,
        }
    }

    /// This period moved by `n` months (clamped to the supported years).
    pub fn add_months(self, n: i64) -> Period {
        Period::from_index(self.index().saturating_add(n))
    }

    /// The month a date falls in.
    pub fn of_date(date: NaiveDate) -> Period {
        Period {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The first day of the month.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The last day of the month.
    pub fn last_day(self) -> NaiveDate {
        Period::from_index(self.index() + 1)
            .first_day()
            .pred_opt()
            .unwrap_or(NaiveDate::MAX)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || PeriodError::Format(s.chars().take(20).collect());
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i64 = y.parse().map_err(|_| bad())?;
        let month: i64 = m.parse().map_err(|_| bad())?;
        Period::new(year, month)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Period, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Text(String),
            Parts { period_year: i64, period_month: i64 },
        }
        match Wire::deserialize(deserializer)? {
            Wire::Text(s) => s.parse().map_err(serde::de::Error::custom),
            Wire::Parts {
                period_year,
                period_month,
            } => Period::new(period_year, period_month).map_err(serde::de::Error::custom),
        }
    }
}

/// `date` moved by `n` calendar months, the day clamped to the end of the month
/// (Jan 31 + 1 month = Feb 28 or 29). `None` beyond the calendar's range.
pub fn add_months(date: NaiveDate, n: i64) -> Option<NaiveDate> {
    let magnitude = u32::try_from(n.unsigned_abs()).ok()?;
    if n >= 0 {
        date.checked_add_months(Months::new(magnitude))
    } else {
        date.checked_sub_months(Months::new(magnitude))
    }
}

/// Whole months from `from` to `to`: the largest `k` with `from + k months ≤ to`
/// (negative when `to` is before `from`).
pub fn whole_months_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let mut k = Period::of_date(to).index() - Period::of_date(from).index();
    while add_months(from, k).is_some_and(|d| d > to) {
        k -= 1;
    }
    k
}

/// The OpenAPI schema: `YYYY-MM`.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Period {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^[0-9]{4}-(0[1-9]|1[0-2])$"))
            .description(Some("A calendar month, YYYY-MM"))
            .examples([serde_json::json!("2026-10")])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Period {}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn month_end_clamps() {
        assert_eq!(add_months(d(2026, 1, 31), 1), Some(d(2026, 2, 28)));
        assert_eq!(add_months(d(2028, 1, 31), 1), Some(d(2028, 2, 29)));
        assert_eq!(add_months(d(2026, 3, 31), -1), Some(d(2026, 2, 28)));
        assert_eq!(add_months(d(2026, 11, 21), 14), Some(d(2028, 1, 21)));
    }

    #[test]
    fn whole_months() {
        assert_eq!(whole_months_between(d(2026, 11, 21), d(2027, 11, 21)), 12);
        assert_eq!(whole_months_between(d(2026, 11, 21), d(2027, 11, 20)), 11);
        assert_eq!(whole_months_between(d(2026, 1, 31), d(2026, 2, 28)), 1);
        assert_eq!(whole_months_between(d(2026, 11, 21), d(2026, 11, 30)), 0);
        assert_eq!(whole_months_between(d(2026, 11, 21), d(2026, 10, 21)), -1);
    }

    #[test]
    fn period_text_and_parts() {
        let p: Period = serde_json::from_str("\"2026-03\"").unwrap();
        assert_eq!(p.to_string(), "2026-03");
        let q: Period = serde_json::from_str(r#"{"period_year":2026,"period_month":3}"#).unwrap();
        assert_eq!(p, q);
        assert!(serde_json::from_str::<Period>("\"2026-13\"").is_err());
        assert!(serde_json::from_str::<Period>("\"2026-3\"").is_err());
        assert_eq!(Period::from_index(p.index()), p);
        assert_eq!(p.add_months(-3).to_string(), "2025-12");
    }
}

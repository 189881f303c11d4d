//! Money: an exact decimal amount, never an `f64`.
//!
//! In JSON money is a decimal string (`"1234.50"`); inputs also accept JSON numbers, which are
//! read through their shortest decimal form so `0.1` stays `0.1`. Outputs are rounded to two
//! places, half away from zero. Input values keep their exact value so that validation can
//! reject more than two decimal places instead of silently rounding them.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest amount any single input may carry (one trillion). Keeping inputs far below
/// `Decimal::MAX` means sums of any realistic history cannot overflow.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

/// An exact amount of money in the user's currency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(type = "string"))]
pub struct Money(Decimal);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Wraps a decimal as it is (no rounding).
    pub const fn new(value: Decimal) -> Self {
        Money(value)
    }

    /// An amount from a whole number of cents.
    pub fn from_cents(cents: i64) -> Self {
        Money(Decimal::new(cents, 2))
    }

    /// An amount from whole currency units.
    pub fn from_units(units: i64) -> Self {
        Money(Decimal::from(units))
    }

    /// The exact decimal value.
    pub const fn as_decimal(self) -> Decimal {
        self.0
    }

    /// Rounded to cents, half away from zero: the rule for every money output.
    pub fn round(self) -> Money {
        let mut d = self
            .0
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        d.rescale(2);
        Money(d)
    }

    /// A statistic computed in `f64` turned back into money, rounded to cents.
    /// `None` for NaN, infinities and values beyond the decimal range.
    pub fn from_f64(value: f64) -> Option<Money> {
        if !value.is_finite() {
            return None;
        }
        Decimal::from_f64(value).map(|d| Money(d).round())
    }

    /// A value computed in `f64` as money without rounding (for intermediate results).
    pub fn from_f64_unrounded(value: f64) -> Option<Money> {
        if !value.is_finite() {
            return None;
        }
        Decimal::from_f64(value).map(Money)
    }

    /// The value as `f64`, for statistics only: the nearest `f64` to the exact amount.
    ///
    /// Fast path: when the mantissa fits in 53 bits and the scale in 22 digits, both
    /// `mantissa` and `10^scale` are exact `f64`s and IEEE division rounds their quotient
    /// correctly. Analytics convert tens of thousands of amounts per call, so this matters.
    pub fn to_f64(self) -> f64 {
        const POW10: [f64; 23] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
        ];
        // The parts, not `mantissa()`: 128-bit arithmetic is a software routine in
        // WebAssembly; a u64 → f64 conversion is one instruction.
        let d = self.0.unpack();
        let scale = d.scale as usize;
        let m = (u64::from(d.mid) << 32) | u64::from(d.lo);
        if d.hi == 0 && m < (1u64 << 53) && scale < POW10.len() {
            let v = m as f64 / POW10[scale];
            if d.negative { -v } else { v }
        } else {
            self.0.to_f64().unwrap_or(0.0)
        }
    }

    /// True when the value has at most two decimal places (trailing zeros ignored).
    pub fn has_cents_precision(self) -> bool {
        self.0.normalize().scale() <= 2
    }

    /// True below zero.
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// True at zero.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// True above zero.
    pub fn is_positive(self) -> bool {
        !self.0.is_zero() && self.0.is_sign_positive()
    }

    /// The absolute value.
    pub fn abs(self) -> Money {
        Money(self.0.abs())
    }

    /// Exact product with a decimal factor (`Money × Decimal`) (saturating at the decimal range).
    pub fn times(self, factor: Decimal) -> Money {
        Money(self.0.saturating_mul(factor))
    }

    /// Exact quotient, `None` when dividing by zero.
    pub fn checked_div(self, divisor: Decimal) -> Option<Money> {
        self.0.checked_div(divisor).map(Money)
    }

    /// Ratio of two amounts as a number; `None` when `other` is zero.
    pub fn ratio(self, other: Money) -> Option<f64> {
        self.0.checked_div(other.0).and_then(|d| d.to_f64())
    }
}

impl From<Decimal> for Money {
    fn from(value: Decimal) -> Self {
        Money(value)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        *self = *self + rhs;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0.saturating_sub(rhs.0))
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, rhs: Money) {
        *self = *self - rhs;
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + *b)
    }
}

impl fmt::Display for Money {
    /// Always two decimal places: `1234.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 24];
        if f.width().is_none()
            && f.precision().is_none()
            && let Some(i) = self.cents_digits(&mut buf)
            && let Ok(text) = std::str::from_utf8(&buf[i..])
        {
            return f.write_str(text);
        }
        self.round().0.fmt(f)
    }
}

impl Money {
    /// Appends the output text of the amount (as `Display` writes it) to `out`, without the
    /// formatting machinery: the analytics output tens of thousands of amounts per call.
    /// Bytes, so that a long list is checked as text once, at the end
    /// (`String::from_utf8`); the text is always ASCII.
    pub fn push_to(self, out: &mut Vec<u8>) {
        let mut buf = [0u8; 24];
        match self.cents_digits(&mut buf) {
            Some(i) => out.extend_from_slice(&buf[i..]),
            None => out.extend_from_slice(self.to_string().as_bytes()),
        }
    }

    /// The fast path of the output text, for the common case of an amount already in cents:
    /// digits written straight from the mantissa to the end of `buf`; the index of the first.
    /// `None` for zero (whose sign the decimal keeps), more than two places and amounts of
    /// 2^64 cents or more, which take the general way.
    fn cents_digits(self, buf: &mut [u8; 24]) -> Option<usize> {
        let d = self.0.unpack();
        let m = (u64::from(d.mid) << 32) | u64::from(d.lo);
        if d.scale > 2 || d.hi != 0 || m == 0 {
            return None;
        }
        let cents = m.checked_mul(10u64.pow(2 - d.scale))?;
        let mut i = buf.len();
        let mut put = |b: u8| {
            i -= 1;
            buf[i] = b;
        };
        // Digits by 32-bit division where the value allows it: WebAssembly has no 64-bit
        // multiply-high, so a 64-bit division by 10 is a real division there.
        let (mut units, small) = match u32::try_from(cents) {
            Ok(c) => {
                put(b'0' + (c % 10) as u8);
                put(b'0' + (c / 10 % 10) as u8);
                (0, c / 100)
            }
            Err(_) => {
                put(b'0' + (cents % 10) as u8);
                put(b'0' + (cents / 10 % 10) as u8);
                (cents / 100, 0)
            }
        };
        put(b'.');
        let mut small = small;
        if units > 0 {
            // Above 2^32 cents: peel digits in 64 bits down to a 32-bit remainder.
            while units > u64::from(u32::MAX) {
                put(b'0' + (units % 10) as u8);
                units /= 10;
            }
            small = units as u32;
        }
        loop {
            put(b'0' + (small % 10) as u8);
            small /= 10;
            if small == 0 {
                break;
            }
        }
        if d.negative {
            put(b'-');
        }
        Some(i)
    }
}

/// Why a text could not be read as money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a decimal amount: {0:?}")]
pub struct ParseMoneyError(pub String);

/// The fast path of [`Money::from_str`]: `-?digits(.digits)?` with at most 18 digits and a
/// non-zero value (the texts the package and the server write), read without the general
/// parser. Anything else is `None`, left to `Decimal::from_str_exact`; both give the same
/// decimal, scale included ("7.50" has scale 2).
fn plain_decimal(text: &str) -> Option<Money> {
    let b = text.as_bytes();
    let (negative, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 19 || !digits[0].is_ascii_digit() {
        return None;
    }
    let (mut mantissa, mut scale, mut dot, mut count) = (0u64, 0u32, false, 0);
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                count += 1;
                scale += u32::from(dot);
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if count > 18 || (dot && scale == 0) || mantissa == 0 {
        return None;
    }
    let mut d = Decimal::from_i128_with_scale(i128::from(mantissa), scale);
    d.set_sign_negative(negative);
    Some(Money(d))
}

impl FromStr for Money {
    type Err = ParseMoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(m) = plain_decimal(s) {
            return Ok(m);
        }
        let t = s.trim();
        let ok = !t.is_empty()
            && t.len() <= 40
            && t.bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+');
        if !ok {
            return Err(ParseMoneyError(s.to_owned()));
        }
        Decimal::from_str_exact(t)
            .map(Money)
            .map_err(|_| ParseMoneyError(s.to_owned()))
    }
}

/// An amount's text as the analytics read it: its value (`Money::to_f64` of what
/// [`Money::from_str`] reads) and whether the text is the amount's own output text (its
/// `Display`: two places, no leading zeros), so that an output may hand the input text back.
/// `None` when the text is not an amount.
///
/// The texts the package and the server write, `-?(0|[1-9]digits).dd` below 2^53 cents and not
/// zero, are read in one pass without building a decimal; anything else takes the general way.
pub fn read_amount(text: &str) -> Option<(f64, bool)> {
    read_field(text.as_bytes()).map(|(_, value, own)| (value, own))
}

/// [`read_amount`] of a text's bytes, with the text.
fn read_field(field: &[u8]) -> Option<(&str, f64, bool)> {
    let text = std::str::from_utf8(field).ok()?;
    if let Some(v) = output_text_value(field) {
        return Some((text, v, true));
    }
    let m: Money = text.parse().ok()?;
    Some((text, m.to_f64(), m.to_string() == text))
}

/// The amounts of a comma-separated text, read one after the other as [`read_amount`] reads
/// each: the package hands the amounts of many snapshots over as one such text.
pub struct AmountReader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> AmountReader<'a> {
    /// A reader at the start of `text`.
    pub fn new(text: &'a [u8]) -> Self {
        AmountReader { bytes: text, at: 0 }
    }

    /// The next amount: its text, its value and whether the text is its output text. `None`
    /// when the next field is not an amount, or there is none.
    pub fn next_amount(&mut self) -> Option<(&'a str, f64, bool)> {
        let rest = self.bytes.get(self.at..)?;
        let end = rest.iter().position(|&b| b == b',').unwrap_or(rest.len());
        let field = &rest[..end];
        // Past the separator; past the end after the last field.
        self.at += end + 1;
        read_field(field)
    }

    /// Whether every field has been read (a text with a comma inside an amount has more
    /// fields than amounts).
    pub fn at_end(&self) -> bool {
        self.at >= self.bytes.len()
    }
}

/// The fast path of [`read_amount`]: the value of a text that is a non-zero amount's output
/// text, computed as `to_f64` does (cents ÷ 100, both exact), or `None`.
#[inline]
fn output_text_value(b: &[u8]) -> Option<f64> {
    let (negative, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    let n = digits.len();
    // At least "0.dd"; at most 16 digits (below 2^53 cents).
    if !(4..=17).contains(&n) || digits[n - 3] != b'.' || (digits[0] == b'0' && n != 4) {
        return None;
    }
    let mut cents = 0u64;
    for (i, &c) in digits.iter().enumerate() {
        if i == n - 3 {
            continue;
        }
        if !c.is_ascii_digit() {
            return None;
        }
        cents = cents * 10 + u64::from(c - b'0');
    }
    if cents == 0 || cents >= 1 << 53 {
        return None;
    }
    let v = cents as f64 / 100.0;
    Some(if negative { -v } else { v })
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

struct MoneyVisitor;

impl Visitor<'_> for MoneyVisitor {
    type Value = Money;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal amount as a string (\"12.34\") or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Money, E> {
        Ok(Money(Decimal::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Money, E> {
        Ok(Money(Decimal::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Money, E> {
        if !v.is_finite() {
            return Err(E::custom("amount must be a finite number"));
        }
        // `{}` prints the shortest text that reads back as the same f64: 0.1 -> "0.1".
        let text = format!("{v}");
        if text.contains('e') || text.len() > 40 {
            return Err(E::custom("amount is out of range"));
        }
        text.parse().map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        deserializer.deserialize_any(MoneyVisitor)
    }
}

/// Serde helpers for a plain [`Decimal`] percentage (interest and return rates): written as a
/// string, read from a string or a number, like money but without rounding.
pub mod decimal_text {
    use super::*;

    /// Reads a decimal from a string or a JSON number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        Money::deserialize(d).map(|m| m.as_decimal())
    }

    /// Writes the decimal as a string.
    pub fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&v.normalize())
    }

    /// The same for `Option<Decimal>`.
    pub mod option {
        use super::*;

        /// Reads an optional decimal.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
            Option::<Money>::deserialize(d).map(|m| m.map(|m| m.as_decimal()))
        }

        /// Writes an optional decimal.
        pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                Some(d) => s.collect_str(&d.normalize()),
                None => s.serialize_none(),
            }
        }
    }
}

/// The OpenAPI schema of money: a decimal string with at most two places (every answer), or a
/// JSON number (inputs also accept one, read through its shortest decimal form).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        decimal_schema(
            r"^-?[0-9]{1,13}(\.[0-9]{1,2})?$",
            "An exact amount of money: a decimal string such as \"1234.50\" in every answer \
             (never a binary float); inputs may also send a JSON number",
            "1234.50",
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Money {}

/// The OpenAPI schema of a plain decimal (an interest or return rate in percent).
#[cfg(feature = "openapi")]
pub struct DecimalSchema;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for DecimalSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        decimal_schema(
            r"^-?[0-9]{1,13}(\.[0-9]{1,10})?$",
            "An exact decimal such as \"22.99\" (a rate in percent); inputs may also send a \
             JSON number",
            "22.99",
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for DecimalSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Decimal")
    }
}

#[cfg(feature = "openapi")]
fn decimal_schema(
    pattern: &str,
    description: &str,
    example: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(pattern)),
        )
        .item(ObjectBuilder::new().schema_type(Type::Number))
        .description(Some(description))
        .examples([serde_json::json!(example)])
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_amount_agrees_with_parsing_and_display() {
        // Every text of up to 5 characters over these, and a few long ones.
        let alphabet = [b'0', b'1', b'9', b'-', b'.', b' ', b'+'];
        let mut texts: Vec<String> = vec![
            "9007199254740991.00".into(),
            "90071992547409.91".into(),
            "90071992547409.92".into(),
            "-12345678901234.56".into(),
            "1000000000000.00".into(),
            "0.001".into(),
            "12.345".into(),
        ];
        let mut stack: Vec<Vec<u8>> = vec![vec![]];
        while let Some(t) = stack.pop() {
            texts.push(String::from_utf8(t.clone()).unwrap_or_default());
            if t.len() < 5 {
                for c in alphabet {
                    let mut u = t.clone();
                    u.push(c);
                    stack.push(u);
                }
            }
        }
        for t in &texts {
            let expected = t
                .parse::<Money>()
                .ok()
                .map(|m| (m.to_f64(), m.to_string() == *t));
            let got = read_amount(t);
            assert_eq!(
                got.map(|g| (g.0.to_bits(), g.1)),
                expected.map(|e| (e.0.to_bits(), e.1)),
                "{t:?}"
            );
        }
        assert_eq!(read_amount("12.30"), Some((12.3, true)));
        assert_eq!(read_amount("12.3"), Some((12.3, false)));
        assert_eq!(read_amount("0.00"), Some((0.0, true)));
        assert_eq!(read_amount("x"), None);
    }

    #[test]
    fn the_amount_reader_reads_each_field_as_read_amount_does() {
        let fields = [
            "12.30",
            "7.5",
            "-0.01",
            "0.00",
            "x",
            "",
            "1000",
            "-12345678901234.56",
            "00.10",
            "1.234",
        ];
        let text = fields.join(",");
        let mut r = AmountReader::new(text.as_bytes());
        for f in fields {
            let got = r.next_amount();
            assert_eq!(
                got.map(|g| (g.0, g.1.to_bits(), g.2)),
                read_amount(f).map(|e| (f, e.0.to_bits(), e.1)),
                "{f:?}"
            );
        }
        assert!(r.at_end());
        assert_eq!(r.next_amount(), None);
        // A comma inside an amount: more fields than amounts.
        let mut r = AmountReader::new(b"1,000.00");
        assert_eq!(r.next_amount().map(|g| g.0), Some("1"));
        assert!(!r.at_end());
    }

    #[test]
    fn the_fast_path_reads_what_the_general_parser_reads() {
        let texts = [
            "1",
            "12.34",
            "-12.34",
            "7.50",
            "0.01",
            "-0.10",
            "007.5",
            "123456789012345678",
            "1234567890123456.78",
            "-99999999999999999.9",
            "0",
            "-0",
            "0.00",
            "5.",
            ".5",
            "1.2.3",
            "+5",
            " 5",
            "1e3",
            "1234567890123456789",
            "12345678901234567.89",
            "--1",
            "-",
            "",
        ];
        for t in texts {
            let general = Decimal::from_str_exact(t.trim()).ok().map(Money);
            if let Some(fast) = plain_decimal(t) {
                let g = general.expect(t);
                assert_eq!(fast, g, "{t}");
                assert_eq!(fast.as_decimal().scale(), g.as_decimal().scale(), "{t}");
                assert_eq!(fast.to_string(), g.to_string(), "{t}");
                assert_eq!(
                    fast.as_decimal().is_sign_negative(),
                    g.as_decimal().is_sign_negative(),
                    "{t}"
                );
            }
        }
        assert!(plain_decimal("12.34").is_some() && plain_decimal("-0").is_none());
    }

    #[test]
    fn rounds_half_away_from_zero() {
        let m: Money = "2.345".parse().unwrap();
        assert_eq!(m.round().to_string(), "2.35");
        let m: Money = "-2.345".parse().unwrap();
        assert_eq!(m.round().to_string(), "-2.35");
        assert_eq!(Money::from_units(7).to_string(), "7.00");
    }

    #[test]
    fn display_fast_path_matches_the_decimal_text() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "0.00",
            "-0.00",
            "0.01",
            "-0.01",
            "0.1",
            "5",
            "-5",
            "12.3",
            "1234.56",
            "-1234.56",
            "999999999999.99",
            "1000000000000",
            "9999999999999.99",
            "99999999999999.99",
            "500000000000000000",
            "-184467440737095516.15",
            "18446744073709551615",
            "184467440737095516.2",
            "79228162514264337593543950335",
            "1.005",
            "-2.345",
            "7.1",
            "100",
            "0.004",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let cents = (seed % 10_000_000_000) as i64 - 5_000_000_000;
            texts.push(Decimal::new(cents, (seed % 4) as u32).to_string());
        }
        for t in &texts {
            let m: Money = t.parse().unwrap();
            let mut d =
                m.0.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            d.rescale(2);
            assert_eq!(m.to_string(), d.to_string(), "{t}");
            assert_eq!(format!("{m:>12}"), format!("{d:>12}"), "{t}");
            let mut pushed = b",".to_vec();
            m.push_to(&mut pushed);
            assert_eq!(pushed, format!(",{d}").into_bytes(), "{t}");
            assert_eq!(m.to_f64(), t.parse::<f64>().unwrap(), "{t}");
        }
    }

    #[test]
    fn reads_strings_and_numbers_exactly() {
        let m: Money = serde_json::from_str("\"1234.5\"").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"1234.50\"");
        let m: Money = serde_json::from_str("0.1").unwrap();
        assert_eq!(m.as_decimal(), Decimal::new(1, 1));
        let m: Money = serde_json::from_str("12").unwrap();
        assert_eq!(m, Money::from_units(12));
        let m: Money = serde_json::from_str("\"1.005\"").unwrap();
        assert!(!m.has_cents_precision());
        let m: Money = serde_json::from_str("\"1.500\"").unwrap();
        assert!(m.has_cents_precision());
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for bad in [
            "\"abc\"",
            "\"\"",
            "\"1e5\"",
            "1e300",
            "\"99999999999999999999999999999999\"",
            "true",
            "null",
        ] {
            assert!(serde_json::from_str::<Money>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn to_f64_is_the_nearest_double() {
        for text in ["0.1", "1234.56", "-0.07", "99999999.99", "0.0000001"] {
            let m: Money = text.parse().unwrap();
            assert_eq!(m.to_f64(), text.parse::<f64>().unwrap(), "{text}");
        }
    }

    #[test]
    fn max_amount_is_one_trillion() {
        assert_eq!(MAX_AMOUNT, Decimal::from(1_000_000_000_000i64));
    }
}

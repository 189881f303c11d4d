//! The snapshots a call reads, read straight into a frame
//! ([`lifepath_core::analytics::frame`]): the analytics of the free functions run on the
//! amounts' values and hand the amounts back as the very JavaScript strings they were given,
//! without building snapshots and their category maps in WebAssembly or writing the amounts
//! out again.

use lifepath_core::analytics::frame::{Frame, Row};
use lifepath_core::analytics::reads::Entry;
use lifepath_core::models::BudgetSnapshot;
use lifepath_core::money::{Money, read_amount};
use lifepath_core::period::Period;
use wasm_bindgen::prelude::*;

use crate::convert::{Picked, analytics_snapshots, list_index, pick};
use crate::error::LifepathError;

/// A frame read from a list of snapshot objects, and what its output needs.
pub struct Read<'a> {
    /// The rows: the snapshots read, in period order (then the extra one, when given).
    pub frame: Frame,
    /// The amounts read, as JavaScript strings: an amount id is a place in it (the extra
    /// snapshot's amounts come after them).
    pub amounts: &'a js_sys::Array,
    /// The ids whose text is not the amount's output text (`"7.5"` for `"7.50"`), with that
    /// text, by id: the output hands those out instead.
    pub fixes: Vec<(u32, String)>,
    /// The amounts of the extra snapshot, by id from `extra_from`.
    extra: Vec<Money>,
    extra_from: u32,
    text: &'a str,
}

impl Read<'_> {
    /// The amount of an id.
    pub fn money(&self, id: u32) -> Money {
        if let Some(m) = id
            .checked_sub(self.extra_from)
            .and_then(|k| self.extra.get(k as usize))
        {
            return *m;
        }
        // Not asked by the analytics (they ask for the amounts of the snapshot examined, the
        // extra one), so read again when asked.
        self.text
            .split(',')
            .nth(id as usize)
            .and_then(|t| t.parse().ok())
            .unwrap_or(Money::ZERO)
    }
}

/// The frame of the snapshots of `picked`, whose periods are `periods` (one per snapshot,
/// all different), plus `extra` as the last row (its period after all of theirs). `None`
/// when an amount is not one.
fn read_frame<'a>(
    picked: &'a Picked,
    periods: &[Period],
    extra: Option<&'a BudgetSnapshot>,
) -> Option<Read<'a>> {
    let mut cats: Vec<String> = picked.names.clone();
    if let Some(s) = extra {
        cats.extend(s.category_totals.keys().cloned());
    }
    cats.sort_unstable();
    cats.dedup();
    let rank: Vec<usize> = picked
        .names
        .iter()
        .map(|n| cats.binary_search(n).ok())
        .collect::<Option<_>>()?;
    // Row of each snapshot: its place in period order.
    let mut order: Vec<usize> = (0..periods.len()).collect();
    if !periods.is_sorted() {
        order.sort_unstable_by_key(|&i| periods[i]);
    }
    let mut row_of = vec![0; periods.len()];
    for (r, &i) in order.iter().enumerate() {
        row_of[i] = r;
    }
    let mut frame = Frame::new(cats, periods.len() + usize::from(extra.is_some()));
    frame.reserve_amounts(3 * periods.len() + picked.keys.len());
    let mut fixes = Vec::new();
    let mut texts = picked.text.split(',');
    let mut keys = picked.keys.iter();
    let mut rows: Vec<Option<Row>> = vec![None; periods.len()];
    let mut amount = |frame: &mut Frame, text: &str| -> Option<u32> {
        let (value, own) = read_amount(text)?;
        let id = frame.amount(value);
        if !own {
            fixes.push((id, text.parse::<Money>().ok()?.to_string()));
        }
        Some(id)
    };
    for (i, &n) in picked.counts.iter().enumerate() {
        let (income, expenses, surplus) = (texts.next()?, texts.next()?, texts.next()?);
        let totals = [
            amount(&mut frame, income)?,
            amount(&mut frame, expenses)?,
            amount(&mut frame, surplus)?,
        ];
        let savings_rate = Row::savings_rate(income.parse().ok()?, surplus.parse().ok()?);
        let row = *row_of.get(i)?;
        for _ in 0..n {
            let c = *rank.get(*keys.next()? as usize)?;
            let id = amount(&mut frame, texts.next()?)?;
            frame.set(c, row, id);
        }
        rows[row] = Some(Row {
            period: periods[i],
            totals,
            savings_rate,
        });
    }
    for row in rows {
        frame.push_row(row?);
    }
    let extra_from = u32::try_from(3 * periods.len() + picked.keys.len()).ok()?;
    let mut extra_money = Vec::new();
    if let Some(s) = extra {
        let mut add = |frame: &mut Frame, m: Money| {
            extra_money.push(m);
            frame.amount(m.to_f64())
        };
        let totals = [
            add(&mut frame, s.total_income),
            add(&mut frame, s.total_expenses),
            add(&mut frame, s.surplus),
        ];
        let row = frame.push_row(Row {
            period: s.period(),
            totals,
            savings_rate: Row::savings_rate(s.total_income, s.surplus),
        });
        for (k, m) in &s.category_totals {
            let c = frame.categories().binary_search(k).ok()?;
            let id = add(&mut frame, *m);
            frame.set(c, row, id);
        }
    }
    Some(Read {
        frame,
        amounts: &picked.amounts,
        fixes,
        extra: extra_money,
        extra_from,
        text: &picked.text,
    })
}

/// Runs `on_frame` on the snapshots of a list that a call reads (`reads`, one of
/// [`lifepath_core::analytics::reads`]), plus `extra` as the last row: first the period and
/// currency of each (the list's own errors: two snapshots of a month, mixed currencies), then
/// only the snapshots `reads` names, as a frame. A call's cost grows with its window, not with
/// the history. A snapshot that is not read is not validated either. When the list is not as
/// the package writes it (amounts as numbers, a field of the wrong type), the whole list is
/// read and validated instead and handed to `on_snapshots`: a fault in a snapshot read is
/// reported by its path in the whole list.
pub fn with_read_frame(
    value: &JsValue,
    name: &str,
    reads: impl FnOnce(&[Entry<'_>]) -> lifepath_core::Result<Vec<usize>>,
    extra: Option<&BudgetSnapshot>,
    on_frame: impl FnOnce(&Read<'_>) -> Result<JsValue, LifepathError>,
    on_snapshots: impl FnOnce(&[BudgetSnapshot]) -> Result<JsValue, LifepathError>,
) -> Result<JsValue, LifepathError> {
    let Some((periods, currencies)) = list_index(value) else {
        return on_snapshots(&analytics_snapshots(value, name)?);
    };
    let entries: Vec<Entry<'_>> = periods.into_iter().zip(currencies.split('\n')).collect();
    let at = reads(&entries)?;
    let picks: Vec<u32> = at.iter().filter_map(|&i| u32::try_from(i).ok()).collect();
    // What validation would check of the fields read: the periods are valid (they were read
    // as such), the amounts are decimals (read); the currency is left, one for all of them
    // (mixed currencies are an error of `reads`).
    let currency_ok = at
        .first()
        .is_none_or(|&i| lifepath_core::validate::is_currency(entries[i].1));
    let picked = pick(value, &picks).filter(|_| currency_ok && picks.len() == at.len());
    let periods: Vec<Period> = at.iter().map(|&i| entries[i].0).collect();
    match picked.as_ref().and_then(|p| read_frame(p, &periods, extra)) {
        Some(read) => on_frame(&read),
        // Its error, named by its place in the whole list.
        None => on_snapshots(&analytics_snapshots(value, name)?),
    }
}

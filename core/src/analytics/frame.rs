//! A history laid out for the trend and anomaly statistics: one row per snapshot in period
//! order, the categories sorted once, and a category × snapshot grid of *amount ids*.
//!
//! The statistics are `f64`, and every amount a result hands back is one of the inputs
//! unchanged, so the analytics need each amount's value once and, for the output, only which
//! input amount a point is. An id is that: the caller's own handle for an amount (its place
//! in a list of `Money` for [`Frame::of_snapshots`], its place in a list of JavaScript
//! strings for the npm package), and the frame keeps the value of each. So a caller that
//! holds its history in another form (columns of text, in the package) builds a frame
//! without building snapshots and their category maps, and still gets the figures of
//! [`compute_trends`](super::compute_trends) and
//! [`detect_anomalies`](super::detect_anomalies), which run on frames themselves.

use crate::analytics::series;
use crate::models::BudgetSnapshot;
use crate::money::Money;
use crate::period::Period;

/// The id of an amount a snapshot does not have (a category missing from it: zero).
pub const ABSENT: u32 = u32::MAX;

/// One snapshot of a frame: its period, its totals' amount ids and its savings rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    /// The month.
    pub period: Period,
    /// The amount ids of total income, total expenses and surplus.
    pub totals: [u32; 3],
    /// surplus ÷ total income (exact decimal division); `None` when income is 0.
    pub savings_rate: Option<f64>,
}

impl Row {
    /// The savings rate of a month as the trends count it: surplus ÷ income, left out
    /// (`None`) when income is 0.
    pub fn savings_rate(total_income: Money, surplus: Money) -> Option<f64> {
        if total_income.is_zero() {
            None
        } else {
            surplus.ratio(total_income)
        }
    }
}

/// Snapshots as rows, categories as columns of amount ids (see the module).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frame {
    categories: Vec<String>,
    rows: Vec<Row>,
    /// Row count the grid was made for.
    capacity: usize,
    /// Category by category: `cells[c * capacity + j]` is the amount id of category `c` in row
    /// `j`, or [`ABSENT`].
    cells: Vec<u32>,
    values: Vec<f64>,
}

impl Frame {
    /// An empty frame for `rows` rows of the `categories` (sorted, without repeats).
    pub fn new(categories: Vec<String>, rows: usize) -> Frame {
        debug_assert!(categories.is_sorted_by(|a, b| a < b));
        Frame {
            cells: vec![ABSENT; categories.len() * rows],
            categories,
            rows: Vec::with_capacity(rows),
            capacity: rows,
            values: Vec::new(),
        }
    }

    /// Adds an amount of value `value` (its `Money::to_f64`); its id is the number of amounts
    /// added before it.
    #[inline]
    pub fn amount(&mut self, value: f64) -> u32 {
        let id = u32::try_from(self.values.len()).unwrap_or(ABSENT - 1);
        self.values.push(value);
        id
    }

    /// Puts in the values of all its amounts at once: an id is then a place in `values`.
    pub fn set_values(&mut self, values: Vec<f64>) {
        self.values = values;
    }

    /// Sets the value of amount `id` (one of those [`set_values`](Self::set_values) put in).
    pub fn set_value(&mut self, id: u32, value: f64) {
        if let Some(v) = self.values.get_mut(id as usize) {
            *v = value;
        }
    }

    /// Makes room for `more` amounts.
    pub fn reserve_amounts(&mut self, more: usize) {
        self.values.reserve(more);
    }

    /// Adds the next row (rows come in period order, one per period). Its index.
    pub fn push_row(&mut self, row: Row) -> usize {
        debug_assert!(self.rows.len() < self.capacity);
        debug_assert!(self.rows.last().is_none_or(|r| r.period <= row.period));
        self.rows.push(row);
        self.rows.len() - 1
    }

    /// Sets the amount id of category `category` (its index) in row `row`.
    #[inline]
    pub fn set(&mut self, category: usize, row: usize, id: u32) {
        self.cells[category * self.capacity + row] = id;
    }

    /// The categories, sorted.
    pub fn categories(&self) -> &[String] {
        &self.categories
    }

    /// The categories, taken out of the frame.
    pub fn into_categories(self) -> Vec<String> {
        self.categories
    }

    /// The rows, in period order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The amount ids of category `category` in every row (by row), [`ABSENT`] where a row
    /// lacks it.
    pub fn cells(&self, category: usize) -> &[u32] {
        let at = category * self.capacity;
        &self.cells[at..at + self.rows.len()]
    }

    /// The value of an amount id (0 for [`ABSENT`]).
    #[inline]
    pub fn value(&self, id: u32) -> f64 {
        if id == ABSENT {
            0.0
        } else {
            self.values[id as usize]
        }
    }

    /// The frame of `snapshots` (in period order), with their amounts: an id is a place in
    /// the list returned with it. The rows' savings rates only when `rates` (the trends read
    /// them).
    pub fn of_snapshots(snapshots: &[&BudgetSnapshot], rates: bool) -> (Frame, Vec<Money>) {
        let categories = series::categories(snapshots)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut frame = Frame::new(categories, snapshots.len());
        let mut money = Vec::with_capacity(snapshots.len() * (3 + frame.categories.len()));
        frame.reserve_amounts(money.capacity());
        for (j, s) in snapshots.iter().enumerate() {
            let mut totals = [0; 3];
            for (t, m) in totals
                .iter_mut()
                .zip([s.total_income, s.total_expenses, s.surplus])
            {
                money.push(m);
                *t = frame.amount(m.to_f64());
            }
            frame.push_row(Row {
                period: s.period(),
                totals,
                // An exact decimal division: only for a caller that reads it.
                savings_rate: if rates {
                    Row::savings_rate(s.total_income, s.surplus)
                } else {
                    None
                },
            });
            // The snapshot's keys are sorted and all among the categories: each is mostly
            // the category after the previous key's.
            let mut i = 0;
            for (k, m) in &s.category_totals {
                if frame.categories.get(i).is_none_or(|c| c != k) {
                    match frame.categories.binary_search(k) {
                        Ok(at) => i = at,
                        Err(_) => continue,
                    }
                }
                money.push(*m);
                let id = frame.amount(m.to_f64());
                frame.set(i, j, id);
                i += 1;
            }
        }
        (frame, money)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{SnapshotId, UserId};
    use crate::models::BudgetModel;
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    fn snapshot(
        year: i32,
        month: u32,
        income: &str,
        expenses: &str,
        totals: &[(&str, &str)],
    ) -> BudgetSnapshot {
        let m = |t: &str| -> Money { t.parse().unwrap_or(Money::ZERO) };
        BudgetSnapshot {
            id: SnapshotId(Uuid::nil()),
            user_id: UserId(Uuid::nil()),
            period_year: year,
            period_month: month,
            currency: "USD".into(),
            budget_model: BudgetModel::default(),
            total_income: m(income),
            total_expenses: m(expenses),
            surplus: m(income) - m(expenses),
            savings_rate: None,
            category_totals: totals
                .iter()
                .map(|(k, v)| ((*k).to_owned(), m(v)))
                .collect(),
            source_session_id: None,
            version: 0,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_frame_of_snapshots_holds_every_amount_by_id() {
        let a = snapshot(
            2025,
            1,
            "3000",
            "2000",
            &[("food", "500"), ("rent", "1500")],
        );
        let b = snapshot(2025, 2, "0", "100", &[("fun", "100")]);
        let (f, money) = Frame::of_snapshots(&[&a, &b], true);
        assert_eq!(f.categories(), ["food", "fun", "rent"]);
        assert_eq!(f.rows().len(), 2);
        let rate = f.rows()[0].savings_rate.unwrap_or(f64::NAN);
        assert!((rate - 1.0 / 3.0).abs() < 1e-15, "{rate}");
        assert_eq!(f.rows()[1].savings_rate, None, "no income: left out");
        let amounts = |c: usize| -> Vec<Option<Money>> {
            f.cells(c)
                .iter()
                .map(|&id| (id != ABSENT).then(|| money[id as usize]))
                .collect()
        };
        assert_eq!(amounts(0), [Some(Money::from_units(500)), None]);
        assert_eq!(amounts(1), [None, Some(Money::from_units(100))]);
        assert_eq!(amounts(2), [Some(Money::from_units(1500)), None]);
        let [i, e, s] = f.rows()[1].totals;
        assert_eq!(
            [money[i as usize], money[e as usize], money[s as usize]],
            [Money::ZERO, Money::from_units(100), Money::from_units(-100)]
        );
        for (id, m) in money.iter().enumerate() {
            assert_eq!(f.value(id as u32), m.to_f64());
        }
        assert_eq!(f.value(ABSENT), 0.0);
    }

    #[test]
    fn values_put_in_at_once_are_read_by_id_and_the_categories_come_back_out() {
        let mut f = Frame::new(vec!["food".into(), "rent".into()], 1);
        f.set_values(vec![1.5, f64::NAN, 3.0]);
        f.set_value(1, 2.5);
        f.set_value(7, 9.0); // no such amount: nothing changes
        assert_eq!([f.value(0), f.value(1), f.value(2)], [1.5, 2.5, 3.0]);
        f.set(1, 0, 2);
        f.push_row(Row {
            period: Period::new(2025, 1).expect("a period"),
            totals: [0, 1, 0],
            savings_rate: None,
        });
        assert_eq!(f.cells(1), [2]);
        assert_eq!(f.cells(0), [ABSENT]);
        assert_eq!(f.into_categories(), ["food", "rent"]);
    }
}

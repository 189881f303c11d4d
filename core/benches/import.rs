#![allow(missing_docs, clippy::unwrap_used)]
//! The import budget of DESIGN §6: 100,000 transactions of a CSV file, native, < 1 s —
//! detecting the layout, reading every row, fingerprinting it and checking it against the
//! fingerprints already known (here: all of them, the re-import case, and none).
//!
//! `cargo bench -p lifepath-core --bench import` prints the figures the README quotes.

use std::collections::HashSet;
use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use lifepath_core::TransactionId;
use lifepath_core::actuals::{detect_csv_layout, import_csv};

fn file(rows: usize) -> String {
    let payees = [
        "TESCO STORES 2231",
        "Blue Bottle Coffee",
        "ACME PAYROLL",
        "Shell 57444",
        "Netflix.com",
    ];
    let mut s = String::with_capacity(rows * 48);
    s.push_str("Date,Description,Amount,Memo\n");
    for i in 0..rows {
        let day = 1 + (i % 28);
        let month = 1 + (i / 28) % 12;
        let cents = ((i * 7919) % 250_000) as i64 - 200_000;
        let cents = if cents == 0 { 1 } else { cents };
        s.push_str(&format!(
            "2026-{month:02}-{day:02},{},{}.{:02},ref {i}\n",
            payees[i % payees.len()],
            cents / 100,
            (cents % 100).abs()
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = file(100_000);
    let now = DateTime::<Utc>::from_timestamp(1_775_000_000, 0).unwrap();
    let layout = detect_csv_layout(&text).unwrap().layout;
    let mut g = c.benchmark_group("import_100k_csv");
    g.sample_size(10);
    g.bench_function("detect_and_import_new", |b| {
        b.iter(|| {
            let layout = detect_csv_layout(black_box(&text)).unwrap().layout;
            let mut n = 0u128;
            let r = import_csv(
                &text,
                &layout,
                Some("Checking"),
                "bench",
                &HashSet::new(),
                || {
                    n += 1;
                    TransactionId(uuid::Uuid::from_u128(n))
                },
                now,
            )
            .unwrap();
            assert_eq!(r.transactions.len(), 100_000);
            r
        })
    });
    let mut n = 0u128;
    let first = import_csv(
        &text,
        &layout,
        Some("Checking"),
        "bench",
        &HashSet::new(),
        || {
            n += 1;
            TransactionId(uuid::Uuid::from_u128(n))
        },
        now,
    )
    .unwrap();
    let known: HashSet<String> = first
        .transactions
        .iter()
        .map(|t| t.fingerprint.clone())
        .collect();
    g.bench_function("reimport_all_duplicates", |b| {
        b.iter(|| {
            let r = import_csv(
                black_box(&text),
                &layout,
                Some("Checking"),
                "bench",
                &known,
                || TransactionId(uuid::Uuid::nil()),
                now,
            )
            .unwrap();
            assert_eq!(r.duplicates, 100_000);
            r
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

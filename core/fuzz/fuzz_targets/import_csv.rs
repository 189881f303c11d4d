#![no_main]
//! CSV: the layout guessed from the input, then every row read with it.

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use lifepath_core::actuals::{detect_csv_layout, import_csv};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(guess) = detect_csv_layout(text) {
        assert!((0.0..=1.0).contains(&guess.confidence));
        if let Ok(r) = import_csv(
            text,
            &guess.layout,
            Some("Fuzz"),
            "fuzz",
            &common::known(),
            common::ids(),
            common::now(),
        ) {
            common::check(&r);
        }
    }
});

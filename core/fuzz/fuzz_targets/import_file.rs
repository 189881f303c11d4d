#![no_main]
//! Any file: the format recognised from the content, then read (what the server and the package
//! run on every upload), with the rows categorised.

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use lifepath_core::actuals::{ImportOptions, import_transactions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = import_transactions(
        text,
        &ImportOptions::default(),
        "fuzz",
        &[],
        &[],
        common::ids(),
        common::now(),
    );
});

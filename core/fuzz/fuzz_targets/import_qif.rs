#![no_main]
//! QIF: any text read as a QIF file.

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use lifepath_core::actuals::import_qif;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let r = import_qif(
        text,
        Some("Fuzz"),
        "fuzz",
        &common::known(),
        common::ids(),
        common::now(),
    );
    common::check(&r);
});

#![no_main]
//! OFX/QFX: any text read as an OFX 1.x or 2.x statement.

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use lifepath_core::actuals::import_ofx;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(r) = import_ofx(
        text,
        Some("USD"),
        "fuzz",
        &common::known(),
        common::ids(),
        common::now(),
    ) {
        common::check(&r);
    }
});

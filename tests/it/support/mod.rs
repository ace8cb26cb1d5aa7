//! Shared test support: moto (`moto`), the sagescope binary against it (`cli`), and the
//! terminal UI on the demo world or a live refresh (`tui`).
#![allow(dead_code)]

pub mod cli;
pub mod moto;
pub mod prices;
pub mod tui;

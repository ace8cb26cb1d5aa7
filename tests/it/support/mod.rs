//! Shared test support: moto (`moto`), the sagescope binary against it (`cli`), and the
//! terminal UI on the demo world or a live refresh (`tui`), `watch` as a child (`watch`).
#![allow(dead_code)]

pub mod cli;
pub mod moto;
pub mod prices;
pub mod tui;
pub mod watch;

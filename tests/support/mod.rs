//! Shared test support.
#![allow(dead_code)]

pub mod cli;
pub mod moto;

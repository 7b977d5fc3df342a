//! Step 7 in HTTP: the market API, the commissioner's dashboard and its server-drawn charts.

pub(crate) mod api;
pub(crate) mod charts;
pub(crate) mod pages;

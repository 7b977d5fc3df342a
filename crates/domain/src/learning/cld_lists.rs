//! The CLD return's code lists, as data (`data/cld-code-lists.toml`): each list names its
//! source and how sure that is, so the values the return writes can be checked against
//! them, and updated when the specification's spreadsheet is at hand.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const LISTS: &str = include_str!("../../data/cld-code-lists.toml");

/// One code list: where it was read, how sure that is, and its values.
#[derive(Debug, Clone, Deserialize)]
pub struct CodeList {
    /// `confirmed`, `partial` or `secondary` (see the data file).
    pub status: String,
    pub source: String,
    pub values: Vec<String>,
}

/// Every list, by CLD data item (`delivery_mechanism`, `service_type`, …).
pub fn code_lists() -> &'static BTreeMap<String, CodeList> {
    static PARSED: OnceLock<BTreeMap<String, CodeList>> = OnceLock::new();
    PARSED.get_or_init(|| toml::from_str(LISTS).expect("the built-in CLD code lists are checked by their test"))
}

/// Whether `value` is, exactly, a value of the list for `item`.
pub fn is_listed(item: &str, value: &str) -> bool {
    code_lists().get(item).is_some_and(|list| list.values.iter().any(|v| v == value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_names_its_source_and_has_no_repeats() {
        let lists = code_lists();
        assert!(lists.len() >= 10, "{} lists", lists.len());
        for (item, list) in lists {
            assert!(["confirmed", "partial", "secondary"].contains(&list.status.as_str()), "{item}: {}", list.status);
            assert!(!list.source.trim().is_empty(), "{item} names no source");
            let unique: std::collections::BTreeSet<&String> = list.values.iter().collect();
            assert_eq!(unique.len(), list.values.len(), "{item} repeats a value");
        }
        assert!(is_listed("delivery_mechanism", "Direct payment"));
        assert!(!is_listed("delivery_mechanism", "Individual Service Fund"), "an ISF is a managed personal budget, not a mechanism of its own");
        assert!(!is_listed("service_type", "Direct payment"));
    }
}

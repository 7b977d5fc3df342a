//! Step 6: when a person's support is reviewed.

pub mod ending;
pub mod safeguarding;

use crate::dates::add_months;
use time::Date;

/// The first review: within six months of a direct payment starting (Care Act guidance),
/// otherwise a year after the support starts.
pub fn first_review_due(support_start: Date, includes_direct_payment: bool) -> Date {
    add_months(support_start, if includes_direct_payment { 6 } else { 12 })
}

/// After a review, the next falls due a year later.
pub fn next_review_due(completed_on: Date) -> Date {
    add_months(completed_on, 12)
}

/// Whether a review due on `due` is overdue on `today`.
pub fn is_overdue(due: Date, today: Date) -> bool {
    due < today
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn six_months_for_direct_payments_then_yearly() {
        assert_eq!(first_review_due(date!(2026 - 04 - 01), true), date!(2026 - 10 - 01));
        assert_eq!(first_review_due(date!(2026 - 04 - 01), false), date!(2027 - 04 - 01));
        assert_eq!(next_review_due(date!(2026 - 10 - 03)), date!(2027 - 10 - 03));
        assert!(is_overdue(date!(2026 - 10 - 01), date!(2026 - 10 - 02)));
        assert!(!is_overdue(date!(2026 - 10 - 01), date!(2026 - 10 - 01)));
    }
}

//! Step 6: moving to another council — the Care Act 2014's continuity of care (sections
//! 37 and 38). Pure rules: the store writes what [`plan_transfer`] works out.
//!
//! The sending council's support ends the day before the move. From the day of the move
//! the receiving council meets the person's needs under the sending council's plan, until
//! it has made its own assessment; it is given the person's assessment and the plan as it
//! stands on the day of the move, so the person tells their story once. Each council keeps
//! its own history, and neither sees the other's other records.
//!
//! Payments go four weeks ahead, so the sending council has often paid for days after the
//! move already. Those days stay paid where they were paid (nothing is clawed back from a
//! person in the middle of moving home), and the receiving council's money starts on the
//! first day not yet paid: no gap, and no day paid twice.

use crate::codes::coded_enum;
use crate::dates::{iso, long};
use crate::ids::CouncilId;
use crate::money::ledger::FundedLine;
use crate::person::normalise_postcode;
use crate::validation::Problems;
use serde::{Deserialize, Serialize};
use time::Date;

coded_enum!(
    /// Which side of a move a council's record is.
    TransferDirection {
        Out => ("out", "Moved to"),
        In => ("in", "Moved here from"),
    }
);

/// A move, as checked: where the person goes and from when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub to_council: CouncilId,
    /// The day of the move: the receiving council is responsible from then.
    pub moves_on: Date,
    /// The sending council's last day of support: the day before the move, or the last
    /// day it has already paid for when that is later.
    pub last_day_here: Date,
    /// The first day of the receiving council's budget: the day after `last_day_here`.
    pub carried_from: Date,
    /// The person's new address, in the receiving council's area.
    pub address: String,
    pub postcode: String,
}

/// The sending council's side of a move, as the rules need it.
#[derive(Debug, Clone, Copy)]
pub struct Sending {
    pub council: CouncilId,
    /// The budget's live span here.
    pub start: Date,
    pub end: Date,
    /// The last day already paid for, to anyone but the council itself (a contribution).
    pub paid_through: Option<Date>,
}

/// A move as typed, with the receiving council already looked up (`None`: no council on
/// the service has the code given).
pub struct TransferRequest<'a> {
    pub to_council: Option<CouncilId>,
    pub moves_on: &'a str,
    pub address: &'a str,
    pub postcode: &'a str,
}

/// Checks a move from `sending`, or says every problem with it, each naming its field.
pub fn plan_transfer(sending: Sending, request: &TransferRequest<'_>) -> Result<Transfer, Problems> {
    let mut p = Problems::new();
    if request.to_council.is_none() {
        p.add("to_council", "names no council on the service: choose the council the person is moving to");
    } else if request.to_council == Some(sending.council) {
        p.add("to_council", "is this council: a transfer goes to another council (to stop support here, end it instead)");
    }
    let moves_on = p.date("moves_on", request.moves_on);
    let last_day_here = moves_on.and_then(Date::previous_day).map(|day| sending.paid_through.map_or(day, |paid| paid.max(day)));
    if let (Some(day), Some(last)) = (moves_on, last_day_here) {
        if day <= sending.start {
            p.add("moves_on", format!("must be after the budget started here ({}): this council pays up to the day before the move", long(sending.start)));
        } else if day > sending.end {
            p.add("moves_on", format!("must be on or before the budget's last day ({}): after it there is no support here to carry", iso(sending.end)));
        } else if last >= sending.end {
            p.add(
                "moves_on",
                format!("the budget here is already paid to its last day ({}): there are no days left for the receiving council to carry", iso(sending.end)),
            );
        }
    }
    let address = p.text("address", request.address, 500);
    let postcode = match request.postcode.trim() {
        "" => {
            p.add("postcode", "is required: the person's postcode in the receiving council's area");
            None
        }
        typed => normalise_postcode(typed).or_else(|| {
            p.add("postcode", format!("'{typed}' is not a UK postcode, such as SW1A 1AA"));
            None
        }),
    };
    p.into_result(())?;
    Ok(Transfer {
        to_council: request.to_council.expect("checked"),
        moves_on: moves_on.expect("checked"),
        last_day_here: last_day_here.expect("after the start, so not the first day there is"),
        carried_from: last_day_here.and_then(Date::next_day).expect("before the budget's end"),
        address: address.expect("checked"),
        postcode: postcode.expect("checked"),
    })
}

/// The lines the receiving council carries on: those in force on its first day
/// (a revision's earlier versions stay with the sending council's history).
pub fn lines_carried(lines: &[FundedLine], carried_from: Date) -> Vec<&FundedLine> {
    lines.iter().filter(|l| l.in_force.covers(carried_from, carried_from)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deployment::streams::FundingStream;
    use crate::deployment::DeploymentOption;
    use crate::money::Money;
    use crate::plan::revision::InForce;
    use time::macros::date;
    use uuid::Uuid;

    fn sending() -> Sending {
        Sending { council: CouncilId::from_uuid(Uuid::from_u128(1)), start: date!(2026 - 04 - 01), end: date!(2027 - 03 - 31), paid_through: None }
    }

    fn request(moves_on: &str) -> TransferRequest<'_> {
        TransferRequest { to_council: Some(CouncilId::from_uuid(Uuid::from_u128(2))), moves_on, address: "1 New Road, Leeds", postcode: "ls1 4ap" }
    }

    fn fields(p: &Problems) -> Vec<&str> {
        p.as_slice().iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn the_sending_council_pays_to_the_day_before_the_move() {
        let t = plan_transfer(sending(), &request("2026-09-14")).unwrap();
        assert_eq!((t.last_day_here, t.carried_from, t.postcode.as_str()), (date!(2026 - 09 - 13), date!(2026 - 09 - 14), "LS1 4AP"));
        // Days paid ahead stay paid where they were paid; the new money starts after them.
        let paid_ahead = Sending { paid_through: Some(date!(2026 - 09 - 27)), ..sending() };
        let t = plan_transfer(paid_ahead, &request("2026-09-14")).unwrap();
        assert_eq!((t.moves_on, t.last_day_here, t.carried_from), (date!(2026 - 09 - 14), date!(2026 - 09 - 27), date!(2026 - 09 - 28)));
        // The last day of the budget is the latest move there is support to carry for.
        assert!(plan_transfer(sending(), &request("2027-03-31")).is_ok());
    }

    #[test]
    fn a_move_to_the_same_council_or_outside_the_budget_is_refused_by_field() {
        let same = TransferRequest { to_council: Some(sending().council), ..request("2026-09-14") };
        assert_eq!(fields(&plan_transfer(sending(), &same).unwrap_err()), ["to_council"]);
        let nowhere = TransferRequest { to_council: None, ..request("2026-09-14") };
        assert_eq!(fields(&plan_transfer(sending(), &nowhere).unwrap_err()), ["to_council"]);
        assert_eq!(fields(&plan_transfer(sending(), &request("2026-04-01")).unwrap_err()), ["moves_on"]);
        assert_eq!(fields(&plan_transfer(sending(), &request("2027-04-01")).unwrap_err()), ["moves_on"]);
        let paid_to_the_end = Sending { paid_through: Some(date!(2027 - 03 - 31)), ..sending() };
        assert_eq!(fields(&plan_transfer(paid_to_the_end, &request("2027-03-01")).unwrap_err()), ["moves_on"]);
        let blank = TransferRequest { address: " ", postcode: "12345", ..request("14/09/2026") };
        assert_eq!(fields(&plan_transfer(sending(), &blank).unwrap_err()), ["moves_on", "address", "postcode"]);
    }

    #[test]
    fn only_the_lines_in_force_on_the_day_of_the_move_are_carried() {
        let line = |from, to| FundedLine {
            id: Uuid::now_v7(),
            stream: FundingStream::new("adult_social_care"),
            deployment: DeploymentOption::DirectPayment,
            annual_cost: Money::from_pounds(5_200),
            in_force: InForce { from, to },
        };
        let lines = [line(None, Some(date!(2026 - 06 - 30))), line(Some(date!(2026 - 07 - 01)), None), line(None, None)];
        let carried = lines_carried(&lines, date!(2026 - 09 - 14));
        assert_eq!(carried.iter().map(|l| l.id).collect::<Vec<_>>(), [lines[1].id, lines[2].id]);
    }
}

//! Step 4: how the money is held.

pub mod commissioned;
pub mod streams;

use crate::codes::coded_enum;
use serde::{Deserialize, Serialize};

coded_enum!(
    /// How one part of a budget is held.
    DeploymentOption {
        DirectPayment => ("direct_payment", "Direct payment"),
        CouncilManaged => ("council_managed", "Council-managed budget"),
        IndividualServiceFund => ("individual_service_fund", "Individual service fund"),
    }
);

coded_enum!(
    /// How a whole budget is held: one option, or a mix.
    AccountDeployment {
        DirectPayment => ("direct_payment", "Direct payment"),
        CouncilManaged => ("council_managed", "Council-managed budget"),
        IndividualServiceFund => ("individual_service_fund", "Individual service fund"),
        Mixed => ("mixed", "Mixed: part direct payment, part managed for you"),
    }
);

impl DeploymentOption {
    /// What this option means for the person, in a sentence.
    pub fn explanation(self) -> &'static str {
        match self {
            DeploymentOption::DirectPayment => "The money is paid into your own account and you buy your support, keeping receipts.",
            DeploymentOption::CouncilManaged => "The council holds the money and pays for the support you choose.",
            DeploymentOption::IndividualServiceFund => "A provider you choose holds the money and spends it flexibly as your plan says.",
        }
    }
}

/// The deployment of a whole budget from the options chosen for its lines.
/// `None` when no line has an option yet.
pub fn overall(options: impl IntoIterator<Item = DeploymentOption>) -> Option<AccountDeployment> {
    let mut options = options.into_iter();
    let first = options.next()?;
    if options.all(|o| o == first) {
        Some(match first {
            DeploymentOption::DirectPayment => AccountDeployment::DirectPayment,
            DeploymentOption::CouncilManaged => AccountDeployment::CouncilManaged,
            DeploymentOption::IndividualServiceFund => AccountDeployment::IndividualServiceFund,
        })
    } else {
        Some(AccountDeployment::Mixed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeploymentOption::*;

    #[test]
    fn one_option_or_mixed() {
        assert_eq!(overall([]), None);
        assert_eq!(overall([DirectPayment, DirectPayment]), Some(AccountDeployment::DirectPayment));
        assert_eq!(overall([DirectPayment, IndividualServiceFund]), Some(AccountDeployment::Mixed));
        assert_eq!(overall([CouncilManaged]), Some(AccountDeployment::CouncilManaged));
    }
}

//! Who may do what, decided in one place. Every page and every store call that touches a
//! person's record asks [`decide`]; no handler makes its own rule.
//!
//! Records of another council are reported as not found (404), never as forbidden, so a
//! user cannot even learn that they exist; within the council, a role that may not do a
//! thing is told so (403).

use crate::codes::coded_enum;
use crate::ids::{CouncilId, PersonId, TeamId, UserId};
use serde::{Deserialize, Serialize};

coded_enum!(
    /// What a signed-in user is in the service.
    Role {
        BudgetHolder => ("budget_holder", "Budget holder"),
        Representative => ("representative", "Representative or carer"),
        SocialWorker => ("social_worker", "Social worker"),
        TeamManager => ("team_manager", "Team manager"),
        FinanceOfficer => ("finance_officer", "Finance officer"),
        Provider => ("provider", "Provider"),
        Broker => ("broker", "Broker or support planner"),
        Commissioner => ("commissioner", "Commissioner"),
        Auditor => ("auditor", "Auditor"),
        Administrator => ("administrator", "Administrator"),
        ServiceOperator => ("service_operator", "Service operator"),
    }
);

/// A signed-in user, as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub council_id: CouncilId,
    pub role: Role,
    /// For a budget holder or representative: the person whose budget it is.
    pub person_id: Option<PersonId>,
    /// For a broker: the other people who have chosen them.
    pub clients: Vec<PersonId>,
    /// For staff: the team they work in.
    pub team_id: Option<TeamId>,
    /// For a provider: their name as registered with the council.
    pub provider_name: Option<String>,
}

/// Something a user asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See a person's record: budget, plan, money, reviews.
    ViewPerson,
    /// Change a draft plan and send it for approval.
    EditPlan,
    /// Choose how the money is held, once the plan is approved.
    ChooseDeployment,
    /// Record what a direct payment was spent on, with a receipt.
    RecordSpending,
    /// See the council's caseload and the plans waiting for a decision.
    ViewCaseload,
    /// Approve a plan or return it for changes.
    DecidePlan,
    /// Payment runs, rejected invoices, direct-payment audit.
    ManageFinance,
    /// Send invoices and see their status.
    SubmitInvoices,
    /// Figures across the council, with no names.
    ViewAggregates,
    /// The council's own details and questionnaire: anyone in the council.
    ViewCouncil,
    /// Register people, their contacts and assessments, and complete reviews.
    ManagePeople,
    /// Publish questionnaires, uprate, recompute and calibrate the RAS.
    ManageRas,
    /// The ledger's trial balance.
    ViewLedger,
    /// See invoices: a provider their own, finance and auditors all.
    ViewInvoices,
    /// Set up a new council on the service: the service operator's job, not a council's.
    CreateCouncil,
    /// A council's own set-up (teams, the scheme of delegation): its administrator's.
    SetUpCouncil,
    /// See who has read or changed a person's record: the auditor, and the person.
    ViewAccessLog,
    /// Record the council's block contracts with providers (commissioning).
    ManageContracts,
    /// Enter or change where a direct payment is paid: a finance officer, or the budget
    /// holder (or their representative) for their own budget. A change is paid only once
    /// a second person has confirmed it.
    ChangeBankDetails,
    /// Confirm a change of bank details someone else entered: a finance officer.
    ConfirmBankDetails,
}

impl Action {
    /// What the action did to a record, in words for the access log.
    pub fn describe(self) -> &'static str {
        match self {
            Action::ViewPerson => "looked at the record",
            Action::EditPlan => "worked on the support plan",
            Action::ChooseDeployment => "chose how the money is held",
            Action::RecordSpending => "recorded spending",
            Action::ViewCaseload => "looked at the caseload",
            Action::DecidePlan => "decided on the plan",
            Action::ManageFinance => "worked on the money",
            Action::SubmitInvoices => "sent an invoice",
            Action::ViewAggregates => "looked at figures",
            Action::ViewCouncil => "looked at the council",
            Action::ManagePeople => "updated the record",
            Action::ManageRas => "worked on the allocation rules",
            Action::ViewLedger => "looked at the ledger",
            Action::ViewInvoices => "looked at invoices",
            Action::CreateCouncil => "set up a new council",
            Action::SetUpCouncil => "changed the council's set-up",
            Action::ViewAccessLog => "looked at who has seen the record",
            Action::ManageContracts => "recorded a block contract",
            Action::ChangeBankDetails => "changed the bank details",
            Action::ConfirmBankDetails => "confirmed a change of bank details",
        }
    }
}

/// What a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The council as a whole (queues, runs, dashboards).
    Council(CouncilId),
    /// One person's record, in a council.
    Person { council_id: CouncilId, person_id: PersonId, caseload: Caseload },
}

impl Subject {
    fn council_id(self) -> CouncilId {
        match self {
            Subject::Council(c) | Subject::Person { council_id: c, .. } => c,
        }
    }
}

/// Whose caseload a person is on: a team, and perhaps a named worker in it. Neither means
/// not yet allocated (the duty queue, open to every social worker).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Caseload {
    pub team_id: Option<TeamId>,
    pub worker_id: Option<UserId>,
}

impl Caseload {
    /// How a member of staff stands to the person's case, if at all.
    fn relation(self, actor: &Actor) -> Option<Grounds> {
        match (self.team_id, self.worker_id) {
            (None, None) => Some(Grounds::DutyQueue),
            (_, Some(worker)) if worker == actor.user_id => Some(Grounds::AllocatedWorker),
            (Some(team), _) if Some(team) == actor.team_id => Some(Grounds::TeamCaseload),
            _ => None,
        }
    }

    /// Whether a social worker may work with the person: allocated to them or their team, or not yet allocated.
    fn open_to(self, actor: &Actor) -> bool {
        self.relation(actor).is_some()
    }
}

/// Why a user could open a person's record: the relationship the access rested on, kept
/// in the access log beside what they did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grounds {
    OwnRecord,
    ActingFor,
    ChosenBroker,
    AllocatedWorker,
    TeamCaseload,
    DutyQueue,
    /// A council-wide role (team manager, finance officer, auditor, administrator).
    CouncilRole(Role),
}

impl Grounds {
    pub fn describe(self) -> String {
        match self {
            Grounds::OwnRecord => "their own record".into(),
            Grounds::ActingFor => "acting for the person".into(),
            Grounds::ChosenBroker => "the broker the person chose".into(),
            Grounds::AllocatedWorker => "the person's allocated worker".into(),
            Grounds::TeamCaseload => "on their team's caseload".into(),
            Grounds::DutyQueue => "not yet allocated: the duty queue".into(),
            Grounds::CouncilRole(role) => format!("the council's {}", role.label().to_lowercase()),
        }
    }
}

/// The grounds on which `actor` reaches the person in `subject`, once [`decide`] has let
/// them. None for a council-wide subject.
pub fn grounds(actor: &Actor, subject: Subject) -> Option<Grounds> {
    let Subject::Person { person_id, caseload, .. } = subject else { return None };
    Some(match actor.role {
        Role::BudgetHolder => Grounds::OwnRecord,
        Role::Representative => Grounds::ActingFor,
        Role::Broker if Some(person_id) == actor.person_id => Grounds::OwnRecord,
        Role::Broker => Grounds::ChosenBroker,
        Role::SocialWorker => caseload.relation(actor).unwrap_or(Grounds::CouncilRole(Role::SocialWorker)),
        role => Grounds::CouncilRole(role),
    })
}

/// Why something is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Another council's record, or a person who is not this user's: as if it did not exist.
    #[error("not found")]
    NotFound,
    /// The user's own council, but their role may not do this.
    #[error("your role may not do this")]
    Forbidden,
}

/// Decides whether `actor` may do `action` to `subject`.
pub fn decide(actor: &Actor, action: Action, subject: Subject) -> Result<(), Refusal> {
    use Action::*;
    use Role::*;
    if subject.council_id() != actor.council_id {
        return Err(Refusal::NotFound);
    }
    // A social worker works with their own and their team's caseload, and the duty queue.
    if actor.role == Role::SocialWorker {
        if let Subject::Person { caseload, .. } = subject {
            if !caseload.open_to(actor) {
                return Err(Refusal::Forbidden);
            }
        }
    }
    let own_person = matches!(subject, Subject::Person { person_id, .. }
        if Some(person_id) == actor.person_id || (actor.role == Role::Broker && actor.clients.contains(&person_id)));
    let staff_case_work = matches!(actor.role, SocialWorker | TeamManager);
    // A council's administrator supports case work but neither decides plans nor pays.
    let case_support = staff_case_work || actor.role == Administrator;
    let allowed = match action {
        ViewPerson => match actor.role {
            BudgetHolder | Representative | Broker => {
                if !own_person {
                    return Err(Refusal::NotFound);
                }
                true
            }
            SocialWorker | TeamManager | FinanceOfficer | Auditor | Administrator => true,
            Provider | Commissioner | ServiceOperator => false,
        },
        EditPlan | ChooseDeployment | RecordSpending => match actor.role {
            BudgetHolder | Representative | Broker => {
                if !own_person {
                    return Err(Refusal::NotFound);
                }
                true
            }
            _ => case_support,
        },
        ViewCaseload => case_support || actor.role == Auditor,
        DecidePlan => staff_case_work,
        ManagePeople => case_support,
        ManageRas => matches!(actor.role, TeamManager | Administrator),
        ManageFinance => matches!(actor.role, FinanceOfficer),
        ViewLedger => matches!(actor.role, FinanceOfficer | Auditor),
        SubmitInvoices => matches!(actor.role, Provider) && actor.provider_name.is_some(),
        ViewInvoices => matches!(actor.role, FinanceOfficer | Auditor) || (actor.role == Provider && actor.provider_name.is_some()),
        ViewAggregates => matches!(actor.role, Commissioner | TeamManager | FinanceOfficer | Auditor | Administrator),
        ViewCouncil => true,
        CreateCouncil => actor.role == ServiceOperator,
        SetUpCouncil => actor.role == Administrator,
        ManageContracts => matches!(actor.role, Commissioner),
        ChangeBankDetails => match actor.role {
            BudgetHolder | Representative => {
                if !own_person {
                    return Err(Refusal::NotFound);
                }
                true
            }
            _ => actor.role == FinanceOfficer,
        },
        ConfirmBankDetails => actor.role == FinanceOfficer,
        ViewAccessLog => match actor.role {
            BudgetHolder | Representative | Broker => {
                if !own_person {
                    return Err(Refusal::NotFound);
                }
                true
            }
            _ => actor.role == Auditor,
        },
    };
    if allowed {
        Ok(())
    } else {
        Err(Refusal::Forbidden)
    }
}

/// Where a user starts after signing in.
pub fn home_path(actor: &Actor) -> String {
    let council = actor.council_id;
    match actor.role {
        Role::BudgetHolder | Role::Representative | Role::Broker => "/my-budget".to_string(),
        Role::SocialWorker | Role::TeamManager | Role::Auditor | Role::Administrator => format!("/councils/{council}"),
        Role::FinanceOfficer => format!("/councils/{council}/finance"),
        Role::Provider => format!("/councils/{council}/invoices"),
        Role::Commissioner => format!("/councils/{council}/dashboard"),
        Role::ServiceOperator => "/service/councils".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new id of whichever kind is wanted.
    fn fresh<Id: From<uuid::Uuid>>() -> Id {
        uuid::Uuid::now_v7().into()
    }

    fn actor(role: Role, council: CouncilId, person: Option<PersonId>) -> Actor {
        Actor {
            user_id: fresh(),
            council_id: council,
            role,
            person_id: person,
            clients: Vec::new(),
            team_id: None,
            provider_name: (role == Role::Provider).then(|| "Harbour Care".into()),
        }
    }

    #[test]
    fn every_role_against_own_other_and_foreign_records() {
        let (here, elsewhere) = (fresh(), fresh());
        let (mine, theirs) = (fresh(), fresh());
        let own = Subject::Person { council_id: here, person_id: mine, caseload: Caseload::default() };
        let other = Subject::Person { council_id: here, person_id: theirs, caseload: Caseload::default() };
        let foreign = Subject::Person { council_id: elsewhere, person_id: mine, caseload: Caseload::default() };
        use Refusal::*;
        let ok = Ok(());
        for role in Role::ALL.iter().copied() {
            let a = actor(role, here, matches!(role, Role::BudgetHolder | Role::Representative | Role::Broker).then_some(mine));
            // Another council's records never exist for anyone.
            for action in [Action::ViewPerson, Action::EditPlan, Action::DecidePlan, Action::ManageFinance] {
                assert_eq!(decide(&a, action, foreign), Err(NotFound), "{role:?} {action:?} foreign");
            }
            assert_eq!(decide(&a, Action::ViewCaseload, Subject::Council(elsewhere)), Err(NotFound));
            let (view_own, view_other) = match role {
                Role::BudgetHolder | Role::Representative | Role::Broker => (ok, Err(NotFound)),
                Role::Provider | Role::Commissioner | Role::ServiceOperator => (Err(Forbidden), Err(Forbidden)),
                _ => (ok, ok),
            };
            assert_eq!((decide(&a, Action::ViewPerson, own), decide(&a, Action::ViewPerson, other)), (view_own, view_other), "{role:?} view");
            let decides = matches!(role, Role::SocialWorker | Role::TeamManager);
            assert_eq!(decide(&a, Action::DecidePlan, Subject::Council(here)).is_ok(), decides, "{role:?} decide");
            assert_eq!(decide(&a, Action::ManageFinance, Subject::Council(here)).is_ok(), role == Role::FinanceOfficer, "{role:?} finance");
            assert_eq!(decide(&a, Action::SubmitInvoices, Subject::Council(here)).is_ok(), role == Role::Provider, "{role:?} invoices");
            assert_eq!(decide(&a, Action::CreateCouncil, Subject::Council(here)).is_ok(), role == Role::ServiceOperator, "{role:?} new council");
            assert_eq!(decide(&a, Action::SetUpCouncil, Subject::Council(here)).is_ok(), role == Role::Administrator, "{role:?} set-up");
        }
    }

    #[test]
    fn the_service_operator_sets_up_councils_and_sees_no_ones_record() {
        let here = fresh();
        let operator = actor(Role::ServiceOperator, here, None);
        let person = Subject::Person { council_id: here, person_id: fresh(), caseload: Caseload::default() };
        for action in [Action::ViewPerson, Action::EditPlan, Action::ManagePeople, Action::ViewCaseload, Action::ManageFinance, Action::ViewAggregates] {
            assert!(decide(&operator, action, person).is_err() && decide(&operator, action, Subject::Council(here)).is_err(), "{action:?}");
        }
        assert_eq!(decide(&operator, Action::CreateCouncil, Subject::Council(here)), Ok(()));
        // A council's administrator runs their own council, not the service.
        let administrator = actor(Role::Administrator, here, None);
        assert_eq!(decide(&administrator, Action::CreateCouncil, Subject::Council(here)), Err(Refusal::Forbidden));
    }

    #[test]
    fn a_provider_without_a_registered_name_cannot_invoice() {
        let here = fresh();
        let a = Actor { provider_name: None, ..actor(Role::Provider, here, None) };
        assert_eq!(decide(&a, Action::SubmitInvoices, Subject::Council(here)), Err(Refusal::Forbidden));
    }

    #[test]
    fn a_broker_acts_for_everyone_who_chose_them_and_nobody_else() {
        let here = fresh();
        let (first, chose_later, stranger) = (fresh(), fresh(), fresh());
        let broker = Actor { clients: vec![chose_later], ..actor(Role::Broker, here, Some(first)) };
        let person = |p| Subject::Person { council_id: here, person_id: p, caseload: Caseload::default() };
        assert_eq!(decide(&broker, Action::EditPlan, person(first)), Ok(()));
        assert_eq!(decide(&broker, Action::EditPlan, person(chose_later)), Ok(()));
        assert_eq!(decide(&broker, Action::ViewPerson, person(stranger)), Err(Refusal::NotFound));
        // A budget holder's list, were it ever filled, gives nobody else's record.
        let holder = Actor { clients: vec![chose_later], ..actor(Role::BudgetHolder, here, Some(first)) };
        assert_eq!(decide(&holder, Action::ViewPerson, person(chose_later)), Err(Refusal::NotFound));
    }

    #[test]
    fn a_social_worker_works_their_own_and_their_teams_caseload_and_the_duty_queue() {
        let here = fresh();
        let (north, south) = (fresh(), fresh());
        let sam = Actor { team_id: Some(north), ..actor(Role::SocialWorker, here, None) };
        let person = |caseload| Subject::Person { council_id: here, person_id: fresh(), caseload };
        let team = |t| Caseload { team_id: Some(t), worker_id: None };
        assert_eq!(decide(&sam, Action::ViewPerson, person(Caseload::default())), Ok(()), "duty queue");
        assert_eq!(decide(&sam, Action::EditPlan, person(team(north))), Ok(()), "own team");
        assert_eq!(decide(&sam, Action::ViewPerson, person(team(south))), Err(Refusal::Forbidden), "another team's");
        assert_eq!(decide(&sam, Action::ViewPerson, person(Caseload { team_id: Some(south), worker_id: Some(sam.user_id) })), Ok(()), "allocated to Sam");
        let no_team = Actor { team_id: None, ..sam.clone() };
        assert_eq!(decide(&no_team, Action::ViewPerson, person(team(north))), Err(Refusal::Forbidden));
        // A team manager oversees every team.
        let tess = actor(Role::TeamManager, here, None);
        assert_eq!(decide(&tess, Action::DecidePlan, person(team(south))), Ok(()));
        // The council-wide queues are unchanged.
        assert_eq!(decide(&sam, Action::ViewCaseload, Subject::Council(here)), Ok(()));
    }

    #[test]
    fn the_access_log_says_on_what_grounds() {
        let (council, person, team) = (fresh(), fresh(), fresh());
        let worker = Actor { team_id: Some(team), ..actor(Role::SocialWorker, council, None) };
        let on = |caseload| Subject::Person { council_id: council, person_id: person, caseload };
        let says = |a: &Actor, caseload| grounds(a, on(caseload)).map(Grounds::describe);
        assert_eq!(says(&worker, Caseload::default()).as_deref(), Some("not yet allocated: the duty queue"));
        assert_eq!(says(&worker, Caseload { team_id: Some(team), worker_id: None }).as_deref(), Some("on their team's caseload"));
        assert_eq!(says(&worker, Caseload { team_id: Some(team), worker_id: Some(worker.user_id) }).as_deref(), Some("the person's allocated worker"));
        let manager = actor(Role::TeamManager, council, None);
        assert_eq!(says(&manager, Caseload { team_id: Some(team), worker_id: None }).as_deref(), Some("the council's team manager"));
        assert_eq!(says(&actor(Role::BudgetHolder, council, Some(person)), Caseload::default()).as_deref(), Some("their own record"));
        assert_eq!(says(&actor(Role::Representative, council, Some(person)), Caseload::default()).as_deref(), Some("acting for the person"));
        let broker = Actor { clients: vec![person], ..actor(Role::Broker, council, None) };
        assert_eq!(says(&broker, Caseload::default()).as_deref(), Some("the broker the person chose"));
        assert_eq!(grounds(&manager, Subject::Council(council)), None);
    }
}

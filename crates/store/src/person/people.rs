//! Step 1: councils, people and their contacts.

use crate::codec;
use crate::records::{Contact, Council, Person};
use crate::{fresh_id, invalid, new_id, now, today, Result, Store, StoreError};
use selfdirect_domain::access::Role;
use selfdirect_domain::assessment::Questionnaire;
use selfdirect_domain::dates::iso;
use selfdirect_domain::ids::{CouncilId, PersonId, TeamId, UserId};
use selfdirect_domain::person::{validate_new_person, ClientGroup, ContactRole, NewPersonInput, NhsNumber, PersonDetails};
use selfdirect_domain::Problems;
use sqlx::Row;

#[derive(sqlx::FromRow)]
pub(crate) struct PersonRow {
    id: String,
    council_id: String,
    given_name: String,
    family_name: String,
    date_of_birth: String,
    address: String,
    postcode: String,
    client_group: String,
    long_term_support: i64,
    allocated_team_id: Option<String>,
    allocated_worker_id: Option<String>,
    nhs_number: Option<String>,
}

pub(crate) const PERSON_COLUMNS: &str =
    "id, council_id, given_name, family_name, date_of_birth, address, postcode, client_group, long_term_support, allocated_team_id, allocated_worker_id, nhs_number";

impl PersonRow {
    pub(crate) fn into_person(self) -> Result<Person> {
        Ok(Person {
            id: codec::uuid("people.id", &self.id)?,
            council_id: codec::uuid("people.council_id", &self.council_id)?,
            details: PersonDetails {
                given_name: self.given_name,
                family_name: self.family_name,
                date_of_birth: codec::date("people.date_of_birth", &self.date_of_birth)?,
                address: self.address,
                postcode: self.postcode,
                client_group: codec::code("people.client_group", &self.client_group, ClientGroup::from_code)?,
                long_term_support: self.long_term_support != 0,
                nhs_number: self
                    .nhs_number
                    .as_deref()
                    .map(|n| NhsNumber::parse(n).map_err(|_| StoreError::Corrupt(format!("people.nhs_number holds '{n}'"))))
                    .transpose()?,
            },
            allocated_team_id: self.allocated_team_id.as_deref().map(|t| codec::uuid("people.allocated_team_id", t)).transpose()?,
            allocated_worker_id: self.allocated_worker_id.as_deref().map(|w| codec::uuid("people.allocated_worker_id", w)).transpose()?,
        })
    }
}

impl Store {
    /// Registers a council and publishes the standard questionnaire for it.
    pub async fn create_council(&self, code: &str, name: &str) -> Result<Council> {
        let mut p = Problems::new();
        let code = p.text("code", code, 20);
        if code.as_deref().is_some_and(|c| !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')) {
            p.add("code", "may contain only letters, digits and hyphens");
        }
        let name = p.text("name", name, 200);
        if !p.is_empty() {
            return Err(p.into());
        }
        let (code, name) = (code.expect("checked").to_ascii_uppercase(), name.expect("checked"));
        let mut tx = self.pool.begin().await?;
        let taken = sqlx::query("SELECT id FROM councils WHERE code = $1").bind(&code).fetch_optional(&mut *tx).await?;
        if taken.is_some() {
            return Err(invalid("code", format!("council code '{code}' is already registered")));
        }
        let id = new_id();
        sqlx::query("INSERT INTO councils (id, code, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&id)
            .bind(&code)
            .bind(&name)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        let questionnaire = Questionnaire::standard();
        sqlx::query("INSERT INTO questionnaires (council_id, questionnaire_id, version, definition, published_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id)
            .bind(&questionnaire.id)
            .bind(questionnaire.version)
            .bind(codec::to_json(&questionnaire))
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Council { id: codec::uuid("councils.id", &id)?, code, name })
    }

    pub async fn council(&self, id: CouncilId) -> Result<Council> {
        let uuid = id.uuid();
        let row = sqlx::query("SELECT id, code, name FROM councils WHERE id = $1")
            .bind(uuid.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "council", id: id.to_string() })?;
        Ok(Council { id: uuid.into(), code: row.try_get("code")?, name: row.try_get("name")? })
    }

    pub async fn councils(&self) -> Result<Vec<Council>> {
        let rows = sqlx::query("SELECT id, code, name FROM councils ORDER BY name").fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                Ok(Council { id: codec::uuid("councils.id", &id)?, code: r.try_get("code")?, name: r.try_get("name")? })
            })
            .collect()
    }

    /// The newest published questionnaire of a council.
    pub async fn current_questionnaire(&self, council_id: CouncilId) -> Result<Questionnaire> {
        let council = self.council(council_id).await?;
        let row = sqlx::query("SELECT definition FROM questionnaires WHERE council_id = $1 ORDER BY version DESC LIMIT 1")
            .bind(council.id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("council {} has no questionnaire", council.code)))?;
        codec::json("questionnaires.definition", &row.try_get::<String, _>("definition")?)
    }

    pub async fn create_person(&self, council_id: CouncilId, input: &NewPersonInput<'_>) -> Result<Person> {
        let council = self.council(council_id).await?;
        let person = validate_new_person(input, today())?;
        let id: PersonId = fresh_id();
        sqlx::query(
            "INSERT INTO people (id, council_id, given_name, family_name, date_of_birth, address, postcode, client_group, long_term_support, created_at, nhs_number) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id.to_string())
        .bind(council.id.to_string())
        .bind(&person.given_name)
        .bind(&person.family_name)
        .bind(iso(person.date_of_birth))
        .bind(&person.address)
        .bind(&person.postcode)
        .bind(person.client_group.code())
        .bind(i64::from(person.long_term_support))
        .bind(now())
        .bind(person.nhs_number.as_ref().map(NhsNumber::digits))
        .execute(&self.pool)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) if person.nhs_number.is_some() => {
                invalid("nhs_number", "is already the NHS number of someone the council knows; find their record instead of registering them again")
            }
            other => other,
        })?;
        self.person(id).await
    }

    pub async fn person(&self, id: PersonId) -> Result<Person> {
        let uuid = id.uuid();
        let row: PersonRow = sqlx::query_as(&format!("SELECT {PERSON_COLUMNS} FROM people WHERE id = $1"))
            .bind(uuid.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "person", id: id.to_string() })?;
        row.into_person()
    }

    /// People of a council, by family name; `limit` keeps pages short.
    pub async fn people(&self, council_id: CouncilId, limit: i64) -> Result<Vec<Person>> {
        let council = self.council(council_id).await?;
        let rows: Vec<PersonRow> =
            sqlx::query_as(&format!("SELECT {PERSON_COLUMNS} FROM people WHERE council_id = $1 ORDER BY family_name, given_name LIMIT $2"))
                .bind(council.id.to_string())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(PersonRow::into_person).collect()
    }

    /// People receiving long-term support who have no assessment of this council's own yet
    /// (one given by another council on a move does not count), or whose review decided to
    /// re-assess and who have not been since: a social worker's next visits, oldest record first.
    pub async fn people_awaiting_assessment(&self, council_id: CouncilId, limit: i64) -> Result<Vec<Person>> {
        let council = self.council(council_id).await?;
        let rows: Vec<PersonRow> = sqlx::query_as(&format!(
            "SELECT {PERSON_COLUMNS} FROM people p WHERE council_id = $1 AND long_term_support = 1 \
             AND (NOT EXISTS (SELECT 1 FROM assessments a WHERE a.person_id = p.id AND a.council_id = p.council_id AND a.carried_from_council_id IS NULL) \
              OR EXISTS (SELECT 1 FROM reviews r JOIN budget_accounts b ON b.id = r.budget_account_id AND b.council_id = r.council_id \
               WHERE r.person_id = p.id AND r.council_id = p.council_id AND r.decision = 'reassess' AND b.ended_on IS NULL \
               AND NOT EXISTS (SELECT 1 FROM assessments a WHERE a.person_id = p.id AND a.council_id = p.council_id \
                AND a.carried_from_council_id IS NULL AND a.completed_on >= r.completed_on))) \
             ORDER BY created_at LIMIT $2"
        ))
        .bind(council.id.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(PersonRow::into_person).collect()
    }

    pub async fn add_contact(&self, person_id: PersonId, role: &str, name: &str, relationship: &str, phone: Option<&str>) -> Result<Contact> {
        let person = self.person(person_id).await?;
        let mut p = Problems::new();
        let role = ContactRole::parse(&mut p, "role", role);
        let name = p.text("name", name, 200);
        let relationship = p.text("relationship", relationship, 100);
        let phone = p.optional_text("phone", phone, 30);
        if phone.as_deref().is_some_and(|ph| !ph.chars().all(|c| c.is_ascii_digit() || " +()-".contains(c))) {
            p.add("phone", "may contain only digits, spaces, +, ( ) and -");
        }
        if !p.is_empty() {
            return Err(p.into());
        }
        let id = new_id();
        let role = role.expect("checked");
        sqlx::query("INSERT INTO contacts (id, council_id, person_id, role, name, relationship, phone, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&id)
            .bind(person.council_id.to_string())
            .bind(person.id.to_string())
            .bind(role.code())
            .bind(name.as_deref())
            .bind(relationship.as_deref())
            .bind(phone.as_deref())
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(Contact {
            id: codec::uuid("contacts.id", &id)?,
            person_id: person.id,
            role,
            name: name.expect("checked"),
            relationship: relationship.expect("checked"),
            phone,
        })
    }

    pub async fn contacts(&self, person_id: PersonId) -> Result<Vec<Contact>> {
        let person = self.person(person_id).await?;
        let rows = sqlx::query("SELECT id, role, name, relationship, phone FROM contacts WHERE person_id = $1 ORDER BY created_at")
            .bind(person.id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Contact {
                    id: codec::uuid("contacts.id", &r.try_get::<String, _>("id")?)?,
                    person_id: person.id,
                    role: codec::code("contacts.role", &r.try_get::<String, _>("role")?, ContactRole::from_code)?,
                    name: r.try_get("name")?,
                    relationship: r.try_get("relationship")?,
                    phone: r.try_get("phone")?,
                })
            })
            .collect()
    }
}

/// A team of social workers, whose caseload they share.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    /// The sign-ins of the team's members.
    pub members: Vec<UserId>,
}

impl Store {
    /// Sets up a team in a council, with its members (staff sign-ins in the council; each
    /// leaves any team they were in).
    pub async fn create_team(&self, council_id: CouncilId, name: &str, members: &[String]) -> Result<Team> {
        let council = self.council(council_id).await?;
        let cid = council.id.to_string();
        let mut p = Problems::new();
        let name = p.text("name", name, 100);
        let mut ids = Vec::new();
        for (i, m) in members.iter().enumerate() {
            match self.council_user(council.id, m).await? {
                Some(u) if matches!(u.role, Role::SocialWorker | Role::TeamManager) => ids.push(u.id),
                _ => p.add(format!("members[{i}]"), format!("'{}' is not a social worker's or team manager's sign-in in this council", m.trim())),
            }
        }
        p.into_result(())?;
        let name = name.expect("checked");
        let mut tx = self.pool.begin().await?;
        if sqlx::query("SELECT id FROM teams WHERE council_id = $1 AND name = $2").bind(&cid).bind(&name).fetch_optional(&mut *tx).await?.is_some() {
            return Err(invalid("name", format!("there is already a team called '{name}'")));
        }
        let id = new_id();
        sqlx::query("INSERT INTO teams (id, council_id, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&id)
            .bind(&cid)
            .bind(&name)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        for member in &ids {
            sqlx::query("UPDATE users SET team_id = $1 WHERE id = $2").bind(&id).bind(member.to_string()).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(Team { id: codec::uuid("teams.id", &id)?, name, members: ids })
    }

    /// Puts a person on a team's caseload, and perhaps a named worker's in that team; with
    /// neither, back on the duty queue.
    pub async fn allocate_case(&self, person_id: PersonId, team_id: Option<&str>, worker_id: Option<&str>) -> Result<Person> {
        let person = self.person(person_id).await?;
        let cid = person.council_id.to_string();
        let mut p = Problems::new();
        let team = match team_id.map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(t) => {
                let found = match uuid::Uuid::try_parse(t) {
                    Ok(id) => sqlx::query("SELECT id FROM teams WHERE id = $1 AND council_id = $2")
                        .bind(id.to_string())
                        .bind(&cid)
                        .fetch_optional(&self.pool)
                        .await?
                        .map(|_| TeamId::from(id)),
                    Err(_) => None,
                };
                if found.is_none() {
                    p.add("team_id", format!("'{t}' is not a team in this council"));
                }
                found
            }
        };
        let worker = match worker_id.map(str::trim).filter(|w| !w.is_empty()) {
            None => None,
            Some(w) => match self.council_user(person.council_id, w).await?.filter(|u| u.role == Role::SocialWorker) {
                None => {
                    p.add("worker_id", format!("'{w}' is not a social worker's sign-in in this council"));
                    None
                }
                Some(u) => {
                    if team.is_none() || u.team_id != team {
                        p.add("worker_id", "a named worker must be in the team the person is allocated to");
                    }
                    Some(u.id)
                }
            },
        };
        p.into_result(())?;
        sqlx::query("UPDATE people SET allocated_team_id = $1, allocated_worker_id = $2 WHERE id = $3")
            .bind(team.map(|t| t.to_string()))
            .bind(worker.map(|w| w.to_string()))
            .bind(person.id.to_string())
            .execute(&self.pool)
            .await?;
        self.person(person_id).await
    }

    /// Which of these people `actor` may see in lists of `council_id`: one read of their
    /// records (a chunk of ids at a time), each person then decided by `access::decide`,
    /// so lists follow the same rule as opening the record. Ids from elsewhere are dropped.
    pub async fn visible_people(
        &self,
        actor: &selfdirect_domain::access::Actor,
        council_id: CouncilId,
        ids: impl IntoIterator<Item = PersonId>,
    ) -> Result<std::collections::HashSet<PersonId>> {
        use selfdirect_domain::access::{decide, Action};
        let mut wanted: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut tx = self.pool.begin().await?;
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people WHERE council_id = $1 AND id IN ({{list}})");
        let rows = crate::bulk::fetch_in(&mut tx, &sql, &council_id.to_string(), &wanted).await?;
        tx.commit().await?;
        let mut shown = std::collections::HashSet::new();
        for row in &rows {
            let person = <PersonRow as sqlx::FromRow<sqlx::any::AnyRow>>::from_row(row)?.into_person()?;
            if decide(actor, Action::ViewPerson, person.subject()).is_ok() {
                shown.insert(person.id);
            }
        }
        Ok(shown)
    }
}

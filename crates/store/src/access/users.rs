//! Users and sessions: who is signed in, and as what.
//!
//! Passwords are hashed with argon2 (the password-hashing competition winner, as OWASP
//! recommends); session tokens are 256 random bits given to the browser and stored here
//! only as their SHA-256. Each session has its own CSRF token for the forms it renders.

use crate::codec;
use crate::{fresh_id, invalid, new_id, now, Result, Store, StoreError};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use selfdirect_domain::access::{Actor, Role};
use selfdirect_domain::ids::{CouncilId, PersonId, TeamId, UserId};
use selfdirect_domain::Problems;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::net::IpAddr;
use time::OffsetDateTime;
use uuid::Uuid;

/// How long a session lasts without signing in again: a working day.
pub const SESSION_HOURS: i64 = 10;
/// Failed sign-ins allowed for one email address within [`LOCKOUT_MINUTES`] before each
/// further attempt must wait.
pub const MAX_FAILED_SIGN_INS: i64 = 5;
/// How far back failures count, and the longest wait.
pub const LOCKOUT_MINUTES: i64 = 15;
/// Failed sign-ins allowed from one network address, whatever emails they name, within
/// [`LOCKOUT_MINUTES`] before each further attempt from it must wait. Higher than for one
/// email: a council office signs in from one address.
pub const MAX_FAILED_SIGN_INS_FROM_ONE_SOURCE: i64 = 50;

/// After `failures` failures in the window, how long (seconds) since the latest one before
/// the next attempt is heard: 30 s, doubling, at most [`LOCKOUT_MINUTES`]. A back-off, not a
/// lock: once it has passed, the right password works, so guessing someone's email cannot
/// keep its owner out for longer than the wait.
fn back_off_seconds(failures: i64) -> i64 {
    let doublings = (failures - MAX_FAILED_SIGN_INS).clamp(0, 16) as u32;
    (30_i64 << doublings).min(LOCKOUT_MINUTES * 60)
}

/// Whether an attempt must wait, given the (count, latest) of earlier failures in the
/// window and how many are allowed before waiting starts.
fn waiting((failures, latest): (i64, i64), allowed: i64, now_s: i64) -> bool {
    failures >= allowed && now_s < latest + back_off_seconds(failures - allowed + MAX_FAILED_SIGN_INS)
}

/// Runs slow password hashing on tokio's blocking threads, at most one per core at a time,
/// so a flood of sign-ins cannot starve the async workers that serve every other request.
async fn off_the_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let permits = PERMITS.get_or_init(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)));
    let _permit = permits.acquire().await.map_err(|_| StoreError::Corrupt("the password hashing pool is closed".into()))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| StoreError::Corrupt(format!("password hashing failed: {e}")))
}

/// Why a sign-in did not start a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefusal {
    /// Wrong email or password (which one is not said).
    WrongDetails,
    /// Too many failures lately: wait, then try again.
    TooManyAttempts,
}

/// NCSC guidance: length matters, composition rules do not.
pub const MIN_PASSWORD_LENGTH: usize = 10;

/// A user as the pages need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub council_id: CouncilId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub person_id: Option<PersonId>,
    pub provider_name: Option<String>,
    /// For a broker: the other people who have chosen them.
    pub clients: Vec<PersonId>,
    /// For staff: the team they work in.
    pub team_id: Option<TeamId>,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            council_id: self.council_id,
            role: self.role,
            person_id: self.person_id,
            clients: self.clients.clone(),
            team_id: self.team_id,
            provider_name: self.provider_name.clone(),
        }
    }
}

/// What a new user is given.
#[derive(Debug, Clone, Default)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    /// A [`Role`] code, e.g. `budget_holder`.
    pub role: &'a str,
    /// Required for budget holders, representatives and brokers: whose budget.
    pub person_id: Option<&'a str>,
    /// Required for providers: their name as registered with the council.
    pub provider_name: Option<&'a str>,
    pub password: &'a str,
}

/// A signed-in session: the cookie's token (given to the browser once) and its CSRF token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token: String,
    pub csrf_token: String,
    pub user: User,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A hash to check against when the email is unknown, so a wrong email takes as long as
/// a wrong password and does not reveal who has an account.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("not anyone's password").expect("hashing a constant works"))
}

fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| StoreError::Corrupt(format!("cannot hash a password: {e}")))
}

fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

const USER_COLUMNS: &str = "u.id, u.council_id, u.email, u.display_name, u.role, u.person_id, u.provider_name, u.team_id";

fn user_from_row(r: &sqlx::any::AnyRow) -> Result<User> {
    Ok(User {
        id: codec::uuid("users.id", &r.try_get::<String, _>("id")?)?,
        council_id: codec::uuid("users.council_id", &r.try_get::<String, _>("council_id")?)?,
        email: r.try_get("email")?,
        display_name: r.try_get("display_name")?,
        role: codec::code("users.role", &r.try_get::<String, _>("role")?, Role::from_code)?,
        person_id: r.try_get::<Option<String>, _>("person_id")?.map(|p| codec::uuid("users.person_id", &p)).transpose()?,
        provider_name: r.try_get("provider_name")?,
        clients: Vec::new(),
        team_id: r.try_get::<Option<String>, _>("team_id")?.map(|t| codec::uuid("users.team_id", &t)).transpose()?,
    })
}

impl Store {
    /// Adds a user to a council. Budget holders, representatives and brokers name the person
    /// they act for; providers their registered name.
    pub async fn create_user(&self, council_id: CouncilId, input: &NewUser<'_>) -> Result<User> {
        let council = self.council(council_id).await?;
        let mut p = Problems::new();
        let email = p.text("email", input.email, 254).map(|e| e.to_lowercase());
        if email.as_deref().is_some_and(|e| !e.contains('@')) {
            p.add("email", "enter an email address, like name@example.org");
        }
        let display_name = p.text("display_name", input.display_name, 200);
        let role = Role::parse(&mut p, "role", input.role);
        if input.password.chars().count() < MIN_PASSWORD_LENGTH {
            p.add("password", format!("a password needs at least {MIN_PASSWORD_LENGTH} characters"));
        }
        let needs_person = matches!(role, Some(Role::BudgetHolder | Role::Representative | Role::Broker));
        let person = match (needs_person, input.person_id) {
            (true, None) => {
                p.add("person_id", "say whose budget this user acts for");
                None
            }
            (true, Some(id)) => Some(self.person(PersonId::parse(id)?).await?),
            (false, _) => None,
        };
        if person.as_ref().is_some_and(|per| per.council_id != council.id) {
            p.add("person_id", "that person belongs to another council");
        }
        let provider = match (role, input.provider_name) {
            (Some(Role::Provider), None) => {
                p.add("provider_name", "say which registered provider this user works for");
                None
            }
            (Some(Role::Provider), Some(name)) => p.text("provider_name", name, 200),
            _ => None,
        };
        p.into_result(())?;
        let (email, role) = (email.expect("checked"), role.expect("checked"));
        let taken = sqlx::query("SELECT id FROM users WHERE email = $1").bind(&email).fetch_optional(&self.pool).await?;
        if taken.is_some() {
            return Err(invalid("email", format!("{email} already has an account")));
        }
        let id: UserId = fresh_id();
        sqlx::query(
            "INSERT INTO users (id, council_id, email, display_name, role, person_id, provider_name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.to_string())
        .bind(council.id.to_string())
        .bind(&email)
        .bind(display_name.as_deref())
        .bind(role.code())
        .bind(person.as_ref().map(|per| per.id.to_string()))
        .bind(provider.as_deref())
        .bind({
            let password = input.password.to_string();
            off_the_workers(move || hash_password(&password)).await??
        })
        .bind(now())
        .execute(&self.pool)
        .await?;
        self.user(id).await
    }

    pub async fn user(&self, id: UserId) -> Result<User> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "user", id: id.to_string() })?;
        user_from_row(&row)
    }

    /// Failures within the window by `email` or by `source` (the column), other than this
    /// attempt: how many, and when the latest was.
    async fn earlier_failures(&self, column: &'static str, value: &str, now_s: i64, attempt: &str) -> Result<(i64, i64)> {
        let sql = format!(
            "SELECT COUNT(*) AS n, CAST(COALESCE(MAX(failed_at), 0) AS BIGINT) AS latest FROM sign_in_failures WHERE {column} = $1 AND failed_at > $2 AND id <> $3"
        );
        let row = sqlx::query(&sql).bind(value).bind(now_s - LOCKOUT_MINUTES * 60).bind(attempt).fetch_one(&self.pool).await?;
        Ok((row.try_get("n")?, row.try_get("latest")?))
    }

    /// Starts a session when the email and password match; `None` when they do not,
    /// without saying which was wrong.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<Option<Session>> {
        Ok(self.sign_in_checked(email, password, None).await?.ok())
    }

    /// As [`Store::sign_in`], saying why it was refused. After [`MAX_FAILED_SIGN_INS`]
    /// failures for an email, or [`MAX_FAILED_SIGN_INS_FROM_ONE_SOURCE`] from one network
    /// address (`source`), within [`LOCKOUT_MINUTES`], every attempt waits a back-off after
    /// the latest failure (30 s, doubling, at most the window) and is refused unheard before
    /// then, so guessing is slow but the owner is never locked out for long.
    pub async fn sign_in_checked(&self, email: &str, password: &str, source: Option<IpAddr>) -> Result<std::result::Result<Session, SignInRefusal>> {
        let email = email.trim().to_lowercase();
        let source = source.map(|address| address.to_string());
        let now_s = OffsetDateTime::now_utc().unix_timestamp();
        // The attempt is recorded as a failure before anything is checked, so attempts made
        // at the same moment all count: at most MAX_FAILED_SIGN_INS of them are heard.
        let attempt = new_id();
        sqlx::query("INSERT INTO sign_in_failures (id, email, failed_at, source) VALUES ($1, $2, $3, $4)")
            .bind(&attempt)
            .bind(&email)
            .bind(now_s)
            .bind(&source)
            .execute(&self.pool)
            .await?;
        let by_email = self.earlier_failures("email", &email, now_s, &attempt).await?;
        let by_source = match &source {
            Some(address) => self.earlier_failures("source", address, now_s, &attempt).await?,
            None => (0, 0),
        };
        if waiting(by_email, MAX_FAILED_SIGN_INS, now_s) || waiting(by_source, MAX_FAILED_SIGN_INS_FROM_ONE_SOURCE, now_s) {
            // Refused unheard: it does not lengthen the wait.
            sqlx::query("DELETE FROM sign_in_failures WHERE id = $1").bind(&attempt).execute(&self.pool).await?;
            return Ok(Err(SignInRefusal::TooManyAttempts));
        }
        let row =
            sqlx::query(&format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = $1")).bind(&email).fetch_optional(&self.pool).await?;
        // As long as a real check when there is no such user, so a wrong email is not faster.
        let stored: Option<String> = row.as_ref().map(|r| r.try_get("password_hash")).transpose()?;
        let typed = password.to_string();
        let checked = off_the_workers(move || match &stored {
            Some(hash) => password_matches(&typed, hash),
            None => password_matches(&typed, decoy_hash()),
        });
        let matched = checked.await? && row.is_some();
        let Some(row) = row.filter(|_| matched) else {
            return Ok(Err(SignInRefusal::WrongDetails));
        };
        // The right password: the failures before it were the owner's slips, or guesses.
        sqlx::query("DELETE FROM sign_in_failures WHERE email = $1").bind(&email).execute(&self.pool).await?;
        let user = user_from_row(&row)?;
        let (token, csrf_token) = (random_token(), random_token());
        let expires = OffsetDateTime::now_utc() + time::Duration::hours(SESSION_HOURS);
        sqlx::query("INSERT INTO sessions (token_hash, user_id, council_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(token_hash(&token))
            .bind(user.id.to_string())
            .bind(user.council_id.to_string())
            .bind(&csrf_token)
            .bind(now())
            .bind(expires.unix_timestamp().to_string())
            .execute(&self.pool)
            .await?;
        Ok(Ok(Session { token, csrf_token, user }))
    }

    /// The session a cookie's token belongs to, if it exists and has not expired.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let row =
            sqlx::query(&format!("SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id AND u.council_id = s.council_id WHERE s.token_hash = $1"))
                .bind(token_hash(token))
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let expires: i64 = row.try_get::<String, _>("expires_at")?.parse().map_err(|e| StoreError::Corrupt(format!("sessions.expires_at: {e}")))?;
        if expires <= OffsetDateTime::now_utc().unix_timestamp() {
            return Ok(None);
        }
        let mut user = user_from_row(&row)?;
        if user.role == Role::Broker {
            user.clients = sqlx::query("SELECT person_id FROM broker_clients WHERE broker_user_id = $1 ORDER BY person_id")
                .bind(user.id.to_string())
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| codec::uuid("broker_clients.person_id", &r.try_get::<String, _>("person_id")?))
                .collect::<Result<_>>()?;
        }
        Ok(Some(Session { token: token.to_string(), csrf_token: row.try_get("csrf_token")?, user }))
    }

    /// The user whose sign-in id is `id` (as typed), if it is one of council `council_id`'s.
    pub(crate) async fn council_user(&self, council_id: CouncilId, id: &str) -> Result<Option<User>> {
        let Ok(id) = Uuid::try_parse(id.trim()) else { return Ok(None) };
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND u.council_id = $2"))
            .bind(id.to_string())
            .bind(council_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Records that a person has chosen a broker: the broker may then act for them too.
    /// `broker_user_id` must be a broker's sign-in in the person's council.
    pub async fn choose_broker(&self, person_id: PersonId, broker_user_id: &str, chosen_on: &str) -> Result<()> {
        let person = self.person(person_id).await?;
        let mut p = Problems::new();
        let on = p.date("chosen_on", chosen_on);
        let broker = self.council_user(person.council_id, broker_user_id).await?.filter(|u| u.role == Role::Broker).map(|u| u.id.to_string());
        if broker.is_none() {
            p.add("broker_user_id", format!("'{}' is not a broker's sign-in in this council", broker_user_id.trim()));
        }
        p.into_result(())?;
        let broker = broker.expect("checked");
        let taken = sqlx::query("SELECT 1 AS x FROM broker_clients WHERE broker_user_id = $1 AND person_id = $2")
            .bind(&broker)
            .bind(person.id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        if taken.is_none() {
            sqlx::query("INSERT INTO broker_clients (broker_user_id, person_id, council_id, chosen_on, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&broker)
                .bind(person.id.to_string())
                .bind(person.council_id.to_string())
                .bind(selfdirect_domain::dates::iso(on.expect("checked")))
                .bind(crate::now())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Ends a session (signing out); its cookie no longer works.
    pub async fn sign_out(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(token)).execute(&self.pool).await?;
        Ok(())
    }
}

//! Users and sessions, on SQLite and PostgreSQL.

use selfdirect_domain::access::Role;
use selfdirect_domain::ids::*;
use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{NewUser, SignInRefusal, Store, StoreError, MAX_FAILED_SIGN_INS, MAX_FAILED_SIGN_INS_FROM_ONE_SOURCE};
use sqlx::Row;

async fn users_and_sessions(store: Store) {
    let council = store.create_council("USR", "Users Council").await.unwrap();
    let cid = council.id;
    let other = store.create_council("OTH", "Other Council").await.unwrap().id;
    let account = open_test_account(&store, cid, "Ada", vec![weekly_line("PA hours", "Sam", "personal_assistant", "100")], "direct_payment").await;
    let person = store.account(account).await.unwrap().person_id.to_string();
    let holder = NewUser {
        email: " Ada@Example.org",
        display_name: "Ada",
        role: "budget_holder",
        person_id: Some(&person),
        provider_name: None,
        password: "correct horse battery",
    };
    let user = store.create_user(cid, &holder).await.unwrap();
    assert_eq!((user.email.as_str(), user.role, user.person_id.map(|p| p.to_string())), ("ada@example.org", Role::BudgetHolder, Some(person.clone())));

    // Bad input: every problem named, nothing written.
    let refused = |r: Result<_, StoreError>, fields: &[&str]| match r {
        Err(StoreError::Invalid(p)) => {
            let named: Vec<String> = p.as_slice().iter().map(|x| x.field.clone()).collect();
            assert_eq!(named, fields, "{p}");
        }
        other => panic!("expected a refusal naming {fields:?}, got {other:?}"),
    };
    refused(store.create_user(cid, &NewUser { email: "nope", role: "wizard", password: "short", ..holder.clone() }).await, &["email", "role", "password"]);
    refused(store.create_user(cid, &NewUser { person_id: None, email: "b@example.org", ..holder.clone() }).await, &["person_id"]);
    refused(store.create_user(other, &NewUser { email: "c@example.org", ..holder.clone() }).await, &["person_id"]);
    refused(store.create_user(cid, &NewUser { email: "d@example.org", role: "provider", person_id: None, ..holder.clone() }).await, &["provider_name"]);
    refused(store.create_user(cid, &holder).await, &["email"]);

    // Signing in: a wrong password or unknown email gives nothing, and says nothing about which.
    assert!(store.sign_in("ada@example.org", "wrong password!").await.unwrap().is_none());
    assert!(store.sign_in("nobody@example.org", "correct horse battery").await.unwrap().is_none());
    let session = store.sign_in("ADA@example.org ", "correct horse battery").await.unwrap().expect("signed in");
    assert_eq!(session.user, user);
    assert_eq!((session.token.len(), session.csrf_token.len()), (64, 64));
    let again = store.session(&session.token).await.unwrap().expect("the cookie works");
    assert_eq!((again.user.id, again.csrf_token.as_str()), (user.id, session.csrf_token.as_str()));
    assert!(store.session("not-a-token").await.unwrap().is_none());
    // A second sign-in is a different session with its own CSRF token.
    let second = store.sign_in("ada@example.org", "correct horse battery").await.unwrap().unwrap();
    assert_ne!((second.token.as_str(), second.csrf_token.as_str()), (session.token.as_str(), session.csrf_token.as_str()));
    // Password guessing is slowed: after five failures even the right password waits.
    let guessed = NewUser { email: "guess@example.org", ..holder.clone() };
    store.create_user(cid, &guessed).await.unwrap();
    for _ in 0..MAX_FAILED_SIGN_INS {
        assert_eq!(store.sign_in_checked("guess@example.org", "a wrong guess", None).await.unwrap().err(), Some(SignInRefusal::WrongDetails));
    }
    assert_eq!(store.sign_in_checked("guess@example.org", "correct horse battery", None).await.unwrap().err(), Some(SignInRefusal::TooManyAttempts));
    // A back-off, not a lock: 30 s after the latest failure the right password works.
    sqlx::query("UPDATE sign_in_failures SET failed_at = failed_at - 31 WHERE email = 'guess@example.org'").execute(store.pool()).await.unwrap();
    assert!(store.sign_in("guess@example.org", "correct horse battery").await.unwrap().is_some(), "after the back-off the owner gets in");
    assert!(store.sign_in("ada@example.org", "correct horse battery").await.unwrap().is_some(), "other accounts are not locked");
    sign_in_backs_off(&store, cid, &holder).await;
    one_source_guessing_many_emails_waits(&store).await;
    store.sign_out(&session.token).await.unwrap();
    assert!(store.session(&session.token).await.unwrap().is_none(), "signed out");
    assert!(store.session(&second.token).await.unwrap().is_some(), "other sessions carry on");
}

/// One address guessing at many accounts is slowed too, however many emails it tries,
/// while the same account signs in from anywhere else.
async fn one_source_guessing_many_emails_waits(store: &Store) {
    let guesser: std::net::IpAddr = "203.0.113.9".parse().unwrap();
    let elsewhere: std::net::IpAddr = "198.51.100.4".parse().unwrap();
    assert_eq!(store.sign_in_checked("someone-0@example.org", "a guess", Some(guesser)).await.unwrap().err(), Some(SignInRefusal::WrongDetails));
    // The rest of the allowance used up at once (each a different email, so no one email
    // reaches its own limit), written straight in rather than hashed fifty times.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for i in 1..MAX_FAILED_SIGN_INS_FROM_ONE_SOURCE {
        sqlx::query("INSERT INTO sign_in_failures (id, email, failed_at, source) VALUES ($1, $2, $3, $4)")
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(format!("someone-{i}@example.org"))
            .bind(now)
            .bind(guesser.to_string())
            .execute(store.pool())
            .await
            .unwrap();
    }
    let from = |source| store.sign_in_checked("ada@example.org", "correct horse battery", Some(source));
    assert_eq!(from(guesser).await.unwrap().err(), Some(SignInRefusal::TooManyAttempts), "the guessing address waits, even with a right password");
    assert!(from(elsewhere).await.unwrap().is_ok(), "the owner signs in from anywhere else");
    sqlx::query("UPDATE sign_in_failures SET failed_at = failed_at - 31 WHERE source = $1").bind(guesser.to_string()).execute(store.pool()).await.unwrap();
    assert!(from(guesser).await.unwrap().is_ok(), "after the back-off the address is heard again");
}

/// Sixty guesses at once: at most five are heard, the rest wait. The wait is a back-off,
/// not a lock: once it has passed since the latest failure, the right password works.
async fn sign_in_backs_off(store: &Store, council: CouncilId, holder: &NewUser<'_>) {
    let target = NewUser { email: "flood@example.org", ..holder.clone() };
    store.create_user(council, &target).await.unwrap();
    let guesses: Vec<_> = (0..60)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.sign_in_checked("flood@example.org", &format!("guess {i}"), None).await.unwrap().err() })
        })
        .collect();
    let mut heard = 0;
    for guess in guesses {
        match guess.await.unwrap() {
            Some(SignInRefusal::WrongDetails) => heard += 1,
            Some(SignInRefusal::TooManyAttempts) => {}
            other => panic!("a wrong guess was {other:?}"),
        }
    }
    assert!(heard <= MAX_FAILED_SIGN_INS, "{heard} of 60 simultaneous guesses were checked");
    // Guesses refused unheard do not count, so the flood leaves `heard` failures. Below the
    // limit the owner gets straight in; at it they wait the back-off (moved back 31 s here,
    // past the 30 s of the first) and then get in.
    if heard == MAX_FAILED_SIGN_INS {
        assert_eq!(store.sign_in_checked("flood@example.org", "correct horse battery", None).await.unwrap().err(), Some(SignInRefusal::TooManyAttempts));
        sqlx::query("UPDATE sign_in_failures SET failed_at = failed_at - 31 WHERE email = 'flood@example.org'").execute(store.pool()).await.unwrap();
    }
    assert!(store.sign_in("flood@example.org", "correct horse battery").await.unwrap().is_some(), "the owner gets in ({heard} guesses heard)");
    let left: i64 = sqlx::query("SELECT COUNT(*) AS n FROM sign_in_failures WHERE email = 'flood@example.org'").fetch_one(store.pool()).await.unwrap().get("n");
    assert_eq!(left, 0, "a right password clears the failures");
}

#[tokio::test]
async fn users_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    users_and_sessions(store).await;
}

#[tokio::test]
async fn users_on_postgres() {
    if let Some((store, _db)) = postgres_store("users_on_postgres").await {
        users_and_sessions(store.clone()).await;
        store.close().await;
    }
}

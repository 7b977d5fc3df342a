//! Who is signed in and what they read: users, passwords and sessions ([`users`]), the
//! append-only access log ([`access_log`]), and, below the service, council readers with
//! row-level security and the databases' own guards ([`readers`]).

pub(crate) mod access_log;
pub(crate) mod readers;
pub(crate) mod users;

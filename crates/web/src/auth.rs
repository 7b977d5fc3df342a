//! Signing in and out, the session cookie, CSRF tokens, and turning the domain's access
//! decisions into pages. Handlers ask [`allow`]; the rules themselves are in
//! `selfdirect_domain::access`.

use crate::gate::PageSession;
use crate::pages::{render, PageError, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::ConnectInfo;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use selfdirect_domain::access::{decide, home_path, Action, Subject};
use selfdirect_store::{Session, SignInRefusal, LOCKOUT_MINUTES, SESSION_HOURS};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use subtle::ConstantTimeEq;

pub const SESSION_COOKIE: &str = "sd_session";
/// Before there is a session, the sign-in form is protected by a double-submit token.
const SIGN_IN_COOKIE: &str = "sd_sign_in";

/// The signed-in user's session, as the access gate found it (`crate::gate`). A page that
/// takes it sends anyone else to sign in first.
pub struct SignedIn(pub Session);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<SignedIn, Response> {
        if let Some(PageSession(session)) = parts.extensions.get::<PageSession>() {
            return Ok(SignedIn(session.clone()));
        }
        let here = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let query = serde_urlencoded::to_string([("next", here)]).unwrap_or_default();
        Err(Redirect::to(&format!("/sign-in?{query}")).into_response())
    }
}

/// What the page header needs to show who is signed in and a sign-out button.
pub struct Nav {
    pub name: String,
    pub role: &'static str,
    pub csrf: String,
}

impl SignedIn {
    pub fn nav(&self) -> Option<Nav> {
        let user = &self.0.user;
        Some(Nav { name: user.display_name.clone(), role: user.role.label(), csrf: self.0.csrf_token.clone() })
    }

    /// Whether the domain's rules would let this user do `action` to `subject`: for what a
    /// page offers (a button, a link). The gate has already decided the route itself.
    pub fn may(&self, action: Action, subject: Subject) -> bool {
        decide(&self.0.user.actor(), action, subject).is_ok()
    }

    /// Checks the form's CSRF token against the session's.
    pub fn check_csrf(&self, form: &HashMap<String, String>) -> Result<(), PageError> {
        let sent = form.get("csrf_token").map(String::as_str).unwrap_or("");
        if bool::from(sent.as_bytes().ct_eq(self.0.csrf_token.as_bytes())) {
            Ok(())
        } else {
            Err(PageError::BadCsrf)
        }
    }
}

fn cookie(name: &'static str, value: String, max_age_hours: i64) -> Cookie<'static> {
    Cookie::build((name, value)).path("/").http_only(true).secure(true).same_site(SameSite::Lax).max_age(time::Duration::hours(max_age_hours)).build()
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    nav: Option<Nav>,
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

/// Only a path on this site: never an open redirect to somewhere else. No control or
/// space characters (a browser drops a tab, so `/\t/evil.example` would become
/// `//evil.example`), no backslash, no `//` start, and it must parse as a path.
pub(crate) fn local_path(next: Option<&str>) -> Option<String> {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.contains('\\')
            && !n.chars().any(|c| c.is_control() || c.is_whitespace())
            && n.parse::<axum::http::uri::PathAndQuery>().is_ok()
    })
    .map(str::to_string)
}

fn random_token() -> String {
    uuid::Uuid::new_v4().simple().to_string() + &uuid::Uuid::new_v4().simple().to_string()
}

pub async fn sign_in_form(jar: CookieJar, Query(q): Query<SignInQuery>) -> Response {
    let csrf = random_token();
    let page = SignInPage {
        nav: None,
        csrf: csrf.clone(),
        next: local_path(q.next.as_deref()).unwrap_or_default(),
        email: String::new(),
        error: None,
        notice: q.signed_out.map(|_| "You have signed out.".to_string()),
    };
    (jar.add(cookie(SIGN_IN_COOKIE, csrf, 1)), render(StatusCode::OK, &page)).into_response()
}

/// The network address a request came from, when the service was served with one
/// ([`crate::serve`]): sign-in failures are counted by it as well as by email. Behind a
/// trusted reverse proxy, the address it forwarded for.
pub struct Source(pub Option<IpAddr>);

impl FromRequestParts<AppState> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Source, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
        Ok(Source(peer.map(|peer| client_address(peer, &forwarded, &s.trusted_proxies))))
    }
}

/// The client behind `peer`: when `peer` is a trusted proxy, the right-most address of
/// `X-Forwarded-For` that is not itself a trusted proxy (the left of the list is whatever
/// the client wrote, so it cannot be believed); otherwise `peer`.
fn client_address(peer: IpAddr, forwarded_for: &str, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut hops = forwarded_for.rsplit(',').map(|hop| hop.trim().parse::<IpAddr>());
    match hops.find(|hop| !matches!(hop, Ok(address) if trusted.contains(address))) {
        Some(Ok(client)) => client,
        // Unreadable, or only proxies: the proxy itself is the source.
        _ => peer,
    }
}

pub async fn sign_in(State(s): State<AppState>, Source(source): Source, jar: CookieJar, Form(form): Form<HashMap<String, String>>) -> PageResult {
    let sent = form.get("csrf_token").map(String::as_str).unwrap_or("");
    let expected = jar.get(SIGN_IN_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    if expected.is_empty() || !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(PageError::BadCsrf);
    }
    let email = form.get("email").map(String::as_str).unwrap_or("").trim().to_string();
    let password = form.get("password").map(String::as_str).unwrap_or("");
    let next = local_path(form.get("next").map(String::as_str));
    let outcome = if email.is_empty() || password.is_empty() { None } else { Some(s.store.sign_in_checked(&email, password, source).await?) };
    let session = match outcome {
        Some(Ok(session)) => session,
        refused => {
            let (status, error) = match refused {
                None => (StatusCode::UNAUTHORIZED, "Enter your email address and password".to_string()),
                Some(Err(SignInRefusal::TooManyAttempts)) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "There have been too many attempts to sign in with this email address, or from where you are. Wait a few minutes (at most {LOCKOUT_MINUTES}), then try again."
                    ),
                ),
                Some(_) => (
                    StatusCode::UNAUTHORIZED,
                    "Enter a correct email address and password. If you have forgotten your password, ask your council for a new one.".to_string(),
                ),
            };
            let page = SignInPage { nav: None, csrf: expected, next: next.unwrap_or_default(), email, error: Some(error), notice: None };
            return Ok(render(status, &page));
        }
    };
    let to = next.unwrap_or_else(|| home_path(&session.user.actor()));
    let jar = jar.remove(Cookie::build(SIGN_IN_COOKIE).path("/")).add(cookie(SESSION_COOKIE, session.token, SESSION_HOURS));
    Ok((jar, Redirect::to(&to)).into_response())
}

pub async fn sign_out(State(s): State<AppState>, signed_in: SignedIn, jar: CookieJar, Form(form): Form<HashMap<String, String>>) -> PageResult {
    signed_in.check_csrf(&form)?;
    s.store.sign_out(&signed_in.0.token).await?;
    Ok((jar.remove(Cookie::build(SESSION_COOKIE).path("/")), Redirect::to("/sign-in?signed_out=1")).into_response())
}

/// The start page: your own home when signed in, otherwise sign in.
pub async fn start(State(s): State<AppState>, jar: CookieJar) -> PageResult {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        if let Some(session) = s.store.session(c.value()).await? {
            return Ok(Redirect::to(&home_path(&session.user.actor())).into_response());
        }
    }
    Ok(Redirect::to("/sign-in").into_response())
}

#[cfg(test)]
mod tests {
    use super::client_address;
    use std::net::IpAddr;

    #[test]
    fn only_a_trusted_proxy_is_believed_and_only_its_own_hop() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxy = [ip("10.0.0.2"), ip("10.0.0.3")];
        assert_eq!(client_address(ip("203.0.113.5"), "198.51.100.1", &proxy), ip("203.0.113.5"), "a client cannot name itself");
        assert_eq!(client_address(ip("10.0.0.2"), "198.51.100.1", &proxy), ip("198.51.100.1"));
        // A client that writes its own X-Forwarded-For is still seen as where it connected from.
        assert_eq!(client_address(ip("10.0.0.2"), "1.2.3.4, 198.51.100.1", &proxy), ip("198.51.100.1"));
        assert_eq!(client_address(ip("10.0.0.2"), "198.51.100.1, 10.0.0.3", &proxy), ip("198.51.100.1"), "proxies in a chain");
        assert_eq!(client_address(ip("10.0.0.2"), "", &proxy), ip("10.0.0.2"));
        assert_eq!(client_address(ip("10.0.0.2"), "not an address", &proxy), ip("10.0.0.2"));
    }
}

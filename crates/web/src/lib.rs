//! selfdirect's HTTP adapters: the JSON API (with its OpenAPI document at
//! `/api/openapi.json`) and server-rendered pages in the GOV.UK Design System style.
//! Handlers only translate HTTP to store calls and back; the rules live in the domain.

// The API's root (people, assessments, RAS, plans, reviews) and the staff pages.
mod api;
mod api_access;
mod pages;
// The steps with API routes or pages of their own.
mod commissioned;
mod learning;
mod money;
mod plan;
mod review;
// The service operator's: the councils on the service.
mod service;
// The one access gate, signing in, and what every page shares.
mod assets;
mod auth;
mod contract;
mod error;
mod forms;
mod gate;
mod headers;

pub use api::{openapi, ApiDoc};
pub use error::ApiError;
pub use gate::{rule, Rule, PAGES};

use axum::Router;
use selfdirect_store::Store;
use std::net::IpAddr;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Reverse proxies whose `X-Forwarded-For` is believed (see [`auth::Source`]).
    trusted_proxies: std::sync::Arc<Vec<IpAddr>>,
}

/// The whole web application: pages, API and assets.
pub fn app(store: Store) -> Router {
    app_behind(store, Vec::new())
}

/// [`app`] behind the reverse proxies `trusted_proxies`: a request from one of them is
/// taken to come from the address it forwarded for (sign-in failures are counted by it).
pub fn app_behind(store: Store, trusted_proxies: Vec<IpAddr>) -> Router {
    let state = AppState { store, trusted_proxies: std::sync::Arc::new(trusted_proxies) };
    // Every route, page or API, passes the one access gate before its handler.
    Router::new()
        .merge(plan::pages::routes())
        .merge(commissioned::page_routes())
        .merge(money::pages::routes())
        .merge(learning::pages::routes())
        .merge(review::pages::routes())
        .merge(service::routes())
        .merge(pages::routes())
        .merge(api::routes())
        .merge(assets::routes())
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), gate::gate))
        .layer(axum::middleware::map_response(headers::secure))
        .with_state(state)
}

/// Serves the application on `listener` until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, store: Store) -> std::io::Result<()> {
    serve_behind(listener, store, Vec::new()).await
}

/// [`serve`], behind the reverse proxies `trusted_proxies` (see [`app_behind`]).
pub async fn serve_behind(listener: tokio::net::TcpListener, store: Store, trusted_proxies: Vec<IpAddr>) -> std::io::Result<()> {
    // With each connection's address, so sign-in failures can be counted by source.
    let service = app_behind(store, trusted_proxies).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown_signal()).await
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

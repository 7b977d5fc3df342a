//! A real server on loopback and a client for it, shared by the API tests.
#![allow(dead_code)]

use reqwest::{Client, StatusCode};
use selfdirect_domain::Money;
use selfdirect_store::Store;
use serde_json::Value;

pub struct Api {
    pub base: String,
    pub http: Client,
}

impl Api {
    pub async fn start(store: Store) -> Api {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { selfdirect_web::serve(listener, store).await.unwrap() });
        Api { base, http: Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap() }
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path} answered {status} with non-JSON: {text}"));
        (status, value)
    }

    /// A request whose success answers with no body (204); returns the status and any text.
    pub async fn send_empty(&self, method: reqwest::Method, path: &str, body: Value) -> (StatusCode, String) {
        let resp = self.http.request(method, format!("{}{path}", self.base)).json(&body).send().await.unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }

    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let resp = self.http.get(format!("{}{path}", self.base)).send().await.unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    pub async fn form(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        let resp = self.http.post(format!("{}{path}", self.base)).form(fields).send().await.unwrap();
        let location = resp.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        (resp.status(), resp.text().await.unwrap(), location)
    }
}

pub fn money(v: &Value) -> Money {
    v.as_str().unwrap_or_else(|| panic!("{v} is not a money string")).parse().unwrap()
}

/// Asserts a refusal: the status, a JSON error body, and a problem naming `field`.
pub fn assert_refused(result: &(StatusCode, Value), status: StatusCode, field: &str) {
    let (got, body) = result;
    assert_eq!(*got, status, "{body}");
    assert!(body["message"].is_string(), "{body}");
    if !field.is_empty() {
        let errors = body["errors"].as_array().unwrap_or_else(|| panic!("no field errors in {body}"));
        assert!(errors.iter().any(|e| e["field"] == field && !e["problem"].as_str().unwrap().is_empty()), "no problem named {field} in {body}");
    }
}

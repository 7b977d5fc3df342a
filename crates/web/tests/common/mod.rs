//! A real server on loopback and a client for it, shared by the API tests.
#![allow(dead_code)]

use reqwest::{Client, StatusCode};
use selfdirect_domain::Money;
use selfdirect_store::Store;
use serde_json::Value;

pub struct Api {
    pub base: String,
    pub http: Client,
    pub store: Store,
    /// The signed-in session's cookie and CSRF token, once `sign_in` has been called.
    session: std::sync::Mutex<Option<(String, String)>>,
    /// The API bearer token of the user the test acts as.
    token: std::sync::Mutex<Option<String>>,
}

/// The value of a cookie set by a response, with its attributes.
fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find(|v| v.starts_with(&format!("{name}="))).map(str::to_string)
}

/// The CSRF token a page's forms carry.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    Some(html[at..].split('"').next()?.to_string())
}

impl Api {
    pub async fn start(store: Store) -> Api {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let served = store.clone();
        tokio::spawn(async move { selfdirect_web::serve(listener, served).await.unwrap() });
        let api = Api {
            base,
            http: Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            store,
            session: Default::default(),
            token: Default::default(),
        };
        // The service operator, who may set up councils; tests then act as people in them.
        let service = api.store.create_council(&format!("S{}", &uuid::Uuid::now_v7().simple().to_string()[20..]), "Service administration").await.unwrap();
        api.act_as(&service.id.to_string(), "service_operator", None, None).await;
        api
    }

    /// Creates a user of this role in the council and makes the API calls that follow as them.
    pub async fn act_as(&self, council_id: &str, role: &str, person: Option<&str>, provider: Option<&str>) {
        let email = format!("api-{role}-{}@example.org", uuid::Uuid::now_v7());
        let password = "a long enough password";
        let input = selfdirect_store::NewUser { email: &email, display_name: "API User", role, person_id: person, provider_name: provider, password };
        self.store.create_user(council_id.parse().unwrap(), &input).await.unwrap();
        self.bearer_sign_in(&email, password).await;
    }

    /// Signs in through the API as an existing user; later API calls are made as them.
    pub async fn bearer_sign_in(&self, email: &str, password: &str) {
        let resp =
            self.http.post(format!("{}/api/v1/sessions", self.base)).json(&serde_json::json!({"email": email, "password": password})).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
        let body: Value = resp.json().await.unwrap();
        *self.token.lock().unwrap() = Some(body["token"].as_str().unwrap().to_string());
    }

    /// Adds the bearer token of the user the test acts as.
    pub fn authorised(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &*self.token.lock().unwrap() {
            Some(token) => req.bearer_auth(token),
            None => req,
        }
    }

    /// Signs in through the real sign-in form; later `page` and `form` calls use the session.
    pub async fn sign_in(&self, email: &str, password: &str) {
        let resp = self.http.get(format!("{}/sign-in", self.base)).send().await.unwrap();
        let pre = set_cookie(&resp, "sd_sign_in").expect("the sign-in form sets its CSRF cookie");
        let html = resp.text().await.unwrap();
        let token = csrf_in(&html).expect("the sign-in form has a CSRF token");
        let cookie = pre.split(';').next().unwrap().to_string();
        let resp = self
            .http
            .post(format!("{}/sign-in", self.base))
            .header("cookie", cookie)
            .form(&[("csrf_token", token.as_str()), ("email", email), ("password", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "sign-in as {email} failed");
        let session = set_cookie(&resp, "sd_session").expect("signing in sets the session cookie");
        for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
            assert!(session.contains(attribute), "session cookie lacks {attribute}: {session}");
        }
        let cookie = session.split(';').next().unwrap().to_string();
        let home = resp.headers().get("location").unwrap().to_str().unwrap().to_string();
        let html = self.http.get(format!("{}{home}", self.base)).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_in(&html).expect("signed-in pages carry the sign-out form's CSRF token");
        *self.session.lock().unwrap() = Some((cookie, csrf));
    }

    /// Creates a user of this role (acting for `person`, if given) and signs in as them.
    pub async fn sign_in_as(&self, council_id: &str, role: &str, person: Option<&str>) {
        self.sign_in_as_provider(council_id, role, person, None).await
    }

    /// As `sign_in_as`, for a provider's user too.
    pub async fn sign_in_as_provider(&self, council_id: &str, role: &str, person: Option<&str>, provider: Option<&str>) {
        let email = format!("{role}-{}@example.org", uuid::Uuid::now_v7());
        let password = "a long enough password";
        let input = selfdirect_store::NewUser { email: &email, display_name: "Test User", role, person_id: person, provider_name: provider, password };
        self.store.create_user(council_id.parse().unwrap(), &input).await.unwrap();
        self.sign_in(&email, password).await;
    }

    fn with_session(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &*self.session.lock().unwrap() {
            Some((cookie, _)) => req.header("cookie", cookie),
            None => req,
        }
    }

    pub fn csrf(&self) -> String {
        self.session.lock().unwrap().as_ref().map(|(_, c)| c.clone()).unwrap_or_default()
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.authorised(self.http.request(method, format!("{}{path}", self.base)));
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
        let resp = self.authorised(self.http.request(method, format!("{}{path}", self.base))).json(&body).send().await.unwrap();
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
        let resp = self.with_session(self.http.get(format!("{}{path}", self.base))).send().await.unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    /// Posts a form as the signed-in user, with the session's CSRF token added.
    pub async fn form(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        let csrf = self.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(fields);
        self.form_exactly(path, &all).await
    }

    /// Uploads a file with the session's CSRF token, as a browser's multipart form does.
    pub async fn upload(&self, path: &str, file_field: &str, file: &str, extra: &[(&str, &str)]) -> (StatusCode, String) {
        let mut form = reqwest::multipart::Form::new().text("csrf_token", self.csrf());
        for (k, v) in extra {
            form = form.text(k.to_string(), v.to_string());
        }
        form = form.part(file_field.to_string(), reqwest::multipart::Part::text(file.to_string()).file_name("invoices.csv").mime_str("text/csv").unwrap());
        let resp = self.with_session(self.http.post(format!("{}{path}", self.base))).multipart(form).send().await.unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    /// Uploads `bytes` as one file of a multipart form, with the session's CSRF token first.
    pub async fn upload_bytes(
        &self,
        path: &str,
        file_field: &str,
        (file_name, mime): (&str, &str),
        bytes: Vec<u8>,
        extra: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let mut form = reqwest::multipart::Form::new().text("csrf_token", self.csrf());
        for (k, v) in extra {
            form = form.text(k.to_string(), v.to_string());
        }
        form = form.part(file_field.to_string(), reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()).mime_str(mime).unwrap());
        let resp = self.with_session(self.http.post(format!("{}{path}", self.base))).multipart(form).send().await.unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    /// Posts exactly these fields (no CSRF token added), as the signed-in user.
    pub async fn form_exactly(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        let resp = self.with_session(self.http.post(format!("{}{path}", self.base))).form(fields).send().await.unwrap();
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

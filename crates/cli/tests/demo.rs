//! `selfdirect demo` as a person runs it: the real binary creates the demo council on a
//! fresh data directory, serves it, and its pages render.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn demo_starts_and_its_pages_render() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_selfdirect"))
        .args(["--data-dir", dir.path().to_str().unwrap(), "demo", "--people", "30", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);
    let mut council_path = None;
    let mut base = None;
    let mut sign_ins = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(email) = line.strip_prefix("  ").and_then(|l| l.split_whitespace().next()).filter(|e| e.contains('@')) {
            sign_ins.push(email.to_string());
        }
        if let Some(path) = line.strip_prefix("council page: ") {
            council_path = Some(path.to_string());
        }
        if let Some(url) = line.strip_prefix("serving on ") {
            base = Some(url.to_string());
            break;
        }
    }
    let base = base.expect("the demo printed where it serves");
    let council_path = council_path.expect("the demo printed its council page");
    // Every role has a demo sign-in; sign in as the team manager (through the store, beside
    // the running server) to look around.
    for local in ["social.worker", "team.manager", "finance", "commissioner", "auditor", "planning", "holder", "provider"] {
        assert!(sign_ins.iter().any(|e| e.starts_with(&format!("{local}@"))), "no {local} sign-in in {sign_ins:?}");
    }
    let store = selfdirect_store::Store::open_data_dir(dir.path()).await.unwrap();
    let manager = sign_ins.iter().find(|e| e.starts_with("team.manager@")).unwrap();
    let session = store.sign_in(manager, "demo-password").await.unwrap().expect("the demo password works");
    let cookie = format!("sd_session={}", session.token);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let get = |path: String| {
        let http = http.clone();
        let url = format!("{base}{path}");
        let cookie = cookie.clone();
        async move {
            let resp = http.get(&url).header("cookie", cookie).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{url}");
            resp.text().await.unwrap()
        }
    };

    let home = http.get(format!("{base}/")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(home.headers()["location"].to_str().unwrap(), council_path, "the team manager starts at the caseload");
    let council = get(council_path.clone()).await;
    assert!(council.contains("Demo Borough Council"));
    assert!(council.contains("People receiving long-term support"));
    assert!(council.contains("With a direct payment"));
    let approvals = get(format!("{council_path}/approvals")).await;
    assert!(approvals.contains("Plans waiting for approval"));
    let css = get("/assets/govuk/govuk-frontend.min.css".into()).await;
    assert!(css.contains(".govuk-summary-list"));

    // Every person's page renders, and between them they show each step of the chain.
    let ids: Vec<String> = council.match_indices("/people/").map(|(i, _)| council[i + 8..i + 44].to_string()).collect();
    assert!(ids.len() >= 30, "the council page lists its people");
    let mut seen_statement = false;
    let mut seen_explanation = false;
    for id in ids.iter().take(30) {
        let page = get(format!("/people/{id}")).await;
        seen_statement |= page.contains("Statement") && (page.contains("Direct payment paid") || page.contains("Paid to provider"));
        seen_explanation |= page.contains("How your indicative budget was worked out");
    }
    assert!(seen_statement && seen_explanation);

    // The API answers for the same data to the demo's auditor, and the ledger balances.
    assert_eq!(http.get(format!("{base}/api/v1/councils")).send().await.unwrap().status(), 401, "the API needs sign-in");
    let auditor = sign_ins.iter().find(|e| e.starts_with("auditor@")).unwrap();
    let session: serde_json::Value = http
        .post(format!("{base}/api/v1/sessions"))
        .json(&serde_json::json!({"email": auditor, "password": "demo-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().expect("signed in to the API");
    let councils: serde_json::Value = http.get(format!("{base}/api/v1/councils")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    let cid = councils[0]["id"].as_str().unwrap();
    let tb: serde_json::Value = http.get(format!("{base}/api/v1/councils/{cid}/trial-balance")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    assert_eq!(tb["unbalanced_entries"], 0);
    assert_eq!(tb["sum_of_postings"], "0.00");
    assert!(tb["entries"].as_i64().unwrap() > 30);
}

//! The pages in a real browser: headless Chromium driven through ChromeDriver, with
//! axe-core checking every page visited for WCAG 2.2 AA violations.
//!
//! A budget holder signs in, makes a mistake in their plan and corrects it, and sends it;
//! a team manager signs in and approves it; the budget holder chooses how the money is held
//! and sees the budget and the statement change; later the team manager changes the plan
//! from a date.
//!
//! Needs `chromium` and `chromium-driver` (Debian packages) and axe-core
//! (`npm ci --prefix crates/web/tests/browser`). Without them the test says so and skips,
//! unless SELFDIRECT_REQUIRE_BROWSER=1 (as in CI), when it fails.

use fantoccini::{Client, ClientBuilder, Locator};
use selfdirect_domain::assessment::{highest_answers, Questionnaire};
use selfdirect_domain::person::NewPersonInput;
use selfdirect_domain::plan::PlanInput;
use selfdirect_store::testing::{sqlite_store, weekly_line};
use selfdirect_store::{BankDetailsInput, NewUser};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
const PASSWORD: &str = "a long enough password";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn axe_source() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(path).ok()
}

fn chromedriver() -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var("SELFDIRECT_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()));
    (path.exists() && PathBuf::from(CHROMIUM).exists()).then_some(path)
}

async fn start_driver(path: &PathBuf) -> (Driver, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(path).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start chromedriver");
    let driver = Driver(child);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return (driver, format!("http://127.0.0.1:{port}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

async fn browser(driver_url: &str) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage", "--window-size=1280,1024"]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new()).capabilities(caps).connect(driver_url).await.expect("connect to chromedriver")
}

/// A browser session on the service, checking each page it lands on with axe-core.
struct Visit {
    client: Client,
    base: String,
    axe: String,
    pages_checked: usize,
}

impl Visit {
    /// Runs axe-core on the current page; any WCAG 2.2 AA violation fails the test.
    async fn check(&mut self, what: &str) {
        self.client.execute(&self.axe, vec![]).await.expect("inject axe-core");
        let script = "const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
              .then(r => done(r.violations.map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)))
              .catch(e => done(['axe failed: ' + e]));";
        let violations = self.client.execute_async(script, vec![]).await.expect("run axe-core");
        let list: Vec<String> = serde_json::from_value(violations).expect("a list of violations");
        let url = self.client.current_url().await.unwrap();
        assert!(list.is_empty(), "{what} ({url}) has accessibility violations:\n{}", list.join("\n"));
        self.pages_checked += 1;
    }

    async fn go(&mut self, path: &str, what: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
        self.check(what).await;
    }

    async fn fill(&self, id: &str, text: &str) {
        let field = self.client.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("no field #{id}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn select(&self, id: &str, value: &str) {
        self.client.find(Locator::Id(id)).await.unwrap().select_by_value(value).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("nothing to click at {css}: {e}")).click().await.unwrap();
    }

    /// Clicks something that loads a new page, and waits until the new page has loaded.
    async fn follow(&self, css: &str) {
        let old = self.client.find(Locator::Css("html")).await.unwrap();
        self.click(css).await;
        for _ in 0..200 {
            if old.tag_name().await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        for _ in 0..200 {
            if self.client.execute("return document.readyState", vec![]).await.ok().and_then(|v| v.as_str().map(|s| s == "complete")) == Some(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the page after clicking {css} did not load");
    }

    async fn text(&self) -> String {
        self.client.find(Locator::Css("main")).await.unwrap().text().await.unwrap()
    }

    async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_string()
    }

    async fn sign_in(&mut self, email: &str) {
        self.go("/sign-in", "sign-in page").await;
        self.fill("email", email).await;
        self.fill("password", PASSWORD).await;
        self.follow("form[action='/sign-in'] button").await;
    }

    async fn sign_out(&self) {
        self.follow(".sd-header__sign-out button").await;
        let page = self.text().await;
        assert!(page.contains("You have signed out."), "{} {page}", self.path().await);
    }
}

fn hex_png() -> Vec<u8> {
    const PNG: &str = "89504e470d0a1a0a0000000d4948445200000001000000010806000000\
1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082";
    (0..PNG.len()).step_by(2).map(|i| u8::from_str_radix(&PNG[i..i + 2], 16).unwrap()).collect()
}

#[tokio::test]
async fn plan_made_approved_and_money_chosen_in_a_real_browser() {
    let required = std::env::var("SELFDIRECT_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let (Some(driver_path), Some(axe)) = (chromedriver(), axe_source()) else {
        assert!(!required, "SELFDIRECT_REQUIRE_BROWSER=1 but Chromium, ChromeDriver or axe-core is missing");
        eprintln!("SKIPPED browser test: install chromium and chromium-driver, and run `npm ci --prefix crates/web/tests/browser`");
        return;
    };

    // The service, with a person whose plan is a draft.
    let (store, _dir) = sqlite_store().await;
    let council = store.create_council("BRW", "Browser Test Council").await.unwrap();
    let cid = council.id;
    let bea = NewPersonInput {
        given_name: "Bea",
        family_name: "Holder",
        date_of_birth: "1960-05-01",
        address: "2 Park Road",
        postcode: "AB1 2CD",
        client_group: "physical_disability",
        long_term_support: true,
        nhs_number: None,
    };
    let person = store.create_person(cid, &bea).await.unwrap();
    let pid = person.id;
    let pid_text = pid.to_string();
    // Someone not yet assessed: on the social work caseload's list of assessments to do.
    let waiting = NewPersonInput { given_name: "Cal", family_name: "Waiting", ..bea.clone() };
    let cal = store.create_person(cid, &waiting).await.unwrap().id;
    // Dan comes in late, for his review and his move.
    let dan_details = bea.clone();
    store.raise_concern(cal, "Sam Worker", "Left alone without food for two days", "2026-05-02").await.unwrap();
    // Dates relative to today, so the plan is current whenever the test runs.
    let day = |offset: i64| (time::OffsetDateTime::now_utc().date() + time::Duration::days(offset)).to_string();
    store.record_assessment(pid, &highest_answers(&Questionnaire::standard()), &day(-60), "Sam Worker").await.unwrap();
    let draft = PlanInput {
        outcomes: vec!["Stay living at home".into()],
        lines: vec![weekly_line("Personal assistant", "Jo Smith", "personal_assistant", "150")],
        start_date: day(-30),
        end_date: day(-30 + 364),
        over_budget_reason: None,
    };
    let plan = store.create_plan(pid, None, &draft).await.unwrap();
    store.register_provider(cid, "Park Leisure Centre", "30-94-57", "11112222").await.unwrap();
    for (email, name, role, person, provider) in [
        ("bea@example.org", "Bea Holder", "budget_holder", Some(pid_text.as_str()), None),
        ("tess@example.org", "Tess Manager", "team_manager", None, None),
        ("fay@example.org", "Fay Finance", "finance_officer", None, None),
        ("pat@example.org", "Pat Park", "provider", None, Some("Park Leisure Centre")),
        ("cam@example.org", "Cam Commissioner", "commissioner", None, None),
        ("opal@example.org", "Opal Operator", "service_operator", None, None),
    ] {
        let input = NewUser { email, display_name: name, role, person_id: person, provider_name: provider, password: PASSWORD };
        store.create_user(cid, &input).await.unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    // localhost, not 127.0.0.1: browsers treat it as a secure context, so Secure cookies work over http.
    let base = format!("http://localhost:{}", listener.local_addr().unwrap().port());
    let served = store.clone();
    tokio::spawn(async move { selfdirect_web::serve(listener, served).await.unwrap() });

    let (_driver, driver_url) = start_driver(&driver_path).await;
    let mut v = Visit { client: browser(&driver_url).await, base, axe, pages_checked: 0 };

    // Pages need sign-in; a wrong password is refused with an accessible error.
    v.go(&format!("/people/{pid}"), "a person page, signed out").await;
    assert_eq!(v.path().await, "/sign-in");
    v.fill("email", "bea@example.org").await;
    v.fill("password", "not my password").await;
    v.follow("form[action='/sign-in'] button").await;
    v.check("sign-in error").await;
    assert!(v.text().await.contains("Enter a correct email address and password"));

    // The budget holder edits the plan: a mistake first, then fixed, with a new line added.
    v.fill("password", PASSWORD).await;
    v.follow("form[action='/sign-in'] button").await;
    assert_eq!(v.path().await, format!("/people/{pid}"), "signed in, back to the page asked for");
    v.check("my budget, draft plan").await;
    v.follow(&format!("a[href='/plans/{}/edit']", plan.id)).await;
    v.check("plan edit form").await;
    v.fill("line-1-description", "Swimming lessons").await;
    v.fill("line-1-provider", "Park Leisure Centre").await;
    v.select("line-1-category", "leisure").await;
    v.fill("line-1-units", "1").await;
    v.select("line-1-frequency", "weekly").await;
    v.fill("line-1-unit_cost", "twelve pounds").await;
    v.follow("button[value='submit']").await;
    v.check("plan edit form with errors").await;
    let page = v.text().await;
    assert!(page.contains("There is a problem"), "{page}");
    let typed = v.client.find(Locator::Id("line-1-description")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(typed.as_deref(), Some("Swimming lessons"), "what was typed is kept");
    assert_eq!(store.plan(plan.id).await.unwrap().lines.len(), 1, "a refused form writes nothing");
    v.fill("line-1-unit_cost", "12.50").await;
    v.follow("button[value='save']").await;
    v.check("plan saved").await;
    assert!(v.text().await.contains("Your plan is saved. It costs £8,450.00 a year."), "{}", v.text().await);
    v.follow("button[value='submit']").await;
    v.check("plan sent").await;
    assert!(v.text().await.contains("The plan has been sent to the council for approval."));
    v.go("/my-budget/easy-read", "easy read").await;
    v.sign_out().await;
    v.check("signed out").await;

    // The team manager approves it.
    v.sign_in("tess@example.org").await;
    assert_eq!(v.path().await, format!("/councils/{cid}"));
    v.check("caseload").await;
    let caseload = v.text().await;
    assert!(caseload.contains("Cal Waiting: Left alone without food for two days"), "the safeguarding flag shows: {caseload}");
    let to_do = caseload.split("Assessments to complete").nth(1).unwrap_or("");
    assert!(to_do.contains("Cal Waiting") && !to_do.split("Reviews due").next().unwrap_or("").contains("Bea Holder"), "{caseload}");
    v.go(&format!("/councils/{cid}/approvals"), "approvals queue").await;
    v.follow(&format!("a[href='/plans/{}']", plan.id)).await;
    v.check("plan for approval").await;
    v.follow(&format!("form[action='/plans/{}/approve'] button", plan.id)).await;
    v.check("plan approved").await;
    assert!(v.text().await.contains("Plan approved. The final budget is £8,450.00 a year."), "{}", v.text().await);
    v.sign_out().await;

    // The budget holder chooses how the money is held; the budget and statement show it.
    v.sign_in("bea@example.org").await;
    v.check("my budget, approved").await;
    assert!(v.text().await.contains("Your personal budget is £8,450.00 a year"));
    v.follow(&format!("a[href='/plans/{}/money']", plan.id)).await;
    v.check("choose how the money is held").await;
    v.follow("form[action$='/money'] button").await;
    v.check("choose how the money is held, with errors").await;
    assert!(v.text().await.contains("Choose how the money for personal assistant is held"));
    let lines = store.plan(plan.id).await.unwrap().lines;
    v.click(&format!("#line-{}", lines[0].id)).await;
    v.click(&format!("#line-{}-council_managed", lines[1].id)).await;
    v.follow("form[action$='/money'] button").await;
    v.check("budget account open").await;
    let page = v.text().await;
    assert!(page.contains("The budget account is open."), "{page}");
    assert!(page.contains("Adult social care: £8,450.00 came in."), "{page}");
    assert!(page.contains("Held as: Mixed"), "{page}");
    v.sign_out().await;

    // The provider invoices for a week of swimming lessons (a council-managed line).
    v.sign_in("pat@example.org").await;
    assert_eq!(v.path().await, format!("/councils/{cid}/invoices"), "{}", v.text().await);
    v.check("provider invoices").await;
    v.select("service_category", "leisure").await;
    for (field, value) in [
        ("invoice_ref", "PLC-1"),
        ("person_id", pid_text.as_str()),
        ("period_start", &day(-20)),
        ("period_end", &day(-14)),
        ("units", "1"),
        ("unit_rate", "12.50"),
    ] {
        v.fill(field, value).await;
    }
    v.follow("form[action$='/invoices'] button").await;
    v.check("invoice accepted").await;
    assert!(v.text().await.contains("1 invoice lines accepted, £12.50 in all."), "{}", v.text().await);
    v.sign_out().await;

    // The finance officer previews and runs payments: four weeks of the direct payment.
    let account = store.person_overview(pid).await.unwrap().account.unwrap().account.id;
    let details =
        BankDetailsInput { account_name: "B HOLDER".into(), sort_code: "40-12-34".into(), account_number: "12345678".into(), service_user_number: None };
    store.set_bank_details(account, &details).await.unwrap();
    let today = day(0);
    v.sign_in("fay@example.org").await;
    v.check("finance").await;
    assert!(v.text().await.contains("£600.00"), "{}", v.text().await);
    v.follow("form[action$='/payment-runs'] button").await;
    v.check("payment run").await;
    assert!(v.text().await.contains("Bank files") && v.text().await.contains("£600.00"), "{}", v.text().await);
    v.sign_out().await;

    // Bea asks for her direct payment to go to a new account: her page says it waits for
    // the council, and Fay, who did not enter it, confirms it on the finance page.
    let bea = store.sign_in("bea@example.org", PASSWORD).await.unwrap().expect("Bea signs in").user;
    let new_bank =
        BankDetailsInput { account_name: "B HOLDER".into(), sort_code: "20-00-00".into(), account_number: "87654321".into(), service_user_number: None };
    let change = store.propose_bank_details(account, &new_bank, &bea).await.unwrap();
    v.sign_in("bea@example.org").await;
    v.check("my budget, new bank details waiting").await;
    assert!(v.text().await.contains("New bank details (B HOLDER, 20-00-00, account ending 4321) were entered by Bea Holder"), "{}", v.text().await);
    v.sign_out().await;
    v.sign_in("fay@example.org").await;
    v.check("finance, bank details to confirm").await;
    v.follow(&format!("form[action$='/bank-details/{}/confirm'] button", change.id)).await;
    v.check("finance, bank details confirmed").await;
    assert!(v.text().await.contains("The new bank details for Bea"), "{}", v.text().await);
    v.sign_out().await;

    // The budget holder records spending from the direct payment, with a photo of the receipt.
    v.sign_in("bea@example.org").await;
    v.follow(&format!("a[href='/accounts/{account}/spending']")).await;
    v.check("record spending").await;
    v.fill("amount", "-5").await;
    v.fill("spent_on", &today).await;
    v.fill("description", "Wages for Jo, one week").await;
    v.follow("form[action$='/spending'] button").await;
    v.check("record spending, with errors").await;
    assert!(v.text().await.contains("There is a problem"));
    let typed = v.client.find(Locator::Id("description")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(typed.as_deref(), Some("Wages for Jo, one week"));
    let receipt = _dir.path().join("receipt.png");
    // The smallest valid PNG: a 1×1 transparent pixel.
    std::fs::write(&receipt, hex_png()).unwrap();
    v.fill("amount", "150").await;
    v.client.find(Locator::Id("receipt")).await.unwrap().send_keys(receipt.to_str().unwrap()).await.unwrap();
    v.follow("form[action$='/spending'] button").await;
    v.check("spending recorded").await;
    let page = v.text().await;
    assert!(page.contains("Your spending is recorded.") && page.contains("Spent by you from your direct payment: £150.00"), "{page}");
    assert_eq!(store.receipt_count(account).await.unwrap(), 1, "the receipt is kept");
    // Who has looked at Bea's record: the team manager, when deciding on her plan.
    v.follow(&format!("a[href='/people/{pid}/access-log']")).await;
    v.check("who has looked at my record").await;
    let log = v.text().await;
    assert!(log.contains("Tess Manager (Team manager)") && log.contains("looked at the record"), "{log}");
    v.sign_out().await;

    // The commissioner sees the spending as charts, and a day centre's block contract
    // beside what people chose to spend.
    let contract = selfdirect_store::BlockContractInput {
        provider_name: "Riverside Day Centre".into(),
        category: "day_service".into(),
        annual_value: "52000".into(),
        start_date: day(-400),
        end_date: day(300),
    };
    store.add_block_contract(cid, &contract).await.unwrap();
    v.sign_in("cam@example.org").await;
    v.check("dashboard").await;
    for chart in ["spend-by-category", "spend-by-area", "spend-by-month"] {
        assert!(v.client.find(Locator::Css(&format!("svg#{chart}"))).await.is_ok(), "the chart {chart} is drawn");
    }
    let dashboard = v.text().await;
    assert!(
        dashboard.contains("Leisure") && dashboard.contains("Forecast for the next 12 months") && dashboard.contains("Uptake by client group"),
        "{dashboard}"
    );
    assert!(dashboard.contains("Riverside Day Centre") && dashboard.contains("From block contracts"), "{dashboard}");

    // Finance suspends Bea's payments for a stay in hospital, then starts them again.
    v.sign_out().await;
    v.sign_in("fay@example.org").await;
    v.go(&format!("/people/{pid}"), "Bea's record, for finance").await;
    v.follow("a[href$='/suspension']").await;
    v.check("suspend payments").await;
    v.follow("form[action$='/suspension'] button").await;
    v.check("suspend payments, with errors").await;
    assert!(v.text().await.contains("Enter why payments are suspended"), "{}", v.text().await);
    v.fill("reason", "In hospital").await;
    v.follow("form[action$='/suspension'] button").await;
    v.check("payments suspended").await;
    assert!(v.text().await.contains("Payments are suspended from"), "{}", v.text().await);
    v.follow("a[href$='/suspension']").await;
    v.check("start payments again").await;
    v.follow("form[action$='/suspension'] button").await;
    v.check("payments started again").await;
    assert!(v.text().await.contains("Payments start again."), "{}", v.text().await);

    // The team manager reviews Bea's support with her: she is moving into a care home, so
    // the review decides to end it, and the ending follows; Bea sees it.
    v.sign_out().await;
    v.sign_in("tess@example.org").await;
    // First her plan changes from the day after the days paid: more hours with Jo.
    v.go(&format!("/plans/{}", plan.id), "Bea's plan, for staff").await;
    v.follow(&format!("a[href='/plans/{}/revise']", plan.id)).await;
    v.check("change the plan from a date").await;
    v.fill("effective_from", &day(28)).await;
    v.fill("line-0-unit_cost", "180").await;
    v.follow(&format!("form[action='/plans/{}/revise'] button", plan.id)).await;
    v.check("change the plan, with errors").await;
    assert!(v.text().await.contains("The reason is required"), "{}", v.text().await);
    v.fill("reason", "Review: Jo works two more hours a week").await;
    v.follow(&format!("form[action='/plans/{}/revise'] button", plan.id)).await;
    v.check("plan changed").await;
    let changed = v.text().await;
    assert!(
        changed.contains("The plan is changed") && changed.contains("Versions of this plan") && changed.contains("Review: Jo works two more hours"),
        "{changed}"
    );
    v.sign_out().await;
    // Bea sees the new version beside the old; the run for the period it begins pays it once.
    v.sign_in("bea@example.org").await;
    v.go(&format!("/plans/{}", plan.id), "my plan, revised").await;
    let mine = v.text().await;
    assert!(mine.contains("Versions of this plan") && mine.contains("From ") && mine.contains("Until "), "{mine}");
    v.sign_out().await;
    v.sign_in("fay@example.org").await;
    v.go(&format!("/councils/{cid}/finance?period_start={}", day(28)), "finance, the period the new version begins").await;
    v.follow("form[action$='/payment-runs'] button").await;
    v.check("payment run at the new version").await;
    assert!(v.text().await.contains("£720.00"), "four weeks at £180 a week: {}", v.text().await);
    v.go(&format!("/councils/{cid}/finance?period_start={}", day(28)), "finance, the same period again").await;
    v.follow("form[action$='/payment-runs'] button").await;
    assert!(v.text().await.contains("£720.00"), "running it again pays nobody twice: {}", v.text().await);
    v.sign_out().await;
    v.sign_in("tess@example.org").await;
    v.go(&format!("/people/{pid}"), "Bea's record, for staff").await;
    v.follow("a[href$='/review']").await;
    v.check("review").await;
    v.follow("form[action$='/review'] button").await;
    v.check("review, with errors").await;
    let refused = v.text().await;
    assert!(refused.contains("Choose who took part in the review") && refused.contains("Choose what the review decided"), "{refused}");
    v.click("#participants").await;
    v.click("#participants-worker").await;
    v.click("#outcomes_met").await;
    v.fill("working", "Her PA has helped her stay at home until now").await;
    v.click("#decision-end_support").await;
    v.follow("form[action$='/review'] button").await;
    assert!(v.path().await.ends_with("/ending"), "{}", v.path().await);
    v.check("ending support").await;
    v.follow("form[action$='/ending'] button").await;
    v.check("ending support, with errors").await;
    let refused = v.text().await;
    assert!(refused.contains("Enter the last day of support") && refused.contains("Choose why support is ending"), "{refused}");
    v.fill("ended_on", &day(0)).await;
    v.click("#reason-care_home").await;
    // Today's run already paid the weeks ahead: they are recovered with the unspent money.
    v.click("#overpaid_days").await;
    v.follow("form[action$='/ending'] button").await;
    v.check("support ended").await;
    let ended = v.text().await;
    assert!(ended.contains("Support ended on") && ended.contains("moved into a care home") && !ended.contains("End support for"), "{ended}");
    v.sign_out().await;
    v.sign_in("bea@example.org").await;
    let mine = v.text().await;
    assert!(
        mine.contains("Support ended on") && mine.contains("Took part: the person, a social worker.") && mine.contains("Outcomes met: Stay living at home."),
        "{mine}"
    );
    v.check("my budget, ended").await;
    assert!(!v.text().await.contains("Your next review is due"), "no review is due once support has ended");
    assert!(v.text().await.contains("of unspent direct payment will be returned to the council after"), "{}", v.text().await);
    v.sign_out().await;

    // Finance recovers it only with Bea's agreement before the reply date.
    v.sign_in("fay@example.org").await;
    v.check("finance, a notice of recovery waiting").await;
    v.follow("form[action$='/recover'] button").await;
    v.check("finance, recovery refused within the notice").await;
    assert!(v.text().await.contains("Bea Holder: is within the notice"), "{}", v.text().await);
    v.click("input[name='agreed']").await;
    v.follow("form[action$='/recover'] button").await;
    v.check("finance, recovered").await;
    let finance = v.text().await;
    assert!(finance.contains("The unspent direct payment of Bea Holder is recovered") && finance.contains("None waiting."), "{finance}");

    // The service operator sets up a new council; a mistake comes back named.
    v.sign_out().await;
    v.sign_in("opal@example.org").await;
    assert_eq!(v.path().await, "/service/councils");
    v.check("the councils on the service").await;
    v.fill("code", "E06000099").await;
    v.follow("form[action='/service/councils'] button").await;
    v.check("setting up a council, the name missing").await;
    assert!(v.text().await.contains("The name is required"));
    v.fill("name", "Newtown Borough Council").await;
    v.follow("form[action='/service/councils'] button").await;
    v.check("the council set up").await;
    let councils = v.text().await;
    assert!(councils.contains("Council E06000099 is set up") && councils.contains("Newtown Borough Council"), "{councils}");
    v.sign_out().await;

    // Dan's day service is paid by the council. At his review the team manager decides to
    // re-assess; then he moves to Newtown, which carries his plan on.
    let dan = store.create_person(cid, &NewPersonInput { given_name: "Dan", family_name: "Mover", ..dan_details }).await.unwrap().id;
    store.record_assessment(dan, &highest_answers(&Questionnaire::standard()), &day(-90), "Sam Worker").await.unwrap();
    let dans = PlanInput {
        outcomes: vec!["Get out and about".into()],
        lines: vec![weekly_line("Day service", "Riverside Day Centre", "day_service", "120")],
        start_date: day(-60),
        end_date: day(300),
        over_budget_reason: None,
    };
    let dan_plan = store.create_plan(dan, None, &dans).await.unwrap().id;
    store.submit_plan(dan_plan).await.unwrap();
    store.approve_plan(dan_plan, "Tess Manager", None).await.unwrap();
    let managed = selfdirect_store::OpenAccountInput { deployment: Some("council_managed".into()), ..Default::default() };
    store.open_account(dan_plan, &managed).await.unwrap();
    v.sign_in("tess@example.org").await;
    v.go(&format!("/people/{dan}"), "Dan's record, for staff").await;
    v.follow("a[href$='/review']").await;
    v.click("#participants").await;
    v.click("#decision-reassess").await;
    v.follow("form[action$='/review'] button").await;
    v.check("review decided to re-assess").await;
    let reviewed = v.text().await;
    assert!(reviewed.contains("A new assessment is due") && reviewed.contains("decided to re-assess"), "{reviewed}");
    v.follow("a[href$='/transfer']").await;
    v.check("move to another council").await;
    v.follow("form[action$='/transfer'] button").await;
    v.check("move to another council, with errors").await;
    assert!(v.text().await.contains("There is a problem"), "{}", v.text().await);
    v.click("#to_council").await;
    v.fill("moves_on", &day(14)).await;
    v.fill("address", "9 New Street, Newtown").await;
    v.fill("postcode", "NT1 1AA").await;
    v.follow("form[action$='/transfer'] button").await;
    v.check("support moved to another council").await;
    let moved = v.text().await;
    assert!(moved.contains("Support has moved to the new council") && moved.contains("Moved to Newtown Borough Council"), "{moved}");
    let newtown = store.councils().await.unwrap().into_iter().find(|c| c.code == "E06000099").unwrap();
    assert!(store.people(newtown.id, 10).await.unwrap().iter().any(|p| p.details.given_name == "Dan"), "Newtown has Dan");
    v.client.clone().close().await.unwrap();
    assert!(v.pages_checked >= 29, "axe-core checked {} pages", v.pages_checked);
}

//! `selfdirect bench writes`: many budget holders at once on loopback, each recording
//! spending from their own direct payment through the API (`POST …/spending`, the write
//! path probing found slow), for a fixed time, with a 2 s client timeout as the probe had.
//! The baseline, in the same run: the same writes by one budget holder at a time.

use crate::measure::{budget_holder_token, load_for, serve_on_loopback, Load, Outcome};
use indicatif::{ProgressBar, ProgressStyle};
use selfdirect_store::testing::{open_test_account, pay_budget_holder, weekly_line};
use selfdirect_store::Store;
use std::time::Duration;

/// What one writer needs: a client, its bearer token, its spending URL and plan line.
type Writer = (reqwest::Client, String, String, String);

pub async fn run(store: Store, writers: usize, seconds: u64) -> anyhow::Result<()> {
    println!("setting up (not timed): {writers} budget holders, each with a direct payment paid into their bank account…");
    let council = store.create_council(&format!("W{}", &uuid::Uuid::now_v7().simple().to_string()[24..]), "Write Bench Council").await?;
    let base = serve_on_loopback(&store).await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(writers).timeout(Duration::from_secs(2)).build()?;
    let bar = ProgressBar::new(writers as u64);
    bar.set_style(ProgressStyle::with_template("setting up [{bar:40}] {pos}/{len}").expect("valid template").progress_chars("=> "));
    let mut all: Vec<Writer> = Vec::with_capacity(writers);
    for i in 0..writers {
        all.push(writer(&store, &http, &base, council.id, i).await?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!("{writers} writers, each recording 1p of spending in a loop for {seconds} s ({:?})…", store.backend());
    let mut loaded = write_for(&all, seconds).await?;
    loaded.print(&format!("spending writes, {writers} writers at once"));
    let baseline_seconds = seconds.clamp(1, 10);
    println!("baseline: the same writes by one writer at a time for {baseline_seconds} s…");
    let mut one = write_for(&all[..1], baseline_seconds).await?;
    one.print("baseline: one writer");
    println!("{:<44} {:>11.1}x", "ratio (writes per second)", loaded.per_second() / one.per_second());
    let failed = loaded.errors + loaded.timeouts + one.errors + one.timeouts;
    if failed > 0 {
        anyhow::bail!("{failed} writes failed or timed out");
    }
    Ok(())
}

/// A budget holder with £5,000 of direct payment in hand, signed in through the API.
async fn writer(store: &Store, http: &reqwest::Client, base: &str, council: selfdirect_domain::ids::CouncilId, i: usize) -> anyhow::Result<Writer> {
    let account =
        open_test_account(store, council, &format!("Writer{i}"), vec![weekly_line("PA hours", "Own PA", "personal_assistant", "400")], "direct_payment").await;
    pay_budget_holder(store, account, "5000.00", "2026-04-01").await;
    let view = store.account(account).await?;
    let line = store.plan(view.plan_id).await?.lines[0].id.to_string();
    let person = store.person(view.person_id).await?;
    let token = budget_holder_token(store, http, base, &person, &format!("writer{i}-{}@bench.example", council.to_string().get(..8).unwrap_or(""))).await?;
    Ok((http.clone(), token, format!("{base}/api/v1/accounts/{account}/spending"), line))
}

async fn write_for(writers: &[Writer], seconds: u64) -> anyhow::Result<Load> {
    load_for(writers, seconds, |(http, token, url, line)| async move {
        let body = serde_json::json!({"plan_line_id": line, "amount": "0.01", "spent_on": "2026-04-10", "description": "Bench spending"});
        Outcome::of(http.post(&url).bearer_auth(&token).json(&body).send().await).await
    })
    .await
}

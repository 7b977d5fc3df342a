//! `selfdirect bench api`: many signed-in users at once on loopback, each reading their own
//! budget through the API (a read that also appends to the access log), for a fixed time.
//! Prints throughput, errors and latency percentiles.

use crate::demo;
use crate::measure::{budget_holder_token, load_for, serve_on_loopback, Load, Outcome};
use indicatif::{ProgressBar, ProgressStyle};
use selfdirect_store::Store;

pub async fn run(store: Store, users: usize, seconds: u64) -> anyhow::Result<()> {
    println!("setting up (not timed): a demo council with {users} people, one budget-holder sign-in each…");
    let (council, _) = demo::create(&store, demo::Options { people: users as u32, seed: 7, show_progress: true }).await?;
    let cid = council.id;
    let people = store.people(cid, users as i64).await?;
    let base = serve_on_loopback(&store).await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(users).build()?;
    let bar = ProgressBar::new(people.len() as u64);
    bar.set_style(ProgressStyle::with_template("signing in [{bar:40}] {pos}/{len}").expect("valid template").progress_chars("=> "));
    let mut sessions = Vec::with_capacity(people.len());
    for (i, person) in people.iter().enumerate() {
        let email = format!("load{i}-{}@bench.example", &cid.to_string()[..8]);
        let token = budget_holder_token(&store, &http, &base, person, &email).await?;
        let pid = person.id.to_string();
        sessions.push((token, pid));
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!("{} users, each reading GET /api/v1/people/{{their id}} in a loop for {seconds} s…", sessions.len());
    let mut loaded = read_for(&http, &base, &sessions, seconds).await?;
    loaded.print(&format!("API, {} users at once ({:?})", sessions.len(), store.backend()));
    // The baseline, in the same run: the same reads one at a time, as a service that takes
    // one request at a time (one worker, one database connection) would serve them.
    let baseline_seconds = seconds.clamp(1, 10);
    println!("baseline: the same reads by one user at a time for {baseline_seconds} s…");
    let mut one = read_for(&http, &base, &sessions[..1], baseline_seconds).await?;
    one.print("baseline: one request at a time");
    println!("{:<44} {:>11.1}x", "ratio (requests per second)", loaded.per_second() / one.per_second());
    if loaded.errors + one.errors + loaded.timeouts + one.timeouts > 0 {
        anyhow::bail!("{} requests failed", loaded.errors + one.errors + loaded.timeouts + one.timeouts);
    }
    Ok(())
}

/// Each session reads its own record in a loop until `seconds` have passed, all at once.
async fn read_for(http: &reqwest::Client, base: &str, sessions: &[(String, String)], seconds: u64) -> anyhow::Result<Load> {
    let clients: Vec<(reqwest::Client, String, String)> =
        sessions.iter().map(|(token, pid)| (http.clone(), token.clone(), format!("{base}/api/v1/people/{pid}"))).collect();
    load_for(&clients, seconds, |(http, token, url)| async move { Outcome::of(http.get(&url).bearer_auth(&token).send().await).await }).await
}

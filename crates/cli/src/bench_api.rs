//! `selfdirect bench api`: many signed-in users at once on loopback, each reading their own
//! budget through the API (a read that also appends to the access log), for a fixed time.
//! Prints throughput, errors and latency percentiles.

use crate::demo;
use indicatif::{ProgressBar, ProgressStyle};
use selfdirect_store::{NewUser, Store};
use std::time::{Duration, Instant};

pub async fn run(store: Store, users: usize, seconds: u64) -> anyhow::Result<()> {
    println!("setting up (not timed): a demo council with {users} people, one budget-holder sign-in each…");
    let (council, _) = demo::create(&store, demo::Options { people: users as u32, seed: 7, show_progress: true }).await?;
    let cid = council.id;
    let people = store.people(cid, users as i64).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let served = store.clone();
    tokio::spawn(async move { selfdirect_web::serve(listener, served).await });
    let http = reqwest::Client::builder().pool_max_idle_per_host(users).build()?;
    let bar = ProgressBar::new(people.len() as u64);
    bar.set_style(ProgressStyle::with_template("signing in [{bar:40}] {pos}/{len}").expect("valid template").progress_chars("=> "));
    let mut sessions = Vec::with_capacity(people.len());
    for (i, person) in people.iter().enumerate() {
        let email = format!("load{i}-{}@bench.example", &cid.to_string()[..8]);
        let pid = person.id.to_string();
        let input = NewUser {
            email: &email,
            display_name: &person.full_name(),
            role: "budget_holder",
            person_id: Some(&pid),
            provider_name: None,
            password: "bench-password",
        };
        store.create_user(cid, &input).await?;
        let session: serde_json::Value =
            http.post(format!("{base}/api/v1/sessions")).json(&serde_json::json!({"email": email, "password": "bench-password"})).send().await?.json().await?;
        let token = session["token"].as_str().ok_or_else(|| anyhow::anyhow!("sign-in failed: {session}"))?.to_string();
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
    if loaded.errors + one.errors > 0 {
        anyhow::bail!("{} requests failed", loaded.errors + one.errors);
    }
    Ok(())
}

struct Load {
    latencies: Vec<Duration>,
    errors: u64,
    seconds: f64,
}

impl Load {
    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds
    }

    fn print(&mut self, title: &str) {
        let [p50, p95, p99, max] = crate::measure::percentiles_ms(&mut self.latencies);
        println!("{title:<44} {:>12}", "");
        println!("{:<44} {:>12}", "requests", self.latencies.len());
        println!("{:<44} {:>12}", "errors", self.errors);
        println!("{:<44} {:>12.0}", "requests per second", self.per_second());
        for (label, v) in [("p50 latency (ms)", p50), ("p95 latency (ms)", p95), ("p99 latency (ms)", p99), ("max latency (ms)", max)] {
            println!("{label:<44} {v:>12.1}");
        }
    }
}

/// Each session reads its own record in a loop until `seconds` have passed, all at once.
async fn read_for(http: &reqwest::Client, base: &str, sessions: &[(String, String)], seconds: u64) -> anyhow::Result<Load> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (token, pid) in sessions {
        let (http, token) = (http.clone(), token.clone());
        let url = format!("{base}/api/v1/people/{pid}");
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut errors) = (Vec::new(), 0u64);
            while Instant::now() < deadline {
                let t = Instant::now();
                match http.get(&url).bearer_auth(&token).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        latencies.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut load = Load { latencies: Vec::new(), errors: 0, seconds: 0.0 };
    for task in tasks {
        let (latencies, e) = task.await?;
        load.latencies.extend(latencies);
        load.errors += e;
    }
    load.seconds = started.elapsed().as_secs_f64();
    Ok(load)
}

//! Latency percentiles for the benchmarks, and many clients at once for a fixed time.

use std::future::Future;
use std::time::{Duration, Instant};

/// Serves `store` on a free loopback port for a benchmark; returns its base URL.
pub async fn serve_on_loopback(store: &selfdirect_store::Store) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let served = store.clone();
    tokio::spawn(async move { selfdirect_web::serve(listener, served).await });
    Ok(base)
}

/// Gives `person` a budget-holder sign-in (`email`) and signs in through the API: the
/// bearer token the benchmark's requests carry.
pub async fn budget_holder_token(
    store: &selfdirect_store::Store,
    http: &reqwest::Client,
    base: &str,
    person: &selfdirect_store::Person,
    email: &str,
) -> anyhow::Result<String> {
    const PASSWORD: &str = "bench-password";
    let pid = person.id.to_string();
    let input = selfdirect_store::NewUser {
        email,
        display_name: &person.full_name(),
        role: "budget_holder",
        person_id: Some(&pid),
        provider_name: None,
        password: PASSWORD,
    };
    store.create_user(person.council_id, &input).await?;
    let session: serde_json::Value =
        http.post(format!("{base}/api/v1/sessions")).json(&serde_json::json!({"email": email, "password": PASSWORD})).send().await?.json().await?;
    Ok(session["token"].as_str().ok_or_else(|| anyhow::anyhow!("sign-in failed: {session}"))?.to_string())
}

/// How one request of a load went.
pub enum Outcome {
    Done,
    Failed,
    /// No answer within the client's timeout.
    TimedOut,
}

impl Outcome {
    /// A request's outcome, its whole answer read (the latency includes the body).
    pub async fn of(result: reqwest::Result<reqwest::Response>) -> Outcome {
        let answer = match result {
            Ok(r) if r.status().is_success() => r.bytes().await,
            Ok(_) => return Outcome::Failed,
            Err(e) => Err(e),
        };
        match answer {
            Ok(_) => Outcome::Done,
            Err(e) if e.is_timeout() => Outcome::TimedOut,
            Err(_) => Outcome::Failed,
        }
    }
}

/// What many clients at once got: each answered request's latency, and the rest.
pub struct Load {
    latencies: Vec<Duration>,
    pub errors: u64,
    pub timeouts: u64,
    seconds: f64,
}

impl Load {
    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds
    }

    pub fn print(&mut self, title: &str) {
        let [p50, p95, p99, max] = percentiles_ms(&mut self.latencies);
        println!("{title:<44} {:>12}", "");
        println!("{:<44} {:>12}", "requests answered", self.latencies.len());
        println!("{:<44} {:>12}", "errors", self.errors);
        println!("{:<44} {:>12}", "client timeouts", self.timeouts);
        println!("{:<44} {:>12.0}", "requests per second", self.per_second());
        for (label, v) in [("p50 latency (ms)", p50), ("p95 latency (ms)", p95), ("p99 latency (ms)", p99), ("max latency (ms)", max)] {
            println!("{label:<44} {v:>12.1}");
        }
    }
}

/// Every client makes `request` in a loop, all at once, until `seconds` have passed.
pub async fn load_for<C, F, Fut>(clients: &[C], seconds: u64, request: F) -> anyhow::Result<Load>
where
    C: Clone + Send + 'static,
    F: Fn(C) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Outcome> + Send,
{
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .iter()
        .cloned()
        .map(|client| {
            let request = request.clone();
            tokio::spawn(async move {
                let (mut latencies, mut errors, mut timeouts) = (Vec::new(), 0u64, 0u64);
                while Instant::now() < deadline {
                    let t = Instant::now();
                    match request(client.clone()).await {
                        Outcome::Done => latencies.push(t.elapsed()),
                        Outcome::Failed => errors += 1,
                        Outcome::TimedOut => timeouts += 1,
                    }
                }
                (latencies, errors, timeouts)
            })
        })
        .collect();
    let mut load = Load { latencies: Vec::new(), errors: 0, timeouts: 0, seconds: 0.0 };
    for task in tasks {
        let (latencies, errors, timeouts) = task.await?;
        load.latencies.extend(latencies);
        load.errors += errors;
        load.timeouts += timeouts;
    }
    load.seconds = started.elapsed().as_secs_f64();
    Ok(load)
}

/// Nearest-rank percentiles of `samples` in milliseconds: (p50, p95, p99, max).
pub fn percentiles_ms(samples: &mut [Duration]) -> [f64; 4] {
    samples.sort();
    let at = |p: f64| {
        let rank = ((samples.len() as f64 * p).ceil() as usize).saturating_sub(1).min(samples.len().saturating_sub(1));
        samples.get(rank).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
    };
    [at(0.50), at(0.95), at(0.99), at(1.0)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let mut s: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        assert_eq!(percentiles_ms(&mut s), [50.0, 95.0, 99.0, 100.0]);
        assert_eq!(percentiles_ms(&mut []), [0.0; 4]);
    }
}

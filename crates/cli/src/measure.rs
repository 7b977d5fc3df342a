//! Latency percentiles for the benchmarks, and many clients at once for a fixed time.

use std::future::Future;
use std::time::{Duration, Instant};

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

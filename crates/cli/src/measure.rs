//! Latency percentiles for the benchmarks.

use std::time::Duration;

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

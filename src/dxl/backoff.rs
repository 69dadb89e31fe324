//! The reconnect delay schedule (dxl-protocol.md §4.7): 1 s, doubling, capped at 60 s before a
//! jitter of up to +25 % is added.

use std::time::Duration;

/// Successive waits between connection passes.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    next: Duration,
    multiplier: u32,
    max: Duration,
    jitter: f64,
}

impl Backoff {
    pub fn new(initial: Duration, multiplier: u32, max: Duration, jitter: f64) -> Self {
        Backoff {
            initial,
            next: initial,
            multiplier: multiplier.max(1),
            max,
            jitter: jitter.clamp(0.0, 1.0),
        }
    }

    /// The next wait: `d = min(d, max); wait d + jitter·d·U[0,1); d *= multiplier`.
    pub fn next_delay(&mut self) -> Duration {
        let base = self.next.min(self.max);
        let wait = base.mul_f64(1.0 + self.jitter * fastrand::f64());
        self.next = base.saturating_mul(self.multiplier);
        wait
    }

    /// Starts the schedule again from the initial delay (after a connection that held).
    pub fn reset(&mut self) {
        self.next = self.initial;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_with_jitter_and_caps_before_jitter() {
        let mut b = Backoff::new(Duration::from_secs(1), 2, Duration::from_secs(60), 0.25);
        let bases = [1u64, 2, 4, 8, 16, 32, 60, 60, 60];
        for base in bases {
            let d = b.next_delay();
            let base = Duration::from_secs(base);
            assert!(d >= base && d <= base.mul_f64(1.25), "{d:?} not in [{base:?}, 1.25×]");
        }
        b.reset();
        let d = b.next_delay();
        assert!(d >= Duration::from_secs(1) && d <= Duration::from_millis(1250), "{d:?}");
    }
}

//! Broker choice: probe every broker in parallel and order them by connect latency
//! (dxl-protocol.md §4.6).

use std::time::{Duration, Instant};

use tokio::net::TcpStream;
use tokio::time::timeout;

use super::broker::Broker;

/// How long a probe waits for one TCP connect.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// One connection attempt to make: a broker and the address to use for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub broker: Broker,
    pub address: String,
}

async fn probe_one(broker: &Broker) -> Option<(Duration, String)> {
    for address in broker.addresses() {
        let start = Instant::now();
        let target = (address, broker.port);
        if let Ok(Ok(stream)) = timeout(PROBE_TIMEOUT, TcpStream::connect(target)).await {
            drop(stream);
            return Some((start.elapsed(), address.to_owned()));
        }
    }
    None
}

/// The attempts of one connection pass: first every broker that answered the probe, fastest
/// first, at the address that answered; then every broker in that order (silent ones last, in
/// configuration order), host name then IP address.
pub async fn ordered_candidates(brokers: &[Broker]) -> Vec<Candidate> {
    let results = futures_join_all(brokers).await;
    let mut order: Vec<usize> = (0..brokers.len()).collect();
    // Stable: brokers that did not answer keep their configuration order at the end.
    order.sort_by_key(|&i| results[i].as_ref().map_or(Duration::MAX, |(d, _)| *d));

    let mut candidates = Vec::new();
    for &i in &order {
        if let Some((_, address)) = &results[i] {
            candidates.push(Candidate {
                broker: brokers[i].clone(),
                address: address.clone(),
            });
        }
    }
    for &i in &order {
        for address in brokers[i].addresses() {
            candidates.push(Candidate {
                broker: brokers[i].clone(),
                address: address.to_owned(),
            });
        }
    }
    candidates
}

/// Probes all brokers at once on the current runtime.
async fn futures_join_all(brokers: &[Broker]) -> Vec<Option<(Duration, String)>> {
    let handles: Vec<_> = brokers
        .iter()
        .cloned()
        .map(|b| tokio::spawn(async move { probe_one(&b).await }))
        .collect();
    let mut results = Vec::with_capacity(handles.len());
    for h in handles {
        results.push(h.await.unwrap_or(None));
    }
    results
}

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

    let mut attempts: Vec<(usize, String)> = Vec::new();
    for &i in &order {
        if let Some((_, address)) = &results[i] {
            attempts.push((i, address.clone()));
        }
    }
    for &i in &order {
        for address in brokers[i].addresses() {
            // Each address once per pass: a second try of the one that answered the probe
            // would only repeat its failure (and its line in the error message).
            if !attempts.iter().any(|(j, a)| *j == i && a == address) {
                attempts.push((i, address.to_owned()));
            }
        }
    }
    attempts
        .into_iter()
        .map(|(i, address)| Candidate {
            broker: brokers[i].clone(),
            address,
        })
        .collect()
}

/// The attempts of one pass without probing: the brokers in configuration order, each at its
/// host name then its IP address.
pub fn configured_candidates(brokers: &[Broker]) -> Vec<Candidate> {
    brokers
        .iter()
        .flat_map(|b| {
            b.addresses().map(move |address| Candidate {
                broker: b.clone(),
                address: address.to_owned(),
            })
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_address_is_tried_once_per_pass_the_answering_broker_first() {
        let live = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let silent_port = silent.local_addr().unwrap().port();
        drop(silent); // nothing listens there now
        let brokers = [
            Broker::parse_config_line(&format!("silent;{silent_port};127.0.0.1;127.0.0.2")).unwrap(),
            Broker::parse_config_line(&format!("live;{};127.0.0.1", live.local_addr().unwrap().port())).unwrap(),
        ];
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let candidates = runtime.block_on(ordered_candidates(&brokers));
        let attempts: Vec<(&str, &str)> = candidates
            .iter()
            .map(|c| (c.broker.unique_id.as_str(), c.address.as_str()))
            .collect();
        assert_eq!(
            attempts,
            [("live", "127.0.0.1"), ("silent", "127.0.0.1"), ("silent", "127.0.0.2")]
        );
    }
}

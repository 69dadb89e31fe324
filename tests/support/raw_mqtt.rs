//! A fast publisher of arbitrary MQTT payloads (any bytes, up to several MiB) to a harness
//! broker, over TLS with the PKI's client certificate: one connection for many messages, where
//! [`super::RawPublisher`] starts one `mosquitto_pub` per message.
//!
//! It speaks plain MQTT through rumqttc (no DXL encoding), so tests can put non-DXL bytes,
//! truncated and malformed DXL messages on any topic, in a chosen order. QoS 0, as DXL.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use rumqttc::{Event, MqttOptions, Packet, QoS, TlsConfiguration, Transport};

use super::{Mosquitto, Pki};

/// How long connecting may take before the test fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One MQTT connection publishing raw payloads; disconnects (after sending everything queued)
/// on drop.
pub struct MqttPublisher {
    client: rumqttc::Client,
    event_loop: Option<JoinHandle<()>>,
}

impl MqttPublisher {
    /// Connects to `broker` with the PKI's client identity; returns once the broker accepted it.
    pub fn connect(broker: &Mosquitto, pki: &Pki) -> MqttPublisher {
        let tls = dxltie::dxl::tls::client_tls_config(&broker.client_config(pki)).expect("TLS settings");
        let mut options = MqttOptions::new(
            format!("raw-publisher-{}", dxltie::dxl::message::new_id()),
            "127.0.0.1",
            broker.port(),
        );
        options
            .set_transport(Transport::Tls(TlsConfiguration::Rustls(tls)))
            .set_keep_alive(Duration::from_secs(60))
            // Room for payloads past the receiving client's 2 MiB limit.
            .set_max_packet_size(16 << 20, 16 << 20);
        let (client, mut connection) = rumqttc::Client::new(options, 1000);
        let (connected_tx, connected_rx) = mpsc::channel();
        let event_loop = std::thread::Builder::new()
            .name("raw-mqtt-publisher".into())
            .spawn(move || {
                for event in connection.iter() {
                    match event {
                        Ok(Event::Incoming(Packet::ConnAck(_))) => {
                            let _ = connected_tx.send(Ok(()));
                        }
                        Ok(Event::Outgoing(rumqttc::Outgoing::Disconnect)) => break,
                        Ok(_) => {}
                        Err(e) => {
                            let _ = connected_tx.send(Err(e.to_string()));
                            break;
                        }
                    }
                }
            })
            .expect("publisher thread");
        match connected_rx.recv_timeout(CONNECT_TIMEOUT) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("raw publisher cannot connect to 127.0.0.1:{}: {e}", broker.port()),
            Err(_) => panic!(
                "raw publisher: no CONNACK from 127.0.0.1:{} within {CONNECT_TIMEOUT:?}",
                broker.port()
            ),
        }
        MqttPublisher {
            client,
            event_loop: Some(event_loop),
        }
    }

    /// Queues `payload` for `topic` (QoS 0, not retained), in order; waits while the queue to
    /// the connection is full.
    pub fn publish(&self, topic: &str, payload: impl Into<Vec<u8>>) {
        self.client
            .publish(topic, QoS::AtMostOnce, false, payload.into())
            .expect("raw publisher connection alive");
    }

    /// As [`Self::publish`], but reports a lost connection (the broker killed on purpose)
    /// instead of failing the test.
    pub fn try_publish(&self, topic: &str, payload: impl Into<Vec<u8>>) -> bool {
        self.client
            .publish(topic, QoS::AtMostOnce, false, payload.into())
            .is_ok()
    }
}

impl Drop for MqttPublisher {
    fn drop(&mut self) {
        // DISCONNECT is queued behind every publish: the event loop ends once all are written.
        let _ = self.client.disconnect();
        if let Some(thread) = self.event_loop.take() {
            let _ = thread.join();
        }
    }
}

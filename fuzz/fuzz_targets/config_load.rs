//! The `dxlclient.config` loader on arbitrary text: an agent reads whatever file an
//! administrator or a provisioning tool left; it must get a configuration or a `ConfigError`,
//! never a panic.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use dxltie::dxl::ClientConfig;
use libfuzzer_sys::fuzz_target;

/// A folder with the three certificate files the seed configurations name (the loader checks
/// that they exist, it does not read them), so inputs get past `[Certs]` to the broker lists.
fn config_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("dxltie-fuzz-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("fuzz temp dir");
        for name in ["ca-bundle.crt", "client.crt", "client.key"] {
            std::fs::write(dir.join(name), "-----BEGIN CERTIFICATE-----\n").expect("placeholder certificate");
        }
        dir.join("dxlclient.config")
    })
}

fuzz_target!(|data: &[u8]| {
    // The loader reads files with `read_to_string`: only UTF-8 text gets this far.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match ClientConfig::from_text(text, config_path()) {
        Ok(config) => {
            let _ = config.active_brokers();
        }
        Err(e) => {
            // The message a C caller gets from dxltie_last_error_message.
            let _ = e.to_string();
        }
    }
});

//! `dxltie-fabric`: a local DXL fabric for trying and testing dxltie.
//!
//! * `dxltie-fabric init <dir> [--port N]` creates a PKI (CA, broker, client and simulator
//!   certificates) and a ready `dxlclient.config` in `<dir>`; existing files are reused.
//! * `dxltie-fabric run <dir> [--port N] [--events-every SECONDS] [--pid-file FILE] [--verbose]`
//!   does the same, starts an MQTT broker (rumqttd, mutual TLS, 127.0.0.1 only) and a TIE
//!   service simulator connected to it as a DXL client, rewrites `dxlclient.config` with the
//!   port, and prints `READY port=<port> config=<dir>/dxlclient.config` once requests are
//!   answered. SIGTERM or SIGINT stops it (exit status 0).

mod broker;
mod data;
mod pki;
mod registry;
mod simulator;
mod store;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use pki::Pki;

const USAGE: &str = "\
usage:
  dxltie-fabric init <dir> [--port N]
      Create the PKI (ca.crt, broker.crt, client.crt, simulator.crt and their keys) and
      dxlclient.config in <dir>. Existing files are kept. --port sets the port written to a
      new dxlclient.config (default 8883).
  dxltie-fabric run <dir> [--port N] [--events-every SECONDS] [--pid-file FILE] [--verbose]
      Initialise <dir> as above, start the broker on 127.0.0.1:N (0 or absent: a free port),
      rewrite <dir>/dxlclient.config for that port, start the TIE simulator, then print
        READY port=<port> config=<dir>/dxlclient.config
      --events-every: also emit one detection and one first-instance event every SECONDS.
      --pid-file: write the process id there (removed at exit).
      --verbose: log every request the simulator answers (stderr).
      Stops cleanly on SIGTERM or SIGINT.
  Request /dxltie/fabric/emit with {\"kind\": \"detection\"|\"first_instance\"|\"file_repchange\"|
  \"cert_repchange\", \"count\": n} to emit n events on demand.";

#[derive(Debug, Default)]
struct Options {
    dir: Option<PathBuf>,
    port: Option<u16>,
    events_every: Option<f64>,
    pid_file: Option<PathBuf>,
    verbose: bool,
}

fn parse_options(args: &[String], run: bool) -> Result<Options, String> {
    let mut options = Options::default();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_owned())),
            _ => (arg, None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            i += 1;
            args.get(i).cloned().ok_or_else(|| format!("{what} needs a value"))
        };
        match name {
            "--port" => {
                let v = value("--port")?;
                options.port = Some(v.parse().map_err(|_| format!("--port: not a port: {v}"))?);
            }
            "--events-every" if run => {
                let v = value("--events-every")?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                    .ok_or_else(|| format!("--events-every: not a number of seconds: {v}"))?;
                options.events_every = Some(secs);
            }
            "--pid-file" if run => options.pid_file = Some(PathBuf::from(value("--pid-file")?)),
            "--verbose" | "-v" if run => options.verbose = true,
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg}")),
            _ if options.dir.is_none() => options.dir = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument {arg}")),
        }
        i += 1;
    }
    if options.dir.is_none() {
        return Err("missing <dir>".into());
    }
    Ok(options)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("init") => parse_options(&args[1..], false).and_then(init),
        Some("run") => parse_options(&args[1..], true).and_then(run),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err("missing command".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dxltie-fabric: {e}");
            if e.starts_with("missing") || e.starts_with("unknown") || e.starts_with("unexpected") {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
            ExitCode::FAILURE
        }
    }
}

fn init(options: Options) -> Result<(), String> {
    let pki = Pki::new(options.dir.unwrap());
    let written = pki.ensure(options.port).map_err(|e| e.to_string())?;
    if written.is_empty() {
        println!("{}: everything already there", pki.dir.display());
    } else {
        println!("{}: wrote {}", pki.dir.display(), written.join(", "));
    }
    println!("config={}", pki.config_path().display());
    Ok(())
}

/// Removes the pid file when the process ends normally.
struct PidFile(Option<PathBuf>);

impl Drop for PidFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn run(options: Options) -> Result<(), String> {
    let started = Instant::now();
    // Registered first: a signal during start-up is kept and acted on once started.
    let mut signals = Signals::new([SIGTERM, SIGINT]).map_err(|e| format!("cannot handle signals: {e}"))?;

    let pki = Pki::new(options.dir.clone().unwrap());
    pki.ensure(None).map_err(|e| e.to_string())?;
    let broker = broker::start(&pki, options.port.unwrap_or(0), Duration::from_secs(10))?;
    pki.write_config_if_changed(broker.port).map_err(|e| e.to_string())?;
    let simulator = simulator::Simulator::start(
        &pki,
        broker.port,
        options.events_every.map(Duration::from_secs_f64),
        options.verbose,
        Duration::from_secs(15),
    )?;

    let _pid_file = match &options.pid_file {
        Some(path) => {
            std::fs::write(path, format!("{}\n", std::process::id()))
                .map_err(|e| format!("{}: {e}", path.display()))?;
            PidFile(Some(path.clone()))
        }
        None => PidFile(None),
    };
    println!("READY port={} config={}", broker.port, pki.config_path().display());
    eprintln!(
        "dxltie-fabric: broker on 127.0.0.1:{} (mutual TLS), TIE simulator connected; ready in {} ms",
        broker.port,
        started.elapsed().as_millis()
    );

    let signal = signals.forever().next();
    eprintln!(
        "dxltie-fabric: {} received, stopping ({} TIE requests answered)",
        match signal {
            Some(SIGTERM) => "SIGTERM",
            Some(SIGINT) => "SIGINT",
            _ => "signal",
        },
        simulator.requests.load(std::sync::atomic::Ordering::Relaxed)
    );
    simulator.stop();
    eprintln!("dxltie-fabric: stopped");
    Ok(())
}

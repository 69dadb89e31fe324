//! tinyproxy (Debian's package, `scripts/setup-deps.sh`) as the HTTP CONNECT proxy of
//! `[Proxy]`: bound to 127.0.0.1 on a free port, its configuration written here, optionally with
//! Basic authentication and a list of the only ports it tunnels to (`ConnectPort`; any other
//! port is answered 403). Started in the foreground (`-d`) as our child, stopped by its pid.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{free_port, spawn_tied, TempDir};

#[derive(Default, Clone)]
pub struct TinyproxyOptions {
    /// `BasicAuth user password`.
    pub basic_auth: Option<(String, String)>,
    /// `ConnectPort` lines: the only ports CONNECT may reach (none: every port).
    pub connect_ports: Vec<u16>,
}

pub struct Tinyproxy {
    port: u16,
    child: Child,
    dir: TempDir,
}

impl Tinyproxy {
    pub fn start(options: TinyproxyOptions) -> Tinyproxy {
        let program = ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .expect("tinyproxy is not installed (scripts/setup-deps.sh installs it)");
        let mut last = String::new();
        for _ in 0..5 {
            let dir = TempDir::new("tinyproxy");
            let port = free_port();
            let mut conf = format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 60\nMaxClients 100\nLogLevel Info\nLogFile \"{}\"\n",
                dir.join("tinyproxy.log").display()
            );
            if let Some((user, password)) = &options.basic_auth {
                conf.push_str(&format!("BasicAuth {user} {password}\n"));
            }
            for p in &options.connect_ports {
                conf.push_str(&format!("ConnectPort {p}\n"));
            }
            std::fs::write(dir.join("tinyproxy.conf"), conf).unwrap();
            let mut cmd = Command::new(&program);
            cmd.arg("-d")
                .arg("-c")
                .arg(dir.join("tinyproxy.conf"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let mut child = spawn_tied(cmd).expect("spawn tinyproxy");
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Tinyproxy { port, child, dir };
                }
                if let Ok(Some(status)) = child.try_wait() {
                    last = format!(
                        "tinyproxy exited ({status}):\n{}",
                        std::fs::read_to_string(dir.join("tinyproxy.log")).unwrap_or_default()
                    );
                    break; // most likely lost the port to another process: try another
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("tinyproxy did not listen on 127.0.0.1:{port}");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("tinyproxy did not start: {last}")
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// tinyproxy's own log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("tinyproxy.log")).unwrap_or_default()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

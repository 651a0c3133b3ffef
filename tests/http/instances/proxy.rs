//! A TCP proxy between a server and PostgreSQL, for outages on demand: cut
//! (every connection closed, new ones closed as they arrive) or stalled
//! (connections stay open, nothing moves), then let through again.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::harness::*;

/// What the proxy lets through, and the connections it holds.
#[derive(Default)]
struct Gate {
    /// Connections go through (not cut).
    open: bool,
    /// Connections stay open but nothing moves.
    stalled: bool,
    /// The proxy is being dropped.
    closing: bool,
    /// Both ends of every connection through the proxy.
    connections: Vec<TcpStream>,
    /// Connections that arrived while stalled, never answered.
    held: Vec<TcpStream>,
}

/// A TCP proxy to one upstream address.
pub(super) struct Proxy {
    addr: SocketAddr,
    gate: Arc<Mutex<Gate>>,
}

impl Proxy {
    fn start(upstream: Vec<SocketAddr>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let gate = Arc::new(Mutex::new(Gate {
            open: true,
            ..Gate::default()
        }));
        let shared = gate.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                {
                    let mut gate = shared.lock().unwrap();
                    if gate.closing {
                        return;
                    }
                    if !gate.open {
                        let _ = client.shutdown(Shutdown::Both);
                        continue;
                    }
                    if gate.stalled {
                        gate.held.push(client);
                        continue;
                    }
                }
                let Ok(server) = TcpStream::connect(&upstream[..]) else {
                    continue;
                };
                // Checked again and registered under the lock, so that a
                // cut never misses a connection that was being opened.
                let mut gate = shared.lock().unwrap();
                if !gate.open {
                    let _ = client.shutdown(Shutdown::Both);
                    let _ = server.shutdown(Shutdown::Both);
                    continue;
                }
                gate.connections.push(client.try_clone().unwrap());
                gate.connections.push(server.try_clone().unwrap());
                drop(gate);
                pipe(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    shared.clone(),
                );
                pipe(server, client, shared.clone());
            }
        });
        Proxy { addr, gate }
    }

    /// Closes every connection and every new one until [`Proxy::mend`].
    pub(super) fn cut(&self) {
        let mut gate = self.gate.lock().unwrap();
        gate.open = false;
        let gate = &mut *gate;
        for connection in gate.connections.drain(..).chain(gate.held.drain(..)) {
            let _ = connection.shutdown(Shutdown::Both);
        }
    }

    /// Keeps every connection open and takes new ones, but passes nothing
    /// on until [`Proxy::mend`]: a database that stops answering.
    pub(super) fn stall(&self) {
        self.gate.lock().unwrap().stalled = true;
    }

    /// Lets connections through again (those that arrived while stalled
    /// stay unanswered until closed).
    pub(super) fn mend(&self) {
        let mut gate = self.gate.lock().unwrap();
        gate.open = true;
        gate.stalled = false;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.gate.lock().unwrap().closing = true;
        // Wakes the accepting thread so that it sees `closing`.
        let _ = TcpStream::connect(self.addr);
    }
}

/// Copies one direction of a connection until either side closes it,
/// holding what it read while the proxy is stalled.
fn pipe(mut from: TcpStream, mut to: TcpStream, gate: Arc<Mutex<Gate>>) {
    std::thread::spawn(move || {
        let mut buffer = [0u8; 16 * 1024];
        loop {
            let n = match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            while gate.lock().unwrap().stalled {
                std::thread::sleep(Duration::from_millis(20));
            }
            if to.write_all(&buffer[..n]).is_err() {
                break;
            }
        }
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// A fresh database and a proxy to its server; answers the proxy and the
/// database's URL through it.
pub(super) fn database_behind_a_proxy() -> (Proxy, String) {
    let direct = url::Url::parse(&fresh_database()).unwrap();
    let host = direct.host_str().unwrap().to_owned();
    let port = direct.port().unwrap_or(5432);
    let upstream: Vec<SocketAddr> = (host.as_str(), port).to_socket_addrs().unwrap().collect();
    let proxy = Proxy::start(upstream);
    let mut through = direct;
    through.set_host(Some("127.0.0.1")).unwrap();
    through.set_port(Some(proxy.addr.port())).unwrap();
    (proxy, through.into())
}

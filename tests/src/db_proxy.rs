//! A TCP relay between a server under test and its PostgreSQL, which a test can cut and restore: to the server it
//! looks like a database restart (every connection drops, new ones are refused, then accepted again), while other
//! tests keep using the shared database undisturbed.

use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct DatabaseRelay {
    address: SocketAddr,
    target: SocketAddr,
    running: Mutex<Option<Running>>,
}

struct Running {
    stop: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
    acceptor: std::thread::JoinHandle<()>,
}

impl DatabaseRelay {
    /// Relays a free local port to `target` (host:port).
    pub fn start(target: &str) -> DatabaseRelay {
        use std::net::ToSocketAddrs;
        let target = target
            .to_socket_addrs()
            .expect("database address")
            .next()
            .expect("an address");
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let relay = DatabaseRelay {
            address: listener.local_addr().expect("address"),
            target,
            running: Mutex::new(None),
        };
        relay.serve(listener);
        relay
    }

    /// A relay in front of the server a `postgres://` URL names (port 5432 unless it says another).
    pub fn in_front_of(url: &str) -> DatabaseRelay {
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        let rest = rest.split_once('@').map_or(rest, |(_, rest)| rest);
        let host = rest.split(['/', '?']).next().unwrap_or("localhost");
        let host = if host.is_empty() { "localhost" } else { host };
        if host.contains(':') {
            DatabaseRelay::start(host)
        } else {
            DatabaseRelay::start(&format!("{host}:5432"))
        }
    }

    /// `url` (a `postgres://` URL) with its host and port replaced by the relay's.
    pub fn url_through(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("a URL");
        let (credentials, rest) = match rest.split_once('@') {
            Some((credentials, rest)) => (format!("{credentials}@"), rest),
            None => (String::new(), rest),
        };
        let path = rest.find(['/', '?']).map_or("", |at| &rest[at..]);
        format!("{scheme}://{credentials}{}{path}", self.address)
    }

    /// The database "goes down": open connections drop and new ones are refused until [`DatabaseRelay::restore`].
    pub fn cut(&self) {
        let Some(running) = self.running.lock().expect("relay").take() else {
            return;
        };
        running.stop.store(true, Ordering::SeqCst);
        let _ = running.acceptor.join();
        for stream in running.streams.lock().expect("streams").drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// The database is back on the same address.
    pub fn restore(&self) {
        let listener = TcpListener::bind(self.address).expect("the relay's port again");
        self.serve(listener);
    }

    fn serve(&self, listener: TcpListener) {
        listener.set_nonblocking(true).expect("non-blocking");
        let stop = Arc::new(AtomicBool::new(false));
        let streams: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let target = self.target;
        let acceptor = {
            let (stop, streams) = (stop.clone(), streams.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((client, _)) => relay(client, target, &streams),
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        *self.running.lock().expect("relay") = Some(Running {
            stop,
            streams,
            acceptor,
        });
    }
}

/// Copies bytes both ways between `client` and a new connection to `target`, remembering both for [`DatabaseRelay::cut`].
fn relay(client: TcpStream, target: SocketAddr, streams: &Mutex<Vec<TcpStream>>) {
    let _ = client.set_nonblocking(false);
    let Ok(server) = TcpStream::connect(target) else {
        return;
    };
    let (Ok(client_copy), Ok(server_copy)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    if let (Ok(a), Ok(b)) = (client.try_clone(), server.try_clone()) {
        streams.lock().expect("streams").extend([a, b]);
    }
    pipe(client, server_copy);
    pipe(server, client_copy);
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from, &mut to);
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}

impl Drop for DatabaseRelay {
    fn drop(&mut self) {
        self.cut();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_pointed_at_the_relay() {
        let relay = DatabaseRelay::start("127.0.0.1:9");
        let port = relay.address.port();
        assert_eq!(
            relay.url_through("postgres://postgres@127.0.0.1:5432/postgres?options=x"),
            format!("postgres://postgres@127.0.0.1:{port}/postgres?options=x")
        );
        assert_eq!(
            DatabaseRelay::in_front_of("postgres://u@127.0.0.1:9/db")
                .target
                .port(),
            9
        );
        assert_eq!(
            relay.url_through("postgresql://localhost"),
            format!("postgresql://127.0.0.1:{port}")
        );
    }
}

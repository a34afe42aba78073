//! A WAGI function in Rust: a plain WASI program with std and no crates. The request arrives
//! as CGI environment variables (REQUEST_METHOD, PATH_INFO, QUERY_STRING, ...) with the body
//! on stdin; the response is written to stdout as header lines, a blank line, then the body.
//! Whatever goes to stderr becomes the function's log lines.

use std::env;
use std::io::{self, Read, Write};

/// A CGI variable, or "" when it is unset.
fn var(name: &str) -> String {
    env::var(name).unwrap_or_default()
}

fn main() -> io::Result<()> {
    let method = var("REQUEST_METHOD");
    let path = var("PATH_INFO");
    eprintln!("{method} {path}");

    let mut out = io::stdout().lock();
    if let Some(code) = path.strip_prefix("/status/") {
        // `Status:` sets the response status; without it the status is 200.
        return match code.parse::<u16>() {
            Ok(code) if (200..=599).contains(&code) => {
                write!(out, "Status: {code}\nContent-Type: text/plain\n\nstatus {code}\n")
            }
            _ => write!(out, "Status: 400 Bad Request\nContent-Type: text/plain\n\nnot a status: {code}\n"),
        };
    }
    if method == "POST" {
        let mut body = Vec::new();
        io::stdin().read_to_end(&mut body)?;
        let content_type = env::var("CONTENT_TYPE").ok().filter(|t| !t.is_empty());
        let content_type = content_type.as_deref().unwrap_or("application/octet-stream");
        write!(out, "Content-Type: {content_type}\n\n")?;
        return out.write_all(&body);
    }
    // GREETING comes from the function's own env (set at deploy time, or --env on the runner).
    let greeting = env::var("GREETING").unwrap_or_else(|_| "Hello from Rust on WASI!".to_string());
    let query = var("QUERY_STRING");
    write!(out, "Content-Type: text/plain\n\n{greeting}\nmethod: {method}\npath: {path}\nquery: {query}\n")
}

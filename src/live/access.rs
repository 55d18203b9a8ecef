//! Who may see the live view: anyone on this machine when it listens on loopback; off loopback
//! only requests that carry the token given on the command line (`?token=` in the address, or
//! an `Authorization: Bearer` or `X-Facebench-Token` header).

use std::net::SocketAddr;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::LiveError;

/// The token a server checks, or `None` on loopback without one. Binding off loopback without
/// a token is refused.
pub fn required_token(addr: SocketAddr, token: Option<&str>) -> Result<Option<String>, LiveError> {
    match token.map(str::trim) {
        Some("") => Err(LiveError::EmptyToken),
        Some(token) => Ok(Some(token.to_string())),
        None if addr.ip().is_loopback() => Ok(None),
        None => Err(LiveError::TokenRequired { addr }),
    }
}

/// The token a request carries, if any.
fn presented(request: &Request) -> Option<String> {
    let headers = request.headers();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(bearer) = header("authorization").and_then(|v| v.strip_prefix("Bearer ")) {
        return Some(bearer.trim().to_string());
    }
    if let Some(token) = header("x-facebench-token") {
        return Some(token.trim().to_string());
    }
    request.uri().query().and_then(|query| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix("token="))
            .map(str::to_string)
    })
}

/// Equal in time independent of where the texts differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Middleware: every request must carry the token, when there is one.
pub async fn check_token(
    State(token): State<Option<String>>,
    request: Request,
    next: Next,
) -> Response {
    match &token {
        Some(expected) if !presented(&request).is_some_and(|given| same(&given, expected)) => (
            StatusCode::UNAUTHORIZED,
            "this live view needs its token: add ?token=… to the address\n",
        )
            .into_response(),
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_loopback_needs_a_token() {
        let local: SocketAddr = "127.0.0.1:8700".parse().unwrap();
        let lan: SocketAddr = "0.0.0.0:8700".parse().unwrap();
        assert_eq!(required_token(local, None).unwrap(), None);
        assert!(matches!(
            required_token(lan, None),
            Err(LiveError::TokenRequired { .. })
        ));
        assert!(matches!(
            required_token(lan, Some(" ")),
            Err(LiveError::EmptyToken)
        ));
        assert_eq!(
            required_token(lan, Some("s3")).unwrap().as_deref(),
            Some("s3")
        );
    }

    #[test]
    fn comparison() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}

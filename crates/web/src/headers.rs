//! Security headers on every response: a content security policy that allows only this
//! site's own scripts, styles and images (and the two inline scripts GOV.UK Frontend needs,
//! by hash), no framing, no MIME sniffing, no referrer beyond this site, and nothing cached
//! but the static assets (pages and API answers carry personal records).

use axum::http::{header, HeaderValue};
use axum::response::Response;

/// The SHA-256 hashes of `templates/base.html`'s two inline scripts (a test checks them).
const INLINE_SCRIPTS: [&str; 2] = ["sha256-GUQ5ad8JK5KmEWmROf3LZd9ge94daqNvd8xy9YS1iDw=", "sha256-Kkc1cH7DlmkE9TFFFpG5ujmcCfBryY0TMVnePFfWCyU="];

fn policy() -> String {
    format!(
        "default-src 'self'; script-src 'self' '{}' '{}'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        INLINE_SCRIPTS[0], INLINE_SCRIPTS[1]
    )
}

/// Adds the headers; a response that set its own caching (the assets) keeps it.
pub async fn secure(mut response: Response) -> Response {
    static POLICY: std::sync::OnceLock<HeaderValue> = std::sync::OnceLock::new();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, POLICY.get_or_init(|| HeaderValue::from_str(&policy()).expect("an ASCII policy")).clone());
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use sha2::{Digest, Sha256};

    #[test]
    fn the_policy_allows_exactly_the_inline_scripts_of_the_base_template() {
        let base = include_str!("../templates/base.html");
        let mut found = Vec::new();
        for part in base.split("<script").skip(1) {
            let body = &part[part.find('>').unwrap() + 1..part.find("</script>").unwrap()];
            found.push(format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()))));
        }
        assert_eq!(found, INLINE_SCRIPTS, "update INLINE_SCRIPTS to match templates/base.html");
    }
}

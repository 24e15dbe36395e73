//! Keeping credentials out of errors, `Debug` output and logs: connection strings are
//! shown with their password replaced, and messages built from driver errors are scrubbed of
//! it.

/// What stands in for a password.
const HIDDEN: &str = "***";

/// Query and key-value parameters that carry a secret (libpq and MySQL spellings).
const SECRET_KEYS: [&str; 4] = ["password", "pass", "sslpassword", "passwd"];

/// `target` (a URL, a libpq `key=value` string, or a file path) with every password it
/// holds replaced by `***`.
pub(crate) fn redact(target: &str) -> String {
    if target.contains("://") {
        return match url::Url::parse(target) {
            Ok(mut url) => {
                if url.password().is_some() {
                    let _ = url.set_password(Some(HIDDEN));
                }
                if url.query_pairs().any(|(k, _)| is_secret_key(&k)) {
                    let pairs: Vec<(String, String)> = url
                        .query_pairs()
                        .map(|(k, v)| {
                            let v = if is_secret_key(&k) {
                                HIDDEN.to_owned()
                            } else {
                                v.into_owned()
                            };
                            (k.into_owned(), v)
                        })
                        .collect();
                    url.query_pairs_mut().clear().extend_pairs(pairs);
                }
                url.to_string()
            }
            // Not a URL the parser takes: keep the scheme and host, never the credentials.
            Err(_) => match target.split_once("://") {
                Some((scheme, rest)) => match rest.rsplit_once('@') {
                    Some((_, host)) => format!("{scheme}://{HIDDEN}@{host}"),
                    None => target.to_owned(),
                },
                None => target.to_owned(),
            },
        };
    }
    if target.contains('=') {
        // A libpq key-value string: `host=h password=x`.
        return target
            .split_whitespace()
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if is_secret_key(k) => format!("{k}={HIDDEN}"),
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    target.to_owned()
}

/// `message` with every secret of `target` (as written, and percent-decoded) replaced by
/// `***`: for messages that quote a driver's error, which may quote the connection string.
pub(crate) fn scrub(message: &str, target: &str) -> String {
    let mut text = message.to_owned();
    for secret in secrets(target) {
        if secret.len() >= 2 && text.contains(&secret) {
            text = text.replace(&secret, HIDDEN);
        }
    }
    text
}

/// The secrets `target` holds: the whole connection string (first, so that it goes whole),
/// its password, raw and decoded, and secret parameters.
fn secrets(target: &str) -> Vec<String> {
    let mut found = Vec::new();
    let redacted = redact(target);
    if redacted != target {
        found.push(target.to_owned());
    }
    if let Ok(url) = url::Url::parse(target) {
        if let Some(password) = url.password() {
            found.push(password.to_owned());
            if let Ok(decoded) = percent_encoding::percent_decode_str(password).decode_utf8() {
                found.push(decoded.into_owned());
            }
        }
        found.extend(
            url.query_pairs()
                .filter(|(k, _)| is_secret_key(k))
                .map(|(_, v)| v.into_owned()),
        );
    } else if let Some((_, rest)) = target.split_once("://") {
        if let Some((credentials, _)) = rest.rsplit_once('@') {
            if let Some((_, password)) = credentials.split_once(':') {
                found.push(password.to_owned());
            }
        }
    }
    found.extend(target.split_whitespace().filter_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        is_secret_key(k).then(|| v.trim_matches('\'').to_owned())
    }));
    found.retain(|s| !s.is_empty());
    found
}

fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_in_every_spelling() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("mysql://root@h/db"), "mysql://root@h/db");
        assert_eq!(redact("app.db"), "app.db");
        assert_eq!(redact("file:app.db?mode=memory"), "file:app.db?mode=memory");
        // An `@` in the password, a secret query parameter, a key-value string.
        let odd = redact("postgres://u:p@ss@h:5432/db");
        assert!(
            !odd.contains("p@ss") && !odd.contains("ss@h:5432/db@"),
            "{odd}"
        );
        let query = redact("postgres://h/db?user=u&password=hunter2&sslmode=disable");
        assert!(
            !query.contains("hunter2") && query.contains("sslmode=disable"),
            "{query}"
        );
        assert_eq!(
            redact("host=h user=u password=hunter2 dbname=d"),
            "host=h user=u password=*** dbname=d"
        );
        // Not a URL the parser takes (a bad port): the credentials still go.
        let bad = redact("postgres://u:hunter2@h:notaport/db");
        assert!(!bad.contains("hunter2"), "{bad}");
    }

    #[test]
    fn messages_are_scrubbed_of_the_password_raw_and_decoded() {
        let url = "mysql://root:s%40cret%21@h/db";
        let message = format!("cannot connect to {url}: user root with s@cret! refused");
        let scrubbed = scrub(&message, url);
        assert!(!scrubbed.contains("s@cret!"), "{scrubbed}");
        assert!(!scrubbed.contains("s%40cret"), "{scrubbed}");
        assert_eq!(scrub("nothing secret", "app.db"), "nothing secret");
    }
}

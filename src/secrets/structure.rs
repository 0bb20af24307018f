//! Structure checks for every rule's candidate: a value that has the shape
//! of a known encoding must decode as that encoding says, whichever rule
//! found it. A JOSE header must be JSON with `alg`, a PEM private-key body
//! must be DER (or the OpenSSH or OpenPGP framing), a Basic credential must
//! be base64 of `user:password`, a bcrypt salt must not be zero or counting.
//! A value that fails is a made-up sample, an elided document key or a
//! fragment, not a working credential. Each check runs on a regex
//! candidate only, and only when the candidate has that shape.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// Base64 as PEM bodies and Basic headers write it, padded or not.
const B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);
/// Base64url as JOSE writes it (unpadded, tolerated padded).
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Check `secret` (found by any rule; `before` is the rule's match text
/// before the secret, on the same line) against every structure its shape
/// claims. `Err` says which structure it fails.
pub fn check(secret: &str, before: &[u8]) -> Result<(), &'static str> {
    let b = secret.as_bytes();
    if memchr::memmem::find(b, b"eyJ").is_some() {
        jose_headers(secret)?;
        if lone_jose_header(secret) {
            return Err("a JOSE header alone, which is public by design");
        }
    }
    if let Some(at) = memchr::memmem::find(b, b"-----BEGIN ") {
        let label = secret[at + 11..].split("-----").next().unwrap_or("");
        if label.ends_with("PRIVATE KEY") || label.ends_with("PRIVATE KEY BLOCK") {
            pem_private_key(&secret[at..])?;
        }
    }
    if let Some(x) = basic_credential(secret, before) {
        basic_user_password(x)?;
    }
    if let Some(at) = memchr::memmem::find(b, b"$2") {
        bcrypt_salt(&b[at..])?;
    }
    Ok(())
}

fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

/// Every JOSE-shaped token in `s` (`eyJ…` at a token start, followed by
/// `.`, not after one): its header must decode to a JSON object with `alg` (RFC 7515 §4.1.1,
/// RFC 7516 §4.1.1 — JWS and JWE both require it).
fn jose_headers(s: &str) -> Result<(), &'static str> {
    let b = s.as_bytes();
    for at in memchr::memmem::find_iter(b, b"eyJ") {
        // Inside a token, or a JWT's payload (`.eyJ…`), or a provider's
        // token with a base64 JSON part (Airtable's `….v1.eyJ…`).
        if at > 0 && (is_b64url(b[at - 1]) || b[at - 1] == b'.') {
            continue;
        }
        let len = b[at..].iter().take_while(|&&c| is_b64url(c)).count();
        let end = at + len;
        let after = b[end..].iter().position(|&c| c != b'=').map(|i| end + i);
        if after.is_some_and(|i| b[i] == b'.') && !jose_header_ok(&s[at..end]) {
            return Err("a JOSE token whose header is not a JSON object with `alg`");
        }
    }
    Ok(())
}

/// The header parameters of JWS and JWE (RFC 7515 §4.1, RFC 7516 §4.1,
/// RFC 7519 §5): what a protected header holds.
const JOSE_HEADER_PARAMS: &[&str] = &[
    "alg", "enc", "zip", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty",
    "crit", "b64", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c",
];

/// `s` is one base64url segment, with no `.`, that decodes to a JOSE header
/// and nothing else: the first part of every token signed with it, not a
/// credential (`eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9` is
/// `{"alg":"HS256","typ":"JWT"}`).
fn lone_jose_header(s: &str) -> bool {
    let b = s.trim_end_matches('=').as_bytes();
    if !b.starts_with(b"eyJ") || !b.iter().all(|&c| is_b64url(c)) {
        return false;
    }
    let Ok(decoded) = B64URL.decode(b) else {
        return false;
    };
    match serde_json::from_slice::<serde_json::Value>(&decoded) {
        Ok(serde_json::Value::Object(m)) => {
            m.contains_key("alg") && m.keys().all(|k| JOSE_HEADER_PARAMS.contains(&k.as_str()))
        }
        _ => false,
    }
}

fn jose_header_ok(header: &str) -> bool {
    let Ok(decoded) = B64URL.decode(header) else {
        return false;
    };
    match serde_json::from_slice::<serde_json::Value>(&decoded) {
        Ok(serde_json::Value::Object(m)) => m.contains_key("alg"),
        _ => false,
    }
}

/// A JWT: a header that passes [`jose_header_ok`] and a non-empty payload.
pub fn jwt_ok(token: &str) -> bool {
    let mut parts = token.split('.');
    let Some(header) = parts.next() else {
        return false;
    };
    parts.next().is_some_and(|p| !p.is_empty()) && jose_header_ok(header.trim_end_matches('='))
}

/// The HMAC secrets jwt.io's debugger signs its sample tokens with (the
/// current default, and the former one per algorithm). A token they verify
/// was made in that debugger or copied from a page showing it: a
/// documentation token whatever its claims.
const JWT_IO_SECRETS: &[&[u8]] = &[
    b"a-string-secret-at-least-256-bits-long",
    b"your-256-bit-secret",
    b"your-384-bit-secret",
    b"your-512-bit-secret",
];

/// HMAC (RFC 2104) with a key shorter than the hash's `block` size.
fn hmac<D: Digest>(block: usize, key: &[u8], msg: &[u8]) -> Vec<u8> {
    let pad = |x: u8| -> Vec<u8> { (0..block).map(|i| key.get(i).unwrap_or(&0) ^ x).collect() };
    let inner = D::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    D::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// Whether `token` (a JWS, `header.payload.signature…`) is HS256/384/512
/// signed with one of [`JWT_IO_SECRETS`].
pub fn signed_with_jwt_io_secret(token: &str) -> bool {
    let mut parts = token.splitn(3, '.');
    let (Some(h), Some(p), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let sig_len = rest.bytes().take_while(|&c| is_b64url(c)).count();
    let (Ok(header), Ok(sig)) = (B64URL.decode(h), B64URL.decode(&rest[..sig_len])) else {
        return false;
    };
    let alg = match serde_json::from_slice::<serde_json::Value>(&header) {
        Ok(serde_json::Value::Object(m)) => {
            m.get("alg").and_then(|a| a.as_str()).map(str::to_owned)
        }
        _ => None,
    };
    let input = &token.as_bytes()[..h.len() + 1 + p.len()];
    JWT_IO_SECRETS.iter().any(|k| {
        let mac = match alg.as_deref() {
            Some("HS256") => hmac::<Sha256>(64, k, input),
            Some("HS384") => hmac::<Sha384>(128, k, input),
            Some("HS512") => hmac::<Sha512>(128, k, input),
            _ => return false,
        };
        mac == sig
    })
}

/// What the body of a PEM private-key block holds, once decoded.
struct PemBody {
    label: String,
    /// RFC 1421 headers say the body is encrypted (`Proc-Type: 4,ENCRYPTED`).
    encrypted: bool,
    bytes: Vec<u8>,
}

/// Read the body of the PEM block `block` opens. Its lines may be escaped
/// (`\n` in JSON and code strings), quoted, commented (`// `, `# `, ` * `)
/// or joined by spaces (an env variable): the body is every base64 run of
/// four or more characters on a line that is not a header (`Key: value`).
fn pem_body(block: &str) -> Result<PemBody, &'static str> {
    let rest = block.strip_prefix("-----BEGIN ").unwrap_or(block);
    let (label, rest) = rest.split_once("-----").ok_or("an unclosed PEM line")?;
    let inner = rest.split("-----END").next().unwrap_or(rest);
    let inner = inner.replace("\\n", "\n").replace("\\r", "");
    let (mut encrypted, mut text) = (false, String::with_capacity(inner.len()));
    for line in inner.lines() {
        if line.contains(':') {
            encrypted |= line.contains("Proc-Type") && line.contains("ENCRYPTED");
            continue;
        }
        // Documentation elides a key's middle: base64 has no `.`, `…` or `x` runs.
        if line.contains('.')
            || line.contains('…')
            || line.contains("xxxx")
            || line.contains("XXXX")
        {
            return Err("a key block whose body is elided (documentation)");
        }
        for run in line.split(|c: char| !(c.is_ascii_alphanumeric() || "+/=".contains(c))) {
            // An OpenPGP armor checksum (`=` and 4 characters) follows the body.
            if run.len() >= 4 && !(run.len() == 5 && run.starts_with('=')) {
                text.push_str(run);
            }
        }
    }
    if text.len() < 64 {
        return Err("a key block with no key body");
    }
    // A body cut short by one character (a truncated sample) still
    // decodes up to its last whole group.
    let mut b64 = text.trim_end_matches('=');
    if b64.len() % 4 == 1 {
        b64 = &b64[..b64.len() - 1];
    }
    let bytes = B64
        .decode(b64)
        .map_err(|_| "a key block whose body is not base64")?;
    Ok(PemBody {
        label: label.to_string(),
        encrypted,
        bytes,
    })
}

/// A PEM private-key block whose body is a private key's structure: one DER
/// SEQUENCE (PKCS#1, SEC1, DSA, PKCS#8 and encrypted PKCS#8 all are),
/// OpenSSH's `openssh-key-v1\0` magic, an OpenPGP secret-key packet, or the
/// ciphertext blocks of an RFC 1421 encrypted key. Any of them under any
/// label: a mislabelled key (an OpenSSH body under `RSA PRIVATE KEY`) is
/// still a key.
pub fn pem_private_key(block: &str) -> Result<(), &'static str> {
    let body = pem_body(block)?;
    let b = &body.bytes;
    let pgp = body.label.contains("PGP");
    let known = b.starts_with(b"openssh-key-v1\0")
        || (pgp && pgp_secret_key_packet(b))
        || (!pgp && der_sequence_start(b))
        // CBC ciphertext (DES, 3DES, AES) is whole 8-byte blocks.
        || (body.encrypted && b.len() % 8 == 0);
    match known {
        true => Ok(()),
        false if pgp => Err("a PGP key block that does not start with a secret-key packet"),
        false if body.label.contains("OPENSSH") => {
            Err("an OpenSSH key block without the `openssh-key-v1` magic")
        }
        false => Err("a key block whose body does not start as a DER SEQUENCE"),
    }
}

/// `b` starts as a DER SEQUENCE of a key's size (32 bytes to 64 KiB) whose
/// first element is an INTEGER (a version) or a SEQUENCE (an algorithm
/// identifier), and does not run past it. A key cut short in a document or
/// a sample still starts so; random bytes do by rare chance.
fn der_sequence_start(b: &[u8]) -> bool {
    if b.first() != Some(&0x30) || b.len() < 2 {
        return false;
    }
    let (len, head) = match b[1] {
        n if n < 0x80 => (n as usize, 2),
        n @ 0x81..=0x82 => {
            let k = (n & 0x7f) as usize;
            let Some(digits) = b.get(2..2 + k) else {
                return false;
            };
            (
                digits.iter().fold(0usize, |a, &d| a << 8 | d as usize),
                2 + k,
            )
        }
        _ => return false,
    };
    len >= 32 && head + len >= b.len() && matches!(b.get(head), Some(0x02 | 0x30))
}

/// An OpenPGP packet header (RFC 4880 §4.2, old or new format) for a
/// secret-key or secret-subkey packet (tags 5 and 7).
fn pgp_secret_key_packet(b: &[u8]) -> bool {
    let Some(&h) = b.first() else {
        return false;
    };
    if h & 0x80 == 0 {
        return false;
    }
    let tag = if h & 0x40 != 0 {
        h & 0x3f
    } else {
        (h >> 2) & 0x0f
    };
    matches!(tag, 5 | 7)
}

/// The credential of `Authorization: Basic X`: the secret itself after a
/// `Basic ` it starts with, or the whole secret when the match before it
/// ends with `Basic` and a space.
fn basic_credential<'a>(secret: &'a str, before: &[u8]) -> Option<&'a str> {
    let word = |b: &[u8]| b.len() >= 5 && b[..5].eq_ignore_ascii_case(b"basic");
    let sb = secret.as_bytes();
    if word(sb) && sb.get(5).is_some_and(|c| c.is_ascii_whitespace()) {
        return Some(secret[5..].trim_start());
    }
    let trimmed = before.trim_ascii_end();
    (trimmed.len() < before.len()
        && trimmed.len() >= 5
        && word(&trimmed[trimmed.len() - 5..])
        && trimmed.len().checked_sub(6).is_none_or(|i| {
            let c = trimmed[i];
            !c.is_ascii_alphanumeric() && c != b'_'
        }))
    .then_some(secret)
}

/// RFC 7617: the credential is base64 of `user-id:password`, text without
/// control characters (its charset is not fixed: ISO-8859-1 bytes are fine).
fn basic_user_password(x: &str) -> Result<(), &'static str> {
    let x = x.trim_end_matches(['"', '\'', ',', ';']);
    match B64.decode(x.trim_end_matches('=')) {
        Ok(d) if d.contains(&b':') && !d.iter().any(|&c| c < 0x20 || c == 0x7f) => Ok(()),
        _ => Err("a Basic credential that is not base64 of `user:password`"),
    }
}

/// bcrypt's base64 alphabet (OpenBSD order).
const BCRYPT_ALPHABET: &[u8] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A bcrypt hash (`$2a$10$` + 22 salt characters + 31 hash characters)
/// whose salt is all one value or counts (`......` is a zero salt): a
/// library's test vector, never a salt a generator drew.
fn bcrypt_salt(b: &[u8]) -> Result<(), &'static str> {
    let ok_head = b.len() >= 7 + 22
        && b[0] == b'$'
        && b[1] == b'2'
        && matches!(b[2], b'a' | b'b' | b'x' | b'y')
        && b[3] == b'$'
        && b[4].is_ascii_digit()
        && b[5].is_ascii_digit()
        && b[6] == b'$';
    if !ok_head {
        return Ok(());
    }
    let idx: Option<Vec<u8>> = b[7..29]
        .iter()
        .map(|c| BCRYPT_ALPHABET.iter().position(|a| a == c).map(|i| i as u8))
        .collect();
    let Some(idx) = idx else {
        return Ok(());
    };
    // 22 six-bit digits carry the 16 salt bytes.
    let mut bytes = Vec::with_capacity(17);
    let (mut acc, mut bits) = (0u32, 0);
    for &d in &idx {
        acc = acc << 6 | d as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
        }
    }
    bytes.truncate(16);
    if constant_step(&idx) || constant_step(&bytes) {
        Err("a bcrypt hash with a zero or counting salt (a test vector)")
    } else {
        Ok(())
    }
}

/// Every step between neighbours is the same (all equal, or counting).
fn constant_step(v: &[u8]) -> bool {
    let step = |w: &[u8]| w[1].wrapping_sub(w[0]);
    v.len() >= 2 && v.windows(2).all(|w| step(w) == step(&v[..2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64url(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn jwt_io_secrets_are_recognised_by_signature() {
        // jwt.io's sample (HS256, "your-256-bit-secret"), and HS384 / HS512
        // tokens signed with the other secrets by Python's `hmac` module.
        let signed = [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            "eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtbGVkZ2VyIiwiaWF0IjoxNzE2MjM5MDIyfQ.9wjGtSDK0Xfj4EZbA3oh-Y0DrvXAbusHvJQCCyfdY1DohYrAne-VaNn7ROWzm_ko",
            "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtbGVkZ2VyIiwiaWF0IjoxNzE2MjM5MDIyfQ.6RR0Wen4XN-HqpIduYXLMkppYndKzNyh3uCngfX1Dz3VKJAF3K1rDFJ92gKZOFBZ4uLPLtkAs_-wwbjbiRP-vg",
        ];
        for t in signed {
            assert!(signed_with_jwt_io_secret(t), "{t}");
            assert!(signed_with_jwt_io_secret(&format!("{t}\"")), "{t}");
            // One signature character changed: another key signed it.
            let mut b = t.as_bytes().to_vec();
            let last = b.len() - 2;
            b[last] = if b[last] == b'A' { b'B' } else { b'A' };
            let altered = String::from_utf8(b).unwrap();
            assert!(!signed_with_jwt_io_secret(&altered), "{altered}");
        }
    }

    #[test]
    fn jose_header_needs_alg() {
        let h = b64url(r#"{"alg":"HS256","typ":"JWT"}"#);
        let p = b64url(r#"{"sub":"svc"}"#);
        assert!(check(&format!("{h}.{p}.c2lnbmF0dXJl"), b"").is_ok());
        assert!(check(&format!("Bearer {h}.{p}.c2ln"), b"").is_ok());
        let no_alg = b64url(r#"{"typ":"JWT"}"#);
        assert!(check(&format!("{no_alg}.{p}.c2ln"), b"").is_err());
        assert!(check("eyJub3RqdXN0.eyJzdWIiOiIxIn0.c2ln", b"").is_err());
        // Not JOSE-shaped: base64 of JSON without a dot, or inside a token.
        assert!(check("eyJub3RqdXN0aW4", b"").is_ok());
        // A header alone is public; a header with claims in it is not one.
        assert!(check("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", b"").is_err());
        assert!(check(&b64url(r#"{"alg":"HS256","sub":"svc"}"#), b"").is_ok());
        assert!(check("sntrys_eyJub3RqdXN0.x", b"").is_ok());
        assert!(jwt_ok(&format!("{h}.{p}.c2ln")));
        assert!(!jwt_ok(&h));
    }

    /// A DER SEQUENCE of `n` content bytes starting with INTEGER 0.
    fn der(n: usize) -> Vec<u8> {
        let mut content = vec![0x02, 0x01, 0x00];
        content.extend((0..n - 3).map(|i| (i * 37 % 251) as u8));
        let mut out = vec![0x30, 0x82, (n >> 8) as u8, n as u8];
        out.extend(content);
        out
    }

    fn pem(label: &str, body: &[u8], sep: &str) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(body);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect();
        format!(
            "-----BEGIN {label}-----{sep}{}{sep}-----END {label}-----",
            lines.join(sep)
        )
    }

    #[test]
    fn pem_body_must_be_der() {
        let key = der(300);
        for sep in ["\n", "\\n", " ", "\n// "] {
            let block = pem("RSA PRIVATE KEY", &key, sep);
            assert_eq!(check(&block, b""), Ok(()), "{sep:?}");
        }
        // A key cut short still starts as one; one with bytes past its end does not.
        let mut cut = key.clone();
        cut.truncate(200);
        assert!(check(&pem("PRIVATE KEY", &cut, "\n"), b"").is_ok());
        let mut long = key.clone();
        long.extend_from_slice(&[7; 30]);
        assert!(check(&pem("PRIVATE KEY", &long, "\n"), b"").is_err());
        let mut not_seq = key.clone();
        not_seq[0] = 0x31;
        assert!(check(&pem("EC PRIVATE KEY", &not_seq, "\n"), b"").is_err());
        let elided =
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpQIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----";
        assert!(check(elided, b"").is_err());
        // Certificates and public keys are not this check's business.
        assert!(check(&pem("CERTIFICATE", &cut, "\n"), b"").is_ok());
    }

    #[test]
    fn pem_openssh_pgp_and_encrypted_bodies() {
        let mut ssh = b"openssh-key-v1\0".to_vec();
        ssh.extend((0..120u8).map(|i| i.wrapping_mul(29)));
        assert!(check(&pem("OPENSSH PRIVATE KEY", &ssh, "\n"), b"").is_ok());
        assert!(check(&pem("OPENSSH PRIVATE KEY", &ssh[3..], "\n"), b"").is_err());
        // Mislabelled: an OpenSSH body under an RSA label is still a key.
        assert!(check(&pem("RSA PRIVATE KEY", &ssh, "\n"), b"").is_ok());
        let mut pgp = vec![0x95, 0x01, 0xd8];
        pgp.extend((0..120u8).map(|i| i.wrapping_mul(31)));
        let armored = pem("PGP PRIVATE KEY BLOCK", &pgp, "\n")
            .replacen("-----\n", "-----\nVersion: GnuPG v2\n\n", 1)
            .replace("\n-----END", "\n=ab12\n-----END");
        assert_eq!(check(&armored, b""), Ok(()));
        pgp[0] = 0x99; // a public-key packet
        assert!(check(&pem("PGP PRIVATE KEY BLOCK", &pgp, "\n"), b"").is_err());
        let ct: Vec<u8> = (0..96u8).map(|i| i.wrapping_mul(53)).collect();
        let enc = pem("RSA PRIVATE KEY", &ct, "\n").replacen(
            "-----\n",
            "-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0150A23BD61B86ADADC61CB1A042C553\n\n",
            1,
        );
        assert_eq!(check(&enc, b""), Ok(()));
        assert!(check(&enc.replacen("Proc-Type: 4,ENCRYPTED\n", "", 1), b"").is_err());
    }

    #[test]
    fn basic_credential_is_user_colon_password() {
        let enc = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let good = enc("svc-deploy:Tq8vR2mXz");
        assert!(check(&good, b"Authorization: Basic ").is_ok());
        assert!(check(&format!("Basic {good}"), b"").is_ok());
        assert!(check(&enc(":sk_live_key"), b"authorization: basic  ").is_ok());
        assert!(check("QWadhgWERghghWERfdfQ==", b"Authorization: Basic ").is_err());
        assert!(check(&enc("no colon here"), b"Authorization: Basic ").is_err());
        assert!(check(&enc("user:pass\u{1}word"), b"Authorization: Basic ").is_err());
        // Not after `Basic`: not a Basic credential.
        assert!(check("QWadhgWERghghWERfdfQ==", b"secret = ").is_ok());
        assert!(check("QWadhgWERghghWERfdfQ==", b"basicAuth ").is_ok());
    }

    #[test]
    fn bcrypt_zero_or_counting_salt() {
        let hash = "YgIDy4hFBdVlc/6LHnD9mX488r9cLd2";
        assert!(check(&format!("$2a$05$......................{hash}"), b"").is_err());
        assert!(check(&format!("$2b$10$ABCDEFGHIJKLMNOPQRSTUV{hash}"), b"").is_err());
        assert!(check(&format!("$2y$12$L6Bc/AlTQHyd9liGgGEZyO{hash}"), b"").is_ok());
        assert!(check("$2a$", b"").is_ok());
    }
}

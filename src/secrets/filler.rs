//! Hand-typed filler: values a person makes up for a sample or a test
//! (`abcd1234`, `1a2b3c4d`, `zxcvbn12`, `sdlfkj452`) rather than values a
//! generator or a provider issues. They are judged by how they were typed
//! (counting, walking along a keyboard row, mashing the home row), which a
//! random value does only by rare chance, not by any list of values.

/// Keyboard rows (US layout), for walks such as `qwer` or `lkjh`.
const ROWS: [&[u8]; 4] = [b"1234567890", b"qwertyuiop", b"asdfghjkl", b"zxcvbnm"];
const HOME_ROW: &[u8] = b"asdfghjkl";

/// How `b` follows `a`: one step up or down the alphabet or the digits
/// (same class and case), or one key right or left on a keyboard row.
/// `None` when it is no step. Distinct kinds so that a run keeps one
/// direction (`abcd`, `4321`, `qwer`), not any zigzag.
fn step(a: u8, b: u8) -> Option<i8> {
    let same_class = (a.is_ascii_digit() && b.is_ascii_digit())
        || (a.is_ascii_lowercase() && b.is_ascii_lowercase())
        || (a.is_ascii_uppercase() && b.is_ascii_uppercase());
    if same_class {
        match b as i16 - a as i16 {
            1 => return Some(1),
            -1 => return Some(-1),
            _ => {}
        }
    }
    let (la, lb) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    if a.is_ascii_uppercase() != b.is_ascii_uppercase() {
        return None;
    }
    for row in ROWS {
        let (Some(i), Some(j)) = (
            row.iter().position(|&c| c == la),
            row.iter().position(|&c| c == lb),
        ) else {
            continue;
        };
        match j as i16 - i as i16 {
            1 => return Some(2),
            -1 => return Some(-2),
            _ => {}
        }
    }
    None
}

/// The longest run of same-kind steps in `v` and how many of its bytes
/// lie in runs of three or more.
fn runs(v: &[u8]) -> (usize, usize) {
    let (mut longest, mut covered) = (usize::from(!v.is_empty()), 0);
    let mut len = 1;
    let mut kind = None;
    let close = |len: usize, covered: &mut usize| {
        if len >= 3 {
            *covered += len;
        }
    };
    for w in v.windows(2) {
        let k = step(w[0], w[1]);
        if k.is_some() && k == kind {
            len += 1;
        } else {
            close(len, &mut covered);
            len = if k.is_some() { 2 } else { 1 };
            kind = k;
        }
        longest = longest.max(len);
    }
    close(len, &mut covered);
    (longest, covered)
}

/// Counting up six or more (`abcdef`, `ABCDEF`, `567890`) anywhere in a
/// candidate: filler for every rule. Only upward counting within one
/// class and case (digits wrap `9` → `0`): a random base64 run of 2,000
/// characters holds one with odds near 1 in 10^6.
pub fn has_counting_run(v: &[u8]) -> bool {
    let up = |a: u8, b: u8| {
        (a.is_ascii_digit() && (b == a + 1 || (a == b'9' && b == b'0')))
            || ((a.is_ascii_lowercase() || a.is_ascii_uppercase())
                && b == a + 1
                && b.is_ascii_alphabetic()
                && a.is_ascii_lowercase() == b.is_ascii_lowercase())
    };
    let mut len = 1;
    for w in v.windows(2) {
        len = if up(w[0], w[1]) { len + 1 } else { 1 };
        if len >= 6 {
            return true;
        }
    }
    false
}

/// A value ending in a short unit typed over and over (`GR1348941` +
/// `123123123123…`, `…abababababab`): the last twelve characters or more
/// repeat a unit of one to four. Filler for every rule; a random tail does
/// this with odds under 1 in 10^15.
pub fn has_repeated_tail(v: &[u8]) -> bool {
    let n = v.len();
    (1..=4).any(|p| {
        let tail = 12.max(4 * p);
        n >= tail && (n - tail + p..n).all(|i| v[i] == v[i - p])
    })
}

/// Counted or keyboard-walked filler: a run of five (`abcde`, `54321`,
/// `zxcvb`), runs of three covering half the value (`abc…xyz…123`), or
/// letters and digits that each count on their own (`1a2b3c4d`,
/// `a1B2c3D4`). A random 32-character value has a run of five with odds
/// of about one in a million.
pub fn is_counting_filler(v: &[u8]) -> bool {
    if v.len() < 6 {
        return false;
    }
    let (longest, covered) = runs(v);
    if longest >= 5 || (covered * 2 >= v.len() && covered >= 4) {
        return true;
    }
    // Interleaved tracks, compared case-folded.
    let letters: Vec<u8> = v
        .iter()
        .filter(|b| b.is_ascii_alphabetic())
        .map(u8::to_ascii_lowercase)
        .collect();
    let digits: Vec<u8> = v.iter().copied().filter(u8::is_ascii_digit).collect();
    let counts = |t: &[u8]| t.len() >= 3 && runs(t).1 * 10 >= t.len() * 6;
    counts(&letters) && counts(&digits)
}

/// Home-row mashing (`sdlfkj452`, `lsdajfh923874`): a short value whose
/// lower-case letters are nearly all from `asdfghjkl`. Hex is left out (three of its six letters
/// are on that row); random lower-case text of six letters or more passes
/// this with odds under one in five hundred.
pub fn is_home_row_mash(v: &[u8]) -> bool {
    // Mashing makes short values; long ones are generated.
    if v.len() > 24 || v.iter().any(u8::is_ascii_uppercase) || v.iter().all(u8::is_ascii_hexdigit) {
        return false;
    }
    let letters: Vec<u8> = v.iter().copied().filter(u8::is_ascii_lowercase).collect();
    let home = letters.iter().filter(|b| HOME_ROW.contains(b)).count();
    letters.len() >= 6 && home * 100 >= letters.len() * 85
}

#[cfg(test)]
fn is_filler(v: &[u8]) -> bool {
    is_counting_filler(v) || is_home_row_mash(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_filler_is_recognised() {
        for v in [
            "abcd1234",
            "ABCDE123",
            "spu-1234",
            "abcxyz123",
            "1a2b3c4d",
            "1a2b3C4d-5E6f-7g8H-9i0J-k1l2M3n4o5p6",
            "zyxwvutsrqponmlkji9876543210abcd",
            "zxcvbr12345iugt67s7a7sa0akhsXz820",
            "API-abcdefghijklmnopqrstuvwxyz1234",
            "qwerty99",
        ] {
            assert!(is_filler(v.as_bytes()), "{v}");
        }
        for v in [
            "sdlfkj452",
            "askfjh234as9sd8",
            "lsdajfh923874",
            "2kjshdfp92i34asdasd",
        ] {
            assert!(is_home_row_mash(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn counting_up_six_is_filler_for_every_rule() {
        for v in [
            "AIzaSyabcdefghijklmnopqrstuvwxyz1234567",
            "x-ABCDEFGH-1",
            "key_4567890",
        ] {
            assert!(has_counting_run(v.as_bytes()), "{v}");
        }
        for v in ["GR134894112312312312312312312", "tok_9f3Kab-abababababab"] {
            assert!(has_repeated_tail(v.as_bytes()), "{v}");
        }
        for v in ["GR1348941Zq8vT2mX4kLr7Wc9NpB", "abab", "zz-9f3Kab-12121"] {
            assert!(!has_repeated_tail(v.as_bytes()), "{v}");
        }
        // Counting down, walks and mixed case are left to the generic rules.
        for v in [
            "ZYXWVUTSRQ",
            "9876543210",
            "qwertyuiop",
            "aBcDeFgH",
            "abcde1",
        ] {
            assert!(!has_counting_run(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn random_values_are_not_filler() {
        for v in [
            "OfA9epagQkv~Zd",
            "jbRS8uTVzvQOCXdiz02Jg3lwICAQPuup",
            "UYLIhJcOiU6xBP7ZbP",
            "9f86d081884c7d659a2feaa0c55ad015",
            "6a61eb0296034c89b49cc51dde9b40aa",
            "x854ZY5Re3aCkdNL",
            "u+Byq#^FCy*t#_Jxm9XYb#!nTzqHDYJjkTsRke^=8OFR*0#Rtc",
            "Tq7fZ2mXc9VbK4pL8sN3",
            "13ka4h7u28d9oo44tqpq9djqsfvhvu8rk4d2ighvpu0k8fj1c2r9",
            "q8Z2vL0pX4mN7rT1yW",
            "oxpf4a93fjovt0v1z6lltcbcizlrml98",
        ] {
            assert!(!is_filler(v.as_bytes()), "{v}");
        }
    }

    /// Over many pseudo-random base62 and lower-case values, filler is
    /// rare: the checks cost a generic rule almost nothing on real keys.
    #[test]
    fn filler_is_rare_in_random_values() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let b62 = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let b36 = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let (mut hits62, mut hits36) = (0, 0);
        for _ in 0..20_000 {
            let a: Vec<u8> = (0..24).map(|_| b62[(next() % 62) as usize]).collect();
            let b: Vec<u8> = (0..16).map(|_| b36[(next() % 36) as usize]).collect();
            hits62 += usize::from(is_filler(&a) || has_counting_run(&a) || has_repeated_tail(&a));
            hits36 += usize::from(is_filler(&b));
        }
        assert!(hits62 <= 20, "{hits62} of 20000 base62 values");
        assert!(hits36 <= 40, "{hits36} of 20000 base36 values");
    }
}

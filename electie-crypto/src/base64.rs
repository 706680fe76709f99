//! Standard base64 (RFC 4648 alphabet, `=` padding), decoded the way Python's
//! `base64.b64decode` decodes without `validate=True`, as electiersa does.

use zeroize::Zeroizing;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes with the standard alphabet and padding (Python's `base64.b64encode`).
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    encode_into(bytes, &mut out);
    out
}

/// Appends the encoding of `bytes` to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut String) {
    let mut chunks = bytes.chunks_exact(3);
    for chunk in &mut chunks {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        for shift in [18, 12, 6, 0] {
            out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
        }
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.push(char::from(ALPHABET[((n >> 18) & 63) as usize]));
            out.push(char::from(ALPHABET[((n >> 12) & 63) as usize]));
            out.push_str("==");
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.push(char::from(ALPHABET[((n >> 18) & 63) as usize]));
            out.push(char::from(ALPHABET[((n >> 12) & 63) as usize]));
            out.push(char::from(ALPHABET[((n >> 6) & 63) as usize]));
            out.push('=');
        }
        _ => {}
    }
}

const INVALID: u8 = 0xff;

const fn decode_table() -> [u8; 256] {
    let mut table = [INVALID; 256];
    let mut index = 0;
    while index < 64 {
        table[ALPHABET[index] as usize] = index as u8;
        index += 1;
    }
    table
}

static DECODE: [u8; 256] = decode_table();

/// Decodes as CPython 3.11's `binascii.a2b_base64(data, strict_mode=False)`:
/// bytes outside the alphabet are skipped, a complete padding sequence ends the input,
/// and an incomplete final quantum is an error (`None`).
pub(crate) fn decode_lenient(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    decode_lenient_into(text, &mut out).then_some(out)
}

/// [`decode_lenient`] into a buffer that is wiped when dropped (for key material).
pub(crate) fn decode_lenient_secret(text: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() / 4 * 3 + 2));
    decode_lenient_into(text, &mut out).then_some(out)
}

fn decode_lenient_into(text: &[u8], out: &mut Vec<u8>) -> bool {
    let mut quad_position = 0u8;
    let mut left: u8 = 0;
    let mut pads = 0u8;
    for &byte in text {
        if byte == b'=' {
            if quad_position >= 2 {
                pads += 1;
                if quad_position + pads >= 4 {
                    // A complete padding sequence: Python stops reading here.
                    return true;
                }
            }
            continue;
        }
        let value = DECODE[usize::from(byte)];
        if value == INVALID {
            continue;
        }
        pads = 0;
        match quad_position {
            0 => {
                quad_position = 1;
                left = value;
            }
            1 => {
                quad_position = 2;
                out.push((left << 2) | (value >> 4));
                left = value & 0x0f;
            }
            2 => {
                quad_position = 3;
                out.push((left << 4) | (value >> 2));
                left = value & 0x03;
            }
            _ => {
                quad_position = 0;
                out.push((left << 6) | value);
                left = 0;
            }
        }
    }
    quad_position == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_python() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"f"), "Zg==");
        assert_eq!(encode(b"fo"), "Zm8=");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode(b"foob"), "Zm9vYg==");
        assert_eq!(encode(&[0xff, 0xfe, 0xfd, 0xfc]), "//79/A==");
    }

    #[test]
    fn decodes_like_python_b64decode() {
        // Outputs checked against CPython 3.11 `base64.b64decode(x)`.
        assert_eq!(decode_lenient(b"Zm9vYg==").unwrap(), b"foob");
        assert_eq!(decode_lenient(b"Zm9v\nYg==").unwrap(), b"foob");
        assert_eq!(decode_lenient(b"Zm9vYg==garbage").unwrap(), b"foob");
        assert!(decode_lenient(b"Zm9vYg").is_none());
        assert!(decode_lenient(b"Zm9vY").is_none());
        assert_eq!(decode_lenient(b"Z=m9v").unwrap(), b"foo");
        assert_eq!(decode_lenient(b"Zm9v=").unwrap(), b"foo");
        assert_eq!(decode_lenient(b"Zm=9v").unwrap(), b"foo");
        assert_eq!(decode_lenient(b"Zm8=").unwrap(), b"fo");
        assert_eq!(decode_lenient(b"Zm9=").unwrap(), b"fo");
        assert_eq!(decode_lenient(b"").unwrap(), b"");
        assert_eq!(decode_lenient(b"!!").unwrap(), b"");
    }

    #[test]
    fn round_trips() {
        for length in 0..70 {
            let bytes: Vec<u8> = (0..length).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(decode_lenient(encode(&bytes).as_bytes()).unwrap(), bytes);
        }
    }
}
